"""Delivery criteria: editors write what would count as delivered, partly
delivered or contrary for a proposal (page and API, versioned, with history);
the public proposal page, the API and the dump show them; the draft form shows
them to the campaigner.  Every text here is synthetic."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from policies import services
from policies.models import DeliveryCriteria, Proposal
from tests.services import require_postgres

pytestmark = pytest.mark.django_db

URL = "/editorial/proposals/118-2d/criteria/"
API = "/api/v1/reference/proposals/118-2d/delivery-criteria/"
TEXTS = {
    "delivered": "Synthetic criterion: the whole measure in force.",
    "partly_delivered": "Synthetic criterion: a pilot in some areas.",
    "contrary": "Synthetic criterion: the measure repealed.",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def write(user, version=0, **texts):
    proposal = Proposal.objects.get(reference="118-2d")
    return services.set_delivery_criteria(
        user,
        proposal=proposal,
        expected_version=version,
        data=services.CriteriaInput(**texts),
    )


def test_none_written_says_so_everywhere(papers, users, api_client):
    assert not DeliveryCriteria.objects.exists()  # the shipped data has none
    page = Client().get("/proposals/118-2d/")
    assert b"No delivery criteria written yet" in page.content
    assert api_client.get("/api/v1/proposals/118-2d/").json()["delivery_criteria"] is None
    form = signed_in(users["campaigner"]).get("/editorial/proposals/118-2d/new-update/")
    assert b"No delivery criteria written yet" in form.content


def test_editor_writes_them_on_the_page(papers, users):
    editor = signed_in(users["editor"])
    form = editor.get(URL)
    assert form.status_code == 200
    assert b'name="version" value="0"' in form.content
    response = editor.post(URL, {**TEXTS, "version": 0})
    assert response.status_code == 302
    assert response["Location"] == "/proposals/118-2d/"
    criteria = DeliveryCriteria.objects.get(proposal__reference="118-2d")
    assert (criteria.delivered, criteria.version) == (TEXTS["delivered"], 1)
    record = criteria.history.get()
    assert record.history_user == users["editor"]


def test_shown_above_the_timeline_in_the_api_and_dump(papers, users, api_client):
    write(users["editor"], delivered="Synthetic <b>criterion</b> & more.")
    page = Client().get("/proposals/118-2d/").content.decode()
    assert "Synthetic &lt;b&gt;criterion&lt;/b&gt; &amp; more." in page
    assert page.index('id="criteria-heading"') < page.index('id="timeline-heading"')
    assert "No delivery criteria written yet" not in page
    detail = api_client.get("/api/v1/proposals/118-2d/").json()["delivery_criteria"]
    assert detail["delivered"] == "Synthetic <b>criterion</b> & more."
    assert (detail["partly_delivered"], detail["contrary"], detail["version"]) == ("", "", 1)
    dump = api_client.get("/api/v1/dump/").json()
    by_ref = {p["reference"]: p for p in dump["proposals"]}
    assert by_ref["118-2d"]["delivery_criteria"]["delivered"].startswith("Synthetic")
    assert by_ref["118-2a"]["delivery_criteria"] is None


def test_draft_form_shows_them_to_the_campaigner(papers, users):
    write(users["editor"], **TEXTS)
    form = signed_in(users["campaigner"]).get("/editorial/proposals/118-2d/new-update/")
    assert form.status_code == 200
    for text in TEXTS.values():
        assert text.encode() in form.content


def test_blanking_them_shows_none_and_keeps_history(papers, users, api_client):
    write(users["editor"], **TEXTS)
    write(users["editor2"], version=1)
    assert api_client.get("/api/v1/proposals/118-2d/").json()["delivery_criteria"] is None
    criteria = DeliveryCriteria.objects.get()
    assert criteria.version == 2
    assert [r.history_user.username for r in criteria.history.all()] == ["edit2", "edit"]


def test_stale_page_save_is_a_conflict(papers, users):
    write(users["editor2"], delivered="Synthetic first.")
    response = signed_in(users["editor"]).post(URL, {**TEXTS, "version": 0})
    assert response.status_code == 409
    assert b"Someone else saved this" in response.content
    assert DeliveryCriteria.objects.get().delivered == "Synthetic first."


def test_page_refuses_bad_input_with_400(papers, users):
    editor = signed_in(users["editor"])
    assert editor.post(URL, {"delivered": "x" * 2001, "version": 0}).status_code == 400
    assert editor.post(URL, {"delivered": "ok", "version": "nope"}).status_code == 400
    assert not DeliveryCriteria.objects.exists()


def test_history_pages(papers, users):
    criteria = write(users["editor"], **TEXTS)
    write(users["editor"], version=1, delivered="Synthetic revised.")
    editor = signed_in(users["editor"])
    page = editor.get(f"/editorial/history/criteria/{criteria.pk}/")
    assert page.status_code == 200
    assert b"Synthetic revised." in page.content
    assert b"delivered" in page.content
    assert b"criteria" in editor.get("/editorial/history/").content
    assert signed_in(users["campaigner"]).get("/editorial/history/").status_code == 403


def test_api_edit_with_if_match_and_history(papers, users):
    client = api_as(users["editor"])
    first = client.get(API)
    assert first.status_code == 200
    assert first.json()["version"] == 0
    assert client.put(API, TEXTS, format="json").status_code == 428
    saved = client.put(API, TEXTS, format="json", HTTP_IF_MATCH=first["ETag"])
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 1
    assert saved.json()["delivered"] == TEXTS["delivered"]
    # The ETag read before the save is stale now: 412, nothing saved.
    stale = client.put(
        API, {"delivered": "Synthetic late."}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert stale.status_code == 412
    assert DeliveryCriteria.objects.get().delivered == TEXTS["delivered"]
    history = client.get(API + "history/").json()
    assert [(r["history_type"], r["user"]) for r in history] == [("created", "edit")]
    again = client.put(
        API, {"delivered": "Synthetic revised."}, format="json", HTTP_IF_MATCH=saved["ETag"]
    )
    assert again.status_code == 200
    history = client.get(API + "history/").json()
    assert history[0]["user"] == "edit"
    changed = {c["field"]: (c["old"], c["new"]) for c in history[0]["changes"]}
    assert changed["delivered"] == (TEXTS["delivered"], "Synthetic revised.")
    assert changed["contrary"] == (TEXTS["contrary"], "")


def test_api_bad_input_is_400(papers, users):
    client = api_as(users["editor"])
    etag = client.get(API)["ETag"]
    for body in ({"delivered": "x" * 2001}, {"delivered": 5 * [1]}, {"contrary": "a\x00b"}):
        response = client.put(API, body, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 400, (body, response.content)
    assert client.get("/api/v1/reference/proposals/999-9z/delivery-criteria/").status_code == 404
    assert not DeliveryCriteria.objects.exists()


def test_detail_query_counts_unchanged(papers, users, api_client, django_assert_num_queries):
    write(users["editor"], **TEXTS)
    api_client.get("/api/v1/proposals/118-2a/")  # reads the data revision the write moved
    # proposal (its criteria joined), themes, children and links, history: with or without
    with django_assert_num_queries(4):
        api_client.get("/api/v1/proposals/118-2b/")
    with django_assert_num_queries(4):
        api_client.get("/api/v1/proposals/118-2d/")


@pytest.mark.django_db(transaction=True)
def test_two_first_saves_race_one_wins_on_postgres(users, papers):
    require_postgres()
    proposal = Proposal.objects.get(reference="118-2d")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, words):
        try:
            barrier.wait()
            services.set_delivery_criteria(
                user,
                proposal=proposal,
                expected_version=0,
                data=services.CriteriaInput(delivered=words),
            )
            outcomes.append("saved")
        except services.StaleVersion:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(users["editor"], "Synthetic A")),
        threading.Thread(target=save, args=(users["editor2"], "Synthetic B")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "stale"]
    criteria = DeliveryCriteria.objects.get()
    assert criteria.version == 1
    assert criteria.history.count() == 1
