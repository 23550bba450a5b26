"""No lost update: two saves from the same version, one wins, the other is
refused (412 from the API, a conflict message naming the change on the form)
and nothing is lost.  On PostgreSQL the two saves also race in real threads."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from policies import services
from policies.models import ApiToken, StatusUpdate
from tests.services import require_postgres
from tests.support import make_draft, update_input


def client_for(user):
    client = APIClient()
    _, secret = ApiToken.objects.issue(user, "synthetic concurrency client")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.mark.django_db
def test_api_two_saves_from_same_etag_one_wins_other_412(users, papers):
    draft = make_draft(users["campaigner"])
    author, editor = client_for(users["campaigner"]), client_for(users["editor"])
    url = f"/api/v1/drafts/{draft.pk}/"
    etag = author.get(url)["ETag"]
    assert editor.get(url)["ETag"] == etag
    first = editor.patch(
        url, {"rationale": "Synthetic: the editor's words."}, format="json", HTTP_IF_MATCH=etag
    )
    assert first.status_code == 200 and first["ETag"] != etag
    second = author.patch(
        url, {"rationale": "Synthetic: the author's words."}, format="json", HTTP_IF_MATCH=etag
    )
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "precondition_failed"
    draft.refresh_from_db()
    assert draft.rationale == "Synthetic: the editor's words."
    # Re-reading gives the new ETag, with which the author's change goes through.
    retry = author.patch(
        url,
        {"rationale": "Synthetic: the author's words."},
        format="json",
        HTTP_IF_MATCH=first["ETag"],
    )
    assert retry.status_code == 200
    draft.refresh_from_db()
    assert draft.rationale == "Synthetic: the author's words."
    assert draft.history.filter(rationale="Synthetic: the editor's words.").exists()


@pytest.mark.django_db
def test_form_two_saves_from_same_version_conflict_message(users, papers, client):
    draft = make_draft(users["campaigner"])
    evidence_id = draft.evidence.get().pk
    base = draft.version

    def form(rationale, version):
        return {
            "status": "in_progress",
            "effective_date": "2021-05-01",
            "date_precision": "day",
            "rationale": rationale,
            "evidence": [evidence_id],
            "version": version,
            "new-TOTAL_FORMS": "0",
            "new-INITIAL_FORMS": "0",
        }

    url = f"/editorial/updates/{draft.pk}/edit/"
    client.force_login(users["editor"])
    assert client.post(url, form("Synthetic: the editor's words.", base)).status_code == 302
    client.force_login(users["campaigner"])
    response = client.post(url, form("Synthetic: the author's words.", base))
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this" in page
    assert "rationale" in page and "Synthetic: the editor&#x27;s words." in page
    assert "Synthetic: the author&#x27;s words." in page  # what they typed is still in the form
    draft.refresh_from_db()
    assert draft.rationale == "Synthetic: the editor's words."
    assert f'name="version" value="{draft.version}"' in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_in_threads_on_postgres(users, papers):
    require_postgres()
    draft = make_draft(users["campaigner"])
    base = draft.version
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, words):
        try:
            update = StatusUpdate.objects.get(pk=draft.pk)
            evidence = list(update.evidence.all())
            barrier.wait()
            services.update_draft(
                user,
                update=update,
                expected_version=base,
                data=update_input(evidence, rationale=words),
            )
            outcomes.append("saved")
        except services.StaleVersion:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(users["campaigner"], "Synthetic A")),
        threading.Thread(target=save, args=(users["editor"], "Synthetic B")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "stale"]
    draft.refresh_from_db()
    assert draft.version == base + 1
    assert draft.rationale in {"Synthetic A", "Synthetic B"}
