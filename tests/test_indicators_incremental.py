"""The incremental data.police.uk refresh and ``refresh_indicators --dry-run``,
counted in requests against the local payload server.

The availability list is the real 36-month one (tests/payloads/real/); each
force-month it lists is answered with one synthetic search, so what is counted
is requests, not figures."""

from __future__ import annotations

import copy
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from evidence import services
from evidence.coverage import held_coverage
from evidence.models import Indicator, Observation, PeriodCoverage, RefreshRun
from tests.payloads.server import PAYLOADS, POLICE, PayloadServer

pytestmark = pytest.mark.django_db

REAL_DATES = PAYLOADS / "real" / "police_api" / "crimes-street-dates_to_2025-06.angrybat.json"
SYNTHETIC_SEARCH = {
    "type": "Person search (synthetic test payload)",
    "datetime": "2025-01-15T12:00:00+00:00",
    "legislation": "Criminal Justice and Public Order Act 1994 (section 60)",
    "self_defined_ethnicity": "Synthetic - not a real search",
}


def real_dates() -> list[dict]:
    return json.loads(REAL_DATES.read_text())


def serve(server: PayloadServer, dates: list[dict]) -> None:
    """The availability list, and one synthetic search for each force-month it lists."""
    server.json(POLICE + "crime-last-updated", {"date": "2025-07-01"})
    server.json(POLICE + "crimes-street-dates", dates)
    for entry in dates:
        for force in entry["stop-and-search"]:
            server.json(
                f"{POLICE}stops-force?force={force}&date={entry['date']}", [SYNTHETIC_SEARCH]
            )


def stops_requests(server: PayloadServer) -> list[str]:
    return [hit for hit in server.hits if hit.startswith(POLICE + "stops-force")]


def month_of(hit: str) -> str:
    return parse_qs(urlsplit(hit).query)["date"][0]


def listed_forces(entry: dict) -> int:
    return len([f for f in entry["stop-and-search"] if f != "btp"])  # BTP is no force area


@pytest.fixture
def section_60(indicators, payloads, settings):
    settings.POLICE_API_REVISION_MONTHS = 3
    serve(payloads, real_dates())
    return Indicator.objects.get(slug="section-60-searches")


def test_a_first_refresh_fetches_every_listed_force_month_then_only_the_newest(
    section_60, payloads
):
    dates = real_dates()
    services.refresh_indicator(section_60)
    first = stops_requests(payloads)
    assert len(first) == sum(listed_forces(e) for e in dates) == 1383
    assert len(set(first)) == len(first)  # none twice
    assert not any("force=btp" in hit for hit in first)
    assert Observation.objects.filter(indicator=section_60).count() == 1383
    assert PeriodCoverage.objects.filter(indicator=section_60).count() == 36

    payloads.hits.clear()
    run = services.refresh_indicator(section_60)
    again = stops_requests(payloads)
    newest = dates[:3]  # the list is newest first: 2025-06, 2025-05, 2025-04
    assert len(again) == sum(listed_forces(e) for e in newest) == 33 + 37 + 36
    assert {month_of(hit) for hit in again} == {"2025-04", "2025-05", "2025-06"}
    assert len(payloads.hits) == len(again) + 2  # crime-last-updated, crimes-street-dates
    assert (run.outcome, run.rows_added, run.rows_revised) == ("success", 0, 0)


def test_a_new_month_and_a_force_newly_listed_in_an_old_month(section_60, payloads):
    services.refresh_indicator(section_60)
    dates = real_dates()
    later = copy.deepcopy(dates)
    # Synthetic changes to the real list: a next month, and Wiltshire catching up on a
    # month it was missing from.
    later.insert(0, {"date": "2025-07", "stop-and-search": ["kent", "wiltshire"]})
    old = next(e for e in later[3:36] if "wiltshire" not in e["stop-and-search"])
    old["stop-and-search"].append("wiltshire")
    serve(payloads, later)
    payloads.hits.clear()
    run = services.refresh_indicator(section_60)
    fetched = sorted(hit.split("?", 1)[1] for hit in stops_requests(payloads))
    window = [e for e in later if e["date"] in ("2025-06", "2025-05")]
    assert len(fetched) == 2 + sum(listed_forces(e) for e in window) + 1
    assert f"date={old['date']}&force=wiltshire" in fetched
    assert not any(hit.startswith(f"date={old['date']}&force=kent") for hit in fetched)
    # 36 months plus 2025-07 held; six months moved out of the 36 newest but are kept.
    assert PeriodCoverage.objects.filter(indicator=section_60).count() == 37
    assert run.rows_added == 3
    caught_up = PeriodCoverage.objects.get(indicator=section_60, period_label=old["date"])
    assert "E23000038" not in caught_up.missing


def test_revision_months_is_a_setting(section_60, payloads, settings):
    services.refresh_indicator(section_60)
    settings.POLICE_API_REVISION_MONTHS = 0
    payloads.hits.clear()
    services.refresh_indicator(section_60)
    assert stops_requests(payloads) == []
    assert len(payloads.hits) == 2


def test_held_coverage_is_what_the_refresh_skips(section_60, payloads):
    services.refresh_indicator(section_60)
    held = held_coverage(section_60)
    assert len(held) == 36
    assert "E23000005" not in held["2024-01"]  # Greater Manchester, never listed
    assert "E23000032" in held["2024-01"]  # Kent


def test_dry_run_prints_the_plan_and_changes_nothing(section_60, payloads):
    out = io.StringIO()
    call_command("refresh_indicators", "--dry-run", "--indicator", section_60.slug, stdout=out)
    text = out.getvalue()
    assert "36 months listed, 0 held and not fetched again, 36 to fetch in 1383 requests" in text
    first_month = real_dates()[-1]
    assert f"2022-07: {listed_forces(first_month)} forces (not held yet)" in text
    assert "nothing was changed" in text
    assert stops_requests(payloads) == [] and len(payloads.hits) == 2
    assert not RefreshRun.objects.exists() and not Observation.objects.exists()
    assert not PeriodCoverage.objects.exists()

    services.refresh_indicator(section_60)
    payloads.hits.clear()
    out = io.StringIO()
    call_command("refresh_indicators", "--dry-run", "--indicator", section_60.slug, stdout=out)
    text = out.getvalue()
    assert "33 held and not fetched again, 3 to fetch in 106 requests" in text
    assert "2025-06: 33 forces (newest months, for revisions)" in text
    assert stops_requests(payloads) == []
    assert RefreshRun.objects.count() == 1


def test_dry_run_of_every_indicator(indicators, payloads):
    """GOV.UK indicators: one request for the page, and whether a download would follow."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):  # the stop-and-search pages are not served here
        call_command("refresh_indicators", "--dry-run", stdout=out, stderr=err)
    assert "stop-search-black: cannot plan: SourceError: HTTP 404" in err.getvalue()
    text = out.getvalue()
    assert "homicide: Police recorded crime by force area (synthetic): a new edition" in text
    services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    out = io.StringIO()
    call_command("refresh_indicators", "--dry-run", "--indicator", "homicide", stdout=out)
    assert "stored already, nothing to download" in out.getvalue()
    assert "[1 requests to plan, 0 to fetch]" in out.getvalue()
