"""Read OpenDocument spreadsheets as a stream of rows.

The Home Office tables are 20–37 MB archives of half a million rows or more.
python-calamine (0.9) builds each whole sheet in memory before its first row
comes out (134 MB resident for a 100,000-row sheet, see bench/ingest), so this
reader walks ``content.xml`` with ``iterparse`` and drops each row once it is
yielded: memory stays flat whatever the size of the file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, iterparse

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
T_TABLE = f"{{{TABLE_NS}}}table"
T_ROW = f"{{{TABLE_NS}}}table-row"
T_CELL = f"{{{TABLE_NS}}}table-cell"
T_COVERED = f"{{{TABLE_NS}}}covered-table-cell"
T_NAME = f"{{{TABLE_NS}}}name"
T_COLS_REPEATED = f"{{{TABLE_NS}}}number-columns-repeated"
T_ROWS_REPEATED = f"{{{TABLE_NS}}}number-rows-repeated"
O_VALUE_TYPE = f"{{{OFFICE_NS}}}value-type"
O_VALUE = f"{{{OFFICE_NS}}}value"
O_DATE = f"{{{OFFICE_NS}}}date-value"
O_BOOLEAN = f"{{{OFFICE_NS}}}boolean-value"
X_P = f"{{{TEXT_NS}}}p"
X_S = f"{{{TEXT_NS}}}s"

# Trailing blank cells and rows are written as one element repeated up to the
# sheet's edge (16,384 columns, a million rows); never expand those.
MAX_REPEAT = 1000


class NotASpreadsheet(Exception):
    pass


def _text(cell: Element) -> str:
    parts: list[str] = []
    for p in cell.iter(X_P):
        chunk: list[str] = [p.text or ""]
        for child in p:
            if child.tag == X_S:
                chunk.append(" " * int(child.get(f"{{{TEXT_NS}}}c", "1")))
            else:
                chunk.append("".join(child.itertext()))
            chunk.append(child.tail or "")
        parts.append("".join(chunk))
    return "\n".join(parts)


def cell_value(cell: Element) -> str | int | float | bool | None:
    kind = cell.get(O_VALUE_TYPE)
    if kind in ("float", "percentage", "currency"):
        raw = cell.get(O_VALUE, "")
        number = float(raw)
        return int(number) if number.is_integer() else number
    if kind == "date":
        return cell.get(O_DATE)
    if kind == "boolean":
        return cell.get(O_BOOLEAN) == "true"
    text = _text(cell)
    return text if text != "" else None


def _row_values(row: Element) -> list[Any]:
    values: list[Any] = []
    for cell in row:
        if cell.tag not in (T_CELL, T_COVERED):
            continue
        value = cell_value(cell)
        repeat = int(cell.get(T_COLS_REPEATED, "1"))
        values.extend([value] * min(repeat, MAX_REPEAT if value is None else repeat))
    while values and values[-1] is None:
        values.pop()
    return values


def iter_sheets(path: Path | str) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    """Yield ``(sheet name, rows)`` in file order; consume each ``rows`` before
    asking for the next sheet.  Blank rows are skipped."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise NotASpreadsheet(f"{path} is not an OpenDocument spreadsheet") from exc
    with archive, archive.open("content.xml") as content:
        # ElementTree never fetches external entities, and expat >= 2.4 (bundled
        # with Python 3.11) refuses entity-expansion bombs.
        events = iterparse(content, events=("start", "end"))  # noqa: S314
        stack: list[Element] = []

        def rows_of_current_table() -> Iterator[list[Any]]:
            for event, element in events:
                if event == "start":
                    stack.append(element)
                    continue
                stack.pop()
                if element.tag == T_ROW:
                    values = _row_values(element)
                    repeat = int(element.get(T_ROWS_REPEATED, "1"))
                    if stack:
                        stack[-1].remove(element)
                    if values:
                        for _ in range(min(repeat, MAX_REPEAT)):
                            yield values
                elif element.tag == T_TABLE:
                    if stack:
                        stack[-1].remove(element)
                    return

        for event, element in events:
            if event == "start":
                stack.append(element)
                if element.tag == T_TABLE:
                    rows = rows_of_current_table()
                    yield element.get(T_NAME, ""), rows
                    for _ in rows:  # the caller stopped early: skip the rest of this sheet
                        pass
            else:
                stack.pop()
