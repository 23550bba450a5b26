"""Regenerate the synthetic payloads in this folder: made-up figures in the
documented layouts of the sources (see the evidence clients' docstrings).

    uv run python -m tests.payloads.make_synthetic
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from evidence.areas import AREAS_FILE
from evidence.odsfile import write_ods

HERE = Path(__file__).resolve().parent
FORCES = yaml.safe_load(AREAS_FILE.read_text())["forces"]
# Spellings that differ from areas.yaml's names, as the tables have them.
TABLE_SPELLING = {
    "E23000034": "London, City of",
    "E23000035": "Devon & Cornwall",
    "E23000036": "Avon and Somerset Constabulary",
}
PRC_HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]


def prc_rows(edition: int, header=PRC_HEADER):
    yield header
    for quarter in (1, 2, 3):
        for index, force in enumerate(FORCES):
            if quarter == 3 and force["code"] == "E23000038":
                continue  # Wiltshire has no Q3 figure: no England and Wales total for Q3
            name = TABLE_SPELLING.get(force["code"], force["name"])
            homicide = index + 1
            if force["code"] == "E23000032" and quarter == 1:
                # Kent, spelled two ways, on two rows: both count towards one code.
                yield ["2023/24", quarter, "Kent", "Synthetic", "Synthetic", "Homicide", "1", 2]
                kent_second = 3 if edition == 1 else 4
                yield [
                    "2023/24",
                    quarter,
                    "Kent Police",
                    "Synthetic",
                    "Synthetic",
                    "Homicide",
                    "1",
                    kent_second,
                ]
            else:
                yield [
                    "2023/24",
                    quarter,
                    name,
                    "Synthetic",
                    "Synthetic",
                    "Homicide",
                    "1",
                    homicide,
                ]
            yield [
                "2023/24",
                quarter,
                name,
                "Synthetic",
                "Synthetic",
                "Robbery of personal property",
                "34B",
                f"1,{100 + index:03d}",  # thousands separator, as text
            ]
            for offset, subgroup in enumerate(
                ["Residential burglary", "Possession of weapons offences", "Possession of drugs"]
            ):
                yield [
                    "2023/24",
                    quarter,
                    name,
                    "Synthetic",
                    "Synthetic",
                    subgroup,
                    "9",
                    10 * offset + index,
                ]
        yield ["2023/24", quarter, "British Transport Police", "S", "S", "Homicide", "1", 1]
        for body, value in (("Action Fraud", 100), ("CIFAS", 200), ("UK Finance", "1,300")):
            yield ["2023/24", quarter, body, "Synthetic", "Fraud", "Fraud", "53", value]


def prc(edition: int, name: str, header=PRC_HEADER) -> None:
    write_ods(
        HERE / name,
        {
            "Notes": [["Synthetic test table: every figure in it is made up."]],
            "2023-24": prc_rows(edition, header),
        },
    )


def workforce_rows():
    yield [
        "As at 31 March",
        "Geocode",
        "Force name",
        "Region",
        "Sex",
        "Rank",
        "Worker type",
        "Total (Headcount)",
        "Total (FTE)",
    ]
    for year in (2023, 2024):
        for index, force in enumerate(FORCES):
            name = TABLE_SPELLING.get(force["code"], force["name"])
            for sex, fte in (("Male", 100.5 + index), ("Female", 50.25)):
                yield [
                    year,
                    force["code"],
                    name,
                    "Synthetic",
                    sex,
                    "Constable",
                    "Police Officer",
                    1,
                    fte,
                ]
            yield [year, force["code"], name, "Synthetic", "Male", "", "Police Staff", 1, 30]
        yield [
            year,
            "",
            "British Transport Police",
            "",
            "Male",
            "Constable",
            "Police Officer",
            1,
            9,
        ]


def stop_search_rows():
    yield [
        "financial_year",
        "police_force_area",
        "region",
        "age_group",
        "self_defined_ethnicity_group",
        "number_of_searches",
    ]
    for index, force in enumerate(FORCES):
        name = TABLE_SPELLING.get(force["code"], force["name"])
        yield ["2023/24", name, "Synthetic", "18-24", "Black or Black British", index + 10]
        yield ["2023/24", name, "Synthetic", "25-29", "Black or Black British", 1]
        yield ["2023/24", name, "Synthetic", "18-24", "White", f"2,{index:03d}"]


def search(legislation, ethnicity, when):
    """One search with every documented stops-force key."""
    return {
        "age_range": "18-24",
        "officer_defined_ethnicity": None,
        "involved_person": True,
        "self_defined_ethnicity": ethnicity,
        "gender": "Male",
        "legislation": legislation,
        "outcome_linked_to_object_of_search": None,
        "datetime": when,
        "outcome_object": {"id": "bu-no-further-action", "name": "A no further action disposal"},
        "location": None,
        "object_of_search": "Synthetic object",
        "operation": False,
        "outcome": "A no further action disposal",
        "type": "Person search",
        "operation_name": None,
        "removal_of_more_than_outer_clothing": False,
    }


S60 = "Criminal Justice and Public Order Act 1994 (section 60)"
BLACK = "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background"
WHITE = "White - Any other White background"


def police_api() -> None:
    out = HERE / "police_api"
    files = {
        "crime-last-updated-synthetic.json": {"date": "2024-03-01"},
        "crimes-street-dates-synthetic.json": [
            {"date": "2024-01", "stop-and-search": ["kent", "metropolitan", "btp"]},
            {"date": "2023-12", "stop-and-search": ["kent"]},
        ],
        "crimes-street-dates-old-format-synthetic.json": [{"date": "2024-01"}, {"date": "2023-12"}],
        "stops-force-kent-2024-01-synthetic.json": [
            search(S60, BLACK, "2024-01-05T21:00:00+00:00"),
            search(None, WHITE, "2024-01-06T10:00:00+00:00"),
            search("Misuse of Drugs Act 1971 (section 23)", BLACK, "2024-01-07T12:00:00+00:00"),
        ],
        "stops-force-metropolitan-2024-01-synthetic.json": [
            search(S60, BLACK, "2024-01-02T22:00:00+00:00"),
            search(S60, WHITE, "2024-01-03T23:00:00+00:00"),
        ],
        "stops-force-kent-2023-12-synthetic.json": [
            search(
                "Police and Criminal Evidence Act 1984 (section 1)",
                WHITE,
                "2023-12-01T09:00:00+00:00",
            ),
        ],
    }
    for name, data in files.items():
        (out / name).write_text(json.dumps(data, indent=1) + "\n")


def govuk() -> None:
    out = HERE / "govuk"

    def page(title, attachments, updated):
        return {
            "title": f"{title} (synthetic test page)",
            "public_updated_at": updated,
            "details": {"attachments": attachments},
        }

    prc1 = {
        "title": "Police recorded crime by force area (synthetic)",
        "url": "/media/synthetic/prc-pfa-mar2013-onwards-tables-010124.ods",
        "content_type": "application/vnd.oasis.opendocument.spreadsheet",
        "public_updated_at": "2024-01-01T09:30:00.000+00:00",
    }
    prc2 = dict(
        prc1,
        url="/media/synthetic/prc-pfa-mar2013-onwards-tables-010424.ods",
        public_updated_at="2024-04-01T09:30:00.000+00:00",
    )
    guide = {
        "title": "User guide (synthetic)",
        "url": "/media/synthetic/user-guide.pdf",
        "content_type": "application/pdf",
    }
    pages = {
        "content-recorded-crime-synthetic.json": page(
            "Police recorded crime open data tables", [guide, prc1], "2024-01-01T09:30:00.000+00:00"
        ),
        "content-recorded-crime-edition2-synthetic.json": page(
            "Police recorded crime open data tables",
            [guide, prc1, prc2],
            "2024-04-01T09:30:00.000+00:00",
        ),
        "content-workforce-synthetic.json": page(
            "Police workforce open data tables",
            [
                {
                    "title": "Police workforce open data table (synthetic)",
                    "url": "/media/synthetic/open-data-table-police-workforce-010124.ods",
                    "content_type": "application/vnd.oasis.opendocument.spreadsheet",
                }
            ],
            "2024-01-01T09:30:00.000+00:00",
        ),
        "content-stop-search-synthetic.json": page(
            "Stop and search open data tables",
            [
                {
                    "title": "Stop and search open data tables (synthetic)",
                    "url": "/media/synthetic/stop-search-open-data-tables-mar24.ods",
                    "content_type": "application/vnd.oasis.opendocument.spreadsheet",
                }
            ],
            "2024-01-01T09:30:00.000+00:00",
        ),
    }
    for name, data in pages.items():
        (out / name).write_text(json.dumps(data, indent=1) + "\n")


def main() -> None:
    prc(1, "prc-pfa-synthetic-edition1.ods")
    prc(2, "prc-pfa-synthetic-edition2.ods")
    changed = [h.replace("Offence Subgroup", "Offence Sub-group") for h in PRC_HEADER]
    prc(1, "prc-pfa-synthetic-changed-header.ods", header=changed)
    write_ods(HERE / "workforce-synthetic.ods", {"Data": workforce_rows()})
    write_ods(HERE / "stop-search-synthetic.ods", {"open_data": stop_search_rows()})
    police_api()
    govuk()


if __name__ == "__main__":
    main()
