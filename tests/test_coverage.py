"""Coverage is part of the figure: for every period, which police force areas
have no figure, stored by the refresh and said by the pages, the charts and the
API; a sum over the forces that reported is never shown as England and Wales.

data.police.uk: the real 36-month availability list (tests/payloads/real/),
each force-month it lists answered with one synthetic search.  Home Office
tables: the synthetic recorded-crime file, where Wiltshire has no Q3 row."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest

from evidence import services
from evidence.areas import NATIONAL_CODE
from evidence.models import Indicator, Observation, PeriodCoverage
from tests.payloads.server import PAYLOADS, POLICE

pytestmark = pytest.mark.django_db

REAL_DATES = PAYLOADS / "real" / "police_api" / "crimes-street-dates_to_2025-06.angrybat.json"
SYNTHETIC_SEARCH = {
    "type": "Person search (synthetic test payload)",
    "datetime": "2025-01-15T12:00:00+00:00",
    "legislation": "Criminal Justice and Public Order Act 1994 (section 60)",
    "self_defined_ethnicity": "Synthetic - not a real search",
}
GREATER_MANCHESTER, NORTH_YORKSHIRE, GWENT = "E23000005", "E23000009", "W15000002"
WILTSHIRE, HUMBERSIDE, METROPOLITAN, LINCOLNSHIRE = (
    "E23000038",
    "E23000012",
    "E23000001",
    "E23000020",
)
NORFOLK, SUFFOLK, LANCASHIRE, MERSEYSIDE = "E23000024", "E23000025", "E23000003", "E23000004"
KENT = "E23000032"


@pytest.fixture
def section_60(indicators, payloads):
    dates = json.loads(REAL_DATES.read_text())
    payloads.json(POLICE + "crime-last-updated", {"date": "2025-07-01"})
    payloads.json(POLICE + "crimes-street-dates", dates)
    for entry in dates:
        for force in entry["stop-and-search"]:
            payloads.json(
                f"{POLICE}stops-force?force={force}&date={entry['date']}", [SYNTHETIC_SEARCH]
            )
    indicator = Indicator.objects.get(slug="section-60-searches")
    services.refresh_indicator(indicator)
    return indicator


def test_the_real_availability_list_stored_as_coverage(section_60):
    rows = list(PeriodCoverage.objects.filter(indicator=section_60))
    assert len(rows) == 36
    assert (rows[0].period_label, rows[-1].period_label) == ("2022-07", "2025-06")
    missed = Counter(code for row in rows for code in row.missing)
    # The README's hand counts of the real list.
    assert missed[GREATER_MANCHESTER] == missed[GWENT] == missed[NORTH_YORKSHIRE] == 36
    assert (missed[WILTSHIRE], missed[HUMBERSIDE], missed[METROPOLITAN]) == (25, 13, 9)
    assert missed[LINCOLNSHIRE] == 6
    assert [missed[c] for c in (NORFOLK, SUFFOLK, LANCASHIRE, MERSEYSIDE)] == [1, 1, 1, 1]
    assert len(missed) == 3 + 4 + 4  # no other force ever missing
    assert all(row.forces_expected == 43 for row in rows)
    assert all(row.forces_reporting == 43 - len(row.missing) for row in rows)
    assert not any(row.is_complete for row in rows)
    # Figures per force only: no England and Wales figure for any month.
    assert not Observation.objects.filter(indicator=section_60, area__code=NATIONAL_CODE).exists()
    june = next(row for row in rows if row.period_label == "2025-06")
    assert june.forces_reporting == 33  # 34 listed, one of them BTP


def test_the_api_says_which_forces_are_missing_each_period(api_client, section_60):
    body = api_client.get("/api/v1/indicators/section-60-searches/").json()
    assert len(body["coverage"]) == 36
    june = body["coverage"][-1]
    assert june["period_label"] == "2025-06" and june["complete"] is False
    assert (june["forces_reporting"], june["forces_expected"]) == (33, 43)
    assert {"code": GREATER_MANCHESTER, "name": "Greater Manchester"} in june["missing"]
    assert all(
        {GREATER_MANCHESTER, GWENT, NORTH_YORKSHIRE} <= {m["code"] for m in p["missing"]}
        for p in body["coverage"]
    )
    kent = api_client.get(
        "/api/v1/observations/?indicator=section-60-searches&area=E23000032&period_after=2025-06-01"
    ).json()["results"]
    assert len(kent) == 1
    coverage = kent[0]["period_coverage"]
    assert coverage["forces_reporting"] == 33 and coverage["complete"] is False
    assert GREATER_MANCHESTER in coverage["missing"] and "E23000032" not in coverage["missing"]


def test_the_pages_say_which_forces_are_missing(client, section_60):
    page = client.get("/indicators/section-60-searches/").content.decode()
    assert "Which forces each period covers" in page
    assert "In 36 of 36 periods some of the 43 police force areas have no figure" in page
    assert "(Greater Manchester, North Yorkshire, Gwent in none of them)" in page
    assert '<th scope="row">2025-06</th><td>33 of 43 forces</td>' in page
    listing = client.get("/indicators/").content.decode()
    assert "No England and Wales figure: per force only (2025-06: 33 of 43 forces reported)" in (
        listing
    )
    # A force's chart says which months it has no figure for, and why.
    wiltshire = client.get(f"/indicators/section-60-searches/?area={WILTSHIRE}").content.decode()
    assert "No figure for Wiltshire in 25 periods it was missing from:" in wiltshire


def test_a_table_missing_a_force_gives_no_national_figure_and_says_so(
    client, api_client, indicators, payloads
):
    services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    coverage = {
        row.period_label: row for row in PeriodCoverage.objects.filter(indicator__slug="homicide")
    }
    assert {label: row.forces_reporting for label, row in coverage.items()} == {
        "2023/24 Q1": 43,
        "2023/24 Q2": 43,
        "2023/24 Q3": 42,
    }
    assert coverage["2023/24 Q3"].missing == [WILTSHIRE]
    national = Observation.objects.filter(indicator__slug="homicide", area__code=NATIONAL_CODE)
    assert sorted(national.values_list("period_label", flat=True)) == ["2023/24 Q1", "2023/24 Q2"]
    page = client.get("/indicators/homicide/").content.decode()
    note = (
        "No England and Wales figure for 1 period in which forces were missing: "
        "2023/24 Q3 (42 of 43 forces)."
    )
    assert page.count(note) == 2  # in the chart's description and below it
    assert "In 1 of 3 periods some of the 43 police force areas have no figure" in page
    listing = client.get("/indicators/").content.decode()
    row = listing.split("Recorded homicide", 1)[1].split("</tr>", 1)[0]
    assert "offences, 2023/24 Q2" in row  # the latest national figure is the complete Q2
    assert "(2023/24 Q3: 42 of 43 forces so far, no England and Wales figure)" in row
    rows = api_client.get(
        "/api/v1/observations/", {"indicator": "homicide", "area": NATIONAL_CODE}
    ).json()["results"]
    assert len(rows) == 2 and all(r["period_coverage"]["complete"] for r in rows)


def test_fraud_recorded_nationally_has_no_force_coverage(indicators, payloads):
    services.refresh_indicator(Indicator.objects.get(slug="fraud-offences"))
    assert not PeriodCoverage.objects.filter(indicator__slug="fraud-offences").exists()


def test_observations_csv_carries_the_coverage(api_client, indicators, payloads):
    services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    response = api_client.get(
        "/api/v1/observations/",
        {"indicator": "homicide", "area": [NATIONAL_CODE, WILTSHIRE, KENT], "format": "csv"},
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    q3 = [r for r in rows if r["period_label"] == "2023/24 Q3"]
    # Neither England and Wales nor Wiltshire has a Q3 figure; Kent's says who is missing.
    assert [(r["area"], r["forces_reporting"], r["forces_missing"]) for r in q3] == [
        (KENT, "42", WILTSHIRE)
    ]
    q1 = [r for r in rows if r["period_label"] == "2023/24 Q1"]
    assert {(r["area"], r["forces_reporting"], r["forces_expected"]) for r in q1} == {
        (NATIONAL_CODE, "43", "43"),
        (WILTSHIRE, "43", "43"),
        (KENT, "43", "43"),
    }


def test_coverage_changes_only_when_the_source_says_something_else(section_60, payloads):
    before = list(PeriodCoverage.objects.values_list("pk", "recorded_at").order_by("pk"))
    services.refresh_indicator(section_60)
    assert list(PeriodCoverage.objects.values_list("pk", "recorded_at").order_by("pk")) == before
