"""Integration: the watch's two flows end to end with a real Celery worker on Redis.

- A refresh run by the worker whose new release moves the national figure past a
  link's threshold creates exactly one status suggestion (and runs after it, none).
- A link check run by the worker flags a dead link once, and the public page then
  offers its archived copy.

As in test_indicators_worker.py, the worker is a separate process sharing the
test database: PostgreSQL and a transactional test.  Outside hosts are local
servers on 127.0.0.1; the queue's name starts with ``watch_``.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client

from evidence import services
from evidence.models import IndicatorLink, LinkCheck, LinkHealth, Observation, StatusSuggestion
from tests.factories import EvidenceFactory
from tests.payloads.server import PayloadServer, mount_defaults
from tests.services import redis_url, require_postgres
from tests.watch_support import WatchServer, mount_prc_edition3
from tests.workers import worker_command, worker_env
from tracker.celery import app

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path, queue: str, broker: str) -> None:
        self.process, self.log, self.queue, self.broker = process, log, queue, broker

    def send(self, task, *args) -> None:
        with app.connection_for_write(self.broker) as conn:
            # connection= is passed on to send_task.
            task.apply_async(args=args, queue=self.queue, connection=conn)

    def succeeded(self) -> int:
        return self.log.read_text().count("succeeded in")

    def wait(self, done: Callable[[], bool], what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.tail()}")
            time.sleep(0.25)
        pytest.fail(f"{what}: not after {timeout}s; worker log:\n{self.tail()}")

    def run(self, task, *args) -> None:
        """Send one task and wait until the worker says it succeeded."""
        before = self.succeeded()
        self.send(task, *args)
        self.wait(lambda: self.succeeded() > before, f"{task.name}{args}")

    def tail(self) -> str:
        return self.log.read_text()[-3000:]


@pytest.fixture
def eager_off() -> Iterator[None]:
    """tracker/settings.py runs tasks eagerly under tests: switch that off here only."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def outside() -> Iterator[tuple[PayloadServer, WatchServer]]:
    """The indicator sources and the linked pages with the web archive, both local."""
    payloads, pages = PayloadServer().start(), WatchServer().start()
    yield payloads, pages
    payloads.stop()
    pages.stop()


@pytest.fixture
def worker(papers, eager_off, outside, tmp_path) -> Iterator[Worker]:
    require_postgres()
    broker = redis_url()
    payloads, pages = outside
    sources = mount_defaults(payloads)
    queue = f"watch_{uuid.uuid4().hex[:10]}"
    log = tmp_path / "worker.log"
    env = worker_env(
        broker,
        sources,
        EVIDENCE_ARCHIVE_API_URL=pages.archive_api,
        EVIDENCE_ARCHIVE_SAVE_URL=pages.archive_save,
        LINK_CHECK_ALLOW_PRIVATE="1",
        LINK_CHECK_HOST_INTERVAL="0",
        LINK_CHECK_TIMEOUT="2",
        LINK_CHECK_EVERY_HOURS="0",
        LINK_CHECK_CONTACT_URL="https://tracker.example.org/methodology/",
    )
    with open(log, "w") as out:
        process = subprocess.Popen(
            worker_command(queue),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Worker(process, log, queue, broker)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_release_crossing_the_threshold_suggests_exactly_once(worker, outside, tmp_path):
    from evidence.tasks import refresh_indicator

    services.load_indicators()
    worker.run(refresh_indicator, "homicide")
    latest = Observation.objects.filter(indicator__slug="homicide", area__code="E92+W92").latest(
        "period_start"
    )
    link = IndicatorLink.objects.get(indicator__slug="homicide", proposal__reference="138-2e")
    link.threshold = latest.value - 1  # lower is progress: one below the latest figure
    link.save()
    worker.run(refresh_indicator, "homicide")
    assert StatusSuggestion.objects.count() == 0

    mount_prc_edition3(outside[0], tmp_path)  # a new release: fewer homicides
    worker.run(refresh_indicator, "homicide")
    worker.run(refresh_indicator, "homicide")  # the same release again
    (suggestion,) = StatusSuggestion.objects.all()
    assert suggestion.link == link and suggestion.state == "open"
    assert suggestion.release.url.endswith("-010724.ods")
    assert link.threshold is not None and suggestion.measure_before is not None
    assert suggestion.measure < link.threshold <= suggestion.measure_before
    # The work was done by the worker process, not eagerly in this one.
    assert worker.log.read_text().count("evidence.tasks.refresh_indicator[") >= 4
    assert "'suggestions': 1" in worker.log.read_text()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_dead_link_is_flagged_once_and_the_public_page_offers_its_copy(worker, outside):
    from evidence.tasks import check_evidence_links

    pages = outside[1]
    dead, alive = pages.url("/gone-404"), pages.url("/ok")
    snapshot = pages.archive(dead)
    source = EvidenceFactory.create(url=dead, n=1, is_published=True)
    EvidenceFactory.create(url=alive, n=2, is_published=True)

    worker.run(check_evidence_links)
    link = LinkHealth.objects.get(url=dead)
    assert link.state == "broken" and link.broken_since is not None
    flagged_at = link.flagged_at
    worker.run(check_evidence_links)
    link.refresh_from_db()
    assert LinkCheck.objects.filter(link=link).count() == 2
    assert (link.flagged_at, link.broken_since) == (flagged_at, flagged_at)
    assert LinkHealth.objects.get(url=alive).state == "ok"
    assert len(pages.requests_to("/archive/available")) == 1

    html = Client().get(f"/evidence/{source.pk}/").content.decode()
    assert "Original link broken since" in html
    assert f'<a href="{snapshot}" rel="external noopener">archived copy' in html
    assert worker.log.read_text().count("evidence.tasks.check_evidence_links[") >= 2
