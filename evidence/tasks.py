"""Celery tasks: thin, idempotent, one refresh per indicator.

A task takes an indicator's slug and calls the service.  Transient errors
(rate limits, 5xx, the network) are retried with exponential backoff and
jitter; a layout change or an unknown force is not retried — it needs a
person, and the failed run says why.  Each indicator is its own task, so one
failing source never stops the others.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from . import linkhealth, services, suggestions
from .models import Indicator
from .sources import TransientSourceError

if TYPE_CHECKING:
    from celery import Task

TIME_LIMIT = settings.INDICATOR_TASK_TIME_LIMIT
# A minute to record the failure before the hard limit (a quarter of a short limit).
SOFT_TIME_LIMIT = max(TIME_LIMIT - 60, TIME_LIMIT * 3 // 4)


@shared_task(
    bind=True,
    name="evidence.tasks.refresh_indicator",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientSourceError, SoftTimeLimitExceeded),
    retry_backoff=60,
    retry_backoff_max=6 * 60 * 60,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def refresh_indicator(self: Task[[str], dict[str, Any]], slug: str) -> dict[str, Any]:
    indicator = Indicator.objects.get(slug=slug)
    run = services.refresh_indicator(indicator)
    suggested = suggestions.suggest_for_indicator(indicator)  # watch: figures past a threshold
    return {
        "indicator": slug,
        "run": run.pk,
        "outcome": str(run.outcome),
        "rows_read": run.rows_read,
        "added": run.rows_added,
        "revised": run.rows_revised,
        "suggestions": len(suggested),
    }


@shared_task(name="evidence.tasks.refresh_all_indicators", acks_late=True)
def refresh_all_indicators() -> list[str]:
    """Enqueue one refresh per indicator fetched automatically."""
    slugs = list(
        Indicator.objects.exclude(source=Indicator.Source.MANUAL).values_list("slug", flat=True)
    )
    for slug in slugs:
        refresh_indicator.delay(slug)
    return slugs


@shared_task(name="evidence.tasks.reap_abandoned_runs", acks_late=True)
def reap_abandoned_runs() -> list[str]:
    """Scheduled by beat (tracker/celery.py): runs a lost worker left "running" are
    marked failed, and their refresh queued again unless the broker redelivered it
    (a later run exists).  Records the beat run for /readyz."""
    from tracker import health

    health.record_beat_run()
    reaped = services.reap_abandoned_runs(
        older_than=dt.timedelta(seconds=settings.RUN_ABANDONED_AFTER)
    )
    for item in reaped:
        if item.requeue:
            refresh_indicator.delay(item.indicator_slug)
    return [
        f"{item.indicator_slug}:{item.run.pk}{' requeued' if item.requeue else ''}"
        for item in reaped
    ]


# --- Watch: evidence links that never rot (evidence.linkhealth) ----------------------


@shared_task(
    name="evidence.tasks.check_evidence_links",
    acks_late=True,
    soft_time_limit=settings.LINK_CHECK_RUN_SECONDS + 2 * 60,
    time_limit=settings.LINK_CHECK_RUN_SECONDS + 3 * 60,
)
def check_evidence_links() -> dict[str, Any]:
    """Scheduled by beat (LINK_CHECK_SCHEDULE): check the evidence links due.  A run
    stops starting checks after LINK_CHECK_RUN_SECONDS; the limits leave the last
    ones time to finish (keep them under CELERY_TASK_TIME_LIMIT, the redelivery bound)."""
    return linkhealth.run_checks().as_dict()


@shared_task(name="evidence.tasks.request_archive_copy", acks_late=True)
def request_archive_copy(url: str) -> dict[str, Any]:
    """Ask the web archive to keep a copy of a source a campaigner just added (once:
    a failure is recorded on the link, for editors to see, not retried)."""
    link = linkhealth.request_archive_copy(url)
    return {"url": url, "result": link.archive_save_result, "archive_url": link.archive_url}
