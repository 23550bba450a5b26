"""data.police.uk: stop and search per force and month.

Documented at https://data.police.uk/docs/.  The availability list
(``/crimes-street-dates``) says which forces supplied stop-and-search data for
each month: a force missing from a month means *no data*, never zero, so no
figure is stored for it, and the month's coverage says it is missing.
Requests are paced under the 15-a-second limit and retried with backoff on 429
and 5xx (sources/http.py).

A refresh is incremental (``make_plan``): every force-month of 36 months is
about 1,400 requests; once they are held, a refresh fetches the newest
``POLICE_API_REVISION_MONTHS`` again and whatever is new.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from django.conf import settings

from ..areas import AreaLookup, UnknownArea
from . import (
    Coverage,
    Fetched,
    Figure,
    Held,
    LayoutError,
    Period,
    RefreshPlan,
    Release,
    SourceError,
    TransientSourceError,
)
from .http import HttpClient, Pacer

if TYPE_CHECKING:
    from ..models import Indicator

SECTION_60 = "Criminal Justice and Public Order Act 1994 (section 60)"
REQUIRED_SEARCH_KEYS = {"legislation", "self_defined_ethnicity", "datetime", "type"}

_pacer: Pacer | None = None


def shared_pacer() -> Pacer:
    """One pacer per process, so every client in a worker shares the budget."""
    global _pacer
    rate = settings.POLICE_API_MAX_RATE
    if _pacer is None or _pacer.rate != rate:
        _pacer = Pacer(rate)
    return _pacer


def month_period(month: str) -> Period:
    try:
        start = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError as exc:
        raise LayoutError(f"month {month!r} is not YYYY-MM") from exc
    end = start.replace(day=monthrange(start.year, start.month)[1])
    return Period(start, end, month)


class PoliceAPI:
    def __init__(self, base_url: str | None = None, http: HttpClient | None = None) -> None:
        self.base_url = (base_url or settings.INDICATOR_SOURCES["police_api"]).rstrip("/") + "/"
        self.http = http or HttpClient(pacer=shared_pacer())

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def last_updated(self) -> str:
        body = self.http.get_json(self.url("crime-last-updated"))
        if not isinstance(body, dict) or "date" not in body:
            raise LayoutError("crime-last-updated did not return {'date': ...}")
        return str(body["date"])

    def availability(self) -> dict[str, list[str]]:
        """``{"2024-01": ["avon-and-somerset", ...]}``: forces with stop-and-search data."""
        body = self.http.get_json(self.url("crimes-street-dates"))
        if not isinstance(body, list):
            raise LayoutError("crimes-street-dates did not return a list")
        months: dict[str, list[str]] = {}
        for entry in body:
            if not isinstance(entry, dict) or "date" not in entry:
                raise LayoutError(f"crimes-street-dates entry {entry!r} has no date")
            if "stop-and-search" not in entry:
                raise LayoutError(
                    "crimes-street-dates has no 'stop-and-search' force list (the older "
                    "format): cannot tell a month with no data from a month of zero"
                )
            months[entry["date"]] = list(entry["stop-and-search"])
        return months

    def stops_force(self, force: str, month: str) -> list[dict[str, Any]]:
        body = self.http.get_json(self.url("stops-force"), params={"force": force, "date": month})
        return check_searches(body, f"stops-force {force} {month}")


def check_searches(body: object, where: str) -> list[dict[str, Any]]:
    """A list of searches with the keys we read; nulls are allowed (real
    searches carry ``"legislation": null``, ``"age_range": null``, ``"operation":
    null`` or ``false``, ``"outcome_object": {"id": ""}``), a changed shape is not."""
    if not isinstance(body, list):
        raise LayoutError(f"{where} did not return a list")
    for search in body:
        if not isinstance(search, dict):
            raise LayoutError(f"{where}: a search is {type(search).__name__}, not an object")
        missing = REQUIRED_SEARCH_KEYS - set(search)
        if missing:
            raise LayoutError(
                f"{where}: searches lack {sorted(missing)}; keys now {sorted(search)}"
            )
    return body


def matcher(config: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    if config.get("measure") == "section_60":
        return lambda s: s.get("legislation") == SECTION_60
    prefix = config.get("self_defined_ethnicity_prefix")
    if prefix:
        return lambda s: (s.get("self_defined_ethnicity") or "").startswith(prefix)
    if config.get("measure") == "all":
        return lambda s: True
    raise SourceError(
        "police_api indicator config needs measure: section_60 | all, or "
        "self_defined_ethnicity_prefix"
    )


@dataclass(frozen=True)
class MonthPlan:
    month: str
    forces: tuple[str, ...]  # data.police.uk force ids to fetch
    reason: str


@dataclass
class Plan:
    """An incremental refresh: every month of the availability list (the
    newest ``months`` of it) with the forces it lists, and the force-months to
    fetch: months not held yet, the newest ``revision_months`` again (recent
    months may be revised), and in older months only forces newly listed."""

    release: Release
    listed: dict[str, dict[str, str]]  # month → {force id: area code}
    fetch: list[MonthPlan]
    requests_made: int

    @property
    def requests_planned(self) -> int:
        return sum(len(m.forces) for m in self.fetch)


def make_plan(
    indicator: Indicator,
    *,
    lookup: AreaLookup,
    api: PoliceAPI,
    held: Held | None = None,
    revision_months: int | None = None,
) -> Plan:
    config = indicator.config or {}
    matcher(config)  # a bad configuration fails before any request
    held = held or {}
    window = settings.POLICE_API_REVISION_MONTHS if revision_months is None else revision_months
    before = api.http.requests_made
    updated = api.last_updated()
    release = Release(
        key=f"data.police.uk:{updated}",
        title=f"data.police.uk, data updated {updated}",
        url=api.url("crime-last-updated"),
        published_at=_as_datetime(updated),
    )
    available = api.availability()
    months = sorted(available, reverse=True)[: int(config.get("months", 36))]
    revise = set(months[: max(window, 0)])
    listed: dict[str, dict[str, str]] = {}
    fetch: list[MonthPlan] = []
    for month in sorted(months):
        forces: dict[str, str] = {}
        for force in available[month]:
            try:
                code = lookup.resolve(force)
            except UnknownArea as exc:
                raise SourceError(str(exc)) from exc
            if code is not None:  # BTP and others: not a police force area
                forces[force] = code
        listed[month] = forces
        if month not in held:
            fetch.append(MonthPlan(month, tuple(forces), "not held yet"))
        elif month in revise:
            fetch.append(MonthPlan(month, tuple(forces), "newest months, for revisions"))
        else:
            new = tuple(f for f, code in forces.items() if code not in held[month])
            if new:
                fetch.append(MonthPlan(month, new, "forces newly listed"))
    return Plan(release, listed, fetch, api.http.requests_made - before)


def plan(
    indicator: Indicator,
    *,
    lookup: AreaLookup,
    api: PoliceAPI | None = None,
    held: Held | None = None,
    revision_months: int | None = None,
    **_: Any,
) -> RefreshPlan:
    """What :func:`fetch` would fetch now (two requests to find out)."""
    found = make_plan(
        indicator, lookup=lookup, api=api or PoliceAPI(), held=held, revision_months=revision_months
    )
    skipped = len(found.listed) - len(found.fetch)
    return RefreshPlan(
        summary=(
            f"{found.release.title}: {len(found.listed)} months listed, {skipped} held and "
            f"not fetched again, {len(found.fetch)} to fetch in {found.requests_planned} requests"
        ),
        requests_made=found.requests_made,
        requests_planned=found.requests_planned,
        lines=[f"{m.month}: {len(m.forces)} forces ({m.reason})" for m in found.fetch],
    )


def fetch(
    indicator: Indicator,
    *,
    lookup: AreaLookup,
    api: PoliceAPI | None = None,
    held: Held | None = None,
    revision_months: int | None = None,
    **_: Any,
) -> Fetched:
    """The planned force-months' counts, and for every month listed which
    forces supplied data (a force missing from a month's list has no figure:
    it is not zero)."""
    api = api or PoliceAPI()
    wanted = matcher(indicator.config or {})
    found = make_plan(indicator, lookup=lookup, api=api, held=held, revision_months=revision_months)
    fetched = Fetched(release=found.release)
    for month_plan in found.fetch:
        period = month_period(month_plan.month)
        codes = found.listed[month_plan.month]
        for force in month_plan.forces:
            searches = api.stops_force(force, month_plan.month)
            if not searches:
                # Listed as supplied yet empty: the API's outage signature, not zero searches.
                raise TransientSourceError(
                    f"stops-force {force} {month_plan.month} is empty although the "
                    "availability list names it"
                )
            fetched.rows_read += len(searches)
            # Every search the API returns for date=YYYY-MM counts in that month,
            # whatever its UTC timestamp says (2023-06-30T23:08Z is in 2023-07).
            count = sum(1 for s in searches if wanted(s))
            fetched.figures.append(Figure(codes[force], period, Decimal(count)))
    expected = frozenset(lookup.force_codes)
    fetched.coverage = [
        Coverage(month_period(month), frozenset(codes.values()), expected)
        for month, codes in found.listed.items()
    ]
    return fetched


def _as_datetime(value: str) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
