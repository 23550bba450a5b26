"""Celery that survives a killed worker (issue 13).

* The settings: late acks, rejection on a lost worker, a broker visibility timeout
  fitted to the longest task, and an "abandoned" threshold past it.
* The run reaper (``evidence.tasks.reap_abandoned_runs``, on beat): a run left
  "running" past the threshold is marked failed and its refresh queued again,
  unless a later run exists; a young run is left alone; a run is reaped once.
* The real thing: a Celery worker (prefork, its own queue ``faults_*`` on the test
  Redis) is killed with SIGKILL in the middle of an indicator refresh (the local
  payload server holds a request open until then) and a new worker started: the
  broker redelivers the task, the refresh completes once, the figures are stored
  once and whole, the reaper then marks the killed run failed without queueing a
  refresh, and no run is left "running".  The new worker writes its heartbeat.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db.models import Count
from django.utils import timezone

from evidence import services, tasks
from evidence.models import Indicator, Observation, RefreshRun
from tests.payloads.server import PayloadServer, mount_defaults
from tests.services import redis_url, require_postgres
from tests.workers import worker_command, worker_env
from tracker import health
from tracker.celery import app

ROOT = Path(__file__).resolve().parent.parent
SLUG = "section-60-searches"


# --- Settings ----------------------------------------------------------------------


def test_redelivery_is_fitted_to_the_longest_task(settings):
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert tasks.refresh_indicator.acks_late is True
    assert tasks.refresh_indicator.reject_on_worker_lost is True
    longest = max(settings.CELERY_TASK_TIME_LIMIT, settings.INDICATOR_TASK_TIME_LIMIT)
    assert tasks.refresh_indicator.time_limit == settings.INDICATOR_TASK_TIME_LIMIT
    soft, hard = tasks.refresh_indicator.soft_time_limit, tasks.refresh_indicator.time_limit
    assert soft is not None and hard is not None
    assert 0 < soft < hard
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    # Never redelivered while it may still run; not an hour later than it can run.
    assert longest < visibility <= longest + 5 * 60
    assert visibility < settings.RUN_ABANDONED_AFTER
    assert settings.HEALTH_WORKER_HEARTBEAT_INTERVAL < settings.HEALTH_WORKER_MAX_AGE


# --- The reaper ----------------------------------------------------------------------


def running(indicator: Indicator, seconds_ago: float) -> RefreshRun:
    return RefreshRun.objects.create(
        indicator=indicator, started_at=timezone.now() - dt.timedelta(seconds=seconds_ago)
    )


def test_the_reaper_fails_an_abandoned_run_and_queues_its_refresh_again(
    indicators, payloads, settings
):
    indicator = Indicator.objects.get(slug=SLUG)
    lost = running(indicator, settings.RUN_ABANDONED_AFTER + 60)
    assert cache_value(health.BEAT_KEY) is None
    reaped = tasks.reap_abandoned_runs()  # as beat would; the queued refresh runs in-process
    assert reaped == [f"{SLUG}:{lost.pk} requeued"]
    lost.refresh_from_db()
    assert lost.outcome == RefreshRun.Outcome.FAILED
    assert lost.error.startswith("Abandoned: still running")
    assert lost.finished_at is not None
    again = RefreshRun.objects.filter(indicator=indicator).exclude(pk=lost.pk).get()
    assert again.outcome == RefreshRun.Outcome.SUCCESS
    assert Observation.objects.filter(indicator=indicator).count() == again.rows_added > 0
    assert cache_value(health.BEAT_KEY) is not None  # /readyz sees the beat run
    assert not RefreshRun.objects.filter(outcome=RefreshRun.Outcome.RUNNING).exists()


def test_the_reaper_leaves_young_runs_and_requeues_nothing_a_later_run_covers(
    indicators, settings, monkeypatch
):
    queued: list[str] = []
    monkeypatch.setattr(tasks.refresh_indicator, "delay", queued.append)
    indicator = Indicator.objects.get(slug=SLUG)
    other = Indicator.objects.exclude(slug=SLUG).first()
    assert other is not None
    old = settings.RUN_ABANDONED_AFTER + 60
    lost = running(indicator, old + 30)
    redelivered = running(indicator, old)  # the broker redelivered: a later run exists
    young = running(other, settings.RUN_ABANDONED_AFTER - 60)
    reaped = tasks.reap_abandoned_runs()
    assert sorted(reaped) == sorted([f"{SLUG}:{lost.pk}", f"{SLUG}:{redelivered.pk} requeued"])
    assert queued == [SLUG]  # once, for the latest abandoned run
    young.refresh_from_db()
    assert young.outcome == RefreshRun.Outcome.RUNNING
    # A second reaper (or a second tick) finds nothing more to do.
    assert tasks.reap_abandoned_runs() == []
    assert queued == [SLUG]


def cache_value(key: str) -> object:
    from django.core.cache import cache

    return cache.get(key)


# --- A real worker, killed with SIGKILL mid-refresh ----------------------------------


@pytest.fixture
def eager_off():
    """The suite runs tasks in-process: here they must go to the broker and the worker."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


# Short limits for the workers of this test, so the broker redelivers in seconds:
# visibility = 6 + 1 = 7 s; abandoned after 7 + 1 + 1 = 9 s.
TIME_LIMIT, MARGIN, RESTORE = 6, 1, 1


def start_worker(env: dict[str, str], queue: str, log: Path, name: str) -> subprocess.Popen:
    out = open(log, "w")  # noqa: SIM115 - closed with the process below
    worker = subprocess.Popen(
        worker_command(queue, "--pool=prefork", "--concurrency=1", "--hostname", f"{name}@%h"),
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool too
    )
    worker.log_file = out  # type: ignore[attr-defined]
    return worker


def stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, sig)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    worker.log_file.close()  # type: ignore[attr-defined]


def wait_until(condition, what: str, timeout: float, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2500:]}" for p in logs)
            pytest.fail(f"{what}: not after {timeout} s\n{tails}")
        time.sleep(0.2)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_refresh_and_restarted_completes_the_run_once(
    papers, tmp_path, settings, monkeypatch, eager_off
):
    require_postgres()
    broker = redis_url()
    services.load_indicators()
    indicator = Indicator.objects.get(slug=SLUG)

    server = PayloadServer().start()
    sources = mount_defaults(server)
    gate, reached = threading.Event(), threading.Event()
    serve = server.httpd.RequestHandlerClass

    class Held(serve):  # type: ignore[misc, valid-type]
        """Holds the first figures request open until the worker has been killed."""

        def do_GET(self) -> None:
            if "stops-force" in self.path and not gate.is_set():
                reached.set()
                gate.wait(60)
            super().do_GET()

    server.httpd.RequestHandlerClass = Held

    queue = f"faults_kill_{uuid.uuid4().hex[:10]}"
    env = worker_env(
        broker,
        sources,
        INDICATOR_TASK_TIME_LIMIT=str(TIME_LIMIT),
        CELERY_TASK_TIME_LIMIT=str(TIME_LIMIT),
        CELERY_TASK_SOFT_TIME_LIMIT=str(TIME_LIMIT - 2),
        CELERY_REDELIVERY_MARGIN=str(MARGIN),
        CELERY_RESTORE_INTERVAL=str(RESTORE),
        HEALTH_WORKER_HEARTBEAT_INTERVAL="1",
    )
    env.pop("DJANGO_TESTING", None)
    # This process reaps with the workers' threshold; what it would queue is recorded
    # (never run here: this process's sources are not the payload server).
    settings.RUN_ABANDONED_AFTER = TIME_LIMIT + MARGIN + RESTORE + MARGIN
    requeued: list[str] = []
    monkeypatch.setattr(tasks.refresh_indicator, "delay", requeued.append)
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    first = start_worker(env, queue, first_log, "faults-kill-1")
    second = None
    try:
        with app.connection_for_write(broker) as conn:
            # connection= is passed on to send_task; celery-types' apply_async lacks it.
            tasks.refresh_indicator.apply_async(args=(SLUG,), queue=queue, connection=conn)  # type: ignore[call-arg]
        wait_until(reached.is_set, "the refresh reaching its figures", 60, [first_log])
        killed = RefreshRun.objects.get(indicator=indicator)
        assert killed.outcome == RefreshRun.Outcome.RUNNING

        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        gate.set()
        assert Observation.objects.filter(indicator=indicator).count() == 0  # nothing partial

        second = start_worker(env, queue, second_log, "faults-kill-2")

        def completed() -> bool:
            if second.poll() is not None:
                pytest.fail(f"the second worker exited:\n{second_log.read_text()[-3000:]}")
            return RefreshRun.objects.filter(
                indicator=indicator, outcome=RefreshRun.Outcome.SUCCESS
            ).exists()

        wait_until(completed, "the redelivered refresh", 60, [first_log, second_log])
        done = RefreshRun.objects.get(indicator=indicator, outcome=RefreshRun.Outcome.SUCCESS)
        assert done.pk != killed.pk
        assert done.rows_added == Observation.objects.filter(indicator=indicator).count() > 0
        # Each figure once: one row per period and area (and one release).
        assert not (
            Observation.objects.filter(indicator=indicator)
            .values("period_start", "area")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .exists()
        )

        # Beat's reaper, once the killed run is past the threshold: marked failed,
        # nothing queued (the later run covers it).
        wait_until(
            lambda: (
                timezone.now() - killed.started_at
                > dt.timedelta(seconds=settings.RUN_ABANDONED_AFTER)
            ),
            "the killed run passing the threshold",
            30,
            [second_log],
        )
        runs = list(
            RefreshRun.objects.filter(indicator=indicator).values_list(
                "pk", "outcome", "started_at", "finished_at"
            )
        )
        assert tasks.reap_abandoned_runs() == [f"{SLUG}:{killed.pk}"], runs
        assert requeued == []
        killed.refresh_from_db()
        assert killed.outcome == RefreshRun.Outcome.FAILED
        assert not RefreshRun.objects.filter(outcome=RefreshRun.Outcome.RUNNING).exists()
        assert RefreshRun.objects.filter(indicator=indicator).count() == 2
        text = second_log.read_text()
        assert text.count("evidence.tasks.refresh_indicator[") >= 1
        assert text.count("succeeded in") == 1

        # The new worker writes its heartbeat where /readyz reads it.
        settings.CACHES = {
            "default": {"BACKEND": "tracker.cachebackends.FailOpenRedisCache", "LOCATION": broker}
        }
        beat = cache_value(health.WORKER_KEY)
        assert isinstance(beat, float) and time.time() - beat < 10
    finally:
        stop(first, signal.SIGKILL)
        if second is not None:
            stop(second)
        gate.set()
        server.stop()
