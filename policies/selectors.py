"""Reads shared by the API and the HTML pages.

Each function returns querysets or plain objects with a fixed number of
queries, whatever the number of proposals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from .models import Paper, Proposal, ProposalLink, StatusUpdate


def proposal_queryset(as_at: dt.date | None = None) -> QuerySet[Proposal]:
    """Proposals with everything a list or a detail shows, current status annotated."""
    return (
        Proposal.objects.select_related("paper", "section", "parent")
        .prefetch_related(
            "themes",
            Prefetch("children", queryset=Proposal.objects.only("id", "reference", "parent_id")),
            Prefetch(
                "links_out",
                queryset=ProposalLink.objects.select_related("to_proposal").only(
                    "id",
                    "link_type",
                    "note",
                    "from_proposal_id",
                    "to_proposal__id",
                    "to_proposal__reference",
                ),
            ),
            Prefetch(
                "links_in",
                queryset=ProposalLink.objects.select_related("from_proposal").only(
                    "id",
                    "link_type",
                    "note",
                    "to_proposal_id",
                    "from_proposal__id",
                    "from_proposal__reference",
                ),
            ),
        )
        .with_status(as_at=as_at)
    )


def attach_current_updates(proposals: Iterable[Proposal]) -> list[Proposal]:
    """Give each proposal ``current_update`` (or None) in one query plus one prefetch.

    Works on any iterable of proposals annotated by ``with_status``, e.g. one
    page of a paginated list.
    """
    proposals = list(proposals)
    ids = {p.current_update_id for p in proposals if getattr(p, "current_update_id", None)}
    updates = (
        {u.pk: u for u in StatusUpdate.objects.filter(pk__in=ids).prefetch_related("acting_bodies")}
        if ids
        else {}
    )
    for proposal in proposals:
        proposal.current_update = updates.get(getattr(proposal, "current_update_id", None))
    return proposals


def paper_queryset() -> QuerySet[Paper]:
    return Paper.objects.prefetch_related("sections")
