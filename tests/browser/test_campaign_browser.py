"""The campaign loop in real Chromium: a campaigner signs in, drafts an update
with a new (synthetic) source and submits it; another editor publishes it; the
public proposal page shows it on the timeline and the proposal's Atom feed
carries it."""

from __future__ import annotations

import feedparser
import pytest
from django.utils import timezone

from policies.models import StatusUpdate
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RATIONALE = "Synthetic rationale typed in a browser test."


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sign_in(web, username):
    page = web.new_page()
    web.goto(page, "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".account-nav")).to_contain_text(username)
    return page


def test_campaigner_drafts_editor_publishes_public_sees_it(web):
    for username, role in [("synthetic-campaigner", "campaigner"), ("synthetic-editor", "editor")]:
        # Signed in before: past the first sign-in's password change.
        UserFactory.create(username=username, role=role, last_login=timezone.now())

    page = sign_in(web, "synthetic-campaigner")
    web.goto(page, "/proposals/118-2d/")
    page.click("text=Draft a status update")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=effective_date]", "2021-05-01")
    page.select_option("select[name=date_precision]", "month")
    page.check("input[name=acting_bodies] >> nth=0")
    page.fill("textarea[name=rationale]", RATIONALE)
    page.fill("input[name='new-0-url']", "https://example.org/synthetic-browser-source")
    page.fill("input[name='new-0-title']", "Synthetic test source (browser)")
    page.fill("input[name='new-0-publisher']", "Synthetic Publisher")
    page.select_option("select[name='new-0-kind']", "government_publication")
    page.fill("input[name='new-0-published_date']", "2021-04-30")
    page.click("text=Save draft")
    expect(page.locator("h1")).to_contain_text("Draft")
    page.click("text=Submit for review")
    expect(page.locator(".messages")).to_contain_text("Submitted for review")
    update = StatusUpdate.objects.get(proposal__reference="118-2d")
    assert update.state == StatusUpdate.State.SUBMITTED

    # Not public yet.
    public = web.new_page(javascript=False)
    web.goto(public, "/proposals/118-2d/")
    assert RATIONALE not in public.content()

    editor = sign_in(web, "synthetic-editor")
    web.goto(editor, "/editorial/review/")
    editor.click(f"a[href='/editorial/updates/{update.pk}/']")
    editor.click("a:has-text('Publish')")  # the confirmation page (issue 12)
    editor.check("input[name=confirm_publish]")
    editor.click("button:has-text('Publish')")
    expect(editor.locator(".messages")).to_contain_text("Published")
    update.refresh_from_db()
    assert update.state == StatusUpdate.State.PUBLISHED

    web.goto(public, "/proposals/118-2d/")
    expect(public.locator(".timeline")).to_contain_text(RATIONALE)
    expect(public.locator(".timeline")).to_contain_text("Synthetic test source (browser)")
    feed = public.request.get("/feeds/proposals/118-2d.atom")
    assert feed.status == 200
    entries = feedparser.parse(feed.body()).entries
    assert any(RATIONALE in (e.get("summary", "") + e.get("title", "")) for e in entries)
    web.screenshot(public, "campaign-published")
