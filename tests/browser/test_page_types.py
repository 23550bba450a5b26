"""Every public page type in real Chromium at 1280 and 360 px (issue 11).

For each page, at both widths: no sideways scroll
(``document.documentElement.scrollWidth <= innerWidth``), no chart text drawn
under 12 px, no serious or critical axe-core violation, and a full-page
screenshot in ``artifacts/screenshots/<name>-<width>.png`` (CI keeps the folder;
``.ci/run`` prints its path).  On a phone the proposal's status is inside the
first screen.  The home page is taken twice: empty, then with assessments.

Every assessment, source and indicator figure here is synthetic (factories:
"Synthetic test source N" on example.org).
"""

from __future__ import annotations

import datetime as dt

import pytest

from evidence.models import Evidence, Indicator
from evidence.services import load_indicators
from policies.models import ActingBody, DatePrecision, Status
from tests.factories import EvidenceFactory, monthly_series, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 360, "height": 740}


def check(web, path: str, name: str, *, status: int = 200) -> dict[str, float | None]:
    """The checks every page type gets, at both widths; returns what the phone
    layout measured (for page-specific assertions)."""
    measured: dict[str, float | None] = {}
    for viewport in (WIDE, NARROW):
        page = web.new_page(viewport)
        response = page.goto(path)
        assert response is not None and response.status == status, (path, response)
        web.check_fits(page)
        web.check_chart_text(page)
        web.check_axe(page)
        web.screenshot(page, name)
        if viewport is NARROW:
            measured["status_bottom"] = page.evaluate(
                "() => { const s = document.querySelector('#status-now');"
                " return s ? s.getBoundingClientRect().bottom : null; }"
            )
            measured["inner_height"] = page.evaluate("innerHeight")
        page.context.close()
    return measured


@pytest.fixture
def assessed(web):
    """A few synthetic assessments at day, month and year precision, with sources,
    acting bodies, a correction and a year of figures for one indicator."""
    load_indicators()
    source = EvidenceFactory.create(
        n=1,
        kind=Evidence.Kind.GOVERNMENT_PUBLICATION,
        published_date=dt.date(2021, 3, 1),
        is_published=True,
    )
    body = ActingBody.objects.get(name="UK Government")
    first = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 3, 1), evidence=[source])
    first.date_precision = DatePrecision.MONTH
    first.save()
    publish("118-2d", Status.DELIVERED, dt.date(2023, 6, 1), evidence=[source], bodies=[body])
    yearly = publish("138-2a", Status.PARTLY_DELIVERED, dt.date(2022, 1, 1), evidence=[source])
    yearly.date_precision = DatePrecision.YEAR
    yearly.save()
    publish("138-1a", Status.NO_PROGRESS, dt.date(2024, 2, 10), evidence=[source])
    monthly_series(Indicator.objects.get(slug="homicide"), 12)
    return {"update": first.pk, "evidence": source.pk}


def test_every_page_type_fits_a_phone_and_passes_axe(web, assessed):
    pages = [
        ("/", "home-assessed"),
        ("/proposals/", "proposals"),
        ("/proposals/?q=police&paper=138", "proposals-search"),
        ("/proposals/118-2d/", "proposal"),
        ("/proposals/138-2a/", "proposal-138"),
        (f"/updates/{assessed['update']}/", "status-update"),
        ("/papers/118/", "paper-118"),
        ("/papers/138/", "paper-138"),
        ("/compare/118-138/", "comparison"),
        ("/themes/", "themes"),
        ("/themes/drugs/", "theme"),
        ("/evidence/", "evidence-library"),
        (f"/evidence/{assessed['evidence']}/", "evidence-source"),
        ("/indicators/", "indicators"),
        ("/indicators/homicide/", "indicator"),
        ("/methodology/", "methodology"),
        ("/about/", "about"),
        ("/api/v1/", "api-root"),
        ("/accounts/login/", "sign-in"),
    ]
    for path, name in pages:
        measured = check(web, path, name)
        if name in {"proposal", "proposal-138"}:
            # The status is read without scrolling on a 360 x 740 phone.
            bottom, height = measured["status_bottom"], measured["inner_height"]
            assert bottom is not None and height is not None, f"{path}: no #status-now"
            assert 0 < bottom <= height, (path, bottom)
    check(web, "/no-such-page/", "not-found", status=404)
    web.console_errors.clear()  # Chromium logs the 404 response itself as a console error


def test_empty_home_fits_a_phone_and_passes_axe(web):
    check(web, "/", "home-empty")
