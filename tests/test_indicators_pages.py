"""Indicator pages, the proposal page's indicator charts, the freshness page
for editors, and the SVG charts."""

from __future__ import annotations

import ast
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from evidence import services
from evidence.charts import line_chart
from evidence.models import Indicator, RefreshRun
from evidence.selectors import Point, Series
from evidence.templatetags.indicator_tags import proposal_indicators
from tests.factories import UserFactory, monthly_series
from tests.payloads.server import POLICE, Reply

pytestmark = pytest.mark.django_db


def refresh(*slugs: str) -> None:
    for slug in slugs:
        services.refresh_indicator(Indicator.objects.get(slug=slug))


def test_every_indicator_says_no_data_yet_and_editors_see_how_to_refresh(client, indicators):
    page = client.get("/indicators/").content.decode()
    assert page.count("No figures held yet") == indicators.count()
    detail = client.get("/indicators/homicide/").content.decode()
    assert "No figures held yet" in detail and "The figures are fetched from" in detail
    assert "<svg" not in detail
    for public in (page, detail):  # no shell commands for the public
        assert "manage.py" not in public and "make worker" not in public
    client.force_login(UserFactory.create(username="synthetic-editor", role="editor"))
    assert "manage.py refresh_indicators" in client.get("/indicators/").content.decode()
    detail = client.get("/indicators/homicide/").content.decode()
    assert "refresh_indicators --indicator homicide" in detail


def test_indicator_page_charts_england_and_wales_and_a_chosen_force(client, indicators, payloads):
    refresh("homicide")
    page = client.get("/indicators/homicide/?area=E23000032").content.decode()
    assert page.count('<svg class="chart"') == 2
    assert (
        'role="img"' in page and '<title id="ew-title">Recorded homicide, England and Wales' in page
    )
    assert "3 figures for Kent, from 2023/24 Q1 (5 offences) to 2023/24 Q3" in page
    assert "latest 32 offences for 2023/24 Q3" in page  # Kent's synthetic Q3 figure
    assert "prc-pfa-mar2013-onwards-tables-010124.ods" in page
    assert '<option value="E23000032" selected>Kent</option>' in page
    assert (
        "Last successful refresh" in page
        and "never" not in page.split("Last successful refresh")[1][:80]
    )


def test_an_unknown_area_is_a_clear_400(client, indicators):
    response = client.get("/indicators/homicide/?area=E99999999")
    assert response.status_code == 400
    assert "no police force area with the code" in response.content.decode()


def test_a_failed_refresh_and_stale_data_are_flagged(client, indicators, payloads):
    refresh("section-60-searches")
    indicator = Indicator.objects.get(slug="section-60-searches")
    indicator.stale_after_days = 1
    indicator.save()
    payloads.route(POLICE + "crime-last-updated", Reply(503, b"{}"))
    with pytest.raises(Exception):
        refresh("section-60-searches")
    page = client.get("/indicators/section-60-searches/?area=E23000001").content.decode()
    assert "Last refresh failed" in page and "did not succeed" in page
    assert "HTTP 503" not in page  # the error itself is for editors
    assert "Stale" in page
    assert "latest 2 searches for 2024-01" in page  # the figures held survive the failure
    client.force_login(UserFactory.create(username="synthetic-editor", role="editor"))
    page = client.get("/indicators/section-60-searches/").content.decode()
    assert "HTTP 503" in page


def test_proposal_page_shows_linked_indicators(client, indicators, payloads):
    refresh("homicide")
    page = client.get("/proposals/138-2e/").content.decode()
    assert "Recorded homicide" in page and "Possession of weapons offences" in page
    assert "A public health approach to violent crime aims to bring homicide down." in page
    assert '<svg class="chart"' in page
    assert "No figures held yet" in page  # weapons: not refreshed


def test_proposal_indicator_tag_query_count_is_constant(
    indicators, payloads, django_assert_num_queries
):
    with django_assert_num_queries(1):  # no indicators: nothing to prefetch or chart
        none = proposal_indicators({}, "118-1a")
    with django_assert_num_queries(3):
        three = proposal_indicators({}, "138-5j")
    refresh("homicide", "possession-of-weapons")
    with django_assert_num_queries(3):
        two = proposal_indicators({}, "138-2e")
    assert (len(none["items"]), len(three["items"]), len(two["items"])) == (0, 3, 2)
    assert all(item["series"] for item in two["items"])


def test_indicator_pages_query_counts_are_constant(
    client, indicators, payloads, django_assert_num_queries
):
    def pinned():
        with django_assert_num_queries(4):  # indicators, links, national series, coverage
            client.get("/indicators/")
        with django_assert_num_queries(5):  # indicator, links, forces, series, coverage
            client.get("/indicators/homicide/?area=E23000032")

    pinned()
    refresh("homicide", "personal-robbery", "police-officers-fte")
    pinned()


PAGE_MODULES = ("evidence.views", "evidence.templatetags.indicator_tags")


def imported_modules(module: str) -> set[str]:
    """Every module a module's import statements name, relative ones resolved."""
    path = Path(__file__).resolve().parent.parent.joinpath(*module.split(".")).with_suffix(".py")
    package = module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            parent = ".".join([*base, *([node.module] if node.module else [])])
            found.add(parent)
            found.update(f"{parent}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("module", PAGE_MODULES)
def test_pages_never_import_the_api(module: str) -> None:
    """Pages share selectors and plain data with the API, never its serializers."""
    modules = imported_modules(module)
    assert "evidence.selectors" in modules  # the resolution works
    assert not {m for m in modules if m == "evidence.api" or m.startswith("evidence.api.")}


def test_pages_show_dates_as_dates_and_agree_with_the_api(
    client, api_client, indicators, payloads
) -> None:
    refresh("homicide")
    api = api_client.get("/api/v1/indicators/homicide/").json()
    success = dt.datetime.fromisoformat(api["last_success_at"])
    page = client.get("/indicators/homicide/").content.decode()
    status = page.split("Last successful refresh")[1].split("</dd>")[0]
    shown = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', status)
    assert shown, status
    assert dt.datetime.fromisoformat(shown[1]) == success
    assert shown[2] == f"{success:%-d %B %Y}"  # a date, not a slice of an ISO string
    for proposal in api["proposals"]:
        assert f"/proposals/{proposal['reference']}/" in page and proposal["rationale"] in page
    assert ("The newest figure is for a period that ended" in page) is api["is_stale"]
    assert 'href="/api/v1/indicators/homicide/"' in page
    assert 'href="/api/v1/observations/?indicator=homicide"' in page
    listing = client.get("/indicators/").content.decode()
    assert f'<time datetime="{shown[1]}">{shown[2]}</time>' in listing


def test_freshness_page_is_for_editors_only(client, indicators, payloads):
    refresh("homicide")
    payloads.route(POLICE + "crime-last-updated", Reply(500, b"{}"))
    with pytest.raises(Exception):
        refresh("section-60-searches")
    assert client.get("/data/freshness/").status_code == 302  # to log in
    user = UserFactory.create(username="synthetic-reader")
    client.force_login(user)
    assert client.get("/data/freshness/").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_refreshrun"))
    user = get_user_model().objects.get(pk=user.pk)
    client.force_login(user)
    page = client.get("/data/freshness/")
    assert page.status_code == 200
    text = page.content.decode()
    for indicator in indicators:
        assert indicator.slug in text
    assert "HTTP 500" in text and "success" in text and "never run" in text
    staff = UserFactory.create(username="synthetic-staff", is_staff=True)
    client.force_login(staff)
    assert client.get("/data/freshness/").status_code == 200


def point(label, value, day):
    return Point(
        day, day, label, Decimal(value), "Synthetic release", "https://example.org/s", None
    )


def test_chart_is_accessible_and_escaped():
    series = Series(
        1,
        "E23000001",
        "Metropolitan Police",
        [point("2023", 10, dt.date(2023, 3, 31)), point("2024", "12.5", dt.date(2024, 3, 31))],
    )
    svg = str(line_chart(series, title="<script>alert(1)</script>", unit="things", chart_id="c1"))
    assert svg.startswith('<svg class="chart"') and 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "from 2023 (10 things) to 2024 (12.5 things)" in svg
    assert svg.count("<circle") == 2


def test_chart_of_nothing_is_empty_and_of_one_point_is_drawn():
    assert str(line_chart(Series(1, "x", "X", []), title="t", unit="u", chart_id="c")) == ""
    one = Series(1, "x", "X", [point("2024", 3, dt.date(2024, 1, 1))])
    assert "<circle" in str(line_chart(one, title="t", unit="u", chart_id="c"))


def test_make_run_database_holds_no_figures():
    """Nothing invents figures: the definitions file holds none, and loading stores none."""
    from evidence.schedule import INDICATORS_FILE

    text = INDICATORS_FILE.read_text()
    assert "value:" not in text
    assert not RefreshRun.objects.exists()


def test_indicator_page_draws_every_figure_and_names_the_latest(client, indicators):
    """Two years of synthetic monthly figures (factories, no outside source): every
    month is a point on the England and Wales chart, and the latest is named."""
    indicator = Indicator.objects.get(slug="homicide")
    figures = monthly_series(indicator, 24)
    html = client.get("/indicators/homicide/").content.decode()
    assert html.count("<circle") == len(figures) == 24
    latest = figures[-1]
    assert latest.period_label == "2021-12"
    assert f"{latest.period_label}: {int(latest.value):,}" in html
