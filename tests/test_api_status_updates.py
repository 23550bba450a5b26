"""Public reads of status updates and evidence: permalinks, drafts hidden,
corrections marked, filters, query counts.  The rows come from tests/factories.py."""

import datetime as dt

import pytest

from evidence.models import Evidence
from policies.models import ActingBody, Proposal, Status
from tests.factories import EvidenceFactory, StatusUpdateFactory, correct, publish

pytestmark = pytest.mark.django_db


def test_status_update_permalink(api_client, papers):
    body = ActingBody.objects.get(name="UK Government")
    source = EvidenceFactory.create(n=1)
    update = publish(
        "118-2d", Status.IN_PROGRESS, dt.date(2021, 3, 1), bodies=[body], evidence=[source]
    )
    response = api_client.get(f"/api/v1/status-updates/{update.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == update.pk
    assert data["url"].endswith(f"/api/v1/status-updates/{update.pk}/")
    assert data["html_url"].endswith(f"/updates/{update.pk}/")
    assert data["proposal"]["reference"] == "118-2d"
    assert data["status"] == "in_progress"
    assert data["status_label"] == "In progress"
    assert data["effective_date"] == "2021-03-01"
    assert [b["slug"] for b in data["acting_bodies"]] == [body.slug]
    assert data["evidence"][0]["title"] == "Synthetic test source 1"
    assert data["evidence"][0]["source_url"] == "https://example.org/synthetic/1"
    assert data["evidence"][0]["url"].endswith(f"/api/v1/evidence/{source.pk}/")
    assert data["state"] == "published" and data["is_corrected"] is False
    assert data["corrects"] is None and data["corrected_by"] == []


@pytest.mark.parametrize("state", ["draft", "submitted", "returned"])
def test_unpublished_updates_are_never_shown(api_client, papers, state):
    update = StatusUpdateFactory.create(
        draft=True,
        reference="118-1a",
        status=Status.DELIVERED,
        effective_date=dt.date(2022, 1, 1),
        rationale="Synthetic draft",
        state=state,
    )
    source = EvidenceFactory.create(n=7)
    update.evidence.set([source])
    response = api_client.get(f"/api/v1/status-updates/{update.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api_client.get("/api/v1/status-updates/").json()["count"] == 0
    # Evidence cited only by a draft is not public either.
    assert api_client.get(f"/api/v1/evidence/{source.pk}/").status_code == 404
    assert api_client.get("/api/v1/evidence/").json()["count"] == 0


def test_correction_links_both_ways(api_client, papers):
    original = publish("118-3a", Status.DELIVERED, dt.date(2020, 6, 1))
    correction = correct(original, Status.PARTLY_DELIVERED)
    old = api_client.get(f"/api/v1/status-updates/{original.pk}/").json()
    new = api_client.get(f"/api/v1/status-updates/{correction.pk}/").json()
    assert old["state"] == "corrected" and old["is_corrected"] is True
    assert [c["id"] for c in old["corrected_by"]] == [correction.pk]
    assert new["corrects"]["id"] == original.pk
    assert new["state"] == "published"
    # The proposal's history keeps both, the corrected one marked; the status is the correction's.
    proposal = api_client.get("/api/v1/proposals/118-3a/").json()
    history = {u["id"]: u for u in proposal["status_history"]}
    assert set(history) == {original.pk, correction.pk}
    assert history[original.pk]["is_corrected"] is True
    assert proposal["current_status"]["status"] == "partly_delivered"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("proposal=118-2d", {"a"}),
        ("paper=138", {"c"}),
        ("status=no_progress", {"b"}),
        ("status=in_progress&status=no_progress", {"a", "b", "d"}),
        ("state=corrected", {"b"}),
        ("state=published", {"a", "c", "d"}),
        ("body=uk-government", {"a"}),
        ("has_evidence=true", {"c"}),
        ("has_evidence=false", {"a", "b", "d"}),
        ("updated_since=2030-01-01", set()),
    ],
)
def test_status_update_filters(api_client, papers, query, expected):
    uk = ActingBody.objects.get(name="UK Government")
    updates = {
        "a": publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), bodies=[uk]),
        "b": publish("118-3a", Status.NO_PROGRESS, dt.date(2020, 1, 1)),
        "c": publish(
            "138-1a", Status.DELIVERED, dt.date(2022, 1, 1), evidence=[EvidenceFactory.create(n=1)]
        ),
    }
    updates["d"] = correct(updates["b"], Status.IN_PROGRESS)
    names = {u.pk: k for k, u in updates.items()}
    response = api_client.get(f"/api/v1/status-updates/?{query}")
    assert response.status_code == 200, response.json()
    assert {names[u["id"]] for u in response.json()["results"]} == expected


def test_status_update_filter_errors_are_400(api_client, papers):
    response = api_client.get("/api/v1/status-updates/?state=draft")
    assert response.status_code == 400
    assert "state" in response.json()["error"]["fields"]


def test_evidence_list_and_detail(api_client, papers):
    first = EvidenceFactory.create(n=1, kind=Evidence.Kind.LEGISLATION)
    second = EvidenceFactory.create(n=2, title="Synthetic report on =formula")
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[first, second])
    body = api_client.get("/api/v1/evidence/").json()
    assert body["count"] == 2
    detail = api_client.get(f"/api/v1/evidence/{first.pk}/").json()
    assert detail["kind"] == "legislation"
    assert [u["id"] for u in detail["cited_by"]] == [update.pk]
    assert api_client.get("/api/v1/evidence/?kind=legislation").json()["count"] == 1
    assert api_client.get("/api/v1/evidence/?q=REPORT").json()["count"] == 1
    assert api_client.get("/api/v1/evidence/?proposal=118-2d").json()["count"] == 2
    assert api_client.get("/api/v1/evidence/?proposal=118-1a").json()["count"] == 0
    assert api_client.get("/api/v1/evidence/999999/").status_code == 404


def _bulk_updates(n, start=0):
    uk = ActingBody.objects.get(name="UK Government")
    for i, proposal in enumerate(Proposal.objects.all()[start : start + n], start=start):
        publish(
            proposal.reference,
            Status.IN_PROGRESS,
            dt.date(2021, 1, 1),
            bodies=[uk],
            evidence=[EvidenceFactory.create(n=1000 + i)],
        )


def test_status_update_list_query_count_is_constant(api_client, papers, django_assert_num_queries):
    _bulk_updates(3)
    with django_assert_num_queries(5) as few:
        assert api_client.get("/api/v1/status-updates/").json()["count"] == 3
    _bulk_updates(30, start=3)
    with django_assert_num_queries(len(few.captured_queries)):
        assert api_client.get("/api/v1/status-updates/?page_size=100").json()["count"] == 33


def test_status_update_detail_query_count(api_client, papers, django_assert_num_queries):
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1))
    correct(update, Status.NO_PROGRESS)
    with django_assert_num_queries(4):
        api_client.get(f"/api/v1/status-updates/{update.pk}/")


def test_evidence_query_counts(api_client, papers, django_assert_num_queries):
    _bulk_updates(3)
    with django_assert_num_queries(3) as few:
        api_client.get("/api/v1/evidence/")
    _bulk_updates(40, start=3)
    with django_assert_num_queries(len(few.captured_queries)):
        api_client.get("/api/v1/evidence/?page_size=100")
    with django_assert_num_queries(3):  # the source itself, then its read (2)
        source = Evidence.objects.first()
        assert source is not None
        api_client.get(f"/api/v1/evidence/{source.pk}/")
