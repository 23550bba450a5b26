"""What the tests that run real processes against the test database share: its URL
for a subprocess, and a real Celery worker's environment and command line."""

from __future__ import annotations

import os
import sys
from urllib.parse import quote

from django.db import connection


def database_url(port: int | None = None) -> str:
    """The test database's URL for another process (``port``: through a local proxy)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = "127.0.0.1" if port else db["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"


def worker_env(broker: str, sources: dict[str, str], **extra: str) -> dict[str, str]:
    """A real worker's environment: the test database, ``broker``, the local payload
    server's ``sources``, no back-off or pacing; ``extra`` settings on top."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        # Not TESTING (a real worker), and not production (no secret key to give it).
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "POLICE_API_BASE_URL": sources["police_api"],
        "GOVUK_CONTENT_API_BASE_URL": sources["govuk_content"],
        "INDICATOR_HTTP_BACKOFF": "0",
        "POLICE_API_MAX_RATE": "100",
        **extra,
    }
    env.pop("DJANGO_TESTING", None)
    return env


def worker_command(queue: str, *options: str) -> list[str]:
    """``celery worker`` on ``queue`` alone, quiet between workers; ``options`` (default
    ``--pool=solo``) choose the pool."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tracker",
        "worker",
        *(options or ("--pool=solo",)),
        "--queues",
        queue,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
