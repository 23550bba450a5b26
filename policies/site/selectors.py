"""Reads that only the researchers' pages need (the shared reads, used by the
API too, live in ``selectors.py`` and are reused here).

Each function runs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from evidence.models import Evidence

from .. import selectors
from ..models import Proposal, ProposalLink, StatusUpdate


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
