"""The indicators and observations API: fields, filters, CSV, conditional GET,
and query counts that do not grow with the data."""

from __future__ import annotations

import csv
import io

import pytest

from evidence import services
from evidence.models import Indicator, Observation
from tests.payloads.server import POLICE, Reply, mount_prc

pytestmark = pytest.mark.django_db


@pytest.fixture
def refreshed(indicators, payloads):
    for slug in ("homicide", "section-60-searches"):
        services.refresh_indicator(Indicator.objects.get(slug=slug))
    return payloads


def test_indicator_list_and_detail(api_client, indicators):
    body = api_client.get("/api/v1/indicators/").json()
    assert len(body) == indicators.count() == 11
    homicide = api_client.get("/api/v1/indicators/homicide/").json()
    assert homicide["last_run"] is None and homicide["last_success_at"] is None
    assert {p["reference"] for p in homicide["proposals"]} == {"138-2e", "138-2f"}
    assert all(p["rationale"] for p in homicide["proposals"])
    assert homicide["html_url"].endswith("/indicators/homicide/")
    assert homicide["is_stale"] is False


def test_indicator_filters(api_client, indicators):
    found = api_client.get("/api/v1/indicators/?proposal=118-4d").json()
    assert {i["slug"] for i in found} == {"section-60-searches", "stop-search-black"}
    assert len(api_client.get("/api/v1/indicators/?source=police_api").json()) == 2
    bad = api_client.get("/api/v1/indicators/?source=astrology")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_last_run_success_and_failure(api_client, refreshed):
    body = api_client.get("/api/v1/indicators/section-60-searches/").json()
    assert body["last_run"]["outcome"] == "success" and body["last_success_at"]
    refreshed.route(POLICE + "crime-last-updated", Reply(503, b"{}"))
    with pytest.raises(Exception):
        services.refresh_indicator(Indicator.objects.get(slug="section-60-searches"))
    body = api_client.get("/api/v1/indicators/section-60-searches/").json()
    assert body["last_run"]["outcome"] == "failed" and "HTTP 503" in body["last_run"]["error"]
    assert body["last_success_at"] is not None  # the earlier success still shows


def test_observations_filters(api_client, refreshed):
    body = api_client.get("/api/v1/observations/?indicator=homicide&area=E23000032").json()
    assert body["count"] == 3
    first = body["results"][0]
    assert first["area"] == "E23000032" and first["area_name"] == "Kent"
    assert first["period_label"] == "2023/24 Q1" and first["is_current"] is True
    assert first["release"]["url"].endswith("prc-pfa-mar2013-onwards-tables-010124.ods")
    after = api_client.get(
        "/api/v1/observations/?indicator=homicide&area=E23000032&period_after=2023-07-01"
    ).json()
    assert after["count"] == 2
    both = api_client.get(
        "/api/v1/observations/?indicator=homicide&indicator=section-60-searches&area=E23000032"
    ).json()
    assert both["count"] == 5
    bad = api_client.get("/api/v1/observations/?area=NOWHERE")
    assert bad.status_code == 400 and "area" in bad.json()["error"]["fields"]


def test_revised_figures_are_served_and_flagged(api_client, refreshed):
    mount_prc(refreshed, edition=2)
    services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    url = "/api/v1/observations/?indicator=homicide&area=E23000032&period_before=2023-06-30"
    rows = api_client.get(url).json()["results"]
    assert [(r["value"], r["is_current"]) for r in rows] == [("5.0000", False), ("6.0000", True)]
    current = api_client.get(url + "&current=true").json()["results"]
    assert [r["value"] for r in current] == ["6.0000"]


def test_observations_csv_export(api_client, refreshed):
    response = api_client.get("/api/v1/observations/?indicator=homicide&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "indicator", "area", "area_name"]
    assert "release_url" in rows[0]
    assert len(rows) - 1 == Observation.objects.filter(indicator__slug="homicide").count()


def test_indicators_csv_export(api_client, indicators):
    response = api_client.get("/api/v1/indicators/?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 12 and "proposals" in rows[0]


def test_conditional_get(api_client, refreshed):
    first = api_client.get("/api/v1/observations/?indicator=homicide")
    again = api_client.get(
        "/api/v1/observations/?indicator=homicide", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    assert first["Last-Modified"]


def test_reads_are_read_only(api_client, indicators):
    assert api_client.post("/api/v1/indicators/", {}).status_code in (401, 403, 405)
    assert api_client.delete("/api/v1/indicators/homicide/").status_code in (401, 403, 405)


OBSERVATION_LIST_QUERIES = 3  # count, page, Last-Modified
# indicators with run annotations, their links and proposals, their coverage, area names
INDICATOR_LIST_QUERIES = 4


def test_query_counts_do_not_grow_with_rows(api_client, refreshed, django_assert_num_queries):
    def pinned():
        with django_assert_num_queries(OBSERVATION_LIST_QUERIES):
            assert api_client.get("/api/v1/observations/?page_size=100").status_code == 200
        with django_assert_num_queries(INDICATOR_LIST_QUERIES):
            assert api_client.get("/api/v1/indicators/").status_code == 200

    pinned()
    for slug in ("personal-robbery", "residential-burglary", "police-officers-fte"):
        services.refresh_indicator(Indicator.objects.get(slug=slug))
    assert Observation.objects.count() > 400
    pinned()
