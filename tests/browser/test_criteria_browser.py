"""Delivery criteria and email settings in real Chromium: an editor writes a
proposal's criteria from its public page, the page shows them above the
timeline, a campaigner sees them on the draft form, and a campaigner turns
emails off; axe-clean with no horizontal scroll at 1280 and 390 px.  Synthetic."""

from __future__ import annotations

import pytest
from django.utils import timezone

from policies.models import DeliveryCriteria, NotificationPreference
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRITERION = "Synthetic criterion typed in a browser test."


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def sign_in(web, username, viewport=DESKTOP):
    page = web.new_page(viewport)
    web.goto(page, "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".account-nav")).to_contain_text(username)
    return page


def test_editor_writes_criteria_campaigner_sees_them(web):
    for username, role in [("synthetic-campaigner", "campaigner"), ("synthetic-editor", "editor")]:
        UserFactory.create(username=username, role=role, last_login=timezone.now())

    for viewport in (DESKTOP, PHONE):
        public = web.new_page(viewport)
        web.goto(public, "/proposals/118-2d/")
        expect(public.locator(".delivery-criteria")).to_contain_text(
            "No delivery criteria written yet"
        )
        web.check_fits(public)

    editor = sign_in(web, "synthetic-editor")
    web.goto(editor, "/proposals/118-2d/")
    editor.click("text=Write delivery criteria")
    web.check_axe(editor)
    editor.fill("textarea[name=delivered]", CRITERION)
    editor.click("button:has-text('Save criteria')")
    expect(editor.locator(".delivery-criteria")).to_contain_text(CRITERION)
    assert DeliveryCriteria.objects.get().delivered == CRITERION
    order = editor.evaluate(
        "() => [document.getElementById('criteria-heading'), "
        "document.getElementById('timeline-heading')].map(e => e.getBoundingClientRect().top)"
    )
    assert order[0] < order[1]
    web.check_axe(editor)

    for viewport in (DESKTOP, PHONE):
        page = sign_in(web, "synthetic-editor", viewport)
        web.goto(page, "/editorial/proposals/118-2d/criteria/")
        web.check_fits(page)
        web.check_axe(page)
        web.screenshot(page, "criteria-form")
        page.context.close()

        campaigner = sign_in(web, "synthetic-campaigner", viewport)
        web.goto(campaigner, "/editorial/proposals/118-2d/new-update/")
        expect(campaigner.locator(".criteria-hint")).to_contain_text(CRITERION)
        web.check_fits(campaigner)
        web.goto(campaigner, "/accounts/notifications/")
        web.check_fits(campaigner)
        web.check_axe(campaigner)
        web.screenshot(campaigner, "notification-settings")
        campaigner.uncheck("#email-enabled")
        campaigner.click("button:has-text('Save')")
        expect(campaigner.locator(".messages")).to_contain_text("off")
        campaigner.context.close()
    assert NotificationPreference.objects.get().email_enabled is False
