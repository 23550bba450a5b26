"""Bulk import of status updates from a CSV file.

The format (``TEMPLATE_HEADER``; a template is downloadable from the import
page and the API):

- UTF-8 (a byte-order mark is allowed), comma-separated, one header line with
  exactly these columns in any order;
- one row per evidence source.  Consecutive rows whose update columns
  (``proposal_reference`` … ``rationale``) are identical are ONE update with
  several sources;
- a row whose first cell starts with ``#`` is a comment (the template's example
  row is one) and is skipped;
- ``acting_bodies``: names (any case) or slugs of known bodies, separated by
  ``;``; a name that is neither is refused with its line;
- ``effective_date`` as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, which sets the
  update's precision (year, month, day; stored as the first day of the year or
  month); ``date_precision`` may be left blank, and if given must agree with a
  ``YYYY`` or ``YYYY-MM`` date (with a full date it may say ``month`` or ``year``);
  source dates as ``YYYY-MM-DD``; ``source_accessed_date`` blank means today;
- a ``not_assessed`` row may leave the source columns blank; any other status
  needs a source.

``parse`` reads and checks the whole file before anything is written and
raises ``ImportRejected`` listing every problem with its line number;
``apply.apply`` then writes.  Each row is checked by the services' own checks
(``UpdateInput.problems``, ``EvidenceInput.problems``): the rules of the forms
and the API, lengths from the model fields, NUL, http(s) addresses, on SQLite
and PostgreSQL alike.  Only what is CSV text (dates, references, body names) is
read here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files import File

from .. import services
from ..models import ActingBody, DatePrecision, Proposal, Status

UPDATE_COLUMNS = [
    "proposal_reference",
    "status",
    "acting_bodies",
    "effective_date",
    "date_precision",
    "rationale",
]
SOURCE_COLUMNS = [
    "source_url",
    "source_title",
    "source_publisher",
    "source_kind",
    "source_published_date",
    "source_accessed_date",
]
TEMPLATE_HEADER = UPDATE_COLUMNS + SOURCE_COLUMNS
BODY_SEPARATOR = ";"
MODES = ("draft", "publish")
COMMENT_PREFIX = "#"
DATE_FORMATS = (
    ("YYYY", DatePrecision.YEAR, "2023"),
    ("YYYY-MM", DatePrecision.MONTH, "2023-03"),
    ("YYYY-MM-DD", DatePrecision.DAY, "2023-03-01"),
)
# The template's example: a comment row (skipped), clearly synthetic (example.org).
EXAMPLE_ROW = {
    "proposal_reference": "# EXAMPLE ROW, skipped: 118-2a",
    "status": "in_progress",
    "acting_bodies": "uk-government",
    "effective_date": "2023-03",
    "date_precision": "",
    "rationale": "Example only (synthetic): say in full what happened and what the source shows.",
    "source_url": "https://example.org/synthetic-example-source",
    "source_title": "Example source title (synthetic)",
    "source_publisher": "Example publisher",
    "source_kind": "government_statement",
    "source_published_date": "2023-03-01",
    "source_accessed_date": "",
}

# Told (rows done, rows in all) now and then; what it returns is ignored.
Progress = Callable[[int, int], object]


# The update's and the source's fields as the services name them → the CSV's columns.
UPDATE_FIELD_COLUMNS = {"status": "status", "effective_date": "effective_date"}
UPDATE_FIELD_COLUMNS |= {"date_precision": "date_precision", "rationale": "rationale"}
SOURCE_FIELD_COLUMNS = {
    "url": "source_url",
    "title": "source_title",
    "publisher": "source_publisher",
    "kind": "source_kind",
    "published_date": "source_published_date",
    "accessed_date": "source_accessed_date",
}


class ImportRejected(Exception):
    """The file was refused; nothing was written.  ``errors`` are line-numbered."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


class ImportTooLarge(ImportRejected):
    """The file is over ``TRACKER_IMPORT_MAX_BYTES``: refused before it is stored."""

    def __init__(self) -> None:
        limit = settings.TRACKER_IMPORT_MAX_BYTES
        super().__init__(
            [f"The file is larger than {limit:,} bytes (TRACKER_IMPORT_MAX_BYTES); split it."]
        )


@dataclass
class ParsedUpdate:
    line: int
    proposal: Proposal
    status: str
    effective_date: dt.date
    date_precision: str
    rationale: str
    acting_bodies: list[ActingBody]
    sources: list[services.EvidenceInput] = field(default_factory=list)


def template_csv() -> str:
    """The header and one example row, a comment the parser skips."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow([EXAMPLE_ROW[c] for c in TEMPLATE_HEADER])
    return out.getvalue()


def _effective(value: str, given: str, line: int, errors: list[str]) -> tuple[dt.date | None, str]:
    """``effective_date`` in any of ``DATE_FORMATS`` and the precision it sets."""
    value = value.strip()
    parts = value.split("-")
    precision = {1: DatePrecision.YEAR, 2: DatePrecision.MONTH}.get(len(parts), DatePrecision.DAY)
    try:
        if len(parts) == 1 and len(value) == 4 and value.isdigit():
            day = dt.date(int(value), 1, 1)
        elif len(parts) == 2 and len(parts[0]) == 4 and len(parts[1]) == 2:
            day = dt.date(int(parts[0]), int(parts[1]), 1)
        else:
            day = dt.date.fromisoformat(value)
            precision = DatePrecision.DAY
    except ValueError:
        errors.append(
            f"line {line}: effective_date {value!r} is not a date like 2023, 2023-03 or 2023-03-01."
        )
        return None, given or DatePrecision.DAY
    if not given:
        return day, precision
    if precision != DatePrecision.DAY and given != precision:
        errors.append(
            f"line {line}: effective_date {value!r} is known to the {precision}, "
            f"but date_precision says {given!r}; leave date_precision blank."
        )
    return day, given


def read_upload(upload: File) -> bytes:
    """An uploaded file's bytes, read in chunks: ``ImportTooLarge`` as soon as it
    passes ``TRACKER_IMPORT_MAX_BYTES`` (at the limit plus one byte), before any of
    it is kept anywhere."""
    limit = settings.TRACKER_IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ImportTooLarge()
    read = bytearray()
    for chunk in upload.chunks():
        read += chunk
        if len(read) > limit:
            raise ImportTooLarge()
    return bytes(read)


def check_size(raw: bytes) -> None:
    if len(raw) > settings.TRACKER_IMPORT_MAX_BYTES:
        raise ImportTooLarge()


def decode(raw: bytes) -> str:
    check_size(raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            [
                f"line {line}: the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); "
                "save it as “CSV UTF-8” and try again."
            ]
        ) from None


def _date(value: str, column: str, line: int, errors: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        errors.append(f"line {line}: {column} {value!r} is not a date like 2021-05-31.")
        return None


def parse(text: str, progress: Progress | None = None) -> list[ParsedUpdate]:
    """Check the whole file; return the updates it describes or raise ImportRejected."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ImportRejected(["line 1: the file is empty; start from the template."]) from None
    except csv.Error as exc:
        raise ImportRejected([f"line 1: {exc}"]) from None
    missing = [c for c in TEMPLATE_HEADER if c not in header]
    unknown = [c for c in header if c not in TEMPLATE_HEADER]
    if missing or unknown or len(header) != len(set(header)):
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if unknown:
            problems.append("unknown " + ", ".join(repr(c) for c in unknown))
        if len(header) != len(set(header)):
            problems.append("a column is repeated")
        raise ImportRejected(
            [f"line 1: wrong header ({'; '.join(problems)}). Expected: {','.join(TEMPLATE_HEADER)}"]
        )

    proposals = {p.reference: p for p in Proposal.objects.all()}
    bodies: dict[str, ActingBody] = {}
    for body in ActingBody.objects.all():
        bodies[body.name.casefold()] = body
        bodies[body.slug.casefold()] = body

    errors: list[str] = []
    updates: list[ParsedUpdate] = []
    previous_key: tuple[str, ...] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportRejected([f"line {reader.line_num}: {exc}"]) from None
    total = len(rows)
    for index, (line, row) in enumerate(rows, start=1):
        if progress and index % 50 == 0:
            progress(index, total)
        if not any(cell.strip() for cell in row):
            continue
        if row[0].strip().startswith(COMMENT_PREFIX):
            continue
        if len(row) != len(header):
            errors.append(f"line {line}: {len(row)} columns, the header has {len(header)}.")
            continue
        cells = {name: value.strip() for name, value in zip(header, row, strict=True)}
        before = len(errors)

        reference = cells["proposal_reference"]
        proposal = proposals.get(reference)
        if proposal is None:
            errors.append(f"line {line}: unknown proposal reference {reference!r}.")
        status = cells["status"]
        effective, precision = _effective(
            cells["effective_date"], cells["date_precision"], line, errors
        )
        acting: list[ActingBody] = []
        unknown_bodies: list[str] = []
        for name in filter(None, (n.strip() for n in cells["acting_bodies"].split(BODY_SEPARATOR))):
            named = bodies.get(name.casefold())
            if named is None:
                unknown_bodies.append(name)
            elif named not in acting:
                acting.append(named)
        if unknown_bodies:
            names = " and ".join(f"“{n}”" if n.isprintable() else repr(n) for n in unknown_bodies)
            verb = (
                "is not a known acting body"
                if len(unknown_bodies) == 1
                else ("are not known acting bodies")
            )
            errors.append(
                f"line {line}: {names} {verb}; use a name or slug from the list of allowed "
                "values, or an editor can add it to the acting bodies."
            )
        update_problems = services.UpdateInput(
            status=status,
            effective_date=effective,  # type: ignore[arg-type]  # None: reported above
            date_precision=precision,
            rationale=cells["rationale"],
            acting_bodies=acting,
        ).problems()
        for field_name, problems in update_problems.items():
            errors += [f"line {line}: {UPDATE_FIELD_COLUMNS[field_name]}: {p}" for p in problems]

        source: services.EvidenceInput | None = None
        if any(cells[c] for c in SOURCE_COLUMNS):
            dates = {
                column: _date(cells[column], column, line, errors) if cells[column] else None
                for column in ("source_published_date", "source_accessed_date")
            }
            source = services.EvidenceInput(
                url=cells["source_url"],
                title=cells["source_title"],
                publisher=cells["source_publisher"],
                kind=cells["source_kind"],
                published_date=dates["source_published_date"],
                accessed_date=dates["source_accessed_date"],
            )
            for field_name, problems in source.problems().items():
                column = SOURCE_FIELD_COLUMNS[field_name]
                if column in dates and cells[column]:
                    continue  # not a date: reported above
                errors += [f"line {line}: {column}: {p}" for p in problems]
        # (A missing proposal or date has already added an error above.)
        if len(errors) > before or proposal is None or effective is None:
            previous_key = None
            continue

        key = tuple(cells[c] for c in UPDATE_COLUMNS)
        if key == previous_key and updates:
            current = updates[-1]
        else:
            current = ParsedUpdate(
                line=line,
                proposal=proposal,
                status=status,
                effective_date=effective,
                date_precision=precision,
                rationale=cells["rationale"],
                acting_bodies=acting,
            )
            updates.append(current)
            previous_key = key
        if source is not None and source.url not in {s.url for s in current.sources}:
            current.sources.append(source)

    for update in updates:
        if update.status != Status.NOT_ASSESSED and not update.sources:
            errors.append(
                f"line {update.line}: status {update.status!r} needs at least one source "
                "(source_url, source_title, source_publisher, source_kind, source_published_date)."
            )
    if not updates and not errors:
        errors.append("line 2: the file has a header but no rows.")
    if errors:
        errors.sort(key=lambda e: int(e.split(":")[0].removeprefix("line ")))
        raise ImportRejected(errors)
    return updates


def count_rows(raw: bytes) -> int:
    return max(raw.count(b"\n") - 1, 0)
