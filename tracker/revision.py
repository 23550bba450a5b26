"""The data revision: one number that every write the public can see moves.

``bump()`` is called inside the write's transaction (publish, correction,
``load_papers``, theme/link/acting-body edits, evidence edits, imports, new
indicator figures), so the revision and the data change together or not at all.
``current()`` is what every public read is keyed by: the response cache, the
ETags and the ``X-Data-Revision`` header.

Each process remembers the revision for at most ``DATA_REVISION_TTL`` seconds
(default 1) before reading its row again (one primary-key query).  A write
forgets it in its own process at once, and again when it commits, so a process
never serves what it wrote stale; another process may, for at most that bound
(documented in the README's production section).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import DataRevision


@dataclass(frozen=True)
class Revision:
    number: int
    changed_at: dt.datetime | None  # when it last moved (None before any write)


_memo: tuple[float, Revision] | None = None
_lock = threading.Lock()


def _ttl() -> float:
    return float(getattr(settings, "DATA_REVISION_TTL", 1.0))


def forget() -> None:
    """Read the revision from the database at the next ``current()``."""
    global _memo
    with _lock:
        _memo = None


def bump() -> None:
    """Move the revision, in the caller's transaction."""
    now = timezone.now()
    moved = DataRevision.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now)
    if not moved:
        # The row is made by the migration; a flushed test database loses it.
        with transaction.atomic():
            revision, created = DataRevision.objects.select_for_update().get_or_create(
                pk=1, defaults={"number": 1, "changed_at": now}
            )
            if not created:
                DataRevision.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now)
    forget()
    transaction.on_commit(forget)


def current() -> Revision:
    """The revision now (as this process last read it, at most the TTL ago)."""
    global _memo
    now = time.monotonic()
    memo = _memo
    if memo is not None and now - memo[0] < _ttl():
        return memo[1]
    row = DataRevision.objects.filter(pk=1).values_list("number", "changed_at").first()
    revision = Revision(*row) if row else Revision(0, None)
    with _lock:
        _memo = (now, revision)
    return revision
