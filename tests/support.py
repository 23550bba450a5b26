"""Helpers that go through ``policies.services``, so the editorial rules apply:
sources, drafts, submitted and published updates as the application makes them.

Rows written directly (no rules) come from ``tests/factories.py``; the shared
fixtures (``users`` among them) are in ``tests/conftest.py``.  Everything made
up here is obviously synthetic: titles say "Synthetic test source" and URLs are
on example.org.
"""

from __future__ import annotations

import datetime as dt

from evidence.models import Evidence
from policies import services
from policies.models import Proposal, Status, StatusUpdate


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
