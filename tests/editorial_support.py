"""Users with roles, synthetic evidence and helpers for the campaigners' tests.

Everything made up here is obviously synthetic: titles say "Synthetic test
source" and URLs are on example.org.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache

from evidence.models import Evidence
from policies import services
from policies.models import Proposal, Status, StatusUpdate

PASSWORD = "synthetic-Passw0rd-for-tests"  # noqa: S105


def make_user(username: str, role: str | None):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org"
    )
    if role:
        group, _ = Group.objects.get_or_create(name=role)  # flushed DBs lose the migration's rows
        user.groups.add(group)
    return user


@pytest.fixture
def users(db):
    return {
        "campaigner": make_user("camp", "campaigner"),
        "campaigner2": make_user("camp2", "campaigner"),
        "editor": make_user("edit", "editor"),
        "editor2": make_user("edit2", "editor"),
        "admin": make_user("adm", "admin"),
        "norole": make_user("norole", None),
    }


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def source_input(n: int = 1, **overrides) -> services.EvidenceInput:
    values = {
        "url": f"https://example.org/synthetic-source-{n}",
        "title": f"Synthetic test source {n}",
        "publisher": "Synthetic Publisher",
        "kind": Evidence.Kind.OTHER,
        "published_date": dt.date(2020, 1, 1),
        "accessed_date": dt.date(2024, 1, 1),
    }
    return services.EvidenceInput(**(values | overrides))


def make_source(user, n: int = 1) -> Evidence:
    return services.get_or_create_evidence(user, source_input(n))[0]


def update_input(evidence=(), status=Status.IN_PROGRESS, rationale="Synthetic rationale."):
    return services.UpdateInput(
        status=status,
        effective_date=dt.date(2021, 5, 1),
        rationale=rationale,
        evidence=list(evidence),
    )


def make_draft(author, reference="118-2d", n=1, **kwargs) -> StatusUpdate:
    proposal = Proposal.objects.get(reference=reference)
    return services.create_draft(author, proposal, update_input([make_source(author, n)], **kwargs))


def make_published(author, editor, reference="118-2d", n=1) -> StatusUpdate:
    draft = make_draft(author, reference, n)
    services.submit(author, draft, draft.version)
    services.publish(editor, draft, draft.version)
    draft.refresh_from_db()
    return draft
