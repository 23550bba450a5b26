"""The read API of the spine: counts, filters, detail, current status, query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from policies.models import ActingBody, Proposal, Status
from tests.factories import StatusUpdateFactory, publish

pytestmark = pytest.mark.django_db


def all_results(client, url):
    results = []
    while url:
        body = client.get(url).json()
        results += body["results"]
        url = body["next"]
    return results


def test_paper_118_has_39_motion_proposals(api_client, papers):
    body = api_client.get("/api/v1/proposals/?paper=118&page_size=100").json()
    assert body["count"] == 39
    refs = [p["reference"] for p in body["results"]]
    assert refs[0] == "118-1a" and refs[-1] == "118-7e"
    assert {p["kind"] for p in body["results"]} == {"motion"}


def test_paper_138_proposals_with_parents(api_client, papers):
    results = all_results(api_client, "/api/v1/proposals/?paper=138&page_size=100")
    assert len(results) == 74
    by_ref = {p["reference"]: p for p in results}
    assert by_ref["138-2.2.6a"]["parent"]["reference"] == "138-2a"
    assert by_ref["138-2.2.4a"]["parent"] is None
    children = {c["reference"] for c in by_ref["138-5g"]["children"]}
    assert children == {"138-5.2.11a", "138-5.2.11b", "138-5.2.11c", "138-5.2.11d"}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=headline", 5),
        ("kind=body", 40),
        ("paper=118&applicability=federal", 6),
        ("paper=118&applicability=england", 4),
        ("paper=118&section=2", 5),
        ("paper=138&section=3&kind=summary", 5),
        ("status=not_assessed", 113),
        ("status=delivered", 0),
    ],
)
def test_filters(api_client, papers, query, expected):
    assert api_client.get(f"/api/v1/proposals/?{query}").json()["count"] == expected


def test_theme_filter_matches_proposals(api_client, papers):
    theme = papers.first().themes.first()
    body = api_client.get(f"/api/v1/proposals/?theme={theme.slug}&page_size=100").json()
    assert body["count"] == Proposal.objects.filter(themes=theme).count() > 0


def test_invalid_filter_is_a_clear_400(api_client, papers):
    response = api_client.get("/api/v1/proposals/?status=finished")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "status" in response.json()["error"]["fields"]


def test_page_size_is_bounded(api_client, papers):
    body = api_client.get("/api/v1/proposals/?page_size=1000").json()
    assert len(body["results"]) == 100
    assert set(body) == {"count", "next", "previous", "results"}


def test_detail_by_reference_and_404(api_client, papers):
    body = api_client.get("/api/v1/proposals/118-2d/").json()
    assert body["reference"] == "118-2d"
    assert body["paper"] == 118
    assert body["applicability"] == "federal"
    assert body["current_status"]["status"] == "not_assessed"
    assert body["current_status"]["label"] == "Not yet assessed"
    assert any(link["direction"] == "to_138" for link in body["links"])
    missing = api_client.get("/api/v1/proposals/118-9z/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_current_status_is_latest_effective_published(api_client, papers):
    proposal = Proposal.objects.get(reference="118-4f")
    body = ActingBody.objects.get(name="UK Government")
    now = timezone.now()
    publish("118-4f", Status.IN_PROGRESS, dt.date(2021, 5, 1), published=now, bodies=[body])
    publish(
        "118-4f", Status.NO_PROGRESS, dt.date(2020, 1, 1), published=now + dt.timedelta(hours=1)
    )
    StatusUpdateFactory.create(
        draft=True,
        proposal=proposal,
        status=Status.DELIVERED,
        effective_date=dt.date(2024, 1, 1),
        rationale="Synthetic draft",
    )
    current = api_client.get("/api/v1/proposals/118-4f/").json()["current_status"]
    assert current["status"] == "in_progress"
    assert current["effective_date"] == "2021-05-01"
    assert [b["name"] for b in current["acting_bodies"]] == ["UK Government"]
    # Same effective date: the later published wins.
    publish(
        "118-4f",
        Status.PARTLY_DELIVERED,
        dt.date(2021, 5, 1),
        published=now + dt.timedelta(hours=2),
    )
    assert (
        api_client.get("/api/v1/proposals/118-4f/").json()["current_status"]["status"]
        == "partly_delivered"
    )
    listed = api_client.get("/api/v1/proposals/?status=partly_delivered").json()
    assert [p["reference"] for p in listed["results"]] == ["118-4f"]


def test_list_query_count_is_constant(
    api_client, papers, django_assert_max_num_queries, django_assert_num_queries
):
    for proposal in Proposal.objects.all()[:20]:
        StatusUpdateFactory.create(
            proposal=proposal,
            status=Status.IN_PROGRESS,
            effective_date=dt.date(2022, 1, 1),
            acting_bodies=ActingBody.objects.all()[:2],
        )
    with django_assert_num_queries(2) as small:
        api_client.get("/api/v1/proposals/?page_size=5")
    with django_assert_num_queries(2):
        api_client.get("/api/v1/proposals/?page_size=100")
    # the page's rows with the count, and their themes, children, links and current
    # updates' bodies (one UNION: selectors.attach_row_listing)
    assert len(small.captured_queries) == 2


def test_detail_query_count(api_client, papers, django_assert_num_queries):
    publish("138-5g", Status.IN_PROGRESS, dt.date(2022, 1, 1))
    # proposal, themes, children and links, history, its bodies, its evidence
    with django_assert_num_queries(6):
        api_client.get("/api/v1/proposals/138-5g/")


def test_papers_sections_themes(api_client, papers):
    papers_body = api_client.get("/api/v1/papers/").json()
    assert [p["number"] for p in papers_body] == [118, 138]
    assert len(papers_body[0]["sections"]) == 7
    assert api_client.get("/api/v1/papers/138/").json()["route"] == "paper"
    assert api_client.get("/api/v1/sections/?paper__number=138").json()["count"] == 5
    assert api_client.get("/api/v1/themes/").json()["count"] >= 10
