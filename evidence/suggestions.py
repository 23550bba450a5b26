"""Figures that suggest a status: when a new release moves an indicator's national
figure past the threshold an indicator link sets for its proposal, editors get a
suggestion in their review queue.  Nothing here publishes anything: accepting
pre-fills a draft that goes through review like any other.

The rule (documented in the README):

- **Direction of progress**: the link's ``progress_direction``, else the
  indicator's own ``direction`` when it is up or down; with neither, or with no
  ``threshold``, the link is not watched.
- **The figure**: the national series (area ``E92+W92``), each period's current
  value (the latest release's).  Sources store a national figure only where it is
  one (every force reported), so a sum over some forces never triggers anything.
- **Level basis**: the latest period's figure passes the threshold when it is at
  or above it (up) or at or below it (down).
- **Change basis** (``threshold_periods`` = N ≥ 1): the move from the figure N
  periods before the latest to the latest, counted in the direction of progress
  (a fall counts positive when down is progress), passes when it is at least the
  threshold (a positive amount).
- **Crossing**: after a refresh, the newest release behind the national series is
  the one judged.  It *crosses* when the measure passes with its figures and did
  not pass without them (the series as it stood before; no figure at all counts as
  not passing).  A crossing creates one ``StatusSuggestion`` per (link, release):
  the unique constraint makes a second refresh, or the task run twice, create none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .areas import NATIONAL_CODE
from .models import Evidence, Indicator, IndicatorLink, Observation, StatusSuggestion

# Who publishes each automatically fetched source: a fact about the source, used
# for the citation a suggestion's draft starts with (a manual release has its own).
PUBLISHERS: dict[str, str] = {
    Indicator.Source.POLICE_API: "data.police.uk (Home Office)",
    Indicator.Source.HO_WORKFORCE: "Home Office",
    Indicator.Source.HO_RECORDED_CRIME: "Home Office",
    Indicator.Source.HO_STOP_SEARCH: "Home Office",
}
TEMPLATE_MARK = (
    "[Edit this text before saving: say in your own words what these figures show "
    "about the proposal, what else you checked, and why the status follows.]"
)


@dataclass(frozen=True)
class Figure:
    pk: int
    period_start: dt.date
    value: Decimal
    release_id: int


@dataclass(frozen=True)
class Reading:
    """What is held against the threshold, and the figures it is read from."""

    measure: Decimal
    latest: Figure
    compared: Figure | None = None


def progress_direction(link: IndicatorLink) -> str | None:
    if link.progress_direction:
        return link.progress_direction
    direction = link.indicator.direction
    return direction if direction in IndicatorLink.Progress.values else None


def read(series: dict[dt.date, Figure], link: IndicatorLink, direction: str) -> Reading | None:
    """The measure of ``series`` (period start → current figure) for the link."""
    if not series:
        return None
    periods = sorted(series)
    latest = series[periods[-1]]
    if link.threshold_basis == IndicatorLink.Basis.LEVEL:
        return Reading(latest.value, latest)
    back = link.threshold_periods or 1
    if len(periods) <= back:
        return None
    compared = series[periods[-1 - back]]
    move = latest.value - compared.value
    return Reading(move if direction == IndicatorLink.Progress.UP else -move, latest, compared)


def passes(reading: Reading | None, link: IndicatorLink, direction: str) -> bool:
    if reading is None or link.threshold is None:
        return False
    if link.threshold_basis == IndicatorLink.Basis.CHANGE:
        return reading.measure >= link.threshold
    if direction == IndicatorLink.Progress.UP:
        return reading.measure >= link.threshold
    return reading.measure <= link.threshold


def suggest_for_indicator(indicator: Indicator) -> list[StatusSuggestion]:
    """Judge the newest release behind the indicator's national series against every
    watched link (see the module docstring); the suggestions it created."""
    watched = [
        (link, direction)
        for link in indicator.links.filter(threshold__isnull=False).select_related("indicator")
        if (direction := progress_direction(link))
    ]
    if not watched:
        return []
    rows = (
        Observation.objects.filter(indicator=indicator, area__code=NATIONAL_CODE)
        .order_by("retrieved_at", "pk")
        .values_list("pk", "period_start", "value", "release_id")
    )
    figures = [Figure(*row) for row in rows]
    if not figures:
        return []
    newest = figures[-1].release_id
    after: dict[dt.date, Figure] = {}
    before: dict[dt.date, Figure] = {}
    for figure in figures:
        after[figure.period_start] = figure
        if figure.release_id != newest:
            before[figure.period_start] = figure
    made = []
    for link, direction in watched:
        now, then = read(after, link, direction), read(before, link, direction)
        if passes(now, link, direction) and not passes(then, link, direction):
            assert now is not None  # passes() is False for None
            suggestion = _suggest(link, direction, newest, now, then)
            if suggestion is not None:
                made.append(suggestion)
    return made


def _suggest(
    link: IndicatorLink, direction: str, release_id: int, now: Reading, then: Reading | None
) -> StatusSuggestion | None:
    """The suggestion for (link, release), unless it exists already."""
    assert link.threshold is not None
    try:
        with transaction.atomic():
            suggestion, created = StatusSuggestion.objects.get_or_create(
                link=link,
                release_id=release_id,
                defaults={
                    "observation_id": now.latest.pk,
                    "compared_with_id": now.compared.pk if now.compared else None,
                    "measure": now.measure,
                    "measure_before": then.measure if then else None,
                    "direction": direction,
                    "basis": link.threshold_basis,
                    "threshold": link.threshold,
                    "periods": link.threshold_periods
                    if link.threshold_basis == IndicatorLink.Basis.CHANGE
                    else None,
                },
            )
    except IntegrityError:
        return None  # made a moment ago by a concurrent run
    return suggestion if created else None


# --- Reads and decisions for the editors' pages -----------------------------------------


def suggestion_queryset() -> QuerySet[StatusSuggestion]:
    """Suggestions with everything their row in the queue shows, in one query."""
    return StatusSuggestion.objects.select_related(
        "link__indicator",
        "link__proposal",
        "release",
        "observation__area",
        "observation__release",
        "compared_with__release",
        "draft",
    )


def open_suggestions() -> QuerySet[StatusSuggestion]:
    return suggestion_queryset().filter(state=StatusSuggestion.State.OPEN).order_by("created_at")


def unfinished_suggestions() -> QuerySet[StatusSuggestion]:
    """Accepted, but the editor has not saved the draft yet."""
    return (
        suggestion_queryset()
        .filter(state=StatusSuggestion.State.ACCEPTED, draft__isnull=True)
        .order_by("decided_at")
    )


def dismiss(suggestion: StatusSuggestion, *, by: Any, reason: str) -> bool:
    """Open → dismissed, saying why; False if someone decided it first."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a dismissal says why")
    done = StatusSuggestion.objects.filter(
        pk=suggestion.pk, state=StatusSuggestion.State.OPEN
    ).update(
        state=StatusSuggestion.State.DISMISSED,
        dismiss_reason=reason,
        decided_by=by,
        decided_at=timezone.now(),
    )
    return done == 1


def accept(suggestion: StatusSuggestion, *, by: Any, evidence: Evidence | None) -> bool:
    """Open → accepted, with the source citing the release; False if someone
    decided it first."""
    done = StatusSuggestion.objects.filter(
        pk=suggestion.pk, state=StatusSuggestion.State.OPEN
    ).update(
        state=StatusSuggestion.State.ACCEPTED,
        decided_by=by,
        decided_at=timezone.now(),
        evidence=evidence,
    )
    return done == 1


def record_draft(suggestion: StatusSuggestion, draft: Any) -> bool:
    """The draft started from an accepted suggestion (once)."""
    done = StatusSuggestion.objects.filter(
        pk=suggestion.pk, state=StatusSuggestion.State.ACCEPTED, draft__isnull=True
    ).update(draft=draft)
    return done == 1


def release_citation(suggestion: StatusSuggestion) -> dict[str, Any]:
    """The fields of a source citing the suggestion's release, all from the release
    record (its title, address, publication and retrieval dates) and the source's
    publisher; ``published_date`` is None when the release does not say."""
    release = suggestion.release
    indicator = suggestion.link.indicator
    return {
        "url": release.url,
        "title": release.title,
        "publisher": PUBLISHERS.get(indicator.source, ""),
        "kind": Evidence.Kind.OFFICIAL_STATISTICS,
        "published_date": release.published_at.date() if release.published_at else None,
        "accessed_date": timezone.localdate(release.retrieved_at),
    }


def plain(value: Decimal | None) -> str:
    """1234.5000 → "1234.5", 1000.0000 → "1000"."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def describe_threshold(suggestion: StatusSuggestion) -> str:
    progress = "higher" if suggestion.direction == IndicatorLink.Progress.UP else "lower"
    if suggestion.basis == IndicatorLink.Basis.LEVEL:
        side = "at or above" if suggestion.direction == IndicatorLink.Progress.UP else "at or below"
        return f"the latest national figure {side} {plain(suggestion.threshold)} ({progress} is progress)"
    periods = suggestion.periods or 1
    way = "a rise" if suggestion.direction == IndicatorLink.Progress.UP else "a fall"
    return (
        f"{way} of at least {plain(suggestion.threshold)} over {periods} "
        f"period{'s' if periods != 1 else ''} ({progress} is progress)"
    )


def rationale_template(suggestion: StatusSuggestion) -> str:
    """The draft's starting rationale: the figures, their releases and the threshold,
    under a line the editor must replace (the draft form refuses it unedited)."""
    indicator = suggestion.link.indicator
    latest = suggestion.observation
    figures = (
        f"{indicator.name} ({indicator.unit}), England and Wales: "
        f"{plain(latest.value)} for {latest.period_label}"
    )
    sources = [f"{latest.release.title} <{latest.release.url}>"]
    compared = suggestion.compared_with
    if compared is not None:
        figures += f", against {plain(compared.value)} for {compared.period_label}"
        if compared.release_id != latest.release_id:
            sources.append(f"{compared.release.title} <{compared.release.url}>")
    return (
        f"{TEMPLATE_MARK}\n\n"
        f"Figures: {figures}.\n"
        f"Source: {'; '.join(sources)}.\n"
        f"Threshold set for {suggestion.link.proposal.reference}: "
        f"{describe_threshold(suggestion)}."
    )
