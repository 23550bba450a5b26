"""Coverage is part of the figure: for each period of a force-level indicator,
which police force areas its source had a figure for.

A refresh stores what it read per period (``store_coverage``, called by
``evidence.services.store_fetched`` in the same transaction as the figures);
the incremental data.police.uk refresh reads it back (``held_coverage``) to
know which force-months it holds.  Reads for pages and the API are in
``evidence.selectors``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from .models import Area, Indicator, PeriodCoverage, SourceRelease
from .sources import Coverage, Held


def held_coverage(indicator: Indicator) -> Held:
    """Per period label, the force areas whose figure is held (every force but
    the period's missing ones).  Two queries."""
    forces = set(Area.objects.filter(kind=Area.Kind.FORCE).values_list("code", flat=True))
    return {
        label: frozenset(forces - set(missing))
        for label, missing in PeriodCoverage.objects.filter(indicator=indicator).values_list(
            "period_label", "missing"
        )
    }


@transaction.atomic
def store_coverage(
    indicator: Indicator, release: SourceRelease, coverage: Iterable[Coverage]
) -> int:
    """Upsert one statement per period; returns how many changed.  Periods the
    refresh did not read keep what was stored before."""
    held = {row.period_start: row for row in PeriodCoverage.objects.filter(indicator=indicator)}
    now = timezone.now()
    new_rows: list[PeriodCoverage] = []
    changed: list[PeriodCoverage] = []
    for item in coverage:
        values = {
            "period_end": item.period.end,
            "period_label": item.period.label,
            "forces_expected": len(item.expected),
            "forces_reporting": len(item.reporting & item.expected),
            "missing": item.missing,
        }
        row = held.get(item.period.start)
        if row is None:
            new_rows.append(
                PeriodCoverage(
                    indicator=indicator,
                    period_start=item.period.start,
                    release=release,
                    recorded_at=now,
                    **values,
                )
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.release, row.recorded_at = release, now
            changed.append(row)
    PeriodCoverage.objects.bulk_create(new_rows)
    PeriodCoverage.objects.bulk_update(
        changed,
        [
            "period_end",
            "period_label",
            "forces_expected",
            "forces_reporting",
            "missing",
            "release",
            "recorded_at",
        ],
    )
    return len(new_rows) + len(changed)
