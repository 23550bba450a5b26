"""Add a clearly synthetic paper with N proposals (and a published status update
for every third one) to the benchmark database.  Nothing here is real: the paper
is number 199, "Synthetic benchmark paper", and every text says so.

    DJANGO_SETTINGS_MODULE=bench.api.settings uv run python bench/api/seed.py 3000
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from policies.models import (  # noqa: E402
    ActingBody,
    Paper,
    Proposal,
    Section,
    Status,
    StatusUpdate,
    Theme,
)


def seed(n: int) -> None:
    paper, _ = Paper.objects.get_or_create(
        number=199,
        defaults={
            "title": "Synthetic benchmark paper",
            "year": 2000,
            "route": Paper.Route.PAPER,
            "route_description": "Synthetic: made up for the benchmark.",
            "source_file": "synthetic.txt",
            "source_title": "Synthetic benchmark source",
            "applicability_note": "Synthetic.",
        },
    )
    sections = [
        Section.objects.get_or_create(
            paper=paper, number=str(i), defaults={"title": f"Synthetic section {i}", "order": i}
        )[0]
        for i in range(1, 11)
    ]
    proposals = Proposal.objects.bulk_create(
        Proposal(
            reference=f"199-{i}a",
            paper=paper,
            section=sections[i % 10],
            kind=Proposal.Kind.BODY,
            order=i,
            position=f"Synthetic position {i}",
            text=f"Synthetic proposal {i}, made up for the benchmark.",
            applicability=Proposal.Applicability.FEDERAL,
        )
        for i in range(1, n + 1)
    )
    themes = list(Theme.objects.all()[:3])
    through = Proposal.themes.through
    through.objects.bulk_create(
        through(proposal_id=p.pk, theme_id=themes[i % len(themes)].pk)
        for i, p in enumerate(proposals)
    )
    now = timezone.now()
    updates = StatusUpdate.objects.bulk_create(
        StatusUpdate(
            proposal=p,
            status=Status.IN_PROGRESS,
            effective_date=dt.date(2020, 1, 1),
            rationale="Synthetic benchmark update.",
            state=StatusUpdate.State.PUBLISHED,
            published_at=now,
        )
        for p in proposals[::3]
    )
    body = ActingBody.objects.first()
    if body is None:
        raise SystemExit("no acting bodies: run `manage.py load_papers` first")
    StatusUpdate.acting_bodies.through.objects.bulk_create(
        StatusUpdate.acting_bodies.through(statusupdate_id=u.pk, actingbody_id=body.pk)
        for u in updates
    )
    print(f"seeded {len(proposals)} synthetic proposals, {len(updates)} updates")


if __name__ == "__main__":
    seed(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
