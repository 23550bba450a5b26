"""Shared fixtures.

Both papers are loaded once into the test database by the same code users
run (``load_papers``); tests that flush the database (live server, worker)
reload them through the ``papers`` fixture.
"""

import pytest

from policies.models import Proposal
from policies.papers import loading


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
    return Proposal.objects.all()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and rate-limit counters live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
