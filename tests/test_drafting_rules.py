"""Drafting rules (issue 12): no default status, a rationale of real length, a
complete http(s) source for any status but "not yet assessed" -- in the
services, so the pages, the API and the import refuse the same things.  Every
source, title and URL here is synthetic (example.org)."""

from __future__ import annotations

import dataclasses
import re

import pytest
from rest_framework.test import APIClient

from evidence.models import Evidence
from policies import services
from policies.models import ApiToken, Proposal, Status, StatusUpdate
from tests.support import make_draft, make_source, source_input, update_input

pytestmark = pytest.mark.django_db

SHORT = "test"
LONG = "Synthetic rationale that explains the assessment at proper length."


def short_draft(author) -> StatusUpdate:
    """A draft saved with a short rationale: saving allows it (work in progress)."""
    return make_draft(author, rationale=SHORT)


# --- Services ---------------------------------------------------------------------------


def test_the_minimum_is_a_named_constant_of_real_length():
    assert services.MIN_RATIONALE_LENGTH >= 40
    assert len(LONG) >= services.MIN_RATIONALE_LENGTH > len(SHORT)


def test_a_short_rationale_may_be_saved_but_not_submitted(users, papers):
    draft = short_draft(users["campaigner"])
    assert draft.state == StatusUpdate.State.DRAFT
    with pytest.raises(services.RuleViolation) as refused:
        services.submit(users["campaigner"], update=draft, expected_version=draft.version)
    assert "rationale" in refused.value.fields
    assert str(services.MIN_RATIONALE_LENGTH) in refused.value.fields["rationale"][0]
    draft.refresh_from_db()
    assert draft.state == StatusUpdate.State.DRAFT


def test_whitespace_does_not_count(users, papers):
    padded = " " * 60 + SHORT + "\n" * 10
    draft = make_draft(users["campaigner"], rationale=padded)
    with pytest.raises(services.RuleViolation):
        services.submit(users["campaigner"], update=draft, expected_version=draft.version)


def test_publish_refuses_a_short_rationale_even_without_submission(users, papers):
    draft = short_draft(users["campaigner"])
    with pytest.raises(services.RuleViolation, match="at least"):
        services.publish(users["editor"], update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    assert draft.state == StatusUpdate.State.DRAFT
    assert Proposal.objects.get(reference="118-2d").status == Status.NOT_ASSESSED


def test_there_is_no_default_status(users, papers):
    data = dataclasses.replace(update_input([make_source(users["campaigner"])]), status="")
    with pytest.raises(services.RuleViolation) as refused:
        services.create_draft(
            users["campaigner"], proposal=Proposal.objects.get(reference="118-2d"), data=data
        )
    assert refused.value.fields["status"] == ["Choose a status: there is no default."]
    assert not StatusUpdate.objects.exists()


def test_a_status_needs_a_source_but_not_assessed_does_not(users, papers):
    proposal = Proposal.objects.get(reference="118-2d")
    with pytest.raises(services.RuleViolation) as refused:
        services.create_draft(users["campaigner"], proposal=proposal, data=update_input([]))
    assert "evidence" in refused.value.fields
    draft = services.create_draft(
        users["campaigner"],
        proposal=proposal,
        data=update_input([], status=Status.NOT_ASSESSED, rationale=LONG),
    )
    services.submit(users["campaigner"], update=draft, expected_version=draft.version)
    assert draft.state == StatusUpdate.State.SUBMITTED


@pytest.mark.parametrize("url", ["ftp://example.org/synthetic", "mailto:x@example.org"])
def test_a_source_without_an_http_address_does_not_count(users, papers, url):
    source = make_source(users["campaigner"])
    Evidence.objects.filter(pk=source.pk).update(url=url)  # as an old row might be
    source.refresh_from_db()
    with pytest.raises(services.RuleViolation) as refused:
        services.check_evidence_rule(Status.IN_PROGRESS, evidence=[source])
    assert "evidence" in refused.value.fields


def test_a_source_without_a_publisher_does_not_count(users, papers):
    source = make_source(users["campaigner"])
    source.publisher = ""
    with pytest.raises(services.RuleViolation):
        services.check_evidence_rule(Status.DELIVERED, evidence=[source])


def test_quote_and_page_are_optional_per_source(users, papers):
    with_quote, _ = services.get_or_create_evidence(
        users["campaigner"],
        data=source_input(5, quote="Synthetic quoted words.", page="12"),
    )
    assert (with_quote.quote, with_quote.page) == ("Synthetic quoted words.", "12")
    assert make_source(users["campaigner"], 6).quote == ""


# --- The form -----------------------------------------------------------------------------


def draft_form(**overrides) -> dict:
    return {
        "status": "",
        "effective_date": "",
        "date_precision": "day",
        "rationale": "",
        "new-TOTAL_FORMS": "2",
        "new-INITIAL_FORMS": "0",
    } | overrides


def test_the_form_has_an_empty_first_status_and_says_the_minimum(users, papers, client):
    client.force_login(users["campaigner"])
    page = client.get("/editorial/proposals/118-2d/new-update/").content.decode()
    options = re.findall(r"<option value=\"([^\"]*)\"", page.split('name="status"')[1])
    assert options[0] == ""
    assert 'value="not_assessed" selected' not in page
    assert f"at least {services.MIN_RATIONALE_LENGTH} characters" in page
    assert "editors publish a version" in page
    # The library picker draws a box with words, not an empty zero-width select.
    assert "No source chosen yet" in page
    assert '<select name="evidence"' not in page


def test_an_empty_submission_shows_the_summary_and_says_evidence_is_required(users, papers, client):
    client.force_login(users["campaigner"])
    response = client.post("/editorial/proposals/118-2d/new-update/", draft_form())
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    assert 'role="alert"' in page.split('id="error-summary"')[0][-80:] + summary[:40]
    for target in ("#id_status", "#id_effective_date", "#id_rationale", "#id_evidence_error"):
        assert f'href="{target}"' in summary, target
    assert "Evidence is required" in summary
    # Inline errors, each pointed to by its input.
    assert 'id="id_rationale_error"' in page
    assert re.search(r'<textarea[^>]*aria-describedby="[^"]*id_rationale_error', page)
    assert 'aria-invalid="true"' in page
    # The summary comes before the form (it is first without JS too).
    assert page.index('id="error-summary"') < page.index('<form method="post" novalidate')
    assert not StatusUpdate.objects.exists()


def test_find_sources_without_js_searches_and_saves_nothing(users, papers, client):
    source = make_source(users["campaigner"], 3)
    client.force_login(users["campaigner"])
    response = client.post(
        "/editorial/proposals/118-2d/new-update/",
        draft_form(rationale=LONG, status="in_progress", source_q="source 3", find_sources="1"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{source.pk}"' in page and "Synthetic test source 3" in page
    assert LONG in page  # what was typed stays
    assert "error-summary" not in page
    assert not StatusUpdate.objects.exists()


def test_the_source_search_endpoint(users, papers, client):
    source = make_source(users["campaigner"], 4)
    assert client.get("/editorial/sources/search/?q=source").status_code == 302
    client.force_login(users["norole"])
    assert client.get("/editorial/sources/search/?q=source").status_code == 403
    client.force_login(users["campaigner"])
    data = client.get("/editorial/sources/search/?q=test source 4").json()
    assert [r["id"] for r in data["results"]] == [source.pk]
    assert "example.org" in data["results"][0]["label"]
    assert client.get("/editorial/sources/search/?q=").json() == {"results": []}
    assert client.get("/editorial/sources/search/?q=%00").status_code == 400  # never a 500


def test_the_source_search_query_count(users, papers, client, django_assert_num_queries):
    for n in range(3):
        make_source(users["campaigner"], 10 + n)
    client.force_login(users["campaigner"])
    client.get("/editorial/sources/search/?q=x")  # session, role
    with django_assert_num_queries(4):  # session, user, role, sources (never one per row)
        client.get("/editorial/sources/search/?q=synthetic")


# --- The API refuses the same things -------------------------------------------------


@pytest.fixture
def campaigner_api(users):
    client = APIClient()
    _, secret = ApiToken.objects.issue(users["campaigner"], "synthetic drafting-rules client")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def editor_api(users):
    client = APIClient()
    _, secret = ApiToken.objects.issue(users["editor"], "synthetic drafting-rules editor")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_the_api_refuses_an_empty_status_and_no_evidence(users, papers, campaigner_api):
    body = {
        "proposal": "118-2d",
        "status": "",
        "effective_date": "2021-05-01",
        "rationale": LONG,
    }
    assert campaigner_api.post("/api/v1/drafts/", body, format="json").status_code == 400
    body["status"] = "delivered"
    refused = campaigner_api.post("/api/v1/drafts/", body, format="json")
    assert refused.status_code == 400
    assert "evidence" in str(refused.json())
    assert not StatusUpdate.objects.exists()


def test_the_api_refuses_to_submit_and_publish_a_short_rationale(
    users, papers, campaigner_api, editor_api
):
    draft = short_draft(users["campaigner"])
    url = f"/api/v1/drafts/{draft.pk}/"
    submitted = campaigner_api.post(url + "submit/", {}, format="json", HTTP_IF_MATCH="*")
    assert submitted.status_code == 400
    assert "rationale" in str(submitted.json())
    published = editor_api.post(url + "publish/", {}, format="json", HTTP_IF_MATCH="*")
    assert published.status_code == 400
    draft.refresh_from_db()
    assert draft.state == StatusUpdate.State.DRAFT


# --- The same summary on the other editorial and account forms -------------------------


def test_theme_and_account_forms_show_the_summary(users, papers, client):
    client.force_login(users["editor"])
    page = client.post("/editorial/themes/new/", {"slug": "", "name": ""}).content.decode()
    assert 'id="error-summary"' in page and 'href="#id_slug"' in page
    assert 'class="ed-field field-invalid"' in page and 'id="id_slug_error"' in page
    client.logout()
    page = client.post("/accounts/password/reset/", {"email": "not an address"}).content.decode()
    assert 'id="error-summary"' in page and 'href="#id_email"' in page
