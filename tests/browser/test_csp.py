"""The Content-Security-Policy in real Chromium: the main page types, the sign-in,
editorial pages, the admin (its login and, signed in, its index and a change form)
and the Swagger UI at /api/v1/docs/ load and work with no ``securitypolicyviolation``
event and no console error (the ``web`` fixture fails the test on any console error,
which is where Chromium reports a blocked inline script or style too)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from evidence.models import Evidence, Indicator
from evidence.services import load_indicators
from policies.models import Proposal, Status
from tests.factories import (
    PASSWORD,
    EvidenceFactory,
    StatusUpdateFactory,
    UserFactory,
    monthly_series,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installed before any page script runs (Playwright injects it past the policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def watched_page(web):
    page = web.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def visit(web, page, path: str, ready: str = "main, body") -> None:
    """Open ``path``, wait until ``ready`` is visible and the network is idle, and
    fail on any violation the page reported."""
    response = web.goto(page, path)
    assert "content-security-policy" in response.headers, path  # Playwright lowercases
    expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], f"{path}: {violations}"


@pytest.fixture
def site(web):
    load_indicators()
    source = EvidenceFactory.create(
        n=1,
        kind=Evidence.Kind.GOVERNMENT_PUBLICATION,
        published_date=dt.date(2021, 3, 1),
        is_published=True,
    )
    StatusUpdateFactory.create(
        reference="118-2d",
        status=Status.DELIVERED,
        effective_date=dt.date(2021, 3, 1),
        evidence=[source],
    )
    monthly_series(Indicator.objects.get(slug="homicide"), 12)
    return {"evidence": source.pk}


def test_public_pages_raise_no_violation(web, site):
    page = watched_page(web)
    for path, ready in [
        ("/", "svg.chart"),
        ("/proposals/", "#result-count"),
        ("/proposals/118-2d/", "main h1"),
        ("/papers/118/", "main h1"),
        ("/compare/118-138/", "main h1"),
        ("/evidence/", "main h1"),
        (f"/evidence/{site['evidence']}/", "main h1"),
        ("/methodology/", "svg.swatch"),
        ("/indicators/", "main h1"),
        ("/indicators/homicide/", "svg.chart circle"),
        ("/api/v1/", "main"),
        ("/accounts/login/", "input[name=username]"),
    ]:
        visit(web, page, path, ready)
    # The proposals page's own script (static/js/proposal-filters.js) still runs.
    visit(web, page, "/proposals/", "#result-count")
    page.get_by_label("Paper 118").check()
    page.wait_for_url(re.compile(r"paper=118"))  # the script updated the address
    assert page.evaluate("window.__cspViolations") == []


def test_error_pages_raise_no_violation(web):
    page = watched_page(web)
    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    assert "content-security-policy" in response.headers
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == []
    web.console_errors.clear()  # Chromium logs the 404 itself as a console error


def test_swagger_ui_renders_and_raises_no_violation(web):
    page = watched_page(web)
    visit(web, page, "/api/v1/docs/", ".swagger-ui .information-container")
    # The operations are drawn from the schema: the UI's script ran and fetched it.
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 10
    assert page.evaluate("window.__cspViolations") == []


def test_editorial_pages_raise_no_violation(web, site):
    UserFactory.create(username="cspedit", role="editor", last_login=timezone.now())
    page = watched_page(web)
    web.goto(page, "/accounts/login/")
    page.fill("input[name=username]", "cspedit")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".account-nav")).to_contain_text("cspedit")
    for path in (
        "/editorial/drafts/",
        "/editorial/review/",
        "/editorial/proposals/118-1a/new-update/",
        "/editorial/themes/",
        "/editorial/import/",
        "/accounts/tokens/",
    ):
        visit(web, page, path, "main h1")


def test_the_admin_works_without_inline_script(web, site):
    UserFactory.create(
        username="cspadmin", is_staff=True, is_superuser=True, last_login=timezone.now()
    )
    page = watched_page(web)
    visit(web, page, "/admin/login/", "input[name=username]")
    page.fill("input[name=username]", "cspadmin")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
    proposal = Proposal.objects.get(reference="118-1a")
    visit(web, page, "/admin/", "#content")
    visit(web, page, "/admin/policies/proposal/", "#changelist")
    # The change form's scripts (collapse, date and select widgets) run under the policy.
    visit(web, page, f"/admin/policies/proposal/{proposal.pk}/change/", "form")
    visit(web, page, "/admin/auth/user/add/", "form")


def test_the_policy_blocks_inline_style_and_the_test_sees_it(web):
    """The check can fail: an inline style put into a page is blocked and reported."""
    page = watched_page(web)
    visit(web, page, "/methodology/", "main h1")
    page.evaluate(
        "document.head.appendChild(Object.assign(document.createElement('style'),"
        " {textContent: 'main { color: rgb(255, 0, 0) }'}))"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__cspViolations")[0].startswith("style-src")
    colour = page.evaluate("getComputedStyle(document.querySelector('main')).color")
    assert colour != "rgb(255, 0, 0)"
    web.console_errors.clear()  # Chromium's own report of the blocked style
