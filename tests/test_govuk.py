"""GOV.UK "newest file": which edition of a table a statistics page offers.

Real attachment objects carry no date of their own and absolute asset URLs, so
the edition is told by each indicator's rule (evidence/data/indicators.yaml),
and two files the rule cannot tell apart fail the refresh loudly with the data
held unchanged.  The pages here are synthetic, in the real shape (see
tests/payloads/govuk/content-recorded-crime-real-shape-synthetic.json)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
import yaml

from evidence import services
from evidence.models import Indicator, Observation, RefreshRun, SourceRelease
from evidence.schedule import INDICATORS_FILE
from evidence.sources import LayoutError
from evidence.sources.govuk import Candidate, candidates, choose_edition, edition_key
from tests.payloads.server import GOVUK, ODS, PAYLOADS, PRC_PAGE, PayloadServer, Reply

pytestmark = pytest.mark.django_db

REAL_SHAPE = PAYLOADS / "govuk" / "content-recorded-crime-real-shape-synthetic.json"
OLD = "/media/000000000000000000000001/prc-pfa-mar2013-onwards-tables-010124.ods"
NEW = "/media/000000000000000000000002/prc-pfa-mar2013-onwards-tables-010424.ods"
KENT = "E23000032"


def rules() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(INDICATORS_FILE.read_text())
    return {item["slug"]: item["config"] for item in data["indicators"]}


def real_shape_page(server: PayloadServer) -> dict[str, Any]:
    return json.loads(REAL_SHAPE.read_text().replace("{ASSETS}", server.url))


def serve_real_shape(server: PayloadServer, page: dict[str, Any] | None = None) -> None:
    server.json(GOVUK + PRC_PAGE, page or real_shape_page(server))
    server.route(OLD, Reply(200, (PAYLOADS / "prc-pfa-synthetic-edition1.ods").read_bytes(), ODS))
    server.route(NEW, Reply(200, (PAYLOADS / "prc-pfa-synthetic-edition2.ods").read_bytes(), ODS))


def kent_q1() -> list[Decimal]:
    return list(
        Observation.objects.filter(
            indicator__slug="homicide", area__code=KENT, period_label="2023/24 Q1"
        )
        .order_by("retrieved_at", "pk")
        .values_list("value", flat=True)
    )


def test_the_real_shaped_page_has_no_attachment_dates_and_absolute_urls(payloads):
    page = real_shape_page(payloads)
    for attachment in page["details"]["attachments"]:
        assert "public_updated_at" not in attachment and "updated_at" not in attachment
        assert attachment["url"].startswith(payloads.url + "/media/")


def test_two_matching_files_listed_old_first_gives_the_newer_edition(indicators, payloads):
    serve_real_shape(payloads)
    run = services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    assert run.outcome == RefreshRun.Outcome.SUCCESS
    release = SourceRelease.objects.get(indicator__slug="homicide")
    assert release.url == payloads.url + NEW
    assert release.title == "Police recorded crime by force area (synthetic), April edition"
    assert release.published_at == dt.datetime(2024, 4, 1, tzinfo=dt.UTC)  # from "010424"
    assert kent_q1() == [Decimal(6)]  # edition 2's figure; edition 1 said 5
    assert payloads.count(OLD) == 0 and payloads.count(NEW) == 1


def test_two_files_of_the_same_edition_fail_loudly_and_keep_the_data(indicators, payloads):
    serve_real_shape(payloads)
    indicator = Indicator.objects.get(slug="homicide")
    services.refresh_indicator(indicator)
    held = list(Observation.objects.values_list("pk", "value").order_by("pk"))
    page = real_shape_page(payloads)
    twin = dict(page["details"]["attachments"][1])
    twin["url"] = twin["url"].replace("000000000000000000000002", "000000000000000000000004")
    twin["id"] = "1004"
    page["details"]["attachments"].append(twin)
    page["details"]["documents"] = []
    payloads.hits.clear()
    serve_real_shape(payloads, page)
    with pytest.raises(LayoutError, match="cannot tell the editions of .* apart") as info:
        services.refresh_indicator(indicator)
    assert "(2024, 4, 1, 1)" in str(info.value)
    run = RefreshRun.objects.filter(indicator=indicator).first()
    assert run is not None and run.outcome == RefreshRun.Outcome.FAILED
    assert "cannot tell the editions" in run.error and "010424.ods" in run.error
    assert list(Observation.objects.values_list("pk", "value").order_by("pk")) == held
    assert not any(hit.startswith("/media/") for hit in payloads.hits)  # nothing downloaded


def test_without_a_rule_two_matching_files_are_refused(indicators, payloads):
    serve_real_shape(payloads)
    indicator = Indicator.objects.get(slug="homicide")
    indicator.config = {k: v for k, v in indicator.config.items() if k != "edition"}
    indicator.save()
    with pytest.raises(LayoutError, match="no edition rule"):
        services.refresh_indicator(indicator)
    assert not Observation.objects.exists()


def test_an_older_page_listing_its_files_only_in_the_body_html(indicators, payloads):
    """Synthetic page: no attachments, the files linked from the body (relative and
    absolute links, newest listed last)."""
    page = {
        "title": "Synthetic older statistics page",
        "details": {
            "body": (
                "<div class='govspeak'><p>Synthetic. Tables:</p><ul>"
                f"<li><a href='{OLD}'>January edition (synthetic)</a></li>"
                f'<li><a href="{payloads.url}{NEW}">April   edition\n(synthetic)</a></li>'
                "<li><a href='/media/x/user-guide-synthetic.pdf'>Guide</a></li></ul></div>"
            ),
            "documents": [],
        },
    }
    serve_real_shape(payloads, page)
    services.refresh_indicator(Indicator.objects.get(slug="homicide"))
    release = SourceRelease.objects.get(indicator__slug="homicide")
    assert release.url == payloads.url + NEW and release.title == "April edition (synthetic)"
    assert kent_q1() == [Decimal(6)]


def test_the_order_rule_follows_the_documents_the_page_shows():
    page = json.loads(REAL_SHAPE.read_text().replace("{ASSETS}", "https://assets.invalid"))
    found = candidates(page, "https://www.invalid/api/content/x", r"\.ods$")
    assert [c.filename[-10:] for c in found] == ["010124.ods", "010424.ods"]
    assert [c.listed_in for c in found] == ["details.documents"] * 2
    first = choose_edition(found, {"from": "order", "newest": "first"}, "page")
    last = choose_edition(found, {"from": "order", "newest": "last"}, "page")
    assert (first.filename[-10:], last.filename[-10:]) == ("010124.ods", "010424.ods")


def candidate(name: str, title: str = "") -> Candidate:
    return Candidate(f"https://assets.invalid/media/1/{name}", title or name, 0, "test")


def test_the_stop_and_search_rule_reads_year_ends_and_second_editions():
    rule = rules()["stop-search-black"]["edition"]
    names = [
        "stop-search-open-data-tables-ppp-mar2021.ods",
        "stop-search-open-data-tables-mar21-mar23.ods",
        "stop-search-open-data-tables-mar21-mar23-second-edition.ods",
        "stop-search-open-data-tables-mar22.ods",
    ]
    keys = {name: edition_key(candidate(name), rule) for name in names}
    assert keys == {
        names[0]: (2021, 0, 0, 1),
        names[1]: (2023, 0, 0, 1),
        names[2]: (2023, 0, 0, 2),
        names[3]: (2022, 0, 0, 1),
    }
    chosen = choose_edition([candidate(n) for n in names], rule, "page")
    assert chosen.filename == names[2]


def test_every_table_indicator_has_an_edition_rule_that_reads_its_own_file_names():
    for slug, config in rules().items():
        if "content_path" not in config:
            continue
        assert config.get("edition"), slug
    prc = rules()["homicide"]["edition"]
    assert edition_key(candidate("prc-pfa-mar2013-onwards-tables-300125.ods"), prc) == (
        2025,
        1,
        30,
        1,
    )
    workforce = rules()["police-officers-fte"]["edition"]
    assert edition_key(candidate("open-data-table-police-workforce-280126.ods"), workforce) == (
        2026,
        1,
        28,
        1,
    )


def test_a_title_rule_and_a_file_the_rule_cannot_read():
    rule = {"from": "title", "pattern": r"year ending (?P<month>\w+) (?P<year>\d{4})"}
    found = [
        candidate("a.ods", "Tables, year ending December 2023 (synthetic)"),
        candidate("b.ods", "Tables, year ending March 2024 (synthetic)"),
    ]
    assert choose_edition(found, rule, "page").filename == "b.ods"
    found.append(candidate("c.ods", "Tables (synthetic, no date)"))
    with pytest.raises(LayoutError, match=r"\['c.ods'\] does not match the edition pattern"):
        choose_edition(found, rule, "page")
