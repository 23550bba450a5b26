"""Corrections within reach (issue 12): "Correct" on the public proposal and
update pages for editors, "Propose a correction" for campaigners, a correction
form that starts from the corrected update, the campaigner's correction as a
draft an editor publishes, the branded 403, and the permissions of each new
write path.  All data is synthetic (example.org)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from policies import services
from policies.models import ActingBody, DatePrecision, StatusUpdate
from tests.support import RATIONALE, make_published

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "norole", "campaigner", "editor", "admin"]


def client_for(users, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


@pytest.fixture
def published(users, papers) -> StatusUpdate:
    update = make_published(users["campaigner"], users["editor"])
    body = ActingBody.objects.order_by("pk")[0]
    update.acting_bodies.set([body])
    StatusUpdate.objects.filter(pk=update.pk).update(date_precision=DatePrecision.MONTH)
    update.refresh_from_db()
    return update


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["proposal", "update"])
def test_correct_links_for_editors_propose_for_campaigners(users, published, role, page):
    url = "/proposals/118-2d/" if page == "proposal" else f"/updates/{published.pk}/"
    url = url if page == "proposal" else published.get_absolute_url()
    html = client_for(users, role).get(url).content.decode()
    correct = f'href="/editorial/updates/{published.pk}/correct/"'
    propose = f'href="/editorial/updates/{published.pk}/propose-correction/"'
    assert (correct in html) == (role in ("editor", "admin"))
    assert (propose in html) == (role == "campaigner")


def test_the_public_update_page_shows_the_authors_role(users, published, client):
    html = client.get(published.get_absolute_url()).content.decode()
    assert re.search(r"<dt>Assessed by</dt><dd>Campaigner</dd>", html)
    assert users["campaigner"].username not in html.split("<dt>Assessed by</dt>")[1][:40]


def test_a_corrected_update_has_no_correct_link(users, published):
    correction = services.start_correction(
        users["editor"],
        original=published,
        data=services.UpdateInput(
            status=published.status,
            effective_date=published.effective_date,
            rationale=RATIONALE,
            evidence=list(published.evidence.all()),
        ),
    )
    services.publish(users["editor2"], update=correction, expected_version=correction.version)
    html = client_for(users, "editor").get(published.get_absolute_url()).content.decode()
    assert f"/editorial/updates/{published.pk}/correct/" not in html


@pytest.mark.parametrize("path", ["correct", "propose-correction"])
def test_the_correction_form_starts_from_the_corrected_update(users, published, path):
    role = "editor" if path == "correct" else "campaigner"
    html = (
        client_for(users, role).get(f"/editorial/updates/{published.pk}/{path}/").content.decode()
    )
    body = published.acting_bodies.get()
    source = published.evidence.get()
    assert f"Correction of #{published.pk}" in html
    assert '<option value="in_progress" selected>' in html
    assert 'value="2021-05-01"' in html
    assert '<option value="month" selected>' in html
    assert re.search(
        rf'<input type="checkbox" name="acting_bodies" value="{body.pk}"[^>]*checked', html
    )
    assert re.search(
        rf'<input type="checkbox" name="evidence" value="{source.pk}"[^>]*checked', html
    )
    assert RATIONALE in html


def correction_form(update: StatusUpdate, **extra) -> dict:
    return {
        "status": "delivered",
        "effective_date": "2021-05-01",
        "date_precision": "month",
        "rationale": "Synthetic correction: the synthetic source shows it was delivered.",
        "evidence": [str(e.pk) for e in update.evidence.all()],
        "new-TOTAL_FORMS": "0",
        "new-INITIAL_FORMS": "0",
    } | extra


def test_a_campaigner_proposes_a_correction_that_an_editor_publishes(users, published):
    campaigner = client_for(users, "campaigner2")
    response = campaigner.post(
        f"/editorial/updates/{published.pk}/propose-correction/", correction_form(published)
    )
    assert response.status_code == 302
    proposal = StatusUpdate.objects.get(corrects=published)
    assert proposal.state == StatusUpdate.State.DRAFT and proposal.author == users["campaigner2"]
    published.refresh_from_db()
    assert published.state == StatusUpdate.State.PUBLISHED  # nothing changes yet
    campaigner.post(f"/editorial/updates/{proposal.pk}/submit/", {"version": proposal.version})
    proposal.refresh_from_db()
    editor = client_for(users, "editor2")
    queue = editor.get("/editorial/review/").content.decode()
    assert f"correction of #{published.pk}" in queue
    editor.post(
        f"/editorial/updates/{proposal.pk}/publish/",
        {"version": proposal.version, "confirm_publish": "yes"},
    )
    published.refresh_from_db()
    proposal.refresh_from_db()
    assert proposal.state == StatusUpdate.State.PUBLISHED
    assert published.state == StatusUpdate.State.CORRECTED


def test_a_campaigner_on_the_editor_only_url_gets_the_branded_403(users, published):
    response = client_for(users, "campaigner").get(f"/editorial/updates/{published.pk}/correct/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You may not open this page" in html and "editors review, publish and correct" in html


# --- Permissions: each new write path x every role -----------------------------------------


def expected(role, allowed):
    return {"anonymous": "login", "norole": 403}.get(role, 302 if allowed else 403)


WRITES = {
    # name: (path template, data, allowed for campaigner, allowed for editors)
    "propose a correction": ("/editorial/updates/{pk}/propose-correction/", True, True),
    "correct": ("/editorial/updates/{pk}/correct/", False, True),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(WRITES))
def test_correction_write_matrix(users, published, role, name):
    path, campaigner_ok, editor_ok = WRITES[name]
    allowed = campaigner_ok if role == "campaigner" else editor_ok
    before = StatusUpdate.objects.count()
    response = client_for(users, role).post(
        path.format(pk=published.pk), correction_form(published)
    )
    want = expected(role, allowed)
    if want == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == want, response.content[:300]
    created = StatusUpdate.objects.count() - before
    assert created == (1 if want == 302 else 0)


@pytest.mark.parametrize("role", ROLES)
def test_publish_confirmation_matrix(users, published, role):
    draft = services.start_correction(
        users["campaigner2"],
        original=published,
        data=services.UpdateInput(
            status="delivered",
            effective_date=published.effective_date,
            rationale=RATIONALE,
            evidence=list(published.evidence.all()),
        ),
    )
    services.submit(users["campaigner2"], update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    response = client_for(users, role).post(
        f"/editorial/updates/{draft.pk}/publish/",
        {"version": draft.version, "confirm_publish": "yes"},
    )
    want = expected(role, role in ("editor", "admin"))
    if want == "login":
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == want
    draft.refresh_from_db()
    assert (draft.state == StatusUpdate.State.PUBLISHED) == (want == 302)
