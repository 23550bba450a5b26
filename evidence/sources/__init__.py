"""One client module per outside source.  Each turns a source into
``Figure`` rows for one ``Release``; evidence.services stores them.

Errors say what to do about them: ``TransientSourceError`` (rate limit, 5xx,
network) is worth retrying later; ``SourceError`` (a changed layout, an unknown
force, a bad configuration) is not, and needs a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..areas import AreaLookup
    from ..models import Indicator


class SourceError(Exception):
    """The source said something we cannot use; retrying will not help."""


class TransientSourceError(SourceError):
    """Rate limited, a server error or the network: try again later."""


class LayoutError(SourceError):
    """A table's layout is not one we know: nothing is stored."""


class UnsafeFile(SourceError):
    """A downloaded file carries what only an attack needs (an XML document type
    with entities): refused before anything in it is expanded or fetched."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str


@dataclass(frozen=True)
class Figure:
    area_code: str
    period: Period
    value: Decimal


@dataclass
class Release:
    """One edition of a source (``key`` is its stable identity)."""

    key: str
    title: str
    url: str
    published_at: dt.datetime | None = None


@dataclass(frozen=True)
class Coverage:
    """Which police force areas a source has a figure for, for one period.  A
    sum over ``reporting`` is a national figure only when nothing is missing."""

    period: Period
    reporting: frozenset[str]  # area codes
    expected: frozenset[str]  # every police force area's code

    @property
    def missing(self) -> list[str]:
        return sorted(self.expected - self.reporting)


@dataclass
class Fetched:
    release: Release
    figures: list[Figure] = field(default_factory=list)
    rows_read: int = 0
    # Per period read in this refresh (force-level indicators only); periods
    # not read keep the coverage stored before.
    coverage: list[Coverage] = field(default_factory=list)


@dataclass
class RefreshPlan:
    """What a refresh would fetch, for ``refresh_indicators --dry-run``:
    ``requests_made`` to find out (the source's index), ``requests_planned`` to
    fetch, and a line per period or file."""

    summary: str
    requests_made: int = 0
    requests_planned: int = 0
    lines: list[str] = field(default_factory=list)


# Force codes with a figure held, per period label: what an incremental refresh
# need not fetch again (evidence.services.held_coverage).
Held = dict[str, frozenset[str]]


class Fetcher(Protocol):
    """A client module's ``fetch``: the indicator's current release and its figures.
    ``known_release(key)`` says whether that release is stored already (a client
    may then skip downloading it); ``held`` what is stored per period; other
    options are the client's own."""

    def __call__(
        self,
        indicator: Indicator,
        *,
        lookup: AreaLookup,
        known_release: Callable[[str], bool] = ...,
        held: Held | None = ...,
        **options: Any,
    ) -> Fetched: ...


class Planner(Protocol):
    """A client module's ``plan``: what ``fetch`` would do now, changing nothing."""

    def __call__(
        self,
        indicator: Indicator,
        *,
        lookup: AreaLookup,
        known_release: Callable[[str], bool] = ...,
        held: Held | None = ...,
        **options: Any,
    ) -> RefreshPlan: ...


def fetcher_for(source: str) -> Fetcher:
    """The function that fetches an indicator of this source."""
    from . import ho_tables, police_api

    fetchers: dict[str, Fetcher] = {
        "police_api": police_api.fetch,
        "ho_workforce": ho_tables.fetch,
        "ho_recorded_crime": ho_tables.fetch,
        "ho_stop_search": ho_tables.fetch,
    }
    try:
        return fetchers[source]
    except KeyError:
        raise SourceError(
            f"source {source!r} is not fetched automatically; enter its figures by hand "
            "with a citation"
        ) from None


def planner_for(source: str) -> Planner:
    """The function that plans a refresh of an indicator of this source."""
    from . import ho_tables, police_api

    planners: dict[str, Planner] = {
        "police_api": police_api.plan,
        "ho_workforce": ho_tables.plan,
        "ho_recorded_crime": ho_tables.plan,
        "ho_stop_search": ho_tables.plan,
    }
    try:
        return planners[source]
    except KeyError:
        raise SourceError(
            f"source {source!r} is not fetched automatically; its figures are entered by hand"
        ) from None
