"""Free-text search through the API: ``q`` on proposals is ranked full-text search
in web search syntax (``policies.search``; its result sets on both databases are
in ``test_search.py``); ``q`` on evidence stays a plain word search."""

import csv
import datetime as dt
import io

import pytest

from policies.filters import search_terms
from policies.models import Status
from tests.factories import EvidenceFactory, publish

pytestmark = pytest.mark.django_db


def refs(api_client, query, **params):
    body = api_client.get("/api/v1/proposals/", {"q": query, "page_size": 100, **params}).json()
    return [p["reference"] for p in body["results"]]


@pytest.mark.parametrize(
    "value, terms",
    [
        ("cannabis market", ["cannabis", "market"]),
        ('"police boards" abolish', ["police boards", "abolish"]),
        ('unbalanced "quote', ["unbalanced", "quote"]),
        ("   ", []),
    ],
)
def test_evidence_search_terms(value, terms):
    assert search_terms(value) == terms


def test_every_word_must_match_not_the_phrase(api_client, papers):
    both = set(refs(api_client, "cannabis regulated"))
    # 118-2d says "a strictly regulated cannabis market": the words are not adjacent.
    assert "118-2d" in both
    assert "cannabis regulated" not in papers.get(reference="118-2d").text.lower()
    assert both <= set(refs(api_client, "cannabis"))
    assert both <= set(refs(api_client, "regulated"))
    assert refs(api_client, "cannabis zzzznotaword") == []


def test_quoted_phrase_must_match_as_a_whole(api_client, papers):
    phrase = set(refs(api_client, '"police boards"'))
    assert "138-2.2.5a" in phrase
    assert phrase <= set(refs(api_client, "police boards"))
    for ref in phrase:
        assert "police boards" in papers.get(reference=ref).text.lower()


def test_results_come_best_first_unless_ordered(api_client, papers):
    ranked = refs(api_client, "police")
    assert ranked != sorted(ranked) or len(ranked) < 2
    assert refs(api_client, "police", ordering="reference") == sorted(ranked)
    assert refs(api_client, "police", ordering="-reference") == sorted(ranked, reverse=True)


def test_the_list_page_searches_the_same_way(client, papers, api_client):
    response = client.get("/proposals/", {"q": "cannabis regulated"})
    assert response.status_code == 200
    html = response.content.decode()
    for ref in refs(api_client, "cannabis regulated"):
        assert f"/proposals/{ref}/" in html


def test_long_queries_are_read_not_refused(api_client, papers):
    response = api_client.get("/api/v1/proposals/", {"q": "police " * 100})
    assert response.status_code == 200
    assert response.json()["count"] > 0


def csv_rows(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_snippet_in_json_and_csv(api_client, papers):
    source = EvidenceFactory.create(n=1, title="Synthetic zebra crossing review")
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[source])
    item = api_client.get("/api/v1/proposals/", {"q": "zebra"}).json()["results"][0]
    assert item["reference"] == "118-2d"
    assert "«zebra»" in item["snippet"]
    rows = csv_rows(api_client.get("/api/v1/proposals/", {"q": "zebra", "format": "csv"}))
    assert [row["reference"] for row in rows] == ["118-2d"]
    assert rows[0]["snippet"] == item["snippet"]
    rows = csv_rows(api_client.get("/api/v1/proposals/", {"paper": 118, "format": "csv"}))
    assert {row["snippet"] for row in rows} == {""}


def test_evidence_q_is_still_a_word_search(api_client, papers):
    source = EvidenceFactory.create(n=2, title="Synthetic policing review", is_published=True)
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[source])
    found = api_client.get("/api/v1/evidence/", {"q": "POLICING review"}).json()["results"]
    assert [e["title"] for e in found] == ["Synthetic policing review"]
    assert api_client.get("/api/v1/evidence/", {"q": "police"}).json()["count"] == 0
