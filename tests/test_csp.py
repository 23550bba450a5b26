"""Content-Security-Policy on every response, and no inline script or style to need
an exception: every page type (public, editorial, the admin, the API's page and its
Swagger UI, every error page) is sent with the policy, and its HTML holds no inline
``<script>``, ``<style>``, ``style=`` attribute, ``on*=`` handler or ``javascript:``
URL.  The browser side (no violation reported in Chromium) is
tests/browser/test_csp.py."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import path

from evidence.models import Evidence, Indicator
from policies.models import Status
from tests.factories import EvidenceFactory, StatusUpdateFactory, UserFactory, monthly_series
from tracker import urls as tracker_urls

pytestmark = pytest.mark.django_db

REQUIRED = {
    "default-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_policy(response) -> None:
    assert "Content-Security-Policy" in response, response.request["PATH_INFO"]
    policy = directives(response["Content-Security-Policy"])
    for name, value in REQUIRED.items():
        assert policy.get(name) == value, (name, policy.get(name))
    for name in ("script-src", "style-src"):
        sources = policy.get(name, policy["default-src"])
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, name
        assert not any(s.startswith(("'nonce-", "'sha")) for s in sources), name


class InlineFinder(HTMLParser):
    """Everything a policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            if name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in <{tag} {name}>")

    handle_startendtag = handle_starttag


def inline_in(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def assert_clean_page(response, status: int = 200) -> str:
    assert response.status_code == status, (response.request["PATH_INFO"], response.status_code)
    assert response["Content-Type"].startswith("text/html")
    assert_policy(response)
    html = response.content.decode()
    assert not inline_in(html), (response.request["PATH_INFO"], inline_in(html))
    return html


def test_the_finder_finds_what_the_policy_blocks():
    assert inline_in("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_in('<script src="/static/x.js"></script>') == []
    assert inline_in("<svg><style>.a{}</style></svg>") == ["<style> element"]
    assert inline_in('<span style="color:red">') == ['style="color:red" on <span>']
    assert inline_in('<img src=x onerror="alert(1)">') == ["onerror= handler on <img>"]
    assert inline_in('<a href=" JavaScript:alert(1)">') == ["javascript: URL in <a href>"]
    assert inline_in('<rect fill="#fff" width="1"/>') == []


@pytest.fixture
def site(papers, indicators):
    """One of each kind of object a page shows (synthetic)."""
    source = EvidenceFactory.create(
        n=1,
        kind=Evidence.Kind.GOVERNMENT_PUBLICATION,
        published_date=dt.date(2021, 3, 1),
        is_published=True,
    )
    update = StatusUpdateFactory.create(
        reference="118-2d",
        status=Status.DELIVERED,
        effective_date=dt.date(2021, 3, 1),
        evidence=[source],
    )
    monthly_series(Indicator.objects.get(slug="homicide"), 12)
    return {"evidence": source, "update": update}


PUBLIC_PAGES = [
    "/",
    "/proposals/",
    "/proposals/?q=police",
    "/proposals/118-2d/",
    "/papers/118/",
    "/papers/138/",
    "/compare/118-138/",
    "/evidence/",
    "/evidence/{evidence}/",
    "/updates/{update}/",
    "/methodology/",
    "/indicators/",
    "/indicators/homicide/",
    "/accounts/login/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/admin/login/",
    "/api/v1/docs/",
]


def fill(url: str, site: dict) -> str:
    return url.format(**{k: v.pk for k, v in site.items()})


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages(client, site, url):
    assert_clean_page(client.get(fill(url, site)))


def test_the_charts_are_drawn_without_style(client, site):
    """The scorecard bars, the legend swatches and the indicator line chart."""
    home = assert_clean_page(client.get("/"))
    assert home.count('<svg class="chart"') == 3 and 'class="swatch"' in home
    indicator = assert_clean_page(client.get("/indicators/homicide/"))
    assert indicator.count("<circle") == 12 and 'class="line"' in indicator


def test_the_api_page_for_browsers(client):
    response = client.get("/api/v1/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert_clean_page(response)


def test_swagger_ui_loads_its_init_script_from_a_url(client):
    html = assert_clean_page(client.get("/api/v1/docs/"))
    assert "/api/v1/docs/?script=" in html or "/api/v1/docs/?script" in html
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert_policy(script)


EDITOR_PAGES = [
    "/editorial/drafts/",
    "/editorial/review/",
    "/editorial/proposals/118-1a/new-update/",
    "/editorial/updates/{update}/",
    "/editorial/proposals/118-1a/themes/",
    "/editorial/themes/",
    "/editorial/themes/new/",
    "/editorial/links/",
    "/editorial/links/new/",
    "/editorial/history/",
    "/editorial/import/",
    "/accounts/tokens/",
    "/accounts/two-factor/",
    "/editorial/link-reports/",
]


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_editorial_pages(client, users, site, url):
    client.force_login(users["editor"])
    assert_clean_page(client.get(fill(url, site)))


def test_two_factor_setup_page_with_its_qr_code(client, users):
    """The QR code is an SVG drawn by segno, in the page: paths, no style."""
    client.force_login(users["editor"])
    client.post("/accounts/two-factor/enrol/")
    html = assert_clean_page(client.get("/accounts/two-factor/"))
    assert 'class="segno"' in html


ADMIN_PAGES = [
    "/admin/",
    "/admin/policies/proposal/",
    "/admin/policies/proposal/{proposal}/change/",
    "/admin/auth/user/add/",
    "/data/freshness/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages(client, site, url):
    from policies.models import Proposal

    client.force_login(UserFactory.create(is_superuser=True, is_staff=True))
    site = {**site, "proposal": Proposal.objects.get(reference="118-1a")}
    assert_clean_page(client.get(fill(url, site)))


# --- Error pages ------------------------------------------------------------------------


def boom(request):
    raise RuntimeError("synthetic failure for the CSP test")


urlpatterns = [path("csp-test-boom/", boom), *tracker_urls.urlpatterns]
handler500 = getattr(tracker_urls, "handler500", "django.views.defaults.server_error")


def test_404(client):
    assert_clean_page(client.get("/no-such-page/"), 404)


def test_400(client, papers):
    assert_clean_page(client.get("/proposals/?status=no-such-status"), 400)


def test_403(client, users):
    client.force_login(users["campaigner"])
    assert_clean_page(client.get("/editorial/review/"), 403)


def test_403_csrf(users):
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"username": "x", "password": "y"}
    )
    assert_clean_page(response, 403)


@pytest.mark.urls("tests.test_csp")
def test_500():
    response = Client(raise_request_exception=False).get("/csp-test-boom/")
    assert_clean_page(response, 500)


# --- Not only pages: every response carries the policy ------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/papers/",
        "/api/v1/no-such-endpoint/",
        "/feeds/changes.atom",
        "/healthz",
        "/static/css/site.css",
    ],
)
def test_other_responses_carry_it_too(client, papers, url):
    response = client.get(url)
    assert response.status_code in {200, 404}, response.status_code
    assert_policy(response)
