"""Health endpoints for load balancers and compose health checks.

* ``/healthz``: the process is up and answers; no I/O at all.  ``{"status": "ok"}``.
* ``/readyz``: can this process serve, and is the background machinery alive?
  Checks the database (``SELECT 1``), Redis (``PING``), a worker heartbeat younger
  than ``HEALTH_WORKER_MAX_AGE`` seconds and the last run of a beat-scheduled task
  younger than ``HEALTH_BEAT_MAX_AGE`` seconds, each with its state (``ok``,
  ``failing``, or ``not_used`` where the project runs without it: no Redis, tasks
  run in-process) and how long it took.  200 when nothing fails, else 503 with the
  failing checks named in ``failing``.  No address, host name or error text is in
  the body: only exception class names.

``HealthMiddleware`` answers both first of all, before the host check, the HTTPS
redirect, the response cache (which reads the database), sessions and throttles:
a probe from inside a container must not be redirected or refused for its Host
header, and ``/healthz`` must not wait on a database that is down.  The routes in
``tracker/urls.py`` name the same views (``reverse("readyz")``).

Heartbeats live in the default cache (Redis when ``REDIS_URL`` is set: the same
server as the broker, so when it is down the worker cannot work either and both
checks fail together).  The worker writes its own (``record_worker_heartbeat``,
from a bootstep in ``tracker/celery.py``); the beat-scheduled run reaper
(``evidence.tasks.reap_abandoned_runs``) records ``record_beat_run``.

Hand-written rather than django-health-check: the issue fixes the exact
semantics (no I/O in ``/healthz``; named failing checks; a heartbeat age), and
this is a few dozen lines with no plugin registry to configure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

WORKER_KEY = "tracker:health:worker"
BEAT_KEY = "tracker:health:beat"

Check = Callable[[], dict[str, Any]]


def record_worker_heartbeat() -> None:
    cache.set(WORKER_KEY, time.time(), timeout=settings.HEALTH_WORKER_MAX_AGE * 10)


def record_beat_run() -> None:
    cache.set(BEAT_KEY, time.time(), timeout=settings.HEALTH_BEAT_MAX_AGE * 10)


def _tasks_in_process() -> bool:
    from .celery import app

    return bool(app.conf.task_always_eager)


def check_database() -> dict[str, Any]:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"state": "ok"}


def check_redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"state": "not_used"}
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {"state": "ok"}


def _age_check(key: str, max_age: float) -> dict[str, Any]:
    if _tasks_in_process():
        return {"state": "not_used"}
    seen = cache.get(key)
    if seen is None:
        return {"state": "failing", "reason": "none recorded", "max_age_seconds": max_age}
    age = round(time.time() - float(seen), 1)
    state = "ok" if age <= max_age else "failing"
    return {"state": state, "age_seconds": age, "max_age_seconds": max_age}


def check_worker() -> dict[str, Any]:
    return _age_check(WORKER_KEY, settings.HEALTH_WORKER_MAX_AGE)


def check_beat() -> dict[str, Any]:
    return _age_check(BEAT_KEY, settings.HEALTH_BEAT_MAX_AGE)


CHECKS: dict[str, Check] = {
    "database": check_database,
    "redis": check_redis,
    "worker": check_worker,
    "beat": check_beat,
}


def _run(check: Check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a check that raises is a failing check, never a 500
        result = {"state": "failing", "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> HttpResponse:
    checks = {name: _run(check) for name, check in CHECKS.items()}
    failing = [name for name, result in checks.items() if result["state"] == "failing"]
    body = {"status": "unavailable" if failing else "ready", "failing": failing, "checks": checks}
    return _no_store(JsonResponse(body, status=503 if failing else 200))


PATHS: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}


class HealthMiddleware:
    """Answer ``/healthz`` and ``/readyz`` before any other middleware (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        view = PATHS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
