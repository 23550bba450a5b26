"""The stored current status (``Proposal.status``/``current_update``) always equals
the status computed from the published history, whatever the order of drafts,
submissions, returns, publishes and corrections.

Property-style: each seed drives its own random sequence of operations through
the services, and after every step the stored status of every touched proposal
is compared with ``with_status(as_at=...)`` computed from history.  Runs on the
test database of the run (SQLite, and PostgreSQL in CI).
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from policies import services
from policies.models import Proposal, Status, StatusUpdate
from tests.support import make_source

REFERENCES = ["118-2d", "138-5g", "118-1a"]
STATUSES = [s for s in Status.values if s != Status.NOT_ASSESSED]
FAR_FUTURE = dt.date(9999, 12, 31)


def stored_and_computed(reference: str) -> tuple[tuple[str, int | None], tuple[str, int | None]]:
    stored = Proposal.objects.get(reference=reference)
    computed = Proposal.objects.with_status(as_at=FAR_FUTURE).get(reference=reference)
    return (
        (stored.status, stored.current_update_id),
        (computed.current_status, getattr(computed, "as_at_update_id", None)),
    )


@pytest.mark.parametrize("seed", range(10))
def test_stored_status_equals_computed_after_every_step(users, papers, seed):
    rng = random.Random(seed)
    author, editor, other_editor = users["campaigner"], users["editor"], users["editor2"]
    sources = [make_source(author, n) for n in range(1, 4)]

    def new_input(status: str) -> services.UpdateInput:
        # A few dates only, so that effective dates tie and the tie-breaks count.
        day = dt.date(2020, rng.choice([1, 6, 12]), 1)
        return services.UpdateInput(
            status=status,
            effective_date=day,
            rationale=f"Synthetic rationale long enough to publish, seed {seed}.",
            evidence=[rng.choice(sources)],
        )

    for _step in range(20):
        reference = rng.choice(REFERENCES)
        proposal = Proposal.objects.get(reference=reference)
        action = rng.choice(["publish", "publish", "correct", "return", "draft"])
        published = list(
            StatusUpdate.objects.filter(proposal=proposal, state=StatusUpdate.State.PUBLISHED)
        )
        if action == "correct" and published:
            original = rng.choice(published)
            draft = services.start_correction(
                editor, original=original, data=new_input(rng.choice(STATUSES))
            )
            services.publish(other_editor, update=draft, expected_version=draft.version)
        else:
            draft = services.create_draft(
                author, proposal=proposal, data=new_input(rng.choice(STATUSES))
            )
            if action == "draft":
                pass  # a draft changes nothing public
            else:
                services.submit(author, update=draft, expected_version=draft.version)
                draft.refresh_from_db()
                if action == "return":
                    services.return_to_author(
                        editor, update=draft, expected_version=draft.version, comment="Synthetic."
                    )
                else:
                    services.publish(editor, update=draft, expected_version=draft.version)
        for ref in REFERENCES:
            stored, computed = stored_and_computed(ref)
            assert stored == computed, (seed, _step, action, ref)


def test_a_proposal_without_published_updates_is_not_assessed(papers):
    stored, computed = stored_and_computed("118-3a")
    assert stored == computed == (Status.NOT_ASSESSED, None)
