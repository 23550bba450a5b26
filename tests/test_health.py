"""/healthz and /readyz (tracker/health.py): semantics, speed, and that nothing in
front of them (host check, HTTPS redirect, response cache, throttles) gets in the way."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from tracker import health
from tracker.celery import app

DEAD_REDIS = "redis://127.0.0.1:6390/0"


@pytest.fixture
def tasks_on_a_worker():
    """As in production with REDIS_URL: tasks go to a worker (the suite runs them in-process)."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def no_redis(settings):
    settings.REDIS_URL = ""


@pytest.mark.django_db
def test_healthz_is_ok_without_any_io(client, django_assert_num_queries, monkeypatch):
    def no_cache(*args, **kwargs):
        raise AssertionError("/healthz touched the cache")

    monkeypatch.setattr(health.cache, "get", no_cache)
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert reverse("healthz") == "/healthz"


def test_healthz_answers_with_the_database_down(client, monkeypatch, settings):
    from tracker import revision

    def down():
        raise OperationalError("the database is down")

    settings.RESPONSE_CACHE_ENABLED = True
    monkeypatch.setattr(revision, "current", down)
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_is_ready_where_nothing_fails(client, no_redis):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["failing"] == []
    assert list(body["checks"]) == ["database", "redis", "worker", "beat"]
    assert body["checks"]["database"]["state"] == "ok"
    # No Redis and tasks in-process (make run): nothing to check, nothing failing.
    for name in ("redis", "worker", "beat"):
        assert body["checks"][name]["state"] == "not_used"
    for result in body["checks"].values():
        assert isinstance(result["ms"], float)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_names_a_failing_database(client, no_redis, monkeypatch):
    def down():
        raise OperationalError("could not connect to server at 10.0.0.5: secret detail")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == {
        "state": "failing",
        "error": "OperationalError",
        "ms": body["checks"]["database"]["ms"],
    }
    assert "10.0.0.5" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_names_redis_down_and_says_no_address(client, settings):
    settings.REDIS_URL = DEAD_REDIS
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert "redis" in body["failing"]
    assert body["checks"]["redis"]["error"] == "ConnectionError"
    text = response.content.decode()
    assert "6390" not in text and "127.0.0.1" not in text
    assert settings.SECRET_KEY not in text
    # Fast: a refused connection is answered at once.
    assert body["checks"]["redis"]["ms"] < 1500


@pytest.mark.services
@pytest.mark.django_db
def test_readyz_pings_a_live_redis(client, settings):
    from tests.services import redis_url

    settings.REDIS_URL = redis_url()
    body = client.get("/readyz").json()
    assert body["checks"]["redis"]["state"] == "ok"


@pytest.mark.django_db
def test_readyz_wants_a_recent_worker_heartbeat_and_beat_run(
    client, no_redis, tasks_on_a_worker, settings, monkeypatch
):
    settings.HEALTH_WORKER_MAX_AGE = 60
    settings.HEALTH_BEAT_MAX_AGE = 660
    body = client.get("/readyz").json()
    assert body["failing"] == ["worker", "beat"]
    assert body["checks"]["worker"]["reason"] == "none recorded"

    health.record_worker_heartbeat()
    health.record_beat_run()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["worker"]["state"] == "ok"
    assert response.json()["checks"]["worker"]["age_seconds"] < 5

    # Seventy seconds later the worker's heartbeat is stale; the beat run is not yet.
    now = time.time()
    monkeypatch.setattr(health.time, "time", lambda: now + 70)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["worker"]["age_seconds"] >= 70
    assert body["checks"]["worker"]["max_age_seconds"] == 60


@pytest.mark.django_db
def test_health_is_not_cached_throttled_or_redirected(
    client, no_redis, tasks_on_a_worker, settings
):
    settings.RESPONSE_CACHE_ENABLED = True
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["tracker.example.org"]
    # Not from the response cache: the second answer sees the heartbeat recorded between.
    assert client.get("/readyz").status_code == 503
    health.record_worker_heartbeat()
    health.record_beat_run()
    assert client.get("/readyz").status_code == 200
    # A probe inside a container: plain HTTP, whatever Host; never redirected or refused.
    probe = Client(HTTP_HOST="web:8000")
    for _ in range(30):
        assert probe.get("/healthz").status_code == 200
    assert probe.get("/readyz").status_code == 200
    assert probe.head("/healthz").status_code == 200
    # Everything else still goes through the host check and the redirect.
    assert probe.get("/proposals/").status_code == 400


def test_the_beat_schedule_runs_the_reaper(settings):
    entry = app.conf.beat_schedule["reap-abandoned-runs"]
    assert entry["task"] == "evidence.tasks.reap_abandoned_runs"
    assert entry["schedule"] == settings.RUN_REAPER_INTERVAL
    assert entry["options"]["expires"] == settings.RUN_REAPER_INTERVAL
    # A beat run older than two reaper intervals is a beat that stopped.
    assert settings.HEALTH_BEAT_MAX_AGE > settings.RUN_REAPER_INTERVAL


def test_beat_queues_the_reaper_as_it_starts(settings):
    """So /readyz sees a beat run within seconds of a deployment, not one interval later."""
    from types import SimpleNamespace

    from tracker import celery as tracker_celery

    sent = []

    class App:
        def send_task(self, name, **options):
            sent.append((name, options))

    tracker_celery.reap_when_beat_starts(SimpleNamespace(app=App()))
    assert sent == [
        ("evidence.tasks.reap_abandoned_runs", {"expires": float(settings.RUN_REAPER_INTERVAL)})
    ]
    assert tracker_celery.reap_when_beat_starts in [
        receiver() for _, receiver in tracker_celery.beat_init.receivers
    ]
