"""Reads that only the researchers' pages need (the shared reads, used by the
API too, live in ``selectors.py`` and are reused here).

Each function runs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from evidence.models import Evidence, Indicator, IndicatorLink

from .. import selectors
from ..models import Proposal, ProposalLink, Status, StatusUpdate, Theme

if TYPE_CHECKING:
    from ..models import ProposalWithStatus


def recent_updates(*, limit: int = 5) -> list[StatusUpdate]:
    """The latest published assessments, for the home page (one query)."""
    return list(
        StatusUpdate.objects.public()
        .select_related("proposal")
        .order_by("-published_at", "-pk")[:limit]
    )


def public_update(pk: int) -> StatusUpdate:
    """One public status update for its permalink page (raises DoesNotExist)."""
    return (
        selectors.status_update_queryset()
        .select_related("proposal__paper", "proposal__section", "corrects")
        .get(pk=pk)
    )


def evidence_library(*, kind: str = "", publisher: str = "") -> QuerySet[Evidence]:
    """Public sources (as the API defines them), optionally of one kind and publisher."""
    qs = selectors.public_evidence_queryset()
    if kind:
        qs = qs.filter(kind=kind)
    if publisher:
        qs = qs.filter(publisher=publisher)
    return qs


def evidence_publishers() -> list[str]:
    """Every publisher of a public source, for the library's filter (one query)."""
    return list(
        selectors.public_evidence_queryset()
        .prefetch_related(None)
        .order_by("publisher")
        .values_list("publisher", flat=True)
        .distinct()
    )


def attach_supported(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Give each source ``supported``: the proposals whose public status updates
    cite it, in paper order (one query for any number of sources)."""
    evidence = list(evidence)
    by_source: dict[int, dict[int, Proposal]] = {e.pk: {} for e in evidence}
    if not by_source:
        return evidence
    through = StatusUpdate.evidence.through
    rows = (
        through.objects.filter(
            evidence_id__in=list(by_source),
            statusupdate__state__in=StatusUpdate.PUBLIC_STATES,
        )
        .select_related("statusupdate__proposal")
        .order_by("statusupdate__proposal__paper__number", "statusupdate__proposal__order")
    )
    for row in rows:
        proposal = row.statusupdate.proposal
        by_source[row.evidence_id].setdefault(proposal.pk, proposal)
    for source in evidence:
        # A page-only attribute: evidence's model cannot declare it, since the
        # evidence app may not name policies' Proposal.
        source.supported = list(by_source[source.pk].values())  # type: ignore[attr-defined]
    return evidence


@dataclass
class LinkedPair:
    """A 118 proposal, a 138 proposal and the link between them."""

    link: ProposalLink
    old: Proposal
    new: Proposal


@dataclass
class Unmatched:
    """A proposal the other paper takes up in no form, with the proposals of the
    other paper it is only loosely related to."""

    proposal: Proposal
    related: list[Proposal] = field(default_factory=list)


@dataclass
class Comparison:
    """Paper 118 against paper 138, by the rule ``ProposalLink.TAKEN_UP_TYPES``."""

    pairs: dict[str, list[LinkedPair]]  # by link type, every type present
    not_revisited: list[Unmatched]  # 118 proposals that 138 takes up in no form
    new_in_138: list[Unmatched]  # 138 proposals that take up no 118 proposal
    count_118: int
    count_138: int

    @property
    def linked_118(self) -> int:
        """How many 118 proposals 138 takes up in some form."""
        return self.count_118 - len(self.not_revisited)


def comparison() -> Comparison:
    """Every link between the two papers and what neither side takes up (four queries)."""
    proposals = list(
        selectors.proposal_queryset(current_bodies=False)
        .prefetch_related("links_out", "links_in")
        .filter(paper__number__in=[118, 138])
    )
    by_pk = {p.pk: p for p in proposals}
    old = [p for p in proposals if p.paper.number == 118]
    new = [p for p in proposals if p.paper.number == 138]
    pairs: dict[str, list[LinkedPair]] = {t: [] for t in ProposalLink.LinkType.values}
    for proposal in old:
        for link in proposal.links_out.all():
            pairs[link.link_type].append(LinkedPair(link, proposal, by_pk[link.to_proposal_id]))
    not_revisited = [
        Unmatched(p, [by_pk[link.to_proposal_id] for link in p.links_out.all()])
        for p in old
        if not any(link.takes_up for link in p.links_out.all())
    ]
    new_in_138 = [
        Unmatched(p, [by_pk[link.from_proposal_id] for link in p.links_in.all()])
        for p in new
        if not any(link.takes_up for link in p.links_in.all())
    ]
    return Comparison(
        pairs=pairs,
        not_revisited=not_revisited,
        new_in_138=new_in_138,
        count_118=len(old),
        count_138=len(new),
    )


# --- Themes -------------------------------------------------------------------------


@dataclass
class ThemeSummary:
    """A theme with how many proposals of each paper it holds, and how many of them
    have a published assessment."""

    theme: Theme
    by_paper: list[tuple[int, int]]  # (paper number, proposals), papers in order
    total: int
    assessed: int


def theme_summaries() -> list[ThemeSummary]:
    """Every theme (name order) with its counts: two queries."""
    themes = list(Theme.objects.order_by("name", "pk"))
    rows = (
        Proposal.objects.filter(themes__isnull=False)
        .order_by()
        .values("themes", "paper_number", "status")
        .annotate(n=Count("pk", distinct=True))
    )
    per: dict[int, dict[int, int]] = {}
    assessed: dict[int, int] = {}
    for row in rows:
        papers = per.setdefault(row["themes"], {})
        papers[row["paper_number"]] = papers.get(row["paper_number"], 0) + row["n"]
        if row["status"] != Status.NOT_ASSESSED:
            assessed[row["themes"]] = assessed.get(row["themes"], 0) + row["n"]
    return [
        ThemeSummary(
            theme,
            sorted(per.get(theme.pk, {}).items()),
            sum(per.get(theme.pk, {}).values()),
            assessed.get(theme.pk, 0),
        )
        for theme in themes
    ]


def theme_proposals(theme: Theme) -> list[tuple[int, list[ProposalWithStatus]]]:
    """The theme's proposals with their status, grouped by paper in reading order
    (one query: a proposal's stored status and its current update)."""
    proposals = (
        selectors.proposal_queryset()
        .prefetch_related(None)
        .filter(themes=theme)
        .order_by("paper_number", "order")
    )
    grouped: dict[int, list[ProposalWithStatus]] = {}
    for proposal in proposals:
        grouped.setdefault(proposal.paper_number, []).append(proposal)
    return list(grouped.items())


@dataclass
class ThemeIndicator:
    """An indicator linked to some of a theme's proposals (``IndicatorLink``)."""

    indicator: Indicator
    proposals: list[Proposal] = field(default_factory=list)


def theme_indicators(theme: Theme) -> list[ThemeIndicator]:
    """The indicators linked to the theme's proposals, by name, each with those
    proposals in reading order (one query)."""
    links = (
        IndicatorLink.objects.filter(proposal__themes=theme)
        .select_related("indicator", "proposal")
        .only(
            "indicator__slug",
            "indicator__name",
            "indicator__unit",
            "indicator__description",
            "proposal__reference",
            "proposal__paper_number",
            "proposal__order",
        )
        .order_by("indicator__name", "indicator__pk", "proposal__paper_number", "proposal__order")
    )
    found: dict[int, ThemeIndicator] = {}
    for link in links:
        entry = found.setdefault(link.indicator_id, ThemeIndicator(link.indicator))
        if link.proposal not in entry.proposals:
            entry.proposals.append(link.proposal)
    return list(found.values())
