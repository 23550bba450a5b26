"""data.police.uk: stop and search per force and month.

Documented at https://data.police.uk/docs/.  The availability list
(``/crimes-street-dates``) says which forces supplied stop-and-search data for
each month: a force missing from a month means *no data*, never zero, so no
figure is stored for it.  Requests are paced under the 15-a-second limit and
retried with backoff on 429 and 5xx (sources/http.py).
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from django.conf import settings

from ..areas import AreaLookup, UnknownArea
from . import Fetched, Figure, LayoutError, Period, Release, SourceError, TransientSourceError
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
        if not isinstance(body, list):
            raise LayoutError(f"stops-force {force} {month} did not return a list")
        for search in body[:1]:
            missing = REQUIRED_SEARCH_KEYS - set(search)
            if missing:
                raise LayoutError(
                    f"stops-force {force} {month}: searches lack {sorted(missing)}; "
                    f"keys now {sorted(search)}"
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


def fetch(
    indicator: Indicator, *, lookup: AreaLookup, api: PoliceAPI | None = None, **_: Any
) -> Fetched:
    api = api or PoliceAPI()
    config = indicator.config or {}
    wanted = matcher(config)
    updated = api.last_updated()
    release = Release(
        key=f"data.police.uk:{updated}",
        title=f"data.police.uk, data updated {updated}",
        url=api.url("crime-last-updated"),
        published_at=_as_datetime(updated),
    )
    fetched = Fetched(release=release)
    available = api.availability()
    months = sorted(available, reverse=True)[: int(config.get("months", 36))]
    for month in sorted(months):
        forces = available[month]
        period = month_period(month)
        for force in forces:
            try:
                code = lookup.resolve(force)
            except UnknownArea as exc:
                raise SourceError(str(exc)) from exc
            if code is None:
                continue  # BTP and others: not a police force area
            searches = api.stops_force(force, month)
            if not searches:
                # Listed as supplied yet empty: the API's outage signature, not zero searches.
                raise TransientSourceError(
                    f"stops-force {force} {month} is empty although the availability list names it"
                )
            fetched.rows_read += len(searches)
            count = sum(1 for s in searches if wanted(s))
            fetched.figures.append(Figure(code, period, Decimal(count)))
    return fetched


def _as_datetime(value: str) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
