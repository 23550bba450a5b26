"""Celery tasks: thin, idempotent, one refresh per indicator.

A task takes an indicator's slug and calls the service.  Transient errors
(rate limits, 5xx, the network) are retried with exponential backoff and
jitter; a layout change or an unknown force is not retried — it needs a
person, and the failed run says why.  Each indicator is its own task, so one
failing source never stops the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from . import services
from .models import Indicator
from .sources import TransientSourceError

if TYPE_CHECKING:
    from celery import Task

TIME_LIMIT = settings.INDICATOR_TASK_TIME_LIMIT


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
    soft_time_limit=TIME_LIMIT - 60,
    time_limit=TIME_LIMIT,
)
def refresh_indicator(self: Task[[str], dict[str, Any]], slug: str) -> dict[str, Any]:
    indicator = Indicator.objects.get(slug=slug)
    run = services.refresh_indicator(indicator)
    return {
        "indicator": slug,
        "run": run.pk,
        "outcome": str(run.outcome),
        "rows_read": run.rows_read,
        "added": run.rows_added,
        "revised": run.rows_revised,
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
