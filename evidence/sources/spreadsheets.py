"""Read OpenDocument spreadsheets as a stream of rows, safely.

The Home Office tables are 20–37 MB archives of half a million rows or more,
and they come from outside: ``content.xml`` is read with lxml's streaming
``iterparse`` (libxml2) hardened against hostile XML:

* the document's prolog is read first by defusedxml, and a document type
  declaration is refused before the body is parsed (``UnsafeSpreadsheet``).  Every entity
  trick ("billion laughs" expansion, external entities reading local files or
  fetching URLs) needs a ``<!DOCTYPE``, and a spreadsheet never has one;
* the body parser runs with ``resolve_entities=False``, ``no_network=True``,
  ``load_dtd=False`` and ``huge_tree=False`` (libxml2's limits on depth and
  text size) as a second line of defence.

Memory stays flat whatever the size of the file: rows are dropped from the
tree once read.  python-calamine (0.9) reads faster but builds each whole sheet
in memory first (about 137 MB resident for a 100,000-row sheet, see
bench/ingest), which a million-row table would multiply.

Speed: libxml2 building the elements is most of the cost.  A reader that needs
only some columns asks for them (``SheetRows.select``) with a test on one of
them, so rows it does not want cost one cell each instead of every cell.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import iterparse as defused_iterparse
from lxml import etree

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
NAMESPACES = {"table": TABLE_NS, "office": OFFICE_NS, "text": TEXT_NS}
T_TABLE = f"{{{TABLE_NS}}}table"
T_ROW = f"{{{TABLE_NS}}}table-row"
T_NAME = f"{{{TABLE_NS}}}name"
T_COLS_REPEATED = f"{{{TABLE_NS}}}number-columns-repeated"
T_ROWS_REPEATED = f"{{{TABLE_NS}}}number-rows-repeated"
O_VALUE_TYPE = f"{{{OFFICE_NS}}}value-type"
O_VALUE = f"{{{OFFICE_NS}}}value"
O_DATE = f"{{{OFFICE_NS}}}date-value"
O_BOOLEAN = f"{{{OFFICE_NS}}}boolean-value"
O_STRING = f"{{{OFFICE_NS}}}string-value"
X_P = f"{{{TEXT_NS}}}p"
X_S = f"{{{TEXT_NS}}}s"
NUMERIC = frozenset({"float", "percentage", "currency"})

# Trailing blank cells and rows are written as one element repeated up to the
# sheet's edge (16,384 columns, a million rows); never expand those.  A value
# is never repeated past the widest sheet an office suite writes.
MAX_REPEAT = 1000
MAX_COLUMNS = 16384
DROP_EVERY = 512

# Options of every parse of an outside file (see the module docstring).
HARDENED: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

_HAS_CONTENT = etree.XPath("boolean(*[@office:value-type or *])", namespaces=NAMESPACES)

Value = str | int | float | bool | None


class NotASpreadsheet(Exception):
    """Not an OpenDocument spreadsheet, or its XML is broken."""


class UnsafeSpreadsheet(NotASpreadsheet):
    """The file's XML carries what only an attack needs (a DTD, entities): refused
    before anything in it is expanded or fetched."""


def _count(raw: str | None) -> int:
    """A repeat count as written (``number-columns-repeated``, ``text:c``)."""
    if raw is None:
        return 1
    try:
        count = int(raw)
    except ValueError:
        raise NotASpreadsheet(f"a repeat count is {raw[:40]!r}, not a number") from None
    if count < 1:
        raise NotASpreadsheet(f"a repeat count is {count}")
    return count


def _text(cell: etree._Element) -> str:
    parts: list[str] = []
    for p in cell:
        if p.tag != X_P:
            continue  # e.g. office:annotation, a comment on the cell
        if not len(p):
            parts.append(p.text or "")
            continue
        chunk: list[str] = [p.text or ""]
        for child in p:
            if child.tag == X_S:
                chunk.append(" " * min(_count(child.get(f"{{{TEXT_NS}}}c")), MAX_COLUMNS))
            else:
                chunk.append("".join(str(text) for text in child.itertext()))
            chunk.append(child.tail or "")
        parts.append("".join(chunk))
    return "\n".join(parts)


def cell_value(cell: etree._Element) -> Value:
    kind = cell.get(O_VALUE_TYPE)
    if kind in NUMERIC:
        raw = cell.get(O_VALUE, "")
        try:
            number = float(raw)
        except ValueError:
            raise NotASpreadsheet(f"a {kind} cell holds office:value {raw[:40]!r}") from None
        return int(number) if number.is_integer() else number
    if kind is None and not len(cell):
        return None
    if kind == "date":
        return cell.get(O_DATE)
    if kind == "boolean":
        return cell.get(O_BOOLEAN) == "true"
    text = cell.get(O_STRING) if kind == "string" else None
    if text is None:
        if len(cell) == 1:  # the usual cell: one paragraph of plain text
            p = cell[0]
            text = (p.text or "") if p.tag == X_P and not len(p) else _text(cell)
        else:
            text = _text(cell)
    return text if text != "" else None


def _row_values(row: etree._Element) -> list[Value]:
    values: list[Value] = []
    for cell in row:
        value = cell_value(cell)
        repeat = _count(cell.get(T_COLS_REPEATED))
        values.extend([value] * min(repeat, MAX_REPEAT if value is None else MAX_COLUMNS))
    while values and values[-1] is None:
        values.pop()
    return values


def _cells_upto(row: etree._Element, reach: int) -> list[etree._Element]:
    """The cell element at each of the first ``reach`` columns of a row whose
    cells may repeat (a run written once stands at each of its columns)."""
    cells: list[etree._Element] = []
    for cell in row:
        span = _count(cell.get(T_COLS_REPEATED))
        cells.extend([cell] * min(span, reach - len(cells)))
        if len(cells) >= reach:
            break
    return cells


def _refuse_doctype(content: IO[bytes], name: str) -> None:
    """Read up to the root element's start tag with defusedxml, which stops at a
    document type declaration before reading its entities (``forbid_dtd``).  A
    DTD can only come before the root element, so this sees every one."""
    try:
        for _event in defused_iterparse(content, events=("start",), forbid_dtd=True):
            return  # the root element, and no DTD before it
    except DefusedXmlException as exc:
        raise UnsafeSpreadsheet(
            f"{name}: content.xml declares a document type ({exc}); an OpenDocument "
            "spreadsheet never needs one, and it is how entity expansion and external "
            "entities are smuggled in: refused, nothing in it expanded or fetched"
        ) from exc
    except ParseError as exc:
        raise NotASpreadsheet(f"{name}: content.xml is not well-formed XML: {exc}") from exc
    raise NotASpreadsheet(f"{name}: content.xml has no root element")


class _Cursor:
    """The one pass over ``content.xml``: end events of rows and tables."""

    def __init__(self, content: IO[bytes], name: str) -> None:
        self.name = name
        self.events = etree.iterparse(content, events=("end",), tag=(T_ROW, T_TABLE), **HARDENED)
        self.pending: etree._Element | None = None  # a first row read ahead by iter_sheets

    def next(self) -> etree._Element | None:
        if self.pending is not None:
            element, self.pending = self.pending, None
            return element
        try:
            return next(self.events)[1]
        except StopIteration:
            return None
        except etree.XMLSyntaxError as exc:
            raise NotASpreadsheet(
                f"{self.name}: content.xml is not well-formed XML: {exc}"
            ) from exc


def _table_of(row: etree._Element) -> etree._Element | None:
    parent = row.getparent()
    while parent is not None and parent.tag != T_TABLE:
        parent = parent.getparent()  # table:table-header-rows, table:table-row-group …
    return parent


def _drop(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


class SheetRows:
    """The rows of one sheet, read as they are parsed: iterate for whole rows
    (lists of values, trailing blanks trimmed; blank rows skipped), or call
    :meth:`select` for some columns.  Consume them before asking
    ``iter_sheets`` for the next sheet."""

    def __init__(self, cursor: _Cursor, table: etree._Element) -> None:
        self.cursor = cursor
        self.name = table.get(T_NAME, "")
        self.position = 0  # the sheet row number of the row read last (1-based)
        self.rows_read = 0  # rows with any content read so far, repeats counted
        self.done = False
        self._next_position = 1
        self._held = 0
        self._rows = self._whole_rows()

    def __iter__(self) -> SheetRows:
        return self

    def __next__(self) -> list[Value]:
        return next(self._rows)

    def _elements(self) -> Iterator[tuple[etree._Element, int]]:
        """Each remaining row element of this sheet and how many times it
        repeats.  Rows already read are dropped from the tree in batches (one
        slice deletion per ``DROP_EVERY`` rows: dropping each on its own cost
        as much as reading its cells), so memory holds a few hundred rows
        whatever the size of the sheet."""
        cursor = self.cursor
        while not self.done:
            element = cursor.next()
            if element is None or element.tag == T_TABLE:
                if element is not None:
                    _drop(element)
                self.done = True
                return
            repeats = element.get(T_ROWS_REPEATED)
            repeat = _count(repeats) if repeats else 1
            self.position = self._next_position
            self._next_position += repeat
            self._held += 1
            if self._held >= DROP_EVERY:
                parent = element.getparent()
                if parent is not None:
                    del parent[: parent.index(element)]
                self._held = 0
            yield element, repeat

    def _whole_rows(self) -> Iterator[list[Value]]:
        for element, repeat in self._elements():
            values = _row_values(element)
            if values:
                times = min(repeat, MAX_REPEAT)
                self.rows_read += times
                for _ in range(times):
                    yield values

    def select(
        self,
        columns: Sequence[int],
        *,
        where: Mapping[int, Callable[[Value], bool]] | None = None,
    ) -> Iterator[list[Value]]:
        """The values of ``columns`` (0-based) of each remaining row for which
        every ``where[column](value)`` is true.  Blank rows are skipped; rows
        ``where`` turns down are read no further than its columns."""
        wanted = list(columns)
        tests = list((where or {}).items())
        reach = max([*wanted, *(c for c, _ in tests), 0]) + 1
        runs_before_reach = etree.XPath(
            f"boolean(*[position() <= {reach}]/@table:number-columns-repeated)",
            namespaces=NAMESPACES,
        )
        for element, repeat in self._elements():
            # Most rows hold one element per cell: index them directly.  A run of
            # equal cells written once (number-columns-repeated) shifts the
            # columns after it; only then are cells walked.
            cells: etree._Element | list[etree._Element] = (
                _cells_upto(element, reach) if runs_before_reach(element) else element
            )
            width = len(cells)
            rejected = False
            for column, test in tests:
                value = cell_value(cells[column]) if column < width else None
                if not test(value):
                    rejected = True
                    if value is None and not _HAS_CONTENT(element):
                        repeat = 0  # a blank row: not counted as read
                    break
            if rejected:
                self.rows_read += min(repeat, MAX_REPEAT)
                continue
            picked = [cell_value(cells[c]) if c < width else None for c in wanted]
            if all(v is None for v in picked) and not _HAS_CONTENT(element):
                continue
            times = min(repeat, MAX_REPEAT)
            self.rows_read += times
            for _ in range(times):
                yield picked

    def skip(self) -> None:
        for _ in self._elements():
            pass


def iter_sheets(path: Path | str) -> Iterator[tuple[str, SheetRows]]:
    """Yield ``(sheet name, rows)`` in file order; consume each ``rows`` before
    asking for the next sheet (the rest of a sheet not consumed is skipped)."""
    name = Path(path).name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotASpreadsheet(f"{name} is not an OpenDocument spreadsheet") from exc
    with archive:
        try:
            with archive.open("content.xml") as prolog:
                _refuse_doctype(prolog, name)
            content = archive.open("content.xml")
        except KeyError as exc:
            raise NotASpreadsheet(f"{name} has no content.xml") from exc
        with content:
            cursor = _Cursor(content, name)
            while True:
                element = cursor.next()
                if element is None:
                    return
                if element.tag == T_TABLE:  # a sheet without rows
                    sheet = SheetRows(cursor, element)
                    sheet.done = True
                    _drop(element)
                    yield sheet.name, sheet
                    continue
                table = _table_of(element)
                if table is None:
                    _drop(element)
                    continue
                cursor.pending = element
                sheet = SheetRows(cursor, table)
                yield sheet.name, sheet
                sheet.skip()
