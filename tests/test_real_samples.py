"""The parsers on every real payload in tests/payloads/real/ (captured from the
live services by third parties; provenance and hand counts in its README),
served over HTTP from 127.0.0.1 as the real hosts would.

Where a test needs an availability list around a real payload, the list is
synthetic and says so."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from evidence import services
from evidence.areas import AREAS_FILE, AreaLookup
from evidence.models import Indicator, Observation
from evidence.sources.police_api import PoliceAPI, check_searches, matcher
from tests.payloads.server import PAYLOADS, POLICE, PayloadServer

pytestmark = pytest.mark.django_db

REAL = PAYLOADS / "real"
LEICESTERSHIRE = "E23000021"
STOPS = "police_api/stops-force_leicestershire_2023-07.angrybat.json"
NO_LOCATION = "police_api/stops-no-location_leicestershire_2023-07.angrybat.json"
WITH_FORCE_ID = "police_api/stops_2024-01_with_added_force_id.angrybat.json"
DATES_36 = "police_api/crimes-street-dates_to_2025-06.angrybat.json"
DATES_3 = "police_api/crimes-street-dates_2023-04_to_2023-06.angrybat.json"
FORCES = "police_api/forces.angrybat-minus-btp.json"
FORCES_WITH_BTP = "police_api/forces_reshaped.angrybat.json"
ONS = "ons/pfa23_from_LAD23_CSP23_PFA23_lookup.csv"
BLACK = "Black/African/Caribbean/Black British"


def real(name: str) -> Any:
    return json.loads((REAL / name).read_text())


def test_every_real_file_is_tested_here():
    """A file added to tests/payloads/real/ without a test here fails this one."""
    here = Path(__file__).read_text()
    files = sorted(
        str(p.relative_to(REAL)) for p in REAL.rglob("*") if p.is_file() and p.name != "README.md"
    )
    assert len(files) == 8
    assert [name for name in files if name not in here] == []


def test_the_readme_keeps_the_provenance():
    readme = (REAL / "README.md").read_text()
    assert readme.startswith("# Real samples of the outside sources (not written by this project)")
    assert "Open Government Licence v3.0" in readme and "angrybat/PoliceStopAndSearch" in readme
    assert "(DERIVED)" in readme


@pytest.fixture
def leicestershire(payloads: PayloadServer) -> list[dict[str, Any]]:
    payloads.file(f"{POLICE}stops-force?force=leicestershire&date=2023-07", f"real/{STOPS}")
    return PoliceAPI().stops_force("leicestershire", "2023-07")


def test_leicestershire_july_2023_hand_counts(leicestershire):
    searches = leicestershire
    assert len(searches) == 531
    assert sum(1 for s in searches if s["location"] is None) == 53
    assert sum(1 for s in searches if matcher({"measure": "section_60"})(s)) == 0
    black = [s for s in searches if matcher({"self_defined_ethnicity_prefix": BLACK})(s)]
    assert len(black) == 51
    assert Counter(s["self_defined_ethnicity"].split(" - ", 1)[1] for s in black) == {
        "African": 23,
        "Caribbean": 15,
        "Any other Black/African/Caribbean background": 13,
    }
    assert sum(1 for s in searches if matcher({"measure": "all"})(s)) == 531


def test_null_fields_of_real_searches_are_read_not_refused(leicestershire):
    searches = leicestershire
    assert all(s["operation"] is None for s in searches)
    assert any(s["age_range"] is None for s in searches)
    assert any(s["legislation"] is None for s in searches)
    assert any(s["outcome_object"]["id"] == "" for s in searches)
    # A null legislation or ethnicity matches nothing rather than failing.
    nulls = [s for s in searches if s["legislation"] is None]
    assert not any(matcher({"measure": "section_60"})(s) for s in nulls)
    assert matcher({"self_defined_ethnicity_prefix": BLACK})({"self_defined_ethnicity": None}) is (
        False
    )


def test_times_are_utc_and_a_search_counts_in_the_month_the_api_returned_it_for(
    indicators, payloads
):
    """2023-06-30T23:08:00+00:00 (00:08 on 1 July in UK summer time) comes back for
    date=2023-07: it counts in 2023-07, as data.police.uk files it, and June gets
    no figure.  It is one of the 51 searches of Black people."""
    searches = real(STOPS)
    early = [s for s in searches if s["datetime"] < "2023-07"]
    assert [s["datetime"] for s in early] == ["2023-06-30T23:08:00+00:00"]
    assert dt.datetime.fromisoformat(early[0]["datetime"]).utcoffset() == dt.timedelta(0)
    assert early[0]["self_defined_ethnicity"].startswith(BLACK)
    assert all(s["datetime"].endswith("+00:00") for s in searches)

    payloads.json(POLICE + "crime-last-updated", {"date": "2023-09-01"})
    synthetic_dates = [{"date": "2023-07", "stop-and-search": ["leicestershire", "btp"]}]
    payloads.json(POLICE + "crimes-street-dates", synthetic_dates)
    payloads.file(f"{POLICE}stops-force?force=leicestershire&date=2023-07", f"real/{STOPS}")
    for slug, expected in (("searches-self-defined-black", 51), ("section-60-searches", 0)):
        run = services.refresh_indicator(Indicator.objects.get(slug=slug))
        assert run.rows_read == 531
        held = Observation.objects.filter(indicator__slug=slug, area__code=LEICESTERSHIRE)
        assert [(o.period_label, o.period_start, o.period_end, o.value) for o in held] == [
            ("2023-07", dt.date(2023, 7, 1), dt.date(2023, 7, 31), Decimal(expected))
        ]


def test_stops_without_a_location_are_the_same_searches(payloads):
    payloads.file(
        f"{POLICE}stops-no-location?force=leicestershire&date=2023-07", f"real/{NO_LOCATION}"
    )
    body = PoliceAPI().http.get_json(
        payloads.url + f"{POLICE}stops-no-location?force=leicestershire&date=2023-07"
    )
    searches = check_searches(body, "stops-no-location leicestershire 2023-07")
    assert len(searches) == 53 and all(s["location"] is None for s in searches)
    with_location = real(STOPS)
    assert sorted(s["datetime"] for s in searches) == sorted(
        s["datetime"] for s in with_location if s["location"] is None
    )


def test_a_key_added_by_the_capturing_repository_is_tolerated():
    """``force_id`` was ADDED by the repository the file comes from; ``operation`` is
    ``false`` on some real searches, null on others."""
    searches = check_searches(real(WITH_FORCE_ID), "stops 2024-01 (three forces)")
    assert Counter(s["force_id"] for s in searches) == {
        "leicestershire": 72,
        "derbyshire": 57,
        "nottinghamshire": 41,
    }
    assert {s["operation"] for s in searches} == {None, False, True}
    assert all(s["datetime"].startswith("2024-01") for s in searches)


@pytest.mark.parametrize(("name", "months"), [(DATES_36, 36), (DATES_3, 3)])
def test_real_availability_lists_parse_and_every_force_resolves(indicators, payloads, name, months):
    payloads.file(POLICE + "crimes-street-dates", f"real/{name}")
    available = PoliceAPI().availability()
    assert len(available) == months
    lookup = AreaLookup.from_db()
    resolved = {lookup.resolve(force) for forces in available.values() for force in forces}
    assert None in resolved  # btp: known, not a police force area
    assert len(resolved - {None}) <= 43


def test_the_force_list_resolves_to_the_43_ons_codes(indicators):
    lookup = AreaLookup.from_db()
    with (REAL / ONS).open(newline="") as handle:
        ons = {row["PFA23CD"]: row["PFA23NM"] for row in csv.DictReader(handle)}
    assert len(ons) == 43
    forces = real(FORCES)
    assert len(forces) == 44
    by_id = {force["id"]: lookup.resolve(force["id"]) for force in forces}
    by_name = {force["id"]: lookup.resolve(force["name"]) for force in forces}
    assert by_id == by_name
    assert by_id.pop("northern-ireland") is None  # not in England and Wales
    assert set(by_id.values()) == set(ons) and len(by_id) == 43
    # The ONS names resolve to their own codes, and areas.yaml holds exactly these.
    assert {code: lookup.resolve(name) for code, name in ons.items()} == {c: c for c in ons}
    yaml_codes = {f["code"] for f in yaml.safe_load(AREAS_FILE.read_text())["forces"]}
    assert yaml_codes == set(ons)


def test_the_force_list_with_btp_excludes_it(indicators):
    lookup = AreaLookup.from_db()
    forces = real(FORCES_WITH_BTP)
    assert {"id": "btp", "name": None} in forces
    codes = {force["id"]: lookup.resolve(force["id"]) for force in forces}
    assert codes["btp"] is None and codes["northern-ireland"] is None
    assert len({c for c in codes.values() if c}) == 43
