"""Reads that only the researchers' pages need (the shared reads, used by the
API too, live in ``selectors.py`` and are reused here).

Each function runs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from evidence.models import Evidence

from .. import selectors
from ..models import Proposal, StatusUpdate


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
