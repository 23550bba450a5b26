"""The API's proposal list built from rows (``selectors.proposal_rows``: dicts, no
model instance) gives byte for byte what the instance path gives, plain and
searched; the view's shortcuts past the filter set (no filter, or ``q`` alone)
give the filter set's own query; and reference data edited by the services shows
in the next anonymous read.  Every status update and body here is synthetic."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import EmptyResultSet
from django.http import QueryDict
from django.test import RequestFactory
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from policies import search, selectors, services
from policies.api.read import ProposalViewSet
from policies.api.serializers import ProposalSerializer
from policies.filters import ProposalFilter
from policies.models import ActingBody, Proposal, Status, Theme
from tests.factories import EvidenceFactory, StatusUpdateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed(papers):
    """Some proposals assessed, with acting bodies (two on one, the other order on
    another) and cited evidence; one proposal of each paper left alone."""
    bodies = list(ActingBody.objects.all()[:3])
    source = EvidenceFactory.create(
        n=1,
        title="Synthetic police review",
        kind="report",
        published_date=dt.date(2020, 1, 2),
        accessed_date=dt.date(2021, 1, 2),
        is_published=True,
    )
    cases = [
        ("118-2d", Status.IN_PROGRESS, "month", bodies[:2]),
        ("118-4d", Status.DELIVERED, "year", bodies[1:3]),
        ("138-5g", Status.NO_PROGRESS, "day", []),
        ("138-1a", Status.PARTLY_DELIVERED, "month", bodies[2:]),
    ]
    for reference, status, precision, acting in cases:
        update = StatusUpdateFactory.create(
            reference=reference,
            status=status,
            effective_date=dt.date(2022, 3, 1),
            date_precision=precision,
            acting_bodies=acting,
        )
        update.evidence.set([source])
    search.refresh(Proposal.objects.values_list("pk", flat=True))
    return papers


def request():
    return Request(RequestFactory().get("/"))


def rendered(data) -> bytes:
    return JSONRenderer().render(data)


def instance_path(q: str | None = None) -> Any:
    """What the list showed before rows: instances, their listing and snippets."""
    queryset = selectors.proposal_queryset()
    if q:
        queryset = search.ranked(queryset, q)
    proposals = search.attach_snippets(selectors.attach_listing(queryset), q)
    return ProposalSerializer(proposals, many=True, context={"request": request()}).data


def test_rows_represent_exactly_as_instances(assessed):
    rows = selectors.attach_row_listing(selectors.proposal_rows(selectors.proposal_queryset()))
    for row in rows:
        row["snippet"] = None
    serializer = ProposalSerializer(context={"request": request()})
    by_rows = rendered([serializer.represent_row(row) for row in rows])
    by_instances = rendered(instance_path())
    assert by_rows == by_instances
    # The fixture covers what a row can hold.
    shown = json.loads(by_rows)
    assert any(p["parent"] for p in shown) and any(p["children"] for p in shown)
    assert any(p["links"] for p in shown)
    assert any(len(p["current_status"]["acting_bodies"]) == 2 for p in shown)
    assert any(p["current_status"]["update"] for p in shown)
    assert any(len(p["themes"]) > 1 for p in shown)


def test_api_list_pages_are_the_instance_paths(api_client, assessed):
    expected = json.loads(rendered(instance_path()))
    got = []
    for page in (1, 2, 3):
        response = api_client.get(f"/api/v1/proposals/?page_size=40&page={page}")
        assert response.status_code == 200
        got += response.json()["results"]
    assert got == expected
    # Byte for byte too: the same keys in the same order.
    first = api_client.get("/api/v1/proposals/?page_size=40").content
    assert rendered(expected[:40]).decode() in first.decode()


@pytest.mark.parametrize("q", ["police", '"police forces" or prison', "police -crime", "review"])
def test_api_search_pages_are_the_instance_paths(api_client, assessed, q):
    expected = json.loads(rendered(instance_path(q)))
    assert expected, q
    response = api_client.get("/api/v1/proposals/", {"q": q, "page_size": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(expected)
    assert body["results"] == expected[:100]


def test_filtered_lists_go_through_the_filter_set(api_client, assessed):
    listed = api_client.get("/api/v1/proposals/?status=in_progress&status=delivered").json()
    assert [p["reference"] for p in listed["results"]] == ["118-2d", "118-4d"]
    assert [
        p["reference"]
        for p in instance_path()
        if p["current_status"]["status"]
        in (
            "in_progress",
            "delivered",
        )
    ] == ["118-2d", "118-4d"]


def sql_of(queryset) -> str:
    try:
        return str(queryset.query)
    except EmptyResultSet:  # a search with nothing to look for matches nothing
        return "nothing"


def view_queryset(query: str):
    view = ProposalViewSet(action="list", format_kwarg=None)
    view.request = Request(RequestFactory().get(f"/api/v1/proposals/?{query}"))
    return view.filter_queryset(view.get_queryset())


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=2&page_size=5&format=json",
        "q=police",
        "q=%20%20police%20%20",
        "q=",
        "q=%20%20",
        "q=the",
        "q=%22stop+and+search%22+-prison+or+cannabis",
        "q=police&page=2",
        "q=first&q=second",
    ],
)
def test_the_shortcuts_give_the_filter_sets_query(papers, query):
    """No filter parameter, or ``q`` alone: the view skips the filter set; its query
    must be the one the filter set would have built (if ``filters.ProposalFilter``
    changes what an empty filter or ``q`` does, this fails)."""
    base = selectors.proposal_queryset()
    filterset = ProposalFilter(QueryDict(query), queryset=base)
    assert filterset.is_valid()  # as DjangoFilterBackend asks first
    expected = filterset.qs
    got = view_queryset(query)
    assert sql_of(got) == sql_of(expected)
    assert list(got.values_list("pk", flat=True)[:30]) == list(
        expected.values_list("pk", flat=True)[:30]
    )


def test_a_search_the_form_refuses_is_still_refused(api_client, papers):
    assert api_client.get("/api/v1/proposals/?q=police%00").status_code == 400


def test_unknown_parameters_are_still_refused(api_client, papers):
    response = api_client.get("/api/v1/proposals/?colour=red")
    assert response.status_code == 400
    assert "colour" in response.json()["error"]["fields"]


# --- Reference data edited: the next anonymous read shows it --------------------------


def test_acting_body_rename_shows_in_the_next_list(api_client, users, assessed):
    url = "/api/v1/proposals/?page_size=100"

    def names() -> set[str]:
        body = api_client.get(url).json()
        return {b["name"] for p in body["results"] for b in p["current_status"]["acting_bodies"]}

    update = Proposal.objects.get(reference="118-2d").current_update
    assert update is not None
    body = update.acting_bodies.first()
    assert body is not None
    assert body.name in names()  # read once: now in the response cache
    services.update_acting_body(
        users["editor"],
        body=body,
        expected_version=body.version,
        data=services.ActingBodyInput(name="Synthetic Renamed Body", kind=body.kind),
    )
    assert "Synthetic Renamed Body" in names()


def test_theme_change_shows_in_the_next_list(api_client, users, papers):
    url = "/api/v1/proposals/?page_size=5"
    first = api_client.get(url).json()["results"][0]
    theme = Theme.objects.get(slug=first["themes"][0])
    services.update_theme(
        users["editor"],
        theme=theme,
        expected_revision=services.revision_of(theme),
        data=services.ThemeInput("synthetic-renamed-theme", "Synthetic Renamed Theme"),
    )
    again = api_client.get(url).json()["results"][0]
    assert "synthetic-renamed-theme" in again["themes"]
    assert first["themes"][0] not in again["themes"]


# --- Pages: the count comes with the rows ----------------------------------------------


def test_pages_counts_and_the_end(api_client, papers, django_assert_num_queries):
    total = Proposal.objects.count()
    last = -(-total // 40)
    for page in range(1, last + 1):
        body = api_client.get(f"/api/v1/proposals/?page_size=40&page={page}").json()
        assert body["count"] == total
        assert len(body["results"]) == min(40, total - 40 * (page - 1))
        assert (body["next"] is None) == (page == last)
    for beyond in (last + 1, 0, "x", "1.5"):
        response = api_client.get(f"/api/v1/proposals/?page_size=40&page={beyond}")
        assert response.status_code == 404, beyond
    # Past the end, the count is asked on its own: still a fixed number of queries.
    with django_assert_num_queries(2):
        api_client.get(f"/api/v1/proposals/?page_size=40&page={last + 5}")


def test_a_theme_filter_counts_each_proposal_once(api_client, papers):
    theme = Theme.objects.filter(proposals__isnull=False).first()
    assert theme is not None
    expected = Proposal.objects.filter(themes=theme).distinct().count()
    body = api_client.get(f"/api/v1/proposals/?theme={theme.slug}&page_size=5").json()
    assert body["count"] == expected
    assert len(body["results"]) == min(5, expected)
