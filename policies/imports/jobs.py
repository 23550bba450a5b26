"""Imports too long for one request run as a background job: the file and the
job's progress live in the cache (Redis in production), so the worker and the
web process both see them.  ``start_or_run`` is the one entry point of the
import page and the API: small files are imported at once, long ones queued.

The task takes a job id, calls the import and can run twice without harm: a
second run finds the job finished and does nothing (and the import itself
skips updates that already exist).  Whatever stops it (a refused file, a
database error, a bug) ends the job "failed" with the reason: a job never stays
"running".  A job that ends, done or failed, deletes its stored file and
releases its claim on the file (``claims``: the same file is not imported twice
at once).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import OperationalError, transaction

from tracker import faults

from .. import permissions, services
from ..permissions import User
from . import claims
from .apply import ImportResult, apply, import_file
from .parse import ImportRejected, Progress, check_size, count_rows, decode, parse

log = logging.getLogger(__name__)

JOB_TTL = 24 * 60 * 60


class ImportBusy(Exception):
    """The database was locked by another write for longer than it waits (SQLite
    allows one writer at a time); nothing was imported."""

    message = (
        "Another import or edit is writing to the database, so this import could not "
        "start. Nothing was written; try again in a minute."
    )


def _key(job_id: str, part: str = "state") -> str:
    return f"tracker:import:{job_id}:{part}"


def job_state(job_id: str) -> dict[str, Any] | None:
    return cache.get(_key(job_id))


def _set(job_id: str, **changes: Any) -> dict[str, Any]:
    state = (job_state(job_id) or {}) | changes
    cache.set(_key(job_id), state, JOB_TTL)
    return state


def _end(job_id: str, **changes: Any) -> dict[str, Any]:
    """Finish a job, done or failed: its file goes, and its claim on the file."""
    cache.delete(_key(job_id, "file"))
    state = _set(job_id, **changes)
    claims.release(state.get("claim_id"))
    return state


def start_import_job(
    actor: User,
    *,
    raw: bytes,
    mode: str,
    filename: str = "",
    claim: claims.ImportClaim | None = None,
) -> str:
    """Store the file, record a queued job and enqueue it once the request commits.
    The job owns ``claim`` from here on and releases it when it ends."""
    check_size(raw)  # before anything is stored
    job_id = uuid.uuid4().hex
    cache.set(_key(job_id, "file"), raw, JOB_TTL)
    _set(
        job_id,
        id=job_id,
        user_id=actor.pk,
        claim_id=claim.pk if claim else None,
        mode=mode,
        filename=filename,
        state="queued",
        phase="queued",
        done=0,
        total=count_rows(raw),
        errors=[],
        result=None,
    )
    if claim is not None:
        claims.attach_job(claim, job_id)

    def enqueue() -> None:
        try:
            faults.enqueue(run_import, job_id)
        except Exception:
            # Not queued (the broker is down): nothing may wait for a worker.
            _end(job_id, state="failed", errors=["The job could not be queued."])
            raise

    transaction.on_commit(enqueue)
    return job_id


@shared_task(name="policies.tasks.run_import", acks_late=True)
def run_import(job_id: str) -> dict[str, Any] | None:
    state = job_state(job_id)
    if state is None or state["state"] in ("done", "failed"):
        return state
    try:
        return _run(job_id, state)
    except Exception as exc:  # anything at all: the job must not stay "running"
        log.exception("import job %s failed", job_id)
        return _end(
            job_id,
            state="failed",
            errors=[
                f"The import stopped on an unexpected error ({type(exc).__name__}: {exc}). "
                "Nothing was written; the error has been logged."
            ],
        )


def _run(job_id: str, state: dict[str, Any]) -> dict[str, Any]:
    raw = cache.get(_key(job_id, "file"))
    if raw is None:
        return _end(job_id, state="failed", errors=["The uploaded file expired; upload it again."])
    actor = get_user_model().objects.get(pk=state["user_id"])

    def progress(phase: str) -> Progress:
        return lambda done, total: _set(
            job_id, state="running", phase=phase, done=done, total=total
        )

    _set(job_id, state="running", phase="validating")
    try:
        parsed = parse(decode(raw), progress("validating"))
        result = apply(actor, updates=parsed, mode=state["mode"], progress=progress("writing"))
    except ImportRejected as exc:
        return _end(job_id, state="failed", errors=exc.errors)
    except services.ServiceError as exc:
        return _end(job_id, state="failed", errors=[exc.message])
    return _end(
        job_id,
        state="done",
        phase="done",
        done=len(parsed),
        total=len(parsed),
        result=result.as_dict(),
        update_ids=result.update_ids,
    )


@dataclass
class Queued:
    """A long import went to the background: poll ``job_id``."""

    job_id: str


def start_or_run(
    actor: User, *, raw: bytes, mode: str, filename: str = ""
) -> ImportResult | Queued:
    """Import now, or queue a job when the file has more rows than a request should
    write (``TRACKER_IMPORT_BACKGROUND_ROWS``).  Raises ``ImportRejected`` (with
    line-numbered errors; ``ImportTooLarge`` before anything is stored) and
    ``services.NotPermitted`` as the import does, ``claims.ImportInProgress`` when
    the same file is being imported, ``ImportBusy`` when the database is locked."""
    check_size(raw)
    if not permissions.can_import(actor):
        raise services.NotPermitted("Only editors and admins may import.")
    try:
        held = claims.claim(raw, actor=actor, mode=mode)
        queued = False
        try:
            if count_rows(raw) > settings.TRACKER_IMPORT_BACKGROUND_ROWS:
                job_id = start_import_job(actor, raw=raw, mode=mode, filename=filename, claim=held)
                queued = True
                return Queued(job_id)
            return import_file(actor, raw=raw, mode=mode)
        finally:
            if not queued:
                claims.release(held.pk)
    except OperationalError as exc:
        # SQLite: "database is locked" (another writer held it past the wait) or, for
        # its in-memory databases, "database table is locked".
        if "locked" not in str(exc):
            raise
        raise ImportBusy(ImportBusy.message) from exc
