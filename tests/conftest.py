"""Every shared fixture, in one place (browser-only ones are in browser/conftest.py).

* ``papers``: both papers are loaded once into the test database by the same
  code users run (``load_papers``); tests that flush the database (live
  server, worker) reload them through this fixture.
* ``users``: one user per role, made by ``factories.UserFactory`` with the
  known ``factories.PASSWORD``.
* ``api_client``: DRF's test client, signed out.
* ``indicators`` and ``payloads``: indicator definitions, and a local HTTP
  server with the synthetic source payloads the clients are pointed at.
* ``_fresh_cache`` (autouse): the one cache clear, before and after each test.

Rows for a test come from ``factories.py`` (written directly) or
``support.py`` (through ``policies.services``, rules enforced).  Test
modules import those two, never each other.
"""

import pytest

from evidence import services as indicator_services
from evidence.models import Indicator
from policies.models import Proposal
from policies.papers import loading
from tests.factories import UserFactory
from tests.payloads.server import PayloadServer, mount_defaults
from tracker import revision


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        loading.load()
    yield
    with django_db_blocker.unblock():
        _close_other_sessions()


def _close_other_sessions():
    """Live-server threads can leave a PostgreSQL session open on the test
    database, which would stop it being dropped at the end of the run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def papers(db):
    """Both papers, loaded (reloaded if a transactional test flushed them)."""
    if not Proposal.objects.exists():
        loading.load()
    # The data revision as this test's requests will read it (one query, here).
    revision.current()
    return Proposal.objects.all()


@pytest.fixture
def users(db):
    """One user per role (two campaigners and two editors, for four-eyes rules),
    and one with no role.  Usernames are short: tests sign in as "camp", "edit"."""
    return {
        "campaigner": UserFactory.create(username="camp", role="campaigner"),
        "campaigner2": UserFactory.create(username="camp2", role="campaigner"),
        "editor": UserFactory.create(username="edit", role="editor"),
        "editor2": UserFactory.create(username="edit2", role="editor"),
        "admin": UserFactory.create(username="adm", role="admin"),
        "norole": UserFactory.create(username="norole"),
    }


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def indicators(papers):
    """Areas and indicator definitions, loaded by the command users run."""
    indicator_services.load_indicators()
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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and rate-limit counters live in the cache: no test inherits another's.
    The only cache clear between tests; test modules add none of their own."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_revision():
    """The revision a process remembers and the first level of the response cache
    belong to one test: the test database is rolled back after each."""
    from tracker import cache, revision

    revision.forget()
    cache.local.clear()
    yield
    revision.forget()
    cache.local.clear()
