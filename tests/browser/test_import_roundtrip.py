"""The import round trip in real Chromium, at 1280 and 390 px: an editor imports
three rows with YYYY-MM dates naming an acting body the tracker does not know;
the file is refused naming the body; the editor adds the body; the same file is
accepted, with a link to each draft; "Submit all for review" puts the three
drafts in the review queue.  Every editorial page visited fits its width (no
horizontal scroll) and passes axe.  All rows, the body and its name are synthetic."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from policies import imports
from policies.models import ActingBody, StatusUpdate
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "Synthetic Browser Agency"
REFERENCES = ["118-2d", "118-3a", "118-4f"]


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def import_file(tag: str) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=imports.TEMPLATE_HEADER, lineterminator="\n")
    writer.writeheader()
    for n, reference in enumerate(REFERENCES):
        writer.writerow(
            {
                "proposal_reference": reference,
                "status": "in_progress",
                "acting_bodies": f"UK Government;{BODY}",
                "effective_date": "2023-03",
                "date_precision": "",
                "rationale": f"Synthetic rationale of a browser import ({tag}), long enough "
                f"for the drafting rule: {reference}.",
                "source_url": f"https://example.org/synthetic-browser-import-{tag}-{n}",
                "source_title": f"Synthetic browser import source {n}",
                "source_publisher": "Synthetic Publisher",
                "source_kind": "government_publication",
                "source_published_date": "2023-03-01",
                "source_accessed_date": "2024-01-01",
            }
        )
    return out.getvalue().encode()


# The elements that reach past the viewport's right edge (to say what overflows).
def checked(web, page, name: str) -> None:
    web.check_fits(page)
    web.check_axe(page)
    web.screenshot(page, name)


def upload(page, raw: bytes) -> None:
    page.set_input_files(
        "input[name=file]", {"name": "synthetic-import.csv", "mimeType": "text/csv", "buffer": raw}
    )
    page.check("input[name=mode][value=draft]")
    page.click("form.import-form button[type=submit]")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_import_refused_body_added_accepted_submitted(web, viewport):
    username = "synthetic-importer"
    UserFactory.create(username=username, role="editor", last_login=timezone.now())
    page = web.new_page(viewport)
    web.goto(page, "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".account-nav")).to_contain_text(username)

    raw = import_file(str(viewport["width"]))
    web.goto(page, "/editorial/import/")
    checked(web, page, "import-page")
    web.goto(page, "/editorial/import/values/")
    checked(web, page, "import-values")

    # Refused, naming the body; nothing stored.
    web.goto(page, "/editorial/import/")
    upload(page, raw)
    expect(page.locator(".errors")).to_contain_text(f"“{BODY}” is not a known acting body")
    expect(page.locator(".errors")).to_contain_text("line 2")
    assert StatusUpdate.objects.count() == 0
    checked(web, page, "import-refused")

    # The editor adds the body from the link on the refusal.
    page.click(".errors a[href='/editorial/acting-bodies/new/']")
    checked(web, page, "acting-body-new")
    page.fill("input[name=name]", BODY)
    page.select_option("select[name=kind]", "other")
    page.click("form.acting-body-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(BODY)
    assert ActingBody.objects.filter(name=BODY).exists()
    checked(web, page, "acting-body-list")

    # The same file is accepted, with a link to each draft.
    web.goto(page, "/editorial/import/")
    upload(page, raw)
    expect(page.locator(".result")).to_contain_text("3 created")
    drafts = list(StatusUpdate.objects.order_by("pk"))
    assert [d.date_precision for d in drafts] == ["month"] * 3
    for draft in drafts:
        expect(
            page.locator(f".import-created a[href='/editorial/updates/{draft.pk}/']")
        ).to_have_count(1)
    expect(page.locator(".import-created")).to_contain_text("March 2023")
    checked(web, page, "import-accepted")

    page.click("button:has-text('Submit all for review')")
    expect(page.locator(".messages")).to_contain_text("3 draft(s) submitted for review")
    assert set(StatusUpdate.objects.values_list("state", flat=True)) == {"submitted"}
    for draft in drafts:
        expect(page.locator(f"a[href='/editorial/updates/{draft.pk}/']").first).to_be_visible()
    checked(web, page, "review-queue-after-import")
    # The refusal is a 400 by design (bad input is a 4xx), which Chromium logs as a
    # failed resource: that one line is expected, any other console error is not.
    web.console_errors[:] = [
        e for e in web.console_errors if not ("/editorial/import/" in e and "status of 400" in e)
    ]
