"""Writes for indicators: load their definitions, store a refresh, enter a
figure by hand.  Every write that enforces a rule is here, in a transaction.

Storing is an upsert keyed on (indicator, period, area, release): a figure
already held from the same release is skipped, a new figure is added, and a
figure that differs from the one held is added as a *revision* — a new row
from the later release — so the earlier value and its release stay.  Nothing
is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from tracker import revision as data_revision

from .areas import AreaLookup, load_areas
from .coverage import held_coverage, store_coverage
from .models import Area, Evidence, Indicator, IndicatorLink, Observation, RefreshRun, SourceRelease
from .schedule import INDICATORS_FILE, parse_crontab
from .sources import (
    Fetched,
    Figure,
    RefreshPlan,
    Release,
    SourceError,
    fetcher_for,
    planner_for,
)

log = logging.getLogger(__name__)

INDICATOR_FIELDS = [
    "name",
    "unit",
    "description",
    "source",
    "source_url",
    "methodology",
    "direction",
    "schedule",
    "stale_after_days",
    "config",
]
BATCH = 1000


class IndicatorDataError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class StoreResult:
    added: int = 0
    revised: int = 0
    unchanged: int = 0


# --- Definitions --------------------------------------------------------------


def _proposal_references() -> dict[str, int]:
    """Every proposal's reference and id, reached through the indicator links'
    relation: ``evidence`` imports nothing from ``policies`` (see ARCHITECTURE.md)."""
    proposal = IndicatorLink._meta.get_field("proposal").related_model
    return dict(proposal._default_manager.values_list("reference", "pk"))


def validate_definitions(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    items = data.get("indicators") or []
    if not items:
        problems.append("no indicators")
    slugs: set[str] = set()
    references = set(_proposal_references())
    sources = set(Indicator.Source.values)
    directions = set(Indicator.Direction.values)
    for index, item in enumerate(items):
        where = f"indicators[{index}] ({item.get('slug', '?')})"
        missing = [f for f in ["slug", *INDICATOR_FIELDS] if f not in item and f != "config"]
        missing = [f for f in missing if f != "stale_after_days"]
        if missing:
            problems.append(f"{where}: missing {missing}")
            continue
        if item["slug"] in slugs:
            problems.append(f"{where}: slug repeated")
        slugs.add(item["slug"])
        if item["source"] not in sources:
            problems.append(f"{where}: source {item['source']!r} not one of {sorted(sources)}")
        if item["direction"] not in directions:
            problems.append(f"{where}: direction {item['direction']!r}")
        try:
            parse_crontab(item["schedule"])
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
        for link in item.get("links") or []:
            if link.get("proposal") not in references:
                problems.append(f"{where}: no proposal {link.get('proposal')!r}")
            if not (link.get("rationale") or "").strip():
                problems.append(f"{where}: link to {link.get('proposal')} has no rationale")
            elif len(link["rationale"]) > 300:
                problems.append(f"{where}: rationale for {link['proposal']} over 300 characters")
    return problems


@transaction.atomic
def load_indicators(path: Path = INDICATORS_FILE) -> dict[str, int]:
    """Areas, then indicator definitions and their links to proposals.
    Idempotent: rows are saved only when something differs.  Links no longer
    in the file are removed (they are definitions, not data); observations are
    never touched."""
    counts = {"indicators_created": 0, "indicators_updated": 0, "links_changed": 0}
    counts.update(load_areas())
    data = yaml.safe_load(Path(path).read_text()) or {}
    problems = validate_definitions(data)
    if problems:
        raise IndicatorDataError(problems)
    proposals = _proposal_references()
    existing = {i.slug: i for i in Indicator.objects.all()}
    for item in data["indicators"]:
        values = {f: item[f] for f in INDICATOR_FIELDS if f in item}
        values.setdefault("config", {})
        indicator = existing.get(item["slug"])
        if indicator is None:
            indicator = Indicator.objects.create(slug=item["slug"], **values)
            counts["indicators_created"] += 1
        elif any(getattr(indicator, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(indicator, f, v)
            indicator.save()
            counts["indicators_updated"] += 1
        wanted = {proposals[link["proposal"]]: link["rationale"] for link in item.get("links", [])}
        held = {link.proposal_id: link for link in indicator.links.all()}
        for proposal_id, link in held.items():
            if proposal_id not in wanted:
                link.delete()
                counts["links_changed"] += 1
        for proposal_id, rationale in wanted.items():
            held_link = held.get(proposal_id)
            if held_link is None:
                IndicatorLink.objects.create(
                    indicator=indicator, proposal_id=proposal_id, rationale=rationale
                )
                counts["links_changed"] += 1
            elif held_link.rationale != rationale:
                held_link.rationale = rationale
                held_link.save(update_fields=["rationale"])
                counts["links_changed"] += 1
    if any(counts.values()):
        data_revision.bump()
    return counts


# --- Storing figures ------------------------------------------------------------


def _release_row(
    indicator: Indicator, release: Release, now: dt.datetime, citation: Evidence | None = None
) -> SourceRelease:
    row, created = SourceRelease.objects.get_or_create(
        indicator=indicator,
        key=release.key,
        defaults={
            "title": release.title[:500],
            "url": release.url,
            "published_at": release.published_at,
            "retrieved_at": now,
            "citation": citation,
        },
    )
    return row


@transaction.atomic
def store_figures(
    indicator: Indicator,
    *,
    release: Release,
    figures: Iterable[Figure],
    citation: Evidence | None = None,
) -> StoreResult:
    """Upsert one release's figures (see the module docstring)."""
    figures = list(figures)
    result = StoreResult()
    if not figures:
        return result
    now = timezone.now()
    release_row = _release_row(indicator, release, now, citation)
    areas = dict(Area.objects.values_list("code", "pk"))
    # The figure currently held per (area, period start): the latest stored row.
    current: dict[tuple[int, dt.date], tuple[Decimal, int]] = {}
    in_release: set[tuple[int, dt.date]] = set()
    for held_area_id, start, held_value, release_id in (
        Observation.objects.filter(indicator=indicator)
        .order_by("retrieved_at", "pk")
        .values_list("area_id", "period_start", "value", "release_id")
        .iterator(chunk_size=5000)
    ):
        current[(held_area_id, start)] = (held_value, release_id)
        if release_id == release_row.pk:
            in_release.add((held_area_id, start))
    new_rows: list[Observation] = []
    for figure in figures:
        area_id = areas.get(figure.area_code)
        if area_id is None:
            raise SourceError(f"area {figure.area_code} is not loaded (run load_indicators)")
        key = (area_id, figure.period.start)
        value = Decimal(figure.value).quantize(Decimal("0.0001"))
        if key in in_release:
            held_value, _ = current[key]
            if held_value != value and current[key][1] == release_row.pk:
                raise SourceError(
                    f"{figure.area_code} {figure.period.label}: release {release.key} now says "
                    f"{value}, it said {held_value}; a release must not change"
                )
            result.unchanged += 1
            continue
        held = current.get(key)
        if held is not None and held[0] == value:
            result.unchanged += 1
            continue
        if held is None:
            result.added += 1
        else:
            result.revised += 1
        new_rows.append(
            Observation(
                indicator=indicator,
                area_id=area_id,
                period_start=figure.period.start,
                period_end=figure.period.end,
                period_label=figure.period.label,
                value=value,
                release=release_row,
                retrieved_at=now,
            )
        )
        current[key] = (value, release_row.pk)
        in_release.add(key)
    Observation.objects.bulk_create(new_rows, batch_size=BATCH)
    if result.added or result.revised:
        data_revision.bump()
    return result


def add_manual_observation(
    indicator: Indicator,
    *,
    area_code: str,
    period_start: dt.date,
    period_end: dt.date,
    period_label: str,
    value: Decimal,
    citation: Evidence,
) -> StoreResult:
    """A figure typed in from a publication that exists only as a PDF.  The
    citation is required: its URL and date identify the release."""
    from .sources import Period

    if citation is None:
        raise SourceError("a figure entered by hand needs its citation")
    release = Release(
        key=f"manual:evidence:{citation.pk}",
        title=citation.title,
        url=citation.url,
        published_at=dt.datetime.combine(citation.published_date, dt.time(), tzinfo=dt.UTC),
    )
    figure = Figure(area_code, Period(period_start, period_end, period_label), Decimal(value))
    return store_figures(indicator, release=release, figures=[figure], citation=citation)


# --- A refresh ---------------------------------------------------------------------


def refresh_indicator(indicator: Indicator, **client_options: Any) -> RefreshRun:
    """Fetch the indicator's source and store what it says, recording a
    ``RefreshRun``.  On any error the run is marked failed with the error and
    the exception re-raised; figures already held are untouched, because the
    store is one transaction that either happens whole or not at all."""
    run = RefreshRun.objects.create(indicator=indicator, started_at=timezone.now())
    try:
        fetch = fetcher_for(indicator.source)
        fetched: Fetched = fetch(
            indicator,
            lookup=AreaLookup.from_db(),
            known_release=_known_release(indicator),
            held=held_coverage(indicator),
            **client_options,
        )
        result = store_fetched(indicator, fetched)
    except Exception as exc:
        run.outcome = RefreshRun.Outcome.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:5000]
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "error", "finished_at"])
        data_revision.bump()  # indicator pages show the last run and its failure
        log.warning("refresh of %s failed: %s", indicator.slug, run.error)
        raise
    run.outcome = RefreshRun.Outcome.SUCCESS
    run.rows_read = fetched.rows_read
    run.rows_added = result.added
    run.rows_revised = result.revised
    run.finished_at = timezone.now()
    run.save()
    data_revision.bump()  # indicator pages show the last successful refresh
    return run


# --- Incremental refresh: coverage stored with the figures, and the plan ------------


def _known_release(indicator: Indicator) -> Callable[[str], bool]:
    return lambda key: SourceRelease.objects.filter(indicator=indicator, key=key).exists()


@transaction.atomic
def store_fetched(indicator: Indicator, fetched: Fetched) -> StoreResult:
    """A refresh's figures and its per-period coverage, in one transaction."""
    result = store_figures(indicator, release=fetched.release, figures=fetched.figures)
    if fetched.coverage:
        release_row = _release_row(indicator, fetched.release, timezone.now())
        if store_coverage(indicator, release_row, fetched.coverage):
            data_revision.bump()  # pages and the API show the coverage of each period
    return result


def plan_refresh(indicator: Indicator, **client_options: Any) -> RefreshPlan:
    """What a refresh of the indicator would fetch now: asks the source's index
    (data.police.uk's availability list, a GOV.UK page) and writes nothing."""
    plan = planner_for(indicator.source)
    return plan(
        indicator,
        lookup=AreaLookup.from_db(),
        known_release=_known_release(indicator),
        held=held_coverage(indicator),
        **client_options,
    )


# --- Runs a lost worker left "running" (the run reaper, scheduled by beat) -----------


@dataclass(frozen=True)
class Reaped:
    run: RefreshRun
    indicator_slug: str
    # No later run of the indicator has started: the broker did not redeliver the
    # task, so a refresh must be queued again.
    requeue: bool


@transaction.atomic
def reap_abandoned_runs(
    *, older_than: dt.timedelta, now: dt.datetime | None = None
) -> list[Reaped]:
    """Mark failed every refresh run still "running" that started more than
    ``older_than`` ago (``RUN_ABANDONED_AFTER``: past the task's hard time limit and
    its redelivery, so nothing is working on it any more).  Each run is claimed by a
    conditional update, so two reapers never reap one run twice.  At most one run per
    indicator is returned with ``requeue``: the latest abandoned one, when no later run
    of that indicator has started."""
    now = now or timezone.now()
    limit = int(older_than.total_seconds())
    reaped: list[Reaped] = []
    stale = (
        RefreshRun.objects.filter(
            outcome=RefreshRun.Outcome.RUNNING, started_at__lt=now - older_than
        )
        .select_related("indicator")
        .order_by("-started_at", "-pk")
    )
    requeued: set[int] = set()
    for run in stale:
        claimed = RefreshRun.objects.filter(pk=run.pk, outcome=RefreshRun.Outcome.RUNNING).update(
            outcome=RefreshRun.Outcome.FAILED,
            finished_at=now,
            error=(
                f"Abandoned: still running {limit} s after it started, past its time limit "
                "and redelivery (its worker was lost or stopped); marked failed by the run "
                "reaper."
            ),
        )
        if not claimed:
            continue
        later = RefreshRun.objects.filter(
            indicator_id=run.indicator_id, started_at__gt=run.started_at
        ).exists()
        requeue = not later and run.indicator_id not in requeued
        if requeue:
            requeued.add(run.indicator_id)
        run.refresh_from_db()
        reaped.append(Reaped(run, run.indicator.slug, requeue))
        log.warning("refresh run %s of %s abandoned: marked failed", run.pk, run.indicator.slug)
    if reaped:
        data_revision.bump()  # the freshness page shows the last run and its outcome
    return reaped
