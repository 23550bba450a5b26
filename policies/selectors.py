"""Reads shared by the API and the HTML pages.

Each function returns querysets or plain objects with a fixed number of
queries, whatever the number of proposals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)

from evidence.models import Evidence

from . import permissions
from .models import (
    NEWEST_FIRST,
    ActingBody,
    LinkedProposal,
    Paper,
    Proposal,
    ProposalLink,
    ProposalRef,
    Section,
    StatusUpdate,
    Theme,
)

if TYPE_CHECKING:
    from .models import ProposalWithStatus


def proposal_queryset(
    *, as_at: dt.date | None = None, current_bodies: bool = True
) -> QuerySet[ProposalWithStatus]:
    """Proposals with everything a list or a detail shows, ``current_status`` annotated
    (the stored status, or with ``as_at`` the status that stood that day: then
    ``attach_current_updates`` gives each its update of that day).
    ``current_bodies``: prefetch the acting bodies of each current update (the
    detail takes them from its history instead).  Children and links come with
    ``attach_listing`` (one query for the page, not one per relation).  The stored search data is left
    out (``policies.search`` reads it in SQL)."""
    proposals = Proposal.objects.defer("search_vector")
    queryset = proposals.select_related("paper", "section", "parent").prefetch_related(
        "themes",
    )
    if as_at is None:
        queryset = queryset.select_related("current_update")
        if current_bodies:
            queryset = queryset.prefetch_related("current_update__acting_bodies")
    return queryset.with_status(as_at=as_at)


def attach_listing(
    proposals: Iterable[ProposalWithStatus], *, from_history: bool = False
) -> list[ProposalWithStatus]:
    """Everything a list row or a detail shows beyond ``proposal_queryset``: the
    children and links of each (``attach_relatives``) and, for a past date, the
    update that stood then (``attach_current_updates``)."""
    proposals = attach_relatives(proposals)
    if from_history:
        for proposal in proposals:
            _corrections_from_history(getattr(proposal, "public_updates", None) or [])
    return attach_current_updates(proposals, from_history=from_history)


def attach_relatives(proposals: Iterable[ProposalWithStatus]) -> list[ProposalWithStatus]:
    """Give each proposal ``attached_children`` and ``attached_links`` (see
    ``Proposal.child_references``/``linked_proposals``) in one query: its body
    pledges, its links to paper 138 and its links from paper 118, as one UNION."""
    proposals = list(proposals)
    found = relatives_by_id([p.pk for p in proposals])
    for proposal in proposals:
        proposal.attached_children, proposal.attached_links = found[proposal.pk]
    return proposals


def relatives_by_id(
    ids: list[int],
) -> dict[int, tuple[list[ProposalRef], list[LinkedProposal]]]:
    """The children and links of each of these proposals (``attach_relatives``),
    by id, in one query (none without ids)."""
    listed = _listing_by_id(ids, everything=False)
    return {pk: (found.children, found.links) for pk, found in listed.items()}


@dataclass
class _Listed:
    """What a list row shows of a proposal beyond its own row (``_listing_by_id``)."""

    children: list[ProposalRef] = field(default_factory=list)
    links: list[LinkedProposal] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)  # slugs, by name
    bodies: list[dict[str, Any]] = field(default_factory=list)  # of the current update
    # Where it stands and since when (``PROPOSAL_JOINED``), with ``everything``.
    joined: dict[str, Any] = field(default_factory=dict)


# Ids per query of ``_listing_by_id``: on SQLite each is bound up to seven times, and
# SQLite takes at most 32,766 parameters a statement.
_LISTING_CHUNK = 2000
_CHILD, _TO_138, _FROM_118, _THEME, _BODY, _PLACE, _STANDING = range(7)
_LINK_KINDS = {_TO_138: "to_138", _FROM_118: "from_118"}


def _listing_sql(count: int, *, everything: bool) -> str:
    """One UNION ALL over the relations of ``count`` proposals, each row
    ``(owner, part, reference or slug, link type or name, note or kind, sort, sort)``
    (the parts ``_PLACE`` and ``_STANDING`` put other values in those columns: see
    ``_listing_by_id``), in the order of the part and then of the two sort columns:
    themes by name and acting bodies by kind and name, as their models order them.
    Written out (table names from the models) because the same union built with the
    ORM cost more to compile than to run: about 3 ms a page."""
    # PostgreSQL takes the ids as one array (a short statement, which psycopg keeps
    # parsed); SQLite as a list of parameters.
    ids = "= ANY(%s)" if connection.vendor == "postgresql" else f"IN ({', '.join(['%s'] * count)})"
    proposal = Proposal._meta.db_table
    link = ProposalLink._meta.db_table
    branches = [
        f"SELECT parent_id, {_CHILD}, reference, '', '', '', '' FROM {proposal} "  # noqa: S608 - names from the models
        f"WHERE parent_id {ids}",
        f"SELECT l.from_proposal_id, {_TO_138}, p.reference, l.link_type, l.note, '', '' "  # noqa: S608 - names from the models
        f"FROM {link} l INNER JOIN {proposal} p ON p.id = l.to_proposal_id "
        f"WHERE l.from_proposal_id {ids}",
        f"SELECT l.to_proposal_id, {_FROM_118}, p.reference, l.link_type, l.note, '', '' "  # noqa: S608 - names from the models
        f"FROM {link} l INNER JOIN {proposal} p ON p.id = l.from_proposal_id "
        f"WHERE l.to_proposal_id {ids}",
    ]
    if everything:
        themed = Proposal.themes.through._meta.db_table
        theme = Theme._meta.db_table
        named = StatusUpdate.acting_bodies.through._meta.db_table
        body = ActingBody._meta.db_table
        section = Section._meta.db_table
        paper = Paper._meta.db_table
        update = StatusUpdate._meta.db_table
        order = connection.ops.quote_name("order")
        branches += [
            f"SELECT pt.proposal_id, {_THEME}, t.slug, '', '', t.name, '' FROM {themed} pt "  # noqa: S608 - names from the models
            f"INNER JOIN {theme} t ON t.id = pt.theme_id WHERE pt.proposal_id {ids}",
            f"SELECT p.id, {_BODY}, b.slug, b.name, b.kind, b.kind, b.name FROM {proposal} p "  # noqa: S608 - names from the models
            f"INNER JOIN {named} sb ON sb.statusupdate_id = p.current_update_id "
            f"INNER JOIN {body} b ON b.id = sb.actingbody_id WHERE p.id {ids}",
            # Its paper's number and its section; its parent's reference and its
            # current update's date (NULL without one): text in the union, typed again
            # in ``_listing_by_id``.
            f"SELECT p.id, {_PLACE}, s.number, s.title, CAST(s.{order} AS TEXT), "  # noqa: S608 - names from the models
            f"CAST(pa.number AS TEXT), '' FROM {proposal} p "
            f"INNER JOIN {section} s ON s.id = p.section_id "
            f"INNER JOIN {paper} pa ON pa.id = p.paper_id WHERE p.id {ids}",
            f"SELECT p.id, {_STANDING}, parent.reference, CAST(su.effective_date AS TEXT), "  # noqa: S608 - names from the models
            f"su.date_precision, '', '' FROM {proposal} p "
            f"LEFT OUTER JOIN {proposal} parent ON parent.id = p.parent_id "
            f"LEFT OUTER JOIN {update} su ON su.id = p.current_update_id WHERE p.id {ids}",
        ]
    return " UNION ALL ".join(branches) + " ORDER BY 2, 6, 7"


def _listing_by_id(ids: list[int], *, everything: bool) -> dict[int, _Listed]:
    """Children and links (and with ``everything`` the themes, the current update's
    acting bodies and the ``PROPOSAL_JOINED`` values) of each of these proposals, by
    id: one query per
    ``_LISTING_CHUNK`` ids, none without ids.  Children come in the order of their
    references, outgoing links before incoming (each in the order of the other
    proposal's reference)."""
    listed = {pk: _Listed() for pk in ids}
    unique = list(listed)
    for start in range(0, len(unique), _LISTING_CHUNK):
        chunk = unique[start : start + _LISTING_CHUNK]
        parts = 7 if everything else 3
        with connection.cursor() as cursor:
            params = [chunk] if connection.vendor == "postgresql" else chunk
            cursor.execute(_listing_sql(len(chunk), everything=everything), params * parts)
            found = cursor.fetchall()
        for owner, part, key, text, more, sort, _ in found:
            entry = listed[owner]
            if part == _CHILD:
                entry.children.append(ProposalRef(key))
            elif part == _THEME:
                entry.themes.append(key)
            elif part == _BODY:
                entry.bodies.append({"slug": key, "name": text, "kind": more})
            elif part == _PLACE:
                entry.joined |= {
                    "section__number": key,
                    "section__title": text,
                    "section__order": int(more),
                    "paper__number": int(sort),
                }
            elif part == _STANDING:
                entry.joined |= {
                    "parent__reference": key,
                    "current_update__effective_date": None
                    if text is None
                    else dt.date.fromisoformat(text),
                    "current_update__date_precision": more,
                }
            else:
                entry.links.append(LinkedProposal(_LINK_KINDS[part], text, more, ProposalRef(key)))
    for entry in listed.values():
        entry.children.sort(key=lambda child: child.reference)
        entry.links.sort(key=lambda link: (link.direction != "to_138", link.proposal.reference))
    return listed


_PUBLIC_CORRECTIONS = "public_corrections"


def _corrections_from_history(history: list[StatusUpdate]) -> None:
    """Each update's ``public_corrections`` from the proposal's own public history
    (a correction is an update of the same proposal): no query."""
    for update in history:
        # The attribute status_update_queryset's Prefetch(to_attr=...) gives.
        setattr(update, _PUBLIC_CORRECTIONS, [u for u in history if u.corrects_id == update.pk])


def attach_current_updates(
    proposals: Iterable[ProposalWithStatus], *, from_history: bool = False
) -> list[ProposalWithStatus]:
    """Give each proposal read for a past date (``proposal_queryset(as_at=...)``)
    ``as_at_update``, the update that stood then (or None), in one query plus one
    prefetch.  Proposals read for now carry their stored ``current_update``
    already and are returned as they are.

    ``from_history``: proposals from ``proposal_detail_queryset`` take it from
    their ``public_updates`` (no query when every update is found there).
    """
    proposals = list(proposals)
    dated = [p for p in proposals if hasattr(p, "as_at_update_id")]
    if from_history:
        for proposal in proposals:
            if proposal in dated or proposal.current_update_id is None:
                continue
            # The stored current update, with its acting bodies, from the history.
            history = getattr(proposal, "public_updates", None) or []
            found = next((u for u in history if u.pk == proposal.current_update_id), None)
            if found is not None:
                proposal.current_update = found
        # The update that stood is a published one, so it is among the proposal's
        # prefetched public history (with its acting bodies): no query for it.
        missing: list[ProposalWithStatus] = []
        for proposal in dated:
            wanted = proposal.as_at_update_id
            history = getattr(proposal, "public_updates", None) or []
            found = next((u for u in history if wanted and u.pk == wanted), None)
            if found is None:
                missing.append(proposal)
            else:
                proposal.as_at_update = found
        attach_current_updates(missing)
        return proposals
    ids = {wanted for p in dated if (wanted := p.as_at_update_id)}
    updates = (
        {u.pk: u for u in StatusUpdate.objects.filter(pk__in=ids).prefetch_related("acting_bodies")}
        if ids
        else {}
    )
    for proposal in dated:
        wanted = proposal.as_at_update_id
        proposal.as_at_update = updates.get(wanted) if wanted else None
    return proposals


def paper_queryset() -> QuerySet[Paper]:
    return Paper.objects.prefetch_related("sections")


def _author_role() -> Subquery:
    """The author's highest role, computed in the row's own query: the public
    author label needs it, and ``permissions.role_of`` would ask once per row."""
    rank = Case(
        *(When(name=role, then=n) for n, role in enumerate(permissions.ROLES)),
        output_field=IntegerField(),
    )
    groups = Group.objects.filter(user=OuterRef("author_id"), name__in=permissions.ROLES)
    return Subquery(groups.annotate(rank=rank).order_by("-rank").values("name")[:1])


def status_update_queryset() -> QuerySet[StatusUpdate]:
    """Public status updates (published, and published-then-corrected) with what
    ``StatusUpdateSerializer`` shows, in a fixed number of queries.

    The author comes with the row, and their role as ``author_role`` (see
    ``StatusUpdateSerializer.get_author``), so the public author label costs no
    query per row."""
    return (
        StatusUpdate.objects.public()
        .select_related("proposal", "author")
        .annotate(author_role=_author_role())
        .prefetch_related(
            "acting_bodies",
            "evidence",
            Prefetch(
                "corrections",
                queryset=StatusUpdate.objects.public().only("id", "corrects_id"),
                to_attr="public_corrections",
            ),
        )
    )


def draft_queryset() -> QuerySet[StatusUpdate]:
    """Status updates in any state, with what ``DraftSerializer`` shows (author,
    reviewer), for the write API.  Who may see which is ``permissions``' call."""
    return StatusUpdate.objects.select_related(
        "proposal", "author", "reviewed_by"
    ).prefetch_related(
        "acting_bodies",
        "evidence",
        Prefetch(
            "corrections",
            queryset=StatusUpdate.objects.public().only("id", "corrects_id"),
            to_attr="public_corrections",
        ),
    )


def proposal_detail_queryset(*, as_at: dt.date | None = None) -> QuerySet[ProposalWithStatus]:
    """``proposal_queryset`` plus the public status history (newest first)."""
    history = (
        StatusUpdate.objects.public()
        .select_related("author")
        .annotate(author_role=_author_role())
        .prefetch_related("acting_bodies", "evidence")
        .order_by(*NEWEST_FIRST)
    )
    # Each update's corrections are taken from this history (attach_listing).
    # Its delivery criteria come in the same SELECT (a join, no query of their own).
    return (
        proposal_queryset(as_at=as_at, current_bodies=False)
        .select_related("delivery_criteria")
        .prefetch_related(Prefetch("status_updates", queryset=history, to_attr="public_updates"))
    )


def public_evidence_queryset() -> QuerySet[Evidence]:
    """Evidence the public may see: cited by a public status update (or frozen as such)."""
    cited = StatusUpdate.objects.public().filter(evidence=OuterRef("pk"))
    return (
        Evidence.objects.filter(Q(is_published=True) | Exists(cited))
        .prefetch_related(
            Prefetch(
                "status_updates",
                queryset=StatusUpdate.objects.public().only("id").order_by("pk"),
                to_attr="public_updates",
            )
        )
        .order_by("-published_date", "title", "pk")
    )


# --- Proposal rows without model instances (the API list) -----------------------

# What a list row shows of a proposal read for now, as ``QuerySet.values`` names it
# (``proposal_rows``); ``row_of`` gives the same keys from an instance.
PROPOSAL_ROW_FIELDS = (
    "id",
    "reference",
    "section_id",
    "kind",
    "position",
    "paragraph",
    "argued_in",
    "text",
    "repairs",
    "applicability",
    "status",
    "current_update_id",
    "source_line_start",
    "source_line_end",
    "version",
    "updated_at",
)
# What ``attach_row_listing`` adds to a row from the related rows, under the names
# ``QuerySet.values`` would give them (``row_of`` gives the same).
PROPOSAL_JOINED = (
    "paper__number",
    "section__number",
    "section__title",
    "section__order",
    "parent__reference",
    "current_update__effective_date",
    "current_update__date_precision",
)


def proposal_rows(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The proposals of ``queryset`` (``proposal_queryset()``, read for now, filtered
    and ordered) as dicts of ``PROPOSAL_ROW_FIELDS``, their own columns only: no
    join (each cost 0.3-0.5 ms of planning and conversion a page at 10,000 rows)
    and no model instance.  ``attach_row_listing`` adds the rest of what a row
    shows, the related rows' values among it."""
    return queryset.prefetch_related(None).values(*PROPOSAL_ROW_FIELDS)


def attach_row_listing(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each row of ``proposal_rows`` what ``proposal_queryset`` prefetches and
    ``attach_listing`` attaches, as plain values: ``themes`` (slugs, by name),
    ``acting_bodies`` of its current update (dicts, by kind and name),
    ``children`` (references) and ``links`` (``LinkedProposal``), and the
    ``PROPOSAL_JOINED`` values (its paper's number, its section, its parent's
    reference, its current update's date), in one query (none without rows)."""
    rows = list(rows)
    listed = _listing_by_id([row["id"] for row in rows], everything=True)
    for row in rows:
        found = listed[row["id"]]
        row.update(found.joined)
        row["themes"] = found.themes
        row["acting_bodies"] = found.bodies
        row["children"] = [child.reference for child in found.children]
        row["links"] = found.links
    return rows


def row_of(proposal: Proposal) -> dict[str, Any]:
    """The row of ``proposal_rows`` plus ``attach_row_listing`` for a proposal read
    as an instance (``proposal_queryset`` and ``attach_listing``; also for a past
    date): one representation for both (``ProposalSerializer.represent_row``)."""
    now = proposal.status_now
    update = now.update
    section = proposal.section
    return {
        "id": proposal.pk,
        "reference": proposal.reference,
        "paper__number": proposal.paper.number,
        "section_id": section.pk,
        "section__number": section.number,
        "section__title": section.title,
        "section__order": section.order,
        "kind": proposal.kind,
        "position": proposal.position,
        "paragraph": proposal.paragraph,
        "argued_in": proposal.argued_in,
        "text": proposal.text,
        "repairs": proposal.repairs,
        "applicability": proposal.applicability,
        "parent__reference": proposal.parent.reference if proposal.parent is not None else None,
        "status": now.status,
        "current_update_id": update.pk if update is not None else None,
        "current_update__effective_date": now.effective_date,
        "current_update__date_precision": now.date_precision,
        "source_line_start": proposal.source_line_start,
        "source_line_end": proposal.source_line_end,
        "version": proposal.version,
        "updated_at": proposal.updated_at,
        "themes": [theme.slug for theme in proposal.themes.all()],
        "acting_bodies": [
            {"slug": body.slug, "name": body.name, "kind": body.kind} for body in now.acting_bodies
        ],
        "children": [child.reference for child in proposal.child_references()],
        "links": proposal.linked_proposals(),
    }
