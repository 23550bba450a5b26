"""Source clients on synthetic payloads in the documented formats, served over
real HTTP from 127.0.0.1, and the refresh service that stores what they read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from evidence import services
from evidence.areas import NATIONAL_CODE, AreaLookup, normalise
from evidence.models import Area, Evidence, Indicator, Observation, RefreshRun, SourceRelease
from evidence.sources import LayoutError, SourceError, TransientSourceError, ho_tables
from evidence.sources.http import HttpClient, Pacer
from evidence.sources.police_api import PoliceAPI
from tests.factories import EvidenceFactory
from tests.payloads.server import (
    GOVUK,
    PAYLOADS,
    POLICE,
    PRC_FILE,
    PRC_PAGE,
    Reply,
    mount_prc,
)

pytestmark = pytest.mark.django_db


def series(slug, code):
    """{period label: current value} for one indicator and area."""
    held = {}
    for obs in Observation.objects.filter(indicator__slug=slug, area__code=code).order_by(
        "retrieved_at", "pk"
    ):
        held[obs.period_label] = obs.value
    return held


# --- Areas ---------------------------------------------------------------------------


def test_every_force_and_england_and_wales_loaded_once(indicators):
    assert Area.objects.filter(kind=Area.Kind.FORCE).count() == 43
    assert Area.objects.get(kind=Area.Kind.NATIONAL).code == NATIONAL_CODE
    codes = set(Area.objects.filter(kind=Area.Kind.FORCE).values_list("code", flat=True))
    assert {c[:3] for c in codes} == {"E23", "W15"}


@pytest.mark.parametrize(
    "spelling",
    [
        "Metropolitan Police",
        "metropolitan",
        "E23000001",
        "Metropolitan Police Service",
        "METROPOLITAN",
    ],
)
def test_one_code_for_every_spelling_of_a_force(indicators, spelling):
    assert AreaLookup.from_db().resolve(spelling) == "E23000001"


def test_spellings_with_ampersands_commas_and_hyphens(indicators):
    lookup = AreaLookup.from_db()
    assert lookup.resolve("Devon & Cornwall") == lookup.resolve("devon-and-cornwall") == "E23000035"
    assert lookup.resolve("London, City of") == lookup.resolve("city-of-london") == "E23000034"
    assert lookup.resolve("Avon and Somerset Constabulary") == "E23000036"
    assert lookup.resolve("British Transport Police") is None  # known, not an area
    with pytest.raises(Exception, match="unknown area 'Gotham'"):
        lookup.resolve("Gotham")


def test_normalise():
    assert normalise("Avon & Somerset Constabulary") == "avon and somerset"
    assert normalise("Dyfed-Powys Police") == "dyfed powys"


# --- HTTP boundary: pacing and backoff ----------------------------------------------------


def test_pacer_keeps_under_the_rate():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(30):
        pacer.wait()
    assert now[0] == pytest.approx(2.9)  # 30 requests take at least 2.9 s at 10 a second
    assert all(s == pytest.approx(0.1) for s in slept)


def test_default_police_api_rate_is_under_the_limit(settings):
    from django.conf import settings as live

    assert 0 < live.POLICE_API_MAX_RATE < 15


def test_429_then_success(payloads):
    path = POLICE + "crime-last-updated"
    payloads.route(
        path,
        Reply(429, b"{}", headers={"Retry-After": "0"}),
        Reply(200, b'{"date": "2024-03-01"}'),
    )
    slept: list[float] = []
    api = PoliceAPI(http=HttpClient(sleep=slept.append))
    assert api.last_updated() == "2024-03-01"
    assert payloads.count(path) == 2 and slept == [0.0]


def test_backoff_doubles_with_jitter(payloads):
    path = POLICE + "crime-last-updated"
    payloads.route(path, Reply(503, b"{}"))
    slept: list[float] = []
    http = HttpClient(sleep=slept.append, retries=3, backoff=1.0)
    with pytest.raises(TransientSourceError, match="HTTP 503.*4 attempts"):
        http.get(payloads.url + path)
    assert [1 <= slept[0] <= 2, 2 <= slept[1] <= 4, 4 <= slept[2] <= 8] == [True] * 3


def test_a_404_is_not_retried(payloads):
    slept: list[float] = []
    with pytest.raises(SourceError, match="HTTP 404") as info:
        HttpClient(sleep=slept.append).get(payloads.url + "/nowhere")
    assert not isinstance(info.value, TransientSourceError) and slept == []


# --- data.police.uk ---------------------------------------------------------------------------


def test_section_60_per_force_and_month(indicators, payloads):
    run = services.refresh_indicator(Indicator.objects.get(slug="section-60-searches"))
    assert run.outcome == RefreshRun.Outcome.SUCCESS
    assert series("section-60-searches", "E23000032") == {"2023-12": 0, "2024-01": 1}
    # Metropolitan is missing from December's availability list: no figure, not zero.
    assert series("section-60-searches", "E23000001") == {"2024-01": 2}
    assert payloads.count(POLICE + "stops-force?force=metropolitan&date=2023-12") == 0
    # BTP is not a police force area and is never fetched; no national sum from this API.
    assert payloads.count(POLICE + "stops-force?force=btp&date=2024-01") == 0
    assert not Observation.objects.filter(area__code=NATIONAL_CODE).exists()
    assert (run.rows_read, run.rows_added) == (6, 3)
    release = SourceRelease.objects.get(indicator__slug="section-60-searches")
    assert release.key == "data.police.uk:2024-03-01"


def test_searches_by_self_defined_ethnicity(indicators, payloads):
    services.refresh_indicator(Indicator.objects.get(slug="searches-self-defined-black"))
    assert series("searches-self-defined-black", "E23000032") == {"2023-12": 0, "2024-01": 2}
    assert series("searches-self-defined-black", "E23000001") == {"2024-01": 1}


def test_old_availability_format_fails_loudly(indicators, payloads):
    payloads.file(
        POLICE + "crimes-street-dates", "police_api/crimes-street-dates-old-format-synthetic.json"
    )
    with pytest.raises(LayoutError, match="no data from a month of zero"):
        services.refresh_indicator(Indicator.objects.get(slug="section-60-searches"))
    assert not Observation.objects.exists()


def test_empty_list_for_a_listed_force_is_an_outage_not_zero(indicators, payloads):
    payloads.json(POLICE + "stops-force?force=kent&date=2023-12", [])
    with pytest.raises(TransientSourceError, match="empty"):
        services.refresh_indicator(Indicator.objects.get(slug="section-60-searches"))
    assert not Observation.objects.exists()


def test_5xx_past_the_retries_marks_the_run_failed_and_keeps_old_data(indicators, payloads):
    indicator = Indicator.objects.get(slug="section-60-searches")
    services.refresh_indicator(indicator)
    before = list(Observation.objects.values_list("pk", "value").order_by("pk"))
    payloads.route(POLICE + "stops-force?force=kent&date=2024-01", Reply(502, b"bad gateway"))
    with pytest.raises(TransientSourceError, match="HTTP 502"):
        services.refresh_indicator(indicator)
    assert payloads.count(POLICE + "stops-force?force=kent&date=2024-01") == 1 + 3
    run = RefreshRun.objects.filter(indicator=indicator).first()
    assert run is not None
    assert run.outcome == RefreshRun.Outcome.FAILED and "HTTP 502" in run.error
    assert run.finished_at is not None
    assert list(Observation.objects.values_list("pk", "value").order_by("pk")) == before


def test_changed_search_keys_fail_loudly(indicators, payloads):
    payloads.json(POLICE + "stops-force?force=kent&date=2023-12", [{"datetime": "x"}])
    with pytest.raises(LayoutError, match="lack"):
        services.refresh_indicator(Indicator.objects.get(slug="section-60-searches"))


# --- Home Office tables via GOV.UK -----------------------------------------------------------


def test_recorded_crime_by_force_quarter_and_england_and_wales(indicators, payloads):
    run = services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    assert run.outcome == RefreshRun.Outcome.SUCCESS
    # Kent is spelled "Kent" and "Kent Police" on two rows: one code, both counted.
    assert series("homicide", "E23000032")["2023/24 Q1"] == 5
    assert (
        Observation.objects.filter(indicator__slug="homicide", area__code="E23000032").count() == 3
    )
    national = series("homicide", NATIONAL_CODE)
    # 43 forces numbered 1..43 with Kent's 32 replaced by 2 + 3; BTP ignored.
    assert national["2023/24 Q1"] == sum(range(1, 44)) - 32 + 5
    # Wiltshire has no Q3 figure: no England and Wales total that would look like a fall.
    assert "2023/24 Q3" not in national
    assert "2023/24 Q3" in series("homicide", "E23000032")
    obs = Observation.objects.filter(indicator__slug="homicide", area__code="E23000032").first()
    assert obs is not None
    assert (obs.period_start, obs.period_end) == (dt.date(2023, 4, 1), dt.date(2023, 6, 30))


def test_thousands_separators(indicators, payloads):
    services.refresh_indicator(Indicator.objects.get(slug="personal-robbery"))
    # "1,100" for the first force in the file (Metropolitan Police).
    assert series("personal-robbery", "E23000001")["2023/24 Q1"] == 1100
    assert ho_tables.parse_number("12,345") == Decimal("12345")
    assert ho_tables.parse_number("..") is None
    with pytest.raises(LayoutError):
        ho_tables.parse_number("twelve")


def test_fraud_is_national_only(indicators, payloads):
    services.refresh_indicator(Indicator.objects.get(slug="fraud-offences"))
    assert series("fraud-offences", NATIONAL_CODE) == {
        "2023/24 Q1": 1600,
        "2023/24 Q2": 1600,
        "2023/24 Q3": 1600,
    }
    assert set(
        Observation.objects.filter(indicator__slug="fraud-offences").values_list(
            "area__code", flat=True
        )
    ) == {NATIONAL_CODE}


def test_a_revised_figure_keeps_the_old_value_and_its_release(indicators, payloads):
    indicator = Indicator.objects.get(slug="homicide")
    services.refresh_indicator(indicator)
    first_count = Observation.objects.count()
    mount_prc(payloads, edition=2)
    run = services.refresh_indicator(indicator)
    assert (run.rows_added, run.rows_revised) == (0, 2)  # Kent Q1, and so England and Wales Q1
    kent = Observation.objects.filter(
        indicator=indicator, area__code="E23000032", period_label="2023/24 Q1"
    ).order_by("retrieved_at", "pk")
    assert [(o.value, o.release.url.rsplit("-", 1)[-1]) for o in kent] == [
        (Decimal(5), "010124.ods"),
        (Decimal(6), "010424.ods"),
    ]
    assert Observation.objects.count() == first_count + 2
    assert SourceRelease.objects.filter(indicator=indicator).count() == 2


def test_a_second_refresh_of_the_same_edition_adds_nothing_and_downloads_nothing(
    indicators, payloads
):
    indicator = Indicator.objects.get(slug="homicide")
    services.refresh_indicator(indicator)
    count = Observation.objects.count()
    run = services.refresh_indicator(indicator)
    assert (run.outcome, run.rows_added, run.rows_revised) == ("success", 0, 0)
    assert Observation.objects.count() == count
    assert payloads.count(PRC_FILE) == 1


def test_a_changed_header_fails_loudly_and_stores_nothing(indicators, payloads):
    payloads.file(PRC_FILE, "prc-pfa-synthetic-changed-header.ods")
    with pytest.raises(LayoutError, match=r"missing \['Offence Subgroup'\]"):
        services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    assert not Observation.objects.exists() and not SourceRelease.objects.exists()
    run = RefreshRun.objects.get()
    assert run.outcome == "failed" and "Offence Sub-group" in run.error


def test_an_unknown_force_fails_loudly(indicators, payloads, tmp_path):
    from evidence.odsfile import write_ods

    path = write_ods(
        tmp_path / "unknown-force-synthetic.ods",
        {
            "open_data": [
                [
                    "financial_year",
                    "police_force_area",
                    "self_defined_ethnicity_group",
                    "number_of_searches",
                ],
                ["2023/24", "Gotham City", "White", 1],
            ]
        },
    )
    with pytest.raises(SourceError, match="Gotham City"):
        ho_tables.parse_table(
            path, "stop_search", {"ethnicity_groups": ["White"]}, AreaLookup.from_db()
        )


def test_an_unknown_category_label_fails_loudly(indicators):
    with pytest.raises(LayoutError, match="no row has ethnicity"):
        ho_tables.parse_table(
            PAYLOADS / "stop-search-synthetic.ods",
            "stop_search",
            {"ethnicity_groups": ["Purple"]},
            AreaLookup.from_db(),
        )


def test_no_matching_attachment_fails_loudly(indicators, payloads):
    payloads.json(
        GOVUK + PRC_PAGE, {"details": {"attachments": [{"title": "PDF", "url": "/x.pdf"}]}}
    )
    with pytest.raises(LayoutError, match="no attachment"):
        services.refresh_indicator(Indicator.objects.get(slug="homicide"))


def test_workforce_officers_by_geocode_excluding_staff(indicators, payloads):
    services.refresh_indicator(Indicator.objects.get(slug="police-officers-fte"))
    # Metropolitan (index 0): 100.5 male + 50.25 female officers; staff not counted.
    assert series("police-officers-fte", "E23000001") == {
        "31 March 2023": Decimal("150.75"),
        "31 March 2024": Decimal("150.75"),
    }
    national = series("police-officers-fte", NATIONAL_CODE)["31 March 2024"]
    assert national == sum(Decimal("150.75") + i for i in range(43))


def test_stop_search_by_ethnicity(indicators, settings, payloads):
    indicator = Indicator.objects.get(slug="stop-search-black")
    indicator.config["content_path"] = "synthetic/stop-search"
    indicator.save()
    payloads.file(GOVUK + "synthetic/stop-search", "govuk/content-stop-search-synthetic.json")
    payloads.file(
        "/media/synthetic/stop-search-open-data-tables-mar24.ods", "stop-search-synthetic.ods"
    )
    services.refresh_indicator(indicator)
    assert series("stop-search-black", "E23000001") == {"2023/24": 11}
    obs = Observation.objects.filter(indicator=indicator).first()
    assert obs is not None
    assert (obs.period_start, obs.period_end) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))


# --- Storing -------------------------------------------------------------------------------


def test_manual_observation_needs_and_keeps_its_citation(indicators):
    indicator = Indicator.objects.get(slug="homicide")
    citation = EvidenceFactory.create(
        kind=Evidence.Kind.OFFICIAL_STATISTICS,
        url="https://example.org/synthetic.pdf",
        published_date=dt.date(2024, 1, 1),
        accessed_date=dt.date(2024, 1, 2),
    )
    kwargs: dict[str, Any] = dict(  # noqa: C408
        area_code=NATIONAL_CODE,
        period_start=dt.date(2023, 4, 1),
        period_end=dt.date(2023, 6, 30),
        period_label="2023/24 Q1",
        value=Decimal("7"),
    )
    with pytest.raises(SourceError, match="citation"):
        # None on purpose: the runtime refusal is what is under test.
        services.add_manual_observation(indicator, citation=None, **kwargs)  # type: ignore[arg-type]
    result = services.add_manual_observation(indicator, citation=citation, **kwargs)
    assert result.added == 1
    assert Observation.objects.get().release.citation == citation
    assert services.add_manual_observation(indicator, citation=citation, **kwargs).added == 0


def test_a_release_that_changes_its_own_figure_is_refused(indicators):
    from evidence.sources import Figure, Period, Release

    indicator = Indicator.objects.get(slug="homicide")
    release = Release(key="synthetic:1", title="Synthetic", url="https://example.org/s")
    period = Period(dt.date(2023, 4, 1), dt.date(2023, 6, 30), "2023/24 Q1")
    services.store_figures(
        indicator, release=release, figures=[Figure("E23000032", period, Decimal(1))]
    )
    with pytest.raises(SourceError, match="must not change"):
        services.store_figures(
            indicator, release=release, figures=[Figure("E23000032", period, Decimal(2))]
        )
    assert Observation.objects.get().value == 1
