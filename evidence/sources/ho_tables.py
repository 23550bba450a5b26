"""Home Office open data tables (ODS files on GOV.UK), found through the
GOV.UK Content API.

File addresses change with every release, so each refresh asks
``/api/content/<path>`` for the page's files and takes the newest edition of
the one whose address matches the indicator's pattern, by the indicator's
edition rule (sources/govuk.py).  The file is streamed to disk and
read row by row (sources/spreadsheets.py); its header row must match a layout
we know exactly, or the refresh fails loudly and stores nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..areas import NATIONAL_CODE, AreaLookup, UnknownArea
from . import (
    Coverage,
    Fetched,
    Figure,
    LayoutError,
    Period,
    RefreshPlan,
    SourceError,
    UnsafeFile,
)
from .govuk import GovukContent
from .spreadsheets import NotASpreadsheet, UnsafeSpreadsheet, iter_sheets

if TYPE_CHECKING:
    from ..models import Indicator

# Each table kind: the layouts it has been published in (logical field →
# column header), newest first.  A header row matching none is a LayoutError.
LAYOUTS: dict[str, list[dict[str, str]]] = {
    "workforce": [
        {
            "period": "As at 31 March",
            "geocode": "Geocode",
            "area": "Force name",
            "worker_type": "Worker type",
            "value": "Total (FTE)",
        },
    ],
    "recorded_crime": [
        {
            "year": "Financial Year",
            "quarter": "Financial Quarter",
            "area": "Force Name",
            "subgroup": "Offence Subgroup",
            "value": "Number of Offences",
        },
    ],
    "stop_search": [
        {
            "year": "financial_year",
            "area": "police_force_area",
            "ethnicity": "self_defined_ethnicity_group",
            "value": "number_of_searches",
        },
        {
            "year": "Financial Year",
            "area": "Force Name",
            "ethnicity": "Ethnic Group (self-defined - new style)",
            "value": "Searches",
        },
    ],
}
NO_DATA_MARKS = {"", "..", ":", "-", "*", "[x]", "[z]", "[c]", "[u]", "n/a"}
FY_RE = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")
YEAR_RE = re.compile(r"(\d{4})")


def parse_number(raw: object) -> Decimal | None:
    """A figure as published: ``1234``, ``1234.5``, ``"1,234"``; None for the
    marks that mean no figure (``..``, ``[x]``)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    text = str(raw).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    if text.lower() in NO_DATA_MARKS:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise LayoutError(f"{raw!r} is not a number") from None


def financial_year(raw: object) -> tuple[int, str]:
    match = FY_RE.match(str(raw))
    if not match:
        raise LayoutError(f"financial year {raw!r} is not like 2023/24")
    first, second = int(match.group(1)), match.group(2)
    if int(second) % 100 != (first + 1) % 100:
        raise LayoutError(f"financial year {raw!r} does not run over consecutive years")
    return first, f"{first}/{(first + 1) % 100:02d}"


def year_period(raw: object) -> Period:
    first, label = financial_year(raw)
    return Period(dt.date(first, 4, 1), dt.date(first + 1, 3, 31), label)


def quarter_period(year_raw: object, quarter_raw: object) -> Period:
    first, label = financial_year(year_raw)
    match = re.search(r"[1-4]", str(quarter_raw))
    if not match or len(str(quarter_raw).strip().lstrip("Qq")) != 1:
        raise LayoutError(f"financial quarter {quarter_raw!r} is not 1–4")
    quarter = int(match.group())
    months_in = 3 + 3 * (quarter - 1)  # months after January of the first year
    start = dt.date(first + months_in // 12, months_in % 12 + 1, 1)
    after = months_in + 3
    end = dt.date(first + after // 12, after % 12 + 1, 1) - dt.timedelta(days=1)
    return Period(start, end, f"{label} Q{quarter}")


def march_period(raw: object) -> Period:
    match = YEAR_RE.search(str(raw))
    if not match:
        raise LayoutError(f"'As at 31 March' value {raw!r} has no year")
    year = int(match.group(1))
    day = dt.date(year, 3, 31)
    return Period(day, day, f"31 March {year}")


def match_layout(kind: str, header: list[Any]) -> dict[str, int] | None:
    names = [str(h).strip() if h is not None else "" for h in header]
    for layout in LAYOUTS[kind]:
        if all(column in names for column in layout.values()):
            return {field: names.index(column) for field, column in layout.items()}
    return None


def _layout_problem(kind: str, sheet: str, header: list[Any]) -> str:
    expected = LAYOUTS[kind][0]
    found = [str(h) for h in header if h is not None]
    missing = [c for c in expected.values() if c not in found]
    return (
        f"sheet {sheet!r}: the header is not a known {kind} layout; missing {missing}; "
        f"found {found}"
    )


def _wanted(values: Iterable[str] | str | None) -> set[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    return {v.strip().lower() for v in values}


def _membership(allowed: set[str], seen: set[str]) -> Callable[[object], bool]:
    """``value in allowed`` as the tables spell it (any case, spaces around),
    noting each distinct value seen; one dictionary look-up per row after the
    first of each value."""
    verdicts: dict[object, bool] = {}

    def test(raw: object) -> bool:
        verdict = verdicts.get(raw)
        if verdict is None:
            cell = str(raw or "").strip().lower()
            seen.add(cell)
            verdict = verdicts[raw] = cell in allowed
        return verdict

    return test


def _period_reader(kind: str, columns: dict[str, int]) -> tuple[list[int], Callable[..., Period]]:
    """The columns that say a row's period, and the function that reads them."""
    if kind == "workforce":
        return [columns["period"]], march_period
    if kind == "recorded_crime":
        return [columns["year"], columns["quarter"]], quarter_period
    return [columns["year"]], year_period


def parse_table(
    path: Path, kind: str, config: dict[str, Any], lookup: AreaLookup
) -> tuple[list[Figure], int]:
    """Stream the file, keep the rows the indicator wants, and sum them per area
    and period.  Memory grows with the number of areas × periods, not rows.

    Only the columns of the layout are read, and a row the indicator's filters
    turn down is read no further than the filtered column: most rows of a
    table are other offences or worker types (bench/ingest)."""
    sheets_wanted = config.get("sheets")  # None: every sheet whose header is a data header
    filters = {
        "worker_type": _wanted(config.get("worker_type")),
        "subgroup": _wanted(config.get("offence_subgroups")),
        "ethnicity": _wanted(config.get("ethnicity_groups")),
    }
    bodies = _wanted(config.get("national_bodies"))  # e.g. Action Fraud, CIFAS, UK Finance
    sums: dict[tuple[str, Period], Decimal] = defaultdict(Decimal)
    seen_values: dict[str, set[str]] = defaultdict(set)
    rows_read = 0
    data_sheets = 0
    unknown: set[str] = set()
    periods: dict[tuple[object, ...], Period] = {}
    codes: dict[tuple[object, object], str | None] = {}
    try:
        for name, rows in iter_sheets(path):
            if sheets_wanted and name not in sheets_wanted:
                continue
            header = next(rows, None)
            columns = match_layout(kind, header or [])
            if columns is None:
                known = {column for layout in LAYOUTS[kind] for column in layout.values()}
                near = header and any(str(h).strip() in known for h in header)
                if sheets_wanted or near:
                    raise LayoutError(_layout_problem(kind, name, header or []))
                continue  # a cover or notes sheet
            data_sheets += 1
            where = {
                columns[field]: _membership(allowed, seen_values[field])
                for field, allowed in filters.items()
                if allowed is not None and field in columns
            }
            period_columns, read_period = _period_reader(kind, columns)
            geocode = columns.get("geocode")
            picked = [columns["value"], columns["area"], *period_columns]
            if geocode is not None:
                picked.append(geocode)
            rows_before = rows.rows_read
            for row in rows.select(picked, where=where):
                try:
                    value = parse_number(row[0])
                except LayoutError as exc:
                    raise LayoutError(f"sheet {name!r} row {rows.position}: {exc}") from None
                if value is None:
                    continue
                period_key = tuple(row[2 : 2 + len(period_columns)])
                period = periods.get(period_key)
                if period is None:
                    try:
                        period = periods[period_key] = read_period(*period_key)
                    except LayoutError as exc:
                        raise LayoutError(f"sheet {name!r} row {rows.position}: {exc}") from None
                spelling = row[1]
                if bodies is not None:
                    if str(spelling or "").strip().lower() in bodies:
                        sums[(NATIONAL_CODE, period)] += value
                    continue
                area_key = (row[-1] if geocode is not None else None, spelling)
                if area_key in codes:
                    code = codes[area_key]
                else:
                    code = codes[area_key] = _area_code(lookup, area_key, unknown)
                if code is not None and code != NATIONAL_CODE:
                    sums[(code, period)] += value
            rows_read += rows.rows_read - rows_before
    except UnsafeSpreadsheet as exc:
        raise UnsafeFile(str(exc)) from exc
    except NotASpreadsheet as exc:
        raise LayoutError(str(exc)) from exc
    if not data_sheets:
        raise LayoutError(f"no sheet of {path.name} has a {kind} header")
    if unknown:
        raise SourceError(
            f"unknown areas {sorted(unknown)}: add each spelling to evidence/data/areas.yaml"
        )
    for field, allowed in filters.items():
        if allowed and seen_values[field] and not (allowed & seen_values[field]):
            raise LayoutError(
                f"no row has {field} in {sorted(allowed)}; the file has "
                f"{sorted(seen_values[field])[:20]}"
            )
    figures = [Figure(code, period, value) for (code, period), value in sums.items()]
    if bodies is None and config.get("national", "sum_if_complete") == "sum_if_complete":
        figures += national_sums(sums, lookup.force_codes)
    return figures, rows_read


def _area_code(lookup: AreaLookup, key: tuple[object, object], unknown: set[str]) -> str | None:
    """The code of a row's area: its geocode when the table has one, else its name."""
    geocode, name = key
    for spelling in (geocode, name) if geocode else (name,):
        try:
            return lookup.resolve(spelling)
        except UnknownArea:
            continue
    unknown.add(str(name))
    return None


def national_sums(sums: dict[tuple[str, Period], Decimal], forces: set[str]) -> list[Figure]:
    """England and Wales as the sum of the 43 forces, only for periods where
    every force has a figure: a partial sum would look like a fall."""
    by_period: dict[Period, dict[str, Decimal]] = defaultdict(dict)
    for (code, period), value in sums.items():
        by_period[period][code] = value
    return [
        Figure(NATIONAL_CODE, period, sum(values.values(), Decimal(0)))
        for period, values in by_period.items()
        if forces and forces <= set(values)
    ]


def coverage_of(figures: list[Figure], lookup: AreaLookup) -> list[Coverage]:
    """Per period, the forces with a figure in the table (a force without a row
    for a period has no figure: the table does not say it is zero)."""
    by_period: dict[Period, set[str]] = defaultdict(set)
    for figure in figures:
        if figure.area_code != NATIONAL_CODE:
            by_period[figure.period].add(figure.area_code)
    expected = frozenset(lookup.force_codes)
    return [Coverage(period, frozenset(codes), expected) for period, codes in by_period.items()]


def _checked(indicator: Indicator) -> dict[str, Any]:
    config = indicator.config or {}
    for key in ("content_path", "attachment", "table"):
        if not config.get(key):
            raise SourceError(f"indicator {indicator.slug} config lacks {key!r}")
    if config["table"] not in LAYOUTS:
        raise SourceError(f"unknown table kind {config['table']!r}")
    return config


def plan(
    indicator: Indicator,
    *,
    lookup: AreaLookup,
    content: GovukContent | None = None,
    known_release: Callable[[str], bool] = lambda key: False,
    **_: Any,
) -> RefreshPlan:
    """Which file a refresh would download now (one request to find out)."""
    config = _checked(indicator)
    content = content or GovukContent()
    before = content.http.requests_made
    release = content.newest_file(
        config["content_path"], config["attachment"], config.get("edition")
    )
    made = content.http.requests_made - before
    if known_release(release.key):
        return RefreshPlan(f"{release.title}: stored already, nothing to download", made, 0)
    return RefreshPlan(
        f"{release.title}: a new edition, would download 1 file", made, 1, [release.url]
    )


def fetch(
    indicator: Indicator,
    *,
    lookup: AreaLookup,
    content: GovukContent | None = None,
    known_release: Callable[[str], bool] = lambda key: False,
    **_: Any,
) -> Fetched:
    config = _checked(indicator)
    content = content or GovukContent()
    release = content.newest_file(
        config["content_path"], config["attachment"], config.get("edition")
    )
    fetched = Fetched(release=release)
    if known_release(release.key):
        return fetched  # this edition is stored already: nothing to download
    with tempfile.TemporaryDirectory(prefix="indicator-") as tmp:
        path = content.http.download(release.url, Path(tmp) / "table.ods")
        try:
            fetched.figures, fetched.rows_read = parse_table(path, config["table"], config, lookup)
        except UnsafeFile as exc:
            raise UnsafeFile(f"{release.url}: {exc}") from exc
    if not config.get("national_bodies"):
        fetched.coverage = coverage_of(fetched.figures, lookup)
    return fetched
