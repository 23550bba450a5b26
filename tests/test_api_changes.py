"""Proposal filters, ``as_at``, ``/api/v1/changes/`` and the dump."""

import datetime as dt

import pytest
from django.utils import timezone

from policies.models import ActingBody, Proposal, Status
from tests.factories import EvidenceFactory, correct, publish

pytestmark = pytest.mark.django_db


def refs(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.json()
    return [p["reference"] for p in client.get(url + "&page_size=100").json()["results"]]


# --- as_at ---------------------------------------------------------------------


@pytest.fixture
def history(papers):
    t0 = timezone.now()
    first = publish("118-4f", Status.NO_PROGRESS, dt.date(2019, 1, 1), published=t0)
    second = publish(
        "118-4f", Status.IN_PROGRESS, dt.date(2021, 6, 1), published=t0 + dt.timedelta(hours=1)
    )
    return first, second


@pytest.mark.parametrize(
    "as_at, expected",
    [
        ("2018-12-31", "not_assessed"),  # before any update
        ("2019-01-01", "no_progress"),  # on the effective date
        ("2020-05-05", "no_progress"),  # between two
        ("2021-06-01", "in_progress"),
        ("2030-01-01", "in_progress"),
    ],
)
def test_as_at(api_client, history, as_at, expected):
    detail = api_client.get(f"/api/v1/proposals/118-4f/?as_at={as_at}").json()
    assert detail["current_status"]["status"] == expected
    listed = api_client.get(f"/api/v1/proposals/?as_at={as_at}&status={expected}&page_size=100")
    assert "118-4f" in [p["reference"] for p in listed.json()["results"]]


def test_as_at_after_a_correction(api_client, history):
    first, second = history
    correct(second, Status.PARTLY_DELIVERED, dt.date(2021, 7, 1))
    assert (
        api_client.get("/api/v1/proposals/118-4f/?as_at=2021-06-15").json()["current_status"][
            "status"
        ]
        == "no_progress"
    ), "the corrected update no longer counts"
    assert (
        api_client.get("/api/v1/proposals/118-4f/?as_at=2021-07-01").json()["current_status"][
            "status"
        ]
        == "partly_delivered"
    )


def test_as_at_must_be_a_date(api_client, papers):
    response = api_client.get("/api/v1/proposals/?as_at=yesterday")
    assert response.status_code == 400
    assert "as_at" in response.json()["error"]["fields"]


# --- Filters -----------------------------------------------------------------


def test_body_has_evidence_q_updated_since_and_ordering(api_client, papers):
    uk = ActingBody.objects.get(name="UK Government")
    source = EvidenceFactory.create(n=1, title="Synthetic zebra crossing review")
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), bodies=[uk], evidence=[source])
    publish("138-1a", Status.DELIVERED, dt.date(2022, 1, 1))
    assert refs(api_client, f"/api/v1/proposals/?body={uk.slug}") == ["118-2d"]
    assert refs(api_client, "/api/v1/proposals/?has_evidence=true") == ["118-2d"]
    without = api_client.get("/api/v1/proposals/?has_evidence=false").json()["count"]
    assert without == 112
    # q matches proposal text and the titles of cited evidence, case-insensitively.
    assert refs(api_client, "/api/v1/proposals/?q=ZEBRA") == ["118-2d"]
    word = Proposal.objects.get(reference="138-1b").text.split()[3]
    assert "138-1b" in refs(api_client, f"/api/v1/proposals/?q={word}")
    future = (timezone.now() + dt.timedelta(days=1)).date().isoformat()
    assert refs(api_client, f"/api/v1/proposals/?updated_since={future}") == []
    recent = (timezone.now() - dt.timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert set(refs(api_client, f"/api/v1/proposals/?updated_since={recent}")) >= {
        "118-2d",
        "138-1a",
    }
    assert refs(api_client, "/api/v1/proposals/?ordering=-reference&paper=118")[0] == "118-7e"
    by_status = refs(
        api_client, "/api/v1/proposals/?ordering=status&status=delivered&status=in_progress"
    )
    assert by_status == ["138-1a", "118-2d"]
    assert api_client.get("/api/v1/proposals/?ordering=colour").status_code == 400
    assert api_client.get("/api/v1/proposals/?body=no-such-body").status_code == 400


def test_proposal_detail_has_history_and_evidence(api_client, papers):
    source = EvidenceFactory.create(n=1)
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[source])
    body = api_client.get("/api/v1/proposals/118-2d/").json()
    assert [u["status"] for u in body["status_history"]] == ["in_progress"]
    assert [e["title"] for e in body["evidence"]] == ["Synthetic test source 1"]


# --- Changes -----------------------------------------------------------------


def test_changes_window_with_corrections_and_edits(api_client, papers):
    t0 = timezone.now() - dt.timedelta(days=10)
    old = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), published=t0)
    recent = publish(
        "138-1a", Status.DELIVERED, dt.date(2022, 1, 1), published=t0 + dt.timedelta(days=5)
    )
    correction = correct(recent, Status.PARTLY_DELIVERED)
    proposal = Proposal.objects.get(reference="118-3a")
    proposal.text += " (synthetic edit)"
    proposal.version += 1
    proposal.save()
    proposal.themes.set(proposal.themes.all()[:1])  # same version: not a second entry

    since = (t0 + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
    body = api_client.get(f"/api/v1/changes/?since={since}").json()
    entries = {(c["type"], c["proposal"]["reference"]): c for c in body["results"]}
    assert set(entries) == {
        ("status_update", "138-1a"),
        ("correction", "138-1a"),
        ("proposal_edited", "118-3a"),
    }
    assert body["count"] == 3
    corrected = entries[("status_update", "138-1a")]
    assert corrected["is_corrected"] is True
    assert corrected["status_update"]["corrected_by"][0]["id"] == correction.pk
    assert entries[("correction", "138-1a")]["status_update"]["corrects"]["id"] == recent.pk
    assert entries[("proposal_edited", "118-3a")]["proposal_version"] == proposal.version
    # until is exclusive; the window before since holds only the old update.
    before = api_client.get(f"/api/v1/changes/?until={since}").json()
    assert [c["status_update"]["id"] for c in before["results"]] == [old.pk]
    assert api_client.get("/api/v1/changes/?proposal=138-1a").json()["count"] == 2
    assert api_client.get("/api/v1/changes/?paper=118").json()["count"] == 2
    # Newest first.
    times = [c["at"] for c in api_client.get("/api/v1/changes/").json()["results"]]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    "query", ["since=not-a-date", "since=2024-02-01&until=2024-01-01", "paper=x"]
)
def test_changes_bad_input_is_400(api_client, papers, query):
    response = api_client.get(f"/api/v1/changes/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_changes_pagination_and_query_count(api_client, papers, django_assert_num_queries):
    t0 = timezone.now()
    proposals = list(Proposal.objects.all()[:40])
    for i, proposal in enumerate(proposals[:3]):
        publish(
            proposal.reference,
            Status.IN_PROGRESS,
            dt.date(2021, 1, 1),
            published=t0 + dt.timedelta(seconds=i),
        )
    with django_assert_num_queries(7) as few:
        api_client.get("/api/v1/changes/")
    for i, proposal in enumerate(proposals[3:]):
        publish(
            proposal.reference,
            Status.IN_PROGRESS,
            dt.date(2021, 1, 1),
            published=t0 + dt.timedelta(minutes=i + 1),
        )
    with django_assert_num_queries(len(few.captured_queries)):
        body = api_client.get("/api/v1/changes/?page_size=10&page=2").json()
    assert body["count"] == 40 and len(body["results"]) == 10
    everything = []
    url = "/api/v1/changes/?page_size=7"
    while url:
        page = api_client.get(url).json()
        everything += [c["status_update"]["id"] for c in page["results"]]
        url = page["next"]
    assert len(everything) == len(set(everything)) == 40


# --- Dump --------------------------------------------------------------------


def test_dump(api_client, papers, django_assert_max_num_queries, settings):
    source = EvidenceFactory.create(n=1)
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[source])
    correct(update, Status.NO_PROGRESS)
    with django_assert_max_num_queries(20):
        response = api_client.get("/api/v1/dump/")
    body = response.json()
    assert body["schema_version"] == 1
    assert body["licence"] == settings.TRACKER_DATA_LICENCE
    assert dt.datetime.fromisoformat(body["generated_at"].replace("Z", "+00:00"))
    assert [p["number"] for p in body["papers"]] == [118, 138]
    assert len(body["proposals"]) == 113
    by_ref = {p["reference"]: p for p in body["proposals"]}
    assert len(by_ref["118-2d"]["status_history"]) == 2
    assert by_ref["118-2d"]["current_status"]["status"] == "no_progress"
    assert [e["title"] for e in body["evidence"]] == ["Synthetic test source 1"]
    # The ETag ignores the generated-at stamp: an unchanged dataset is a 304.
    assert api_client.get("/api/v1/dump/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_dump_query_count_is_constant(api_client, papers, django_assert_num_queries):
    publish(
        "118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[EvidenceFactory.create(n=1)]
    )
    with django_assert_num_queries(12) as few:
        api_client.get("/api/v1/dump/")
    for i, proposal in enumerate(Proposal.objects.all()[10:40]):
        publish(
            proposal.reference,
            Status.IN_PROGRESS,
            dt.date(2021, 1, 1),
            evidence=[EvidenceFactory.create(n=i + 2)],
        )
    with django_assert_num_queries(len(few.captured_queries)):
        api_client.get("/api/v1/dump/")
