"""Integration: a real Redis broker and a real Celery worker process refresh
indicators from a local HTTP server serving the synthetic payloads.

The worker is a separate process, so it must share the test database: this
needs PostgreSQL (an in-memory SQLite test database cannot be shared) and a
transactional test, so the worker sees committed rows and we see its writes.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pytest

from evidence import services
from evidence.models import Observation, RefreshRun
from tests.payloads.server import PayloadServer, mount_defaults
from tests.services import redis_url, require_postgres
from tests.workers import worker_command, worker_env
from tracker.celery import app

ROOT = Path(__file__).resolve().parent.parent
SLUGS = ["homicide", "section-60-searches", "police-officers-fte"]


def wait_for_runs(count: int, worker: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if RefreshRun.objects.filter(finished_at__isnull=False).count() >= count:
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}):\n{log.read_text()[-3000:]}")
        time.sleep(0.25)
    pytest.fail(
        f"no {count} finished runs after {timeout}s; worker log:\n{log.read_text()[-3000:]}"
    )


@pytest.fixture
def eager_off():
    """tracker/settings.py runs tasks eagerly under tests: switch that off here only."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refreshes_and_a_second_run_adds_nothing(papers, eager_off, tmp_path):
    require_postgres()
    broker = redis_url()
    services.load_indicators()
    server = PayloadServer().start()
    sources = mount_defaults(server)
    queue = f"indicators-test-{uuid.uuid4().hex[:10]}"
    log = tmp_path / "worker.log"
    env = worker_env(broker, sources)
    with open(log, "w") as out:
        worker = subprocess.Popen(
            worker_command(queue),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    from evidence.tasks import refresh_indicator

    try:
        with app.connection_for_write(broker) as conn:
            for slug in SLUGS:
                # connection= is passed on to send_task; celery-types' apply_async lacks it.
                refresh_indicator.apply_async(args=(slug,), queue=queue, connection=conn)  # type: ignore[call-arg]
        wait_for_runs(len(SLUGS), worker, log)
        runs = {r.indicator.slug: r for r in RefreshRun.objects.select_related("indicator")}
        assert {slug: runs[slug].outcome for slug in SLUGS} == dict.fromkeys(SLUGS, "success")
        held = Observation.objects.count()
        assert held == sum(r.rows_added for r in runs.values()) > 0
        assert Observation.objects.filter(indicator__slug="section-60-searches").count() == 3

        with app.connection_for_write(broker) as conn:
            for slug in SLUGS:
                refresh_indicator.apply_async(args=(slug,), queue=queue, connection=conn)  # type: ignore[call-arg]
        wait_for_runs(2 * len(SLUGS), worker, log)
        second = RefreshRun.objects.order_by("-pk")[: len(SLUGS)]
        assert [(r.outcome, r.rows_added, r.rows_revised) for r in second] == [
            ("success", 0, 0)
        ] * len(SLUGS)
        assert Observation.objects.count() == held
        # The work was done by the worker process, not eagerly in this one.
        assert log.read_text().count("evidence.tasks.refresh_indicator[") >= 2 * len(SLUGS)
        assert log.read_text().count("succeeded in") == 2 * len(SLUGS)
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        server.stop()
