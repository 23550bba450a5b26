"""Home Office open data tables (ODS files on GOV.UK), found through the
GOV.UK Content API.

File addresses change with every release, so each refresh asks
``/api/content/<path>`` for the page's attachments and takes the newest whose
address matches the indicator's pattern.  The file is streamed to disk and
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
from urllib.parse import urljoin

from django.conf import settings
from django.utils.dateparse import parse_datetime

from ..areas import NATIONAL_CODE, AreaLookup, UnknownArea
from . import Fetched, Figure, LayoutError, Period, Release, SourceError
from .http import HttpClient
from .spreadsheets import NotASpreadsheet, iter_sheets

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


def parse_table(
    path: Path, kind: str, config: dict[str, Any], lookup: AreaLookup
) -> tuple[list[Figure], int]:
    """Stream the file, keep the rows the indicator wants, and sum them per area
    and period.  Memory grows with the number of areas × periods, not rows."""
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
    try:
        sheets = iter_sheets(path)
        for name, rows in sheets:
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
            width = max(columns.values()) + 1
            for number, row in enumerate(rows, start=2):
                rows_read += 1
                if len(row) < width:
                    row = row + [None] * (width - len(row))
                skip = False
                for field, allowed in filters.items():
                    if allowed is None or field not in columns:
                        continue
                    cell = str(row[columns[field]] or "").strip().lower()
                    seen_values[field].add(cell)
                    if cell not in allowed:
                        skip = True
                if skip:
                    continue
                try:
                    value = parse_number(row[columns["value"]])
                    if value is None:
                        continue
                    if kind == "workforce":
                        period = march_period(row[columns["period"]])
                    elif kind == "recorded_crime":
                        period = quarter_period(row[columns["year"]], row[columns["quarter"]])
                    else:
                        period = year_period(row[columns["year"]])
                except LayoutError as exc:
                    raise LayoutError(f"sheet {name!r} row {number}: {exc}") from None
                spelling = row[columns["area"]]
                if bodies is not None:
                    if str(spelling or "").strip().lower() in bodies:
                        sums[(NATIONAL_CODE, period)] += value
                    continue
                code = _area_code(lookup, row, columns, unknown)
                if code is not None and code != NATIONAL_CODE:
                    sums[(code, period)] += value
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


def _area_code(
    lookup: AreaLookup, row: list[Any], columns: dict[str, int], unknown: set[str]
) -> str | None:
    spellings = []
    if "geocode" in columns and row[columns["geocode"]]:
        spellings.append(row[columns["geocode"]])
    spellings.append(row[columns["area"]])
    for spelling in spellings:
        try:
            return lookup.resolve(spelling)
        except UnknownArea:
            continue
    unknown.add(str(row[columns["area"]]))
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


class GovukContent:
    def __init__(self, base_url: str | None = None, http: HttpClient | None = None) -> None:
        self.base_url = (base_url or settings.INDICATOR_SOURCES["govuk_content"]).rstrip("/") + "/"
        self.http = http or HttpClient()

    def latest_attachment(self, path: str, pattern: str) -> Release:
        page_url = urljoin(self.base_url, path.lstrip("/"))
        body = self.http.get_json(page_url)
        try:
            attachments = body["details"]["attachments"]
        except (KeyError, TypeError):
            raise LayoutError(f"{page_url} has no details.attachments") from None
        regex = re.compile(pattern)
        page_updated = body.get("public_updated_at")
        matches = []
        for attachment in attachments:
            url = attachment.get("url") or ""
            if regex.search(url):
                updated = attachment.get("public_updated_at") or page_updated
                matches.append((updated or "", attachment))
        if not matches:
            titles = [a.get("title") for a in attachments]
            raise LayoutError(f"no attachment of {page_url} matches {pattern!r}; found {titles}")
        updated, attachment = max(matches, key=lambda m: m[0])
        url = urljoin(page_url, attachment["url"])
        return Release(
            key=url,
            title=attachment.get("title") or url.rsplit("/", 1)[-1],
            url=url,
            published_at=parse_datetime(updated) if updated else None,
        )


def fetch(
    indicator: Indicator,
    *,
    lookup: AreaLookup,
    content: GovukContent | None = None,
    known_release: Callable[[str], bool] = lambda key: False,
    **_: Any,
) -> Fetched:
    config = indicator.config or {}
    for key in ("content_path", "attachment", "table"):
        if not config.get(key):
            raise SourceError(f"indicator {indicator.slug} config lacks {key!r}")
    if config["table"] not in LAYOUTS:
        raise SourceError(f"unknown table kind {config['table']!r}")
    content = content or GovukContent()
    release = content.latest_attachment(config["content_path"], config["attachment"])
    fetched = Fetched(release=release)
    if known_release(release.key):
        return fetched  # this edition is stored already: nothing to download
    with tempfile.TemporaryDirectory(prefix="indicator-") as tmp:
        path = content.http.download(release.url, Path(tmp) / "table.ods")
        fetched.figures, fetched.rows_read = parse_table(path, config["table"], config, lookup)
    return fetched
