"""Reads shared by the API and the HTML pages.

Each function returns querysets or plain objects with a fixed number of
queries, whatever the number of proposals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.db import models
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from evidence.models import Evidence

from . import permissions
from .models import (
    NEWEST_FIRST,
    LinkedProposal,
    Paper,
    Proposal,
    ProposalLink,
    ProposalRef,
    StatusUpdate,
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
    ids = [p.pk for p in proposals]
    for proposal in proposals:
        proposal.attached_children = []
        proposal.attached_links = []
    if not ids:
        return proposals
    empty = Value("", output_field=models.CharField())

    def rows(queryset: QuerySet[Any], owner: str, kind: str, reference: str, **text: Any) -> Any:
        return queryset.annotate(
            r_owner=F(owner),
            r_kind=Value(kind, output_field=models.CharField()),
            r_reference=F(reference),
            r_type=text.get("link_type", empty),
            r_note=text.get("note", empty),
        ).values_list("r_owner", "r_kind", "r_reference", "r_type", "r_note")

    children = rows(Proposal.objects.filter(parent_id__in=ids), "parent_id", "child", "reference")
    links = ProposalLink.objects.order_by()
    out, into = (
        rows(
            links.filter(**{f"{mine}_id__in": ids}),
            f"{mine}_id",
            kind,
            f"{other}__reference",
            link_type=F("link_type"),
            note=F("note"),
        )
        for mine, other, kind in (
            ("from_proposal", "to_proposal", "to_138"),
            ("to_proposal", "from_proposal", "from_118"),
        )
    )
    by_pk = {p.pk: p for p in proposals}
    found = sorted(children.order_by().union(out, into, all=True), key=_relative_order)
    for owner, kind, reference, link_type, note in found:
        proposal = by_pk[owner]
        if kind == "child":
            proposal.attached_children.append(ProposalRef(reference))
        else:
            proposal.attached_links.append(
                LinkedProposal(kind, link_type, note, ProposalRef(reference))
            )
    return proposals


def _relative_order(row: tuple[int, str, str, str, str]) -> tuple[int, str, str]:
    # Children in the order of their references; outgoing links before incoming.
    owner, kind, reference, _, _ = row
    return (owner, {"child": "0", "to_138": "1", "from_118": "2"}[kind], reference)


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
