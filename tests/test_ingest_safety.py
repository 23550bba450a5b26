"""The spreadsheet reader against hostile files: an entity-expansion bomb
("billion laughs") and external entities (XXE) that would read a local file or
fetch a URL.  Each is refused with a clear error before anything in it is
expanded or fetched, and a refresh that meets one fails with that message and
stores nothing.  Every file here is synthetic, made by the tests."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from evidence import services
from evidence.areas import AreaLookup
from evidence.models import Indicator, Observation, RefreshRun, SourceRelease
from evidence.sources import UnsafeFile, ho_tables
from evidence.sources.spreadsheets import (
    HARDENED,
    NotASpreadsheet,
    UnsafeSpreadsheet,
    iter_sheets,
)
from tests.payloads.server import ODS, PRC_FILE, Reply

HEAD = (
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="Data">'
)
TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"
HEADER_ROW = "".join(
    f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
    for h in [
        "Financial Year",
        "Financial Quarter",
        "Force Name",
        "Offence Subgroup",
        "Number of Offences",
    ]
)


def row_with(force_cell: str) -> str:
    return (
        "<table:table-row>"
        '<table:table-cell office:value-type="string"><text:p>2023/24</text:p></table:table-cell>'
        '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>'
        "</table:table-cell>"
        f'<table:table-cell office:value-type="string"><text:p>{force_cell}</text:p>'
        "</table:table-cell>"
        '<table:table-cell office:value-type="string"><text:p>Homicide</text:p></table:table-cell>'
        '<table:table-cell office:value-type="float" office:value="3"><text:p>3</text:p>'
        "</table:table-cell>"
        "</table:table-row>"
    )


def content(doctype: str, force_cell: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + doctype
        + HEAD
        + f"<table:table-row>{HEADER_ROW}</table:table-row>"
        + row_with(force_cell)
        + TAIL
    )


def billion_laughs() -> str:
    entities = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        previous = "lol" if level == 1 else f"lol{level - 1}"
        entities.append(f'<!ENTITY lol{level} "{f"&{previous};" * 10}">')
    return "<!DOCTYPE office:document-content [" + "".join(entities) + "]>\n"


def ods(path: Path, xml: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS)
        archive.writestr("content.xml", xml)
    return path


@pytest.fixture
def secret(tmp_path):
    """A local file an XXE would read: its marker must never come out."""
    path = tmp_path / "secret-synthetic.txt"
    path.write_text("SYNTHETIC-SECRET-7f3a")
    return path


def read_all(path: Path) -> list[list[Any]]:
    return [row for _name, rows in iter_sheets(path) for row in rows]


# --- The reader ---------------------------------------------------------------------


def test_a_plain_synthetic_table_is_read(tmp_path):
    path = ods(tmp_path / "plain-synthetic.ods", content("", "Kent"))
    assert read_all(path)[1] == ["2023/24", 1, "Kent", "Homicide", 3]


def test_an_entity_expansion_bomb_is_refused_before_expansion(tmp_path):
    path = ods(tmp_path / "bomb-synthetic.ods", content(billion_laughs(), "&lol9;"))
    started = time.perf_counter()
    with pytest.raises(UnsafeSpreadsheet, match="declares a document type") as info:
        read_all(path)
    assert time.perf_counter() - started < 5  # refused at the DOCTYPE: nothing expanded
    assert "lollol" not in str(info.value)


def test_an_external_file_entity_is_refused_and_the_file_never_read(tmp_path, secret):
    doctype = f'<!DOCTYPE office:document-content [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
    path = ods(tmp_path / "xxe-file-synthetic.ods", content(doctype, "&xxe;"))
    with pytest.raises(UnsafeSpreadsheet) as info:
        read_all(path)
    assert "SYNTHETIC-SECRET" not in str(info.value)


def test_external_entities_and_dtds_over_the_network_are_never_fetched(tmp_path, payloads):
    payloads.route("/xxe", Reply(200, b"SYNTHETIC-FETCHED", "text/plain"))
    payloads.route("/evil.dtd", Reply(200, b'<!ENTITY xxe "SYNTHETIC-FETCHED">', "text/plain"))
    general = f'<!DOCTYPE office:document-content [<!ENTITY xxe SYSTEM "{payloads.url}/xxe">]>\n'
    external_dtd = f'<!DOCTYPE office:document-content SYSTEM "{payloads.url}/evil.dtd">\n'
    for number, doctype in enumerate([general, external_dtd]):
        path = ods(tmp_path / f"xxe-net-{number}-synthetic.ods", content(doctype, "&xxe;"))
        with pytest.raises(UnsafeSpreadsheet):
            read_all(path)
    assert payloads.hits == []


def test_the_body_parser_expands_and_fetches_nothing_even_without_the_prolog_check(
    tmp_path, secret, payloads
):
    """The second line of defence: the options of the streaming parser itself.
    libxml2 refuses the bomb outright; external entities are left unread."""
    payloads.route("/xxe", Reply(200, b"SYNTHETIC-FETCHED", "text/plain"))
    bomb = tmp_path / "bomb-content.xml"
    bomb.write_text(content(billion_laughs(), "&lol9;"))
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        for _event in etree.iterparse(str(bomb), events=("end",), **HARDENED):
            pass
    doctype = (
        "<!DOCTYPE office:document-content ["
        f'<!ENTITY file SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY net SYSTEM "{payloads.url}/xxe">]>\n'
    )
    xxe = tmp_path / "xxe-content.xml"
    xxe.write_text(content(doctype, "&file;&net;"))
    texts = [
        etree.tostring(element)
        for _event, element in etree.iterparse(str(xxe), events=("end",), **HARDENED)
    ]
    assert b"SYNTHETIC-SECRET" not in b"".join(texts)
    assert b"SYNTHETIC-FETCHED" not in b"".join(texts)
    assert payloads.hits == []


def test_broken_xml_and_non_zip_files_are_clear_errors(tmp_path):
    broken = ods(
        tmp_path / "broken-synthetic.ods", content("", "Kent").replace("</table:table>", "")
    )
    with pytest.raises(NotASpreadsheet, match="not well-formed"):
        read_all(broken)
    not_zip = tmp_path / "not-a-zip-synthetic.ods"
    not_zip.write_text("synthetic, not a spreadsheet")
    with pytest.raises(NotASpreadsheet, match="not an OpenDocument spreadsheet"):
        read_all(not_zip)


def test_a_number_cell_that_is_not_a_number_is_a_clear_error(tmp_path):
    xml = content("", "Kent").replace('office:value="3"', 'office:value="three"')
    with pytest.raises(NotASpreadsheet, match="a float cell holds office:value 'three'"):
        read_all(ods(tmp_path / "bad-number-synthetic.ods", xml))


def test_a_repeat_count_that_is_not_a_number_is_a_clear_error(tmp_path):
    xml = content("", "Kent").replace(
        "<table:table-row>", '<table:table-row table:number-rows-repeated="many">', 1
    )
    with pytest.raises(NotASpreadsheet, match="a repeat count is 'many'"):
        read_all(ods(tmp_path / "bad-repeat-synthetic.ods", xml))


def test_parse_table_turns_the_refusal_into_an_unsafe_file_error(indicators, tmp_path):
    path = ods(tmp_path / "bomb-synthetic.ods", content(billion_laughs(), "&lol9;"))
    with pytest.raises(UnsafeFile, match="document type"):
        ho_tables.parse_table(
            path, "recorded_crime", {"offence_subgroups": ["Homicide"]}, AreaLookup.from_db()
        )


# --- A refresh that meets one ---------------------------------------------------------


@pytest.mark.django_db
def test_a_refresh_meeting_a_bomb_fails_with_the_message_and_stores_nothing(
    indicators, payloads, tmp_path
):
    bomb = ods(tmp_path / "bomb-synthetic.ods", content(billion_laughs(), "&lol9;"))
    payloads.route(PRC_FILE, Reply(200, bomb.read_bytes(), ODS))
    with pytest.raises(UnsafeFile):
        services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    run = RefreshRun.objects.get()
    assert run.outcome == RefreshRun.Outcome.FAILED
    assert run.error.startswith(f"UnsafeFile: {payloads.url}{PRC_FILE}: ")
    assert "declares a document type" in run.error
    assert not Observation.objects.exists() and not SourceRelease.objects.exists()


# --- The reader's speed-ups keep its answers -------------------------------------------


def cell(value: object = None, repeat: int = 1) -> str:
    runs = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{runs}/>"
    if isinstance(value, int):
        return (
            f'<table:table-cell{runs} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell{runs} office:value-type="string"><text:p>{value}</text:p>'
        "</table:table-cell>"
    )


def sheet(name: str, rows: list[str]) -> str:
    return f'<table:table table:name="{name}">' + "".join(rows) + "</table:table>"


def test_runs_of_cells_rows_blank_rows_and_sheets(tmp_path):
    """A run of equal cells written once, a repeated row, blank rows (one
    repeated to the sheet's edge), header rows in a group, and two sheets: whole
    rows and selected columns agree."""
    rows = [
        "<table:table-header-rows><table:table-row>"
        + cell("a")
        + cell("b")
        + cell("c")
        + cell("d")
        + "</table:table-row></table:table-header-rows>",
        "<table:table-row>"
        + cell("x", 2)
        + cell("keep")
        + cell(4)
        + cell(None, 1000)
        + "</table:table-row>",
        '<table:table-row table:number-rows-repeated="2">'
        + cell("y")
        + cell("z")
        + cell("keep")
        + cell(5)
        + "</table:table-row>",
        '<table:table-row table:number-rows-repeated="1048000">'
        + cell(None, 16384)
        + "</table:table-row>",
        "<table:table-row>" + cell("w") + cell("v") + cell("drop") + cell(6) + "</table:table-row>",
    ]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + HEAD.replace('<table:table table:name="Data">', "")
        + sheet("First", rows)
        + sheet("Second", ["<table:table-row>" + cell("only") + "</table:table-row>"])
        + TAIL.replace("</table:table>", "")
    )
    path = ods(tmp_path / "runs-synthetic.ods", xml)
    whole = {name: list(rows) for name, rows in iter_sheets(path)}
    assert whole == {
        "First": [
            ["a", "b", "c", "d"],
            ["x", "x", "keep", 4],
            ["y", "z", "keep", 5],
            ["y", "z", "keep", 5],
            ["w", "v", "drop", 6],
        ],
        "Second": [["only"]],
    }
    for name, sheet_rows in iter_sheets(path):
        if name != "First":
            continue
        next(sheet_rows)
        picked = list(sheet_rows.select([3, 1], where={2: lambda v: v == "keep"}))
        assert picked == [[4, "x"], [5, "z"], [5, "z"]]
        # Every row with content was read, the blank million were not.
        assert sheet_rows.rows_read == 1 + 4
