"""Fixtures for the indicator tests (imported by tests/test_indicators_*.py)."""

from __future__ import annotations

import pytest

from evidence import services
from evidence.models import Indicator

from .server import PayloadServer, mount_defaults


@pytest.fixture(autouse=True)
def fresh_throttles():
    """API rate limits count in the cache: start each test with none used, and
    leave none used for the tests that follow."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def indicators(papers):
    """Areas and indicator definitions, loaded by the command users run."""
    services.load_indicators()
    return Indicator.objects.all()


@pytest.fixture
def payloads(settings):
    """A local HTTP server with the synthetic payloads; the clients point at it,
    never sleep between retries, and are not paced."""
    server = PayloadServer().start()
    settings.INDICATOR_SOURCES = mount_defaults(server)
    settings.INDICATOR_HTTP_BACKOFF = 0
    settings.INDICATOR_HTTP_RETRIES = 2
    settings.INDICATOR_HTTP_TIMEOUT = 5
    settings.POLICE_API_MAX_RATE = 1000
    yield server
    server.stop()
