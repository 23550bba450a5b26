"""The same file is never imported twice at once.

Two imports of one file that run together each look for updates that already
exist, neither sees the other's uncommitted drafts, and both write every row.
So an import first claims the SHA-256 of its file in the database
(``ImportClaim``, unique per importer): the claim is an INSERT committed at once,
so a second import of the same bytes, in any process, fails to insert and is
refused (``ImportInProgress``: a 409) before it reads a row.  The claim goes when
the import ends, done or failed, and the file can then be imported again (which
skips what exists).

The key is the file's content and the importer, not who imports it nor the mode:
two editors, or one as drafts and one publishing, would write duplicates just
the same.  A claim left by a process that died is taken over once older than
``TRACKER_IMPORT_CLAIM_TIMEOUT`` seconds (longer than any import may run).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from ..models import ImportClaim
from ..permissions import User

STATUS_UPDATES = "status_updates"
RELEASE_ATTEMPTS = 50  # × 0.1 s


class ImportInProgress(Exception):
    """The same file is being imported now; nothing was done."""

    def __init__(self, held: ImportClaim | None) -> None:
        self.claim = held
        if held is None:
            # Released between our insert and our look: it was just finishing.
            who = "another import"
        else:
            user = held.user.get_username() if held.user else "someone"
            mode = "publishing" if held.mode == "publish" else "as drafts"
            local = timezone.localtime(held.claimed_at)
            who = f"{user}, {mode}, since {local:%H:%M:%S}"
        self.message = (
            f"This file is already being imported ({who}). Nothing was written. When that "
            "import has finished, importing the file again creates only what it did not."
        )
        super().__init__(self.message)


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def claim(raw: bytes, *, actor: User, mode: str, importer: str = STATUS_UPDATES) -> ImportClaim:
    """Claim ``raw`` for this import, or raise ``ImportInProgress``."""
    digest = content_hash(raw)
    abandoned = timezone.now() - dt.timedelta(seconds=settings.TRACKER_IMPORT_CLAIM_TIMEOUT)
    ImportClaim.objects.filter(
        importer=importer, content_hash=digest, claimed_at__lt=abandoned
    ).delete()
    try:
        with transaction.atomic():
            return ImportClaim.objects.create(
                importer=importer, content_hash=digest, mode=mode, user_id=actor.pk
            )
    except IntegrityError:
        held = (
            ImportClaim.objects.filter(importer=importer, content_hash=digest)
            .select_related("user")
            .first()
        )
        raise ImportInProgress(held) from None


@contextlib.contextmanager
def claimed(raw: bytes, *, actor: User, mode: str) -> Iterator[ImportClaim]:
    """``claim`` for the length of a ``with`` block (an import run in this process)."""
    held = claim(raw, actor=actor, mode=mode)
    try:
        yield held
    finally:
        release(held.pk)


def attach_job(held: ImportClaim, job_id: str) -> None:
    ImportClaim.objects.filter(pk=held.pk).update(job_id=job_id)


def release(claim_id: int | None) -> None:
    """End a claim (idempotent: a second call finds nothing).

    Tried again for a few seconds while SQLite is locked by another writer: a claim
    left behind would refuse this file until it times out."""
    if claim_id is None:
        return
    for attempt in range(RELEASE_ATTEMPTS):
        try:
            ImportClaim.objects.filter(pk=claim_id).delete()
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == RELEASE_ATTEMPTS - 1:
                raise
            time.sleep(0.1)
