"""What changed, newest first: published status updates, corrections and edited
proposals, in a window, for ``/api/v1/changes/`` and the Atom feeds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Exists, OuterRef

from .models import Proposal, StatusUpdate
from .selectors import status_update_queryset


@dataclass
class Change:
    """One entry of the change log: a published status update (``status_update``),
    a correction (``correction``, a published update that ``corrects`` another) or
    an edit of a proposal's text or themes (``proposal_edited``)."""

    STATUS_UPDATE = "status_update"
    CORRECTION = "correction"
    PROPOSAL_EDITED = "proposal_edited"

    type: str
    at: dt.datetime
    reference: str
    update: StatusUpdate | None = None
    record: Any = None  # a HistoricalProposal


class ChangeLog:
    """Published updates, corrections and proposal edits in a window, newest first.

    A lazy sequence for Django's paginator: ``count()`` is two queries, a slice
    is two queries plus the status updates' prefetches, whatever the page.
    A corrected update stays in the log (state ``corrected``); its correction is
    a separate entry.  Proposal edits come from ``Proposal.history``: the first
    record of each version after the first.
    """

    def __init__(
        self,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        *,
        paper: int | None = None,
        theme: str | None = None,
        reference: str | None = None,
    ) -> None:
        updates = StatusUpdate.objects.public()
        # An edit is a new version of a proposal (loading and editing bump
        # ``version``); the rows that only complete the first load, and a themes
        # change saved with the same version, are not separate edits.
        history = Proposal.history.model.objects
        same_version_before = history.filter(
            id=OuterRef("id"),
            version=OuterRef("version"),
            history_date__lt=OuterRef("history_date"),
        )
        edits = history.filter(history_type="~", version__gt=1).exclude(Exists(same_version_before))
        if since is not None:
            updates = updates.filter(published_at__gte=since)
            edits = edits.filter(history_date__gte=since)
        if until is not None:
            updates = updates.filter(published_at__lt=until)
            edits = edits.filter(history_date__lt=until)
        proposals = Proposal.objects.all()
        if paper is not None:
            proposals = proposals.filter(paper__number=paper)
        if theme is not None:
            proposals = proposals.filter(themes__slug=theme)
        if reference is not None:
            proposals = proposals.filter(reference=reference)
        if paper is not None or theme is not None or reference is not None:
            ids = proposals.values("pk")
            updates = updates.filter(proposal__in=ids)
            edits = edits.filter(id__in=ids)
        self._updates = updates
        self._edits = edits
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self._updates.count() + self._edits.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Change]:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        updates = (
            status_update_queryset()
            .filter(pk__in=self._updates.values("pk"))
            .order_by("-published_at", "-pk")[:stop]
        )
        edits = self._edits.order_by("-history_date", "-history_id")[:stop]
        entries = [
            Change(
                type=Change.CORRECTION if u.corrects_id else Change.STATUS_UPDATE,
                # Public updates always have it (``statusupdate_published_has_time``).
                at=cast(dt.datetime, u.published_at),
                reference=u.proposal.reference,
                update=u,
            )
            for u in updates
        ]
        entries += [
            Change(type=Change.PROPOSAL_EDITED, at=r.history_date, reference=r.reference, record=r)
            for r in edits
        ]
        entries.sort(key=lambda c: c.at, reverse=True)
        return entries[start:stop]

    def iterator(self, chunk_size: int = 1000) -> Iterator[Change]:
        for start in range(0, self.count(), chunk_size):
            yield from self[start : start + chunk_size]
