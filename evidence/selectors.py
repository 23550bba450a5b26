"""Reads of indicators shared by the API, the pages and the proposal page's
template tag: the API serializes what these return and the pages render it, so
the two cannot disagree.  Each returns in a fixed number of queries, whatever
the number of indicators, areas or figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Exists, JSONField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from .areas import NATIONAL_CODE
from .models import Area, Indicator, IndicatorLink, Observation, PeriodCoverage, RefreshRun


class IndicatorAnnotations(TypedDict):
    """What :func:`indicator_queryset` annotates on each indicator.  The last run's
    values are None when the indicator has never run (``last_run_outcome`` None)."""

    last_run_outcome: str | None
    last_run_started_at: dt.datetime
    last_run_finished_at: dt.datetime | None
    last_run_error: str
    last_run_rows_read: int
    last_run_rows_added: int
    last_run_rows_revised: int
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    latest_period_end: dt.date | None


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # An indicator read through :func:`indicator_queryset` (django-stubs' annotated model).
    AnnotatedIndicator = WithAnnotations[Indicator, IndicatorAnnotations]


def _runs(outcome: str | None = None) -> QuerySet[RefreshRun]:
    runs = RefreshRun.objects.filter(indicator=OuterRef("pk"))
    if outcome:
        runs = runs.filter(outcome=outcome)
    return runs.order_by("-started_at", "-pk")


def indicator_queryset() -> QuerySet[AnnotatedIndicator]:
    """Indicators with their proposals, last run and last success annotated."""
    last = _runs()
    return (
        Indicator.objects.annotate(
            last_run_outcome=Subquery(last.values("outcome")[:1]),
            last_run_started_at=Subquery(last.values("started_at")[:1]),
            last_run_finished_at=Subquery(last.values("finished_at")[:1]),
            last_run_error=Subquery(last.values("error")[:1]),
            last_run_rows_read=Subquery(last.values("rows_read")[:1]),
            last_run_rows_added=Subquery(last.values("rows_added")[:1]),
            last_run_rows_revised=Subquery(last.values("rows_revised")[:1]),
            last_success_at=Subquery(_runs(RefreshRun.Outcome.SUCCESS).values("finished_at")[:1]),
            last_failure_at=Subquery(_runs(RefreshRun.Outcome.FAILED).values("finished_at")[:1]),
            latest_period_end=Max("observations__period_end"),
        )
        .prefetch_related(
            Prefetch(
                "links",
                queryset=IndicatorLink.objects.select_related("proposal").order_by(
                    "proposal__paper__number", "proposal__order"
                ),
            )
        )
        .order_by("name")
    )


def observation_queryset() -> QuerySet[Observation]:
    """Every figure held, each marked ``is_current`` unless a later release revised it,
    with its period's coverage (``coverage_expected``, ``coverage_reporting``,
    ``coverage_missing``; None where no coverage is recorded, as for figures
    entered by hand).  Subqueries on the coverage's unique (indicator, period)
    index: no query more."""
    coverage = PeriodCoverage.objects.filter(
        indicator=OuterRef("indicator"), period_start=OuterRef("period_start")
    )
    later = Observation.objects.filter(
        indicator=OuterRef("indicator"),
        area=OuterRef("area"),
        period_start=OuterRef("period_start"),
    ).filter(
        Q(retrieved_at__gt=OuterRef("retrieved_at"))
        | Q(retrieved_at=OuterRef("retrieved_at"), pk__gt=OuterRef("pk"))
    )
    return (
        Observation.objects.select_related("indicator", "area", "release")
        .annotate(
            is_current=~Exists(later),
            coverage_expected=Subquery(coverage.values("forces_expected")[:1]),
            coverage_reporting=Subquery(coverage.values("forces_reporting")[:1]),
            coverage_missing=Subquery(coverage.values("missing")[:1], output_field=JSONField()),
        )
        .order_by("indicator__slug", "area__code", "period_start", "retrieved_at", "pk")
    )


def is_stale(indicator: Indicator, *, today: dt.date | None = None) -> bool:
    """The newest figure held is for a period that ended longer ago than the
    indicator's ``stale_after_days`` (a source gone quiet, or refreshes failing)."""
    end: dt.date | None = getattr(indicator, "latest_period_end", None)
    if end is None:
        return False
    today = today or timezone.localdate()
    return (today - end).days > indicator.stale_after_days


@dataclass(frozen=True)
class LastRun:
    """An indicator's most recent refresh, whatever its outcome.  Field order is
    the API's ``last_run`` object's key order."""

    outcome: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_read: int
    rows_added: int
    rows_revised: int
    error: str


@dataclass(frozen=True)
class LinkedProposal:
    """A proposal an indicator speaks to, and why."""

    reference: str
    rationale: str


@dataclass(frozen=True)
class IndicatorStatus:
    """What the pages and the API say about one indicator beyond its own fields:
    its proposals, last refresh, last success, newest period and staleness.
    Dates stay dates (``datetime``/``date``), for templates to format."""

    proposals: list[LinkedProposal]
    last_run: LastRun | None
    last_success_at: dt.datetime | None
    latest_period_end: dt.date | None
    is_stale: bool


def last_run(indicator: Indicator) -> LastRun | None:
    """The last refresh of an indicator from :func:`indicator_queryset`, or None if never run."""
    outcome: str | None = getattr(indicator, "last_run_outcome", None)
    if outcome is None:
        return None
    # A last run is annotated, so the indicator came from indicator_queryset().
    annotated = cast("AnnotatedIndicator", indicator)
    return LastRun(
        outcome=outcome,
        started_at=annotated.last_run_started_at,
        finished_at=annotated.last_run_finished_at,
        rows_read=annotated.last_run_rows_read,
        rows_added=annotated.last_run_rows_added,
        rows_revised=annotated.last_run_rows_revised,
        error=annotated.last_run_error,
    )


def linked_proposals(indicator: Indicator) -> list[LinkedProposal]:
    """The proposals an indicator speaks to, in paper and proposal order (from the
    links :func:`indicator_queryset` prefetches: no query)."""
    return [
        LinkedProposal(link.proposal.reference, link.rationale) for link in indicator.links.all()
    ]


def indicator_status(indicator: Indicator, *, today: dt.date | None = None) -> IndicatorStatus:
    """Everything :func:`indicator_queryset` annotated on one indicator, as plain data."""
    return IndicatorStatus(
        proposals=linked_proposals(indicator),
        last_run=last_run(indicator),
        last_success_at=getattr(indicator, "last_success_at", None),
        latest_period_end=getattr(indicator, "latest_period_end", None),
        is_stale=is_stale(indicator, today=today),
    )


@dataclass
class Point:
    period_start: dt.date
    period_end: dt.date
    label: str
    value: Decimal
    release_title: str
    release_url: str
    release_published_at: dt.datetime | None
    revised: bool = False  # an earlier release said something else


@dataclass
class Series:
    indicator_id: int
    area_code: str
    area_name: str
    points: list[Point] = field(default_factory=list)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None


def series_for(
    indicator_ids: Iterable[int], *, area_codes: Iterable[str]
) -> dict[tuple[int, str], Series]:
    """The current figure per period (the latest release's) for each indicator
    and area, in one query."""
    result: dict[tuple[int, str], Series] = {}
    counts: dict[tuple[int, str, dt.date], int] = defaultdict(int)
    rows = (
        Observation.objects.filter(
            indicator_id__in=list(indicator_ids), area__code__in=list(area_codes)
        )
        .select_related("area", "release")
        .order_by("indicator_id", "area__code", "period_start", "retrieved_at", "pk")
    )
    latest: dict[tuple[int, str], dict[dt.date, Point]] = defaultdict(dict)
    names: dict[str, str] = {}
    for obs in rows:
        key = (obs.indicator_id, obs.area.code)
        names[obs.area.code] = obs.area.name
        counts[(*key, obs.period_start)] += 1
        latest[key][obs.period_start] = Point(
            obs.period_start,
            obs.period_end,
            obs.period_label,
            obs.value,
            obs.release.title,
            obs.release.url,
            obs.release.published_at,
            revised=counts[(*key, obs.period_start)] > 1,
        )
    for key, points in latest.items():
        result[key] = Series(key[0], key[1], names[key[1]], [points[d] for d in sorted(points)])
    return result


def force_areas() -> list[Area]:
    return list(Area.objects.filter(kind=Area.Kind.FORCE).order_by("name"))


def national_code() -> str:
    return NATIONAL_CODE


# --- Coverage of each period (evidence.models.PeriodCoverage) -------------------------


@dataclass(frozen=True)
class MissingArea:
    code: str
    name: str


@dataclass(frozen=True)
class CoverageOfPeriod:
    """Which force areas had a figure for one period.  ``summary`` is the label a
    sum over the reporting forces must carry ("40 of 43 forces")."""

    period_start: dt.date
    period_end: dt.date
    label: str
    forces_expected: int
    forces_reporting: int
    missing: list[MissingArea]

    @property
    def complete(self) -> bool:
        return self.forces_reporting == self.forces_expected

    @property
    def summary(self) -> str:
        return f"{self.forces_reporting} of {self.forces_expected} forces"


@dataclass(frozen=True)
class CoverageSummary:
    """An indicator's coverage over all its periods, for a page's first line."""

    periods: list[CoverageOfPeriod]
    always_missing: list[MissingArea]  # missing from every period

    @property
    def incomplete(self) -> list[CoverageOfPeriod]:
        return [p for p in self.periods if not p.complete]


def area_names(areas: Iterable[Area] | None = None) -> dict[str, str]:
    """Code → name of every area (one query, none when ``areas`` are given)."""
    if areas is not None:
        return {area.code: area.name for area in areas}
    return dict(Area.objects.values_list("code", "name"))


def coverage_prefetch() -> Prefetch:
    """For ``indicator_queryset().prefetch_related(...)``: each indicator's
    coverage rows in period order (one query)."""
    return Prefetch("coverage", queryset=PeriodCoverage.objects.order_by("period_start"))


def _coverage_row(row: PeriodCoverage, names: Mapping[str, str]) -> CoverageOfPeriod:
    return CoverageOfPeriod(
        row.period_start,
        row.period_end,
        row.period_label,
        row.forces_expected,
        row.forces_reporting,
        [MissingArea(code, names.get(code, code)) for code in row.missing],
    )


def period_coverage(indicator: Indicator, names: Mapping[str, str]) -> list[CoverageOfPeriod]:
    """An indicator's coverage by period, from the rows :func:`coverage_prefetch`
    prefetched (no query)."""
    return [_coverage_row(row, names) for row in indicator.coverage.all()]


def coverage_summary(periods: list[CoverageOfPeriod]) -> CoverageSummary:
    always: list[MissingArea] = []
    if periods:
        common = set.intersection(*({m.code for m in p.missing} for p in periods))
        always = [m for m in periods[0].missing if m.code in common]
    return CoverageSummary(periods, always)


def indicator_coverage(indicator: Indicator, *, areas: Iterable[Area]) -> CoverageSummary:
    """One indicator's coverage by period (one query; names from ``areas``)."""
    rows = PeriodCoverage.objects.filter(indicator=indicator).order_by("period_start")
    names = area_names(areas)
    return coverage_summary([_coverage_row(row, names) for row in rows])


def latest_coverage(indicator_ids: Iterable[int]) -> dict[int, CoverageOfPeriod]:
    """Each indicator's newest period's coverage (one query; no area names)."""
    latest: dict[int, CoverageOfPeriod] = {}
    rows = PeriodCoverage.objects.filter(indicator_id__in=list(indicator_ids)).order_by(
        "indicator_id", "period_start"
    )
    for row in rows:
        latest[row.indicator_id] = _coverage_row(row, {})
    return latest


def period_coverage_note(
    periods: Iterable[CoverageOfPeriod], series: Series, *, national: bool
) -> str:
    """What a chart of one area leaves out for want of coverage, in a sentence."""
    held = {p.period_start for p in series.points}
    if national:
        gaps = [p for p in periods if not p.complete and p.period_start not in held]
        if not gaps:
            return ""
        shown = ", ".join(f"{p.label} ({p.summary})" for p in gaps[:12])
        more = f" and {len(gaps) - 12} more" if len(gaps) > 12 else ""
        return (
            f"No England and Wales figure for {_periods(len(gaps))} in which forces were "
            f"missing: {shown}{more}."
        )
    gaps = [
        p
        for p in periods
        if p.period_start not in held and any(m.code == series.area_code for m in p.missing)
    ]
    if not gaps:
        return ""
    shown = ", ".join(p.label for p in gaps[:12])
    more = f" and {len(gaps) - 12} more" if len(gaps) > 12 else ""
    return (
        f"No figure for {series.area_name} in {_periods(len(gaps))} it was missing from: "
        f"{shown}{more}."
    )


def _periods(count: int) -> str:
    return f"{count} period" if count == 1 else f"{count} periods"
