"""Home (empty and assessed), a paper page and a proposal's timeline graphic in
real Chromium at 1280 and 360 px: no sideways scroll, no chart text under 12 px,
axe, screenshots (artifacts/screenshots/).  Every update here is synthetic."""

from __future__ import annotations

import datetime as dt

import pytest

from policies.models import DatePrecision, Status
from tests.factories import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 360, "height": 800}
WIDE = {"width": 1280, "height": 900}


def check_layout(web, path: str, name: str) -> None:
    for viewport in (WIDE, NARROW):
        page = web.new_page(viewport)
        web.goto(page, path)
        web.check_fits(page)
        web.check_chart_text(page)
        web.check_axe(page)
        web.screenshot(page, name)
        page.context.close()


def test_home_empty(web):
    # Its layout at both widths: tests/browser/test_page_types.py.
    page = web.new_page()
    web.goto(page, "/")
    assert page.get_by_role("heading", name="No assessment published yet").count() == 1
    assert page.locator("svg.chart-time").count() == 0


def test_home_paper_and_proposal_with_assessments(web):
    publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    update = publish("118-2d", Status.DELIVERED, dt.date(2024, 6, 1))
    update.date_precision = DatePrecision.MONTH
    update.save()
    publish("138-2a", Status.PARTLY_DELIVERED, dt.date(2024, 1, 10))
    # Home and the paper page at both widths: tests/browser/test_page_types.py.
    check_layout(web, "/proposals/118-2d/", "proposal-timeline")
    page = web.new_page()
    web.goto(page, "/")
    assert page.locator("svg.chart-time").count() == 2
    web.goto(page, "/papers/138/")
    # A long paper's sections are folded; "Open every section" opens them without script.
    assert page.locator("details[open]").count() == 0
    page.get_by_role("link", name="Open every section").click()
    page.wait_for_url("**/papers/138/?open=all*")
    assert page.locator(".paper-section details[open]").count() == 5
