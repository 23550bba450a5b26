"""The Celery application.

Without ``REDIS_URL`` tasks run eagerly, in the web process; with it they go
to a real worker, and ``celery beat`` enqueues the indicator refreshes.
"""

import logging
import os
from typing import Any

from celery import Celery, bootsteps
from celery.signals import beat_init

from evidence.schedule import indicator_beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# One beat entry per indicator, read from evidence/data/indicators.yaml.
app.conf.beat_schedule = indicator_beat_schedule()


# --- Faults: the run reaper on beat, and a worker heartbeat (tracker/health.py) ----------

REAPER_TASK = "evidence.tasks.reap_abandoned_runs"
log = logging.getLogger(__name__)


@app.on_after_configure.connect
def schedule_run_reaper(sender: Celery, **kwargs: Any) -> None:
    """Every RUN_REAPER_INTERVAL seconds; a tick older than that is dropped, so a worker
    coming back after an outage does not run a backlog of stale reaper ticks."""
    from django.conf import settings

    sender.conf.beat_schedule["reap-abandoned-runs"] = {
        "task": REAPER_TASK,
        "schedule": float(settings.RUN_REAPER_INTERVAL),
        "options": {"expires": float(settings.RUN_REAPER_INTERVAL)},
    }


@beat_init.connect
def reap_when_beat_starts(sender: Any, **kwargs: Any) -> None:
    """Beat runs an interval entry first one interval after it starts: queue the reaper at
    once too, so that a fresh deployment's /readyz sees a beat run within seconds."""
    from django.conf import settings

    try:
        sender.app.send_task(REAPER_TASK, expires=float(settings.RUN_REAPER_INTERVAL))
    except Exception:  # beat itself reports a broker it cannot reach
        log.warning("beat: could not queue the run reaper at start", exc_info=True)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Each worker writes a timestamp every HEALTH_WORKER_HEARTBEAT_INTERVAL seconds from
    its main process's timer (which keeps ticking while the pool's processes work)."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.tref: Any = None

    def start(self, parent: Any) -> None:
        from django.conf import settings

        from tracker import health

        health.record_worker_heartbeat()
        self.tref = parent.timer.call_repeatedly(
            float(settings.HEALTH_WORKER_HEARTBEAT_INTERVAL), health.record_worker_heartbeat
        )

    def stop(self, parent: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None


app.steps["worker"].add(WorkerHeartbeat)


# --- Watch: the evidence link check on beat (evidence.linkhealth) ------------------------


@app.on_after_configure.connect
def schedule_link_checks(sender: Celery, **kwargs: Any) -> None:
    """On LINK_CHECK_SCHEDULE (a crontab); each run checks a bounded batch of links."""
    from django.conf import settings

    from evidence.schedule import link_check_beat_schedule

    sender.conf.beat_schedule.update(link_check_beat_schedule(settings.LINK_CHECK_SCHEDULE))
