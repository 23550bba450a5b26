"""Imports too long for one request run as a background job: the file and the
job's progress live in the cache (Redis in production), so the worker and the
web process both see them.  ``start_or_run`` is the one entry point of the
import page and the API: small files are imported at once, long ones queued.

The task takes a job id, calls the import and can run twice without harm: a
second run finds the job finished and does nothing (and the import itself
skips updates that already exist).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from .. import services
from ..permissions import User
from .apply import ImportResult, apply, import_file
from .parse import ImportRejected, Progress, count_rows, decode, parse

JOB_TTL = 24 * 60 * 60


def _key(job_id: str, part: str = "state") -> str:
    return f"tracker:import:{job_id}:{part}"


def job_state(job_id: str) -> dict[str, Any] | None:
    return cache.get(_key(job_id))


def _set(job_id: str, **changes: Any) -> dict[str, Any]:
    state = (job_state(job_id) or {}) | changes
    cache.set(_key(job_id), state, JOB_TTL)
    return state


def start_import_job(actor: User, *, raw: bytes, mode: str, filename: str = "") -> str:
    """Store the file, record a queued job and enqueue it once the request commits."""
    job_id = uuid.uuid4().hex
    cache.set(_key(job_id, "file"), raw, JOB_TTL)
    _set(
        job_id,
        id=job_id,
        user_id=actor.pk,
        mode=mode,
        filename=filename,
        state="queued",
        phase="queued",
        done=0,
        total=count_rows(raw),
        errors=[],
        result=None,
    )
    transaction.on_commit(lambda: run_import.delay(job_id))
    return job_id


@shared_task(name="policies.tasks.run_import", acks_late=True)
def run_import(job_id: str) -> dict[str, Any] | None:
    state = job_state(job_id)
    if state is None or state["state"] in ("done", "failed"):
        return state
    raw = cache.get(_key(job_id, "file"))
    if raw is None:
        return _set(job_id, state="failed", errors=["The uploaded file expired; upload it again."])
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
        return _set(job_id, state="failed", errors=exc.errors)
    except services.ServiceError as exc:
        return _set(job_id, state="failed", errors=[exc.message])
    cache.delete(_key(job_id, "file"))
    return _set(
        job_id,
        state="done",
        phase="done",
        done=len(parsed),
        total=len(parsed),
        result=result.as_dict(),
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
    line-numbered errors) and ``services.NotPermitted`` as the import does."""
    if count_rows(raw) > settings.TRACKER_IMPORT_BACKGROUND_ROWS:
        return Queued(start_import_job(actor, raw=raw, mode=mode, filename=filename))
    return import_file(actor, raw=raw, mode=mode)
