"""Helpers that go through ``policies.services``, so the editorial rules apply:
sources, drafts, submitted and published updates as the application makes them.

Rows written directly (no rules) come from ``tests/factories.py``; the shared
fixtures (``users`` among them) are in ``tests/conftest.py``.  Everything made
up here is obviously synthetic: titles say "Synthetic test source" and URLs are
on example.org.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db import models

from evidence.models import Evidence
from policies import services
from policies.models import Proposal, Status, StatusUpdate


def source_input(n: int = 1, **overrides: Any) -> services.EvidenceInput:
    source = services.EvidenceInput(
        url=f"https://example.org/synthetic-source-{n}",
        title=f"Synthetic test source {n}",
        publisher="Synthetic Publisher",
        kind=Evidence.Kind.OTHER,
        published_date=dt.date(2020, 1, 1),
        accessed_date=dt.date(2024, 1, 1),
    )
    return dataclasses.replace(source, **overrides)


def record_history_as(instance: models.Model, user: User) -> None:
    """Make ``user`` the author of the history record that ``instance``'s next
    save or delete writes, as the services do: simple-history reads the instance
    attribute ``_history_user``, which no model declares."""
    instance._history_user = user  # type: ignore[attr-defined]  # simple-history's, set per instance


def make_source(user, n: int = 1) -> Evidence:
    return services.get_or_create_evidence(user, data=source_input(n))[0]


# Long enough for the drafting rules (services.MIN_RATIONALE_LENGTH).
RATIONALE = "Synthetic rationale, long enough for the drafting rules."


def update_input(evidence=(), status=Status.IN_PROGRESS, rationale=RATIONALE):
    return services.UpdateInput(
        status=status,
        effective_date=dt.date(2021, 5, 1),
        rationale=rationale,
        evidence=list(evidence),
    )


def make_draft(author, reference="118-2d", n=1, **kwargs) -> StatusUpdate:
    proposal = Proposal.objects.get(reference=reference)
    return services.create_draft(
        author, proposal=proposal, data=update_input([make_source(author, n)], **kwargs)
    )


def make_published(author, editor, reference="118-2d", n=1) -> StatusUpdate:
    draft = make_draft(author, reference, n)
    services.submit(author, update=draft, expected_version=draft.version)
    services.publish(editor, update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    return draft
