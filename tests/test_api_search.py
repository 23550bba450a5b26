"""Free-text search: every word or "quoted phrase" must match, the same on the API and pages."""

import pytest

from policies.filters import search_terms

pytestmark = pytest.mark.django_db


def refs(api_client, query):
    body = api_client.get("/api/v1/proposals/", {"q": query, "page_size": 100}).json()
    return {p["reference"] for p in body["results"]}


@pytest.mark.parametrize(
    "value, terms",
    [
        ("cannabis market", ["cannabis", "market"]),
        ('"police boards" abolish', ["police boards", "abolish"]),
        ('unbalanced "quote', ["unbalanced", "quote"]),
        ("   ", []),
    ],
)
def test_search_terms(value, terms):
    assert search_terms(value) == terms


def test_every_word_must_match_not_the_phrase(api_client, papers):
    both = refs(api_client, "cannabis regulated")
    # 118-2d says "a strictly regulated cannabis market": the words are not adjacent.
    assert "118-2d" in both
    assert "cannabis regulated" not in papers.get(reference="118-2d").text.lower()
    assert both <= refs(api_client, "cannabis")
    assert both <= refs(api_client, "regulated")
    assert refs(api_client, "cannabis zzzznotaword") == set()


def test_quoted_phrase_must_match_as_a_whole(api_client, papers):
    phrase = refs(api_client, '"police boards"')
    assert "138-2.2.5a" in phrase
    words = refs(api_client, "police boards")
    assert phrase <= words
    for ref in phrase:
        assert "police boards" in papers.get(reference=ref).text.lower()


def test_the_list_page_searches_the_same_way(client, papers, api_client):
    response = client.get("/proposals/", {"q": "cannabis regulated"})
    assert response.status_code == 200
    html = response.content.decode()
    for ref in refs(api_client, "cannabis regulated"):
        assert f"/proposals/{ref}/" in html
