"""Playwright fixtures for real-Chromium tests against pytest-django's live server.

Use ``web`` in a test: it starts Debian's Chromium (skipping without it, or
failing under REQUIRE_SERVICES=1, through ``tests.services.chromium_path``),
reloads both papers into the live server's database, and gives pages that

* fail the test on any console error or uncaught page error;
* refuse, record and fail the test on any request to a host other than the
  live server (no CDN, no fonts, no analytics);

with helpers to check every same-origin link answers below 400
(``web.check_links``), run axe-core from the ``axe-playwright-python`` package
(``web.check_axe``: no serious or critical violation) and save screenshots into
the git-ignored ``artifacts/screenshots/`` (``web.screenshot``).

The sync Playwright API runs an event loop in this thread, so Django's ORM
(used by the test itself, e.g. to create data) must be told that is safe:
``DJANGO_ALLOW_ASYNC_UNSAFE`` is set by the ``web`` fixture, for these tests only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from tests.services import chromium_path

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ViewportSize

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
BLOCKING_IMPACTS = {"serious", "critical"}
# The first elements reaching past the window's right edge, for a failing check_fits.
_TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
# Every chart's text in px as drawn: its font size times the chart's scale.
_CHART_TEXT_SIZES = """() => [...document.querySelectorAll('svg[class^="chart"]')].flatMap(svg => {
  const box = svg.viewBox.baseVal;
  const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
  return [...svg.querySelectorAll('text')].map(
    t => parseFloat(getComputedStyle(t).fontSize) * scale);
})"""


@dataclass
class Web:
    """A browser session against the live server, with the checks every page gets."""

    browser: Browser
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    checked_links: dict[str, int] = field(default_factory=dict)
    contexts: list[BrowserContext] = field(default_factory=list)

    @property
    def host(self) -> str:
        return urlparse(self.base_url).netloc

    def _route(self, route) -> None:
        url = route.request.url
        if urlparse(url).scheme in {"http", "https", "ws", "wss"} and (
            urlparse(url).netloc != self.host
        ):
            self.outside_requests.append(url)
            route.abort()
        else:
            route.continue_()

    def new_page(self, viewport: ViewportSize | None = None, *, javascript: bool = True):
        context = self.browser.new_context(
            viewport=viewport or DESKTOP,
            java_script_enabled=javascript,
            base_url=self.base_url,
        )
        context.route("**/*", self._route)
        self.contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: (
                self.console_errors.append(f"{page.url}: {msg.text}")
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.console_errors.append(f"{page.url}: {exc}"))
        return page

    def goto(self, page, path: str):
        response = page.goto(path)
        assert response is not None and response.status < 400, (path, response and response.status)
        return response

    def check_links(self, page) -> int:
        """Every same-origin ``<a href>`` on the page answers below 400 (each URL once)."""
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        broken = []
        for href in hrefs:
            url = urldefrag(urljoin(page.url, href)).url
            if urlparse(url).netloc != self.host or url in self.checked_links:
                continue
            status = page.request.get(url, max_redirects=0).status
            self.checked_links[url] = status
            if status >= 400:
                broken.append(f"{url} -> {status}")
        assert not broken, f"broken links on {page.url}: {broken}"
        return len(hrefs)

    def check_fits(self, page) -> None:
        """No horizontal scroll: the document is no wider than the window.  Measured
        once the page has loaded (right after a click that navigates, the measure
        could run before the stylesheet applied); names the widest elements."""
        page.wait_for_load_state("load")
        scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert scroll <= inner, (page.url, scroll, inner, page.evaluate(_TOO_WIDE))

    def check_chart_text(self, page, smallest: float = 12) -> None:
        """No chart text drawn under ``smallest`` px (font size times the SVG's scale)."""
        sizes = page.evaluate(_CHART_TEXT_SIZES)
        assert all(size >= smallest for size in sizes), (page.url, sorted(sizes)[:3])

    def check_axe(self, page) -> None:
        """No serious or critical axe-core violation (needs a page with JavaScript on:
        ``page.evaluate`` never returns where it is off)."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(page)
        blocking = [
            v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS
        ]
        assert not blocking, f"axe on {page.url}:\n" + "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["html"][:120] for n in v["nodes"][:3])
            for v in blocking
        )

    def screenshot(self, page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path

    def check_page(self, path: str, name: str, *, phone: bool = True) -> None:
        """The checks every page type gets: loads, links, axe, and a screenshot at
        desktop and phone widths (axe runs at both: the layouts differ)."""
        for viewport in [DESKTOP, PHONE] if phone else [DESKTOP]:
            page = self.new_page(viewport)
            self.goto(page, path)
            if viewport is DESKTOP:  # the same links at both widths: check them once
                self.check_links(page)
            self.check_axe(page)
            self.screenshot(page, name)
            page.context.close()

    def assert_clean(self) -> None:
        assert not self.outside_requests, f"requests to other hosts: {self.outside_requests}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


@pytest.fixture
def web(live_server, papers, monkeypatch) -> Iterator[Web]:
    path = chromium_path()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    # A loaded CI machine can take more than the default 5 s to re-render.
    expect.set_options(timeout=15_000)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        session = Web(browser=browser, base_url=live_server.url)
        try:
            yield session
            session.assert_clean()
        finally:
            browser.close()  # closes every context the test opened
