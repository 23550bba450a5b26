"""The proposal page's copy actions and the print stylesheet, in real Chromium
(issue 11): "Copy the link" puts the permalink on the clipboard; printing hides the
site's navigation and the data strip and opens every folded section."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_copy_the_link_and_the_citation(web):
    page = web.new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    web.goto(page, "/proposals/118-2d/")
    permalink = page.locator("#permalink").inner_text()
    assert permalink.endswith("/proposals/118-2d/")
    page.get_by_role("button", name="Copy the link").click()
    page.locator(".copy-done", has_text="Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == permalink
    page.get_by_role("button", name="Copy the citation").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Liberal Democrats, ") and permalink in copied


def test_without_javascript_the_copy_buttons_are_not_shown(web):
    page = web.new_page(javascript=False)
    web.goto(page, "/proposals/118-2d/")
    assert not page.get_by_role("button", name="Copy the link").is_visible()
    assert page.locator("#citation").is_visible()


def test_print_hides_the_chrome_and_opens_every_section(web):
    page = web.new_page()
    web.goto(page, "/papers/138/")
    assert page.locator(".paper-section details[open]").count() == 0
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".data-strip").is_visible()
    # Chromium fires beforeprint when printing; the page's script opens the sections.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator(".paper-section details[open]").count() == 5
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.locator(".paper-section details[open]").count() == 0
    pdf = page.pdf()  # the print layout renders
    assert pdf[:4] == b"%PDF"
