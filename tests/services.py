"""Skip, or under REQUIRE_SERVICES=1 fail, when an outside service is missing.

``make test`` must pass on a laptop without PostgreSQL, Redis or Chromium;
CI sets REQUIRE_SERVICES=1 so these tests can never silently skip there.
"""

from __future__ import annotations

import os
import shutil
import socket
from typing import NoReturn
from urllib.parse import urlparse

import pytest

REQUIRED = os.environ.get("REQUIRE_SERVICES", "") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing(reason: str) -> NoReturn:
    if REQUIRED:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
    )
    if not _reachable(url, 6379):
        _missing(f"no Redis server at {url} (set REDIS_URL)")
    return url


def require_postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        _missing("the test database is not PostgreSQL (set DATABASE_URL)")


def chromium_path() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _missing("the playwright package is not installed")
    return path
