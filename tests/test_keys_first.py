"""A search's pages come from its ranked keys (``KeysFirstPaginator``): the same
matches, in the same order, with the same count as paging the ranked queryset."""

import pytest
from django.core.paginator import Paginator

from policies import search, selectors
from policies.models import Theme
from tracker.api.pagination import KeysFirstPaginator

pytestmark = pytest.mark.django_db


def ranked(q, **filters):
    return search.ranked(selectors.proposal_queryset().filter(**filters), q)


@pytest.mark.parametrize(
    "q", ["police", "prison or court", "police -officers", '"stop and search"']
)
def test_pages_equal_the_plain_paginator(papers, q):
    plain = Paginator(ranked(q), 7, orphans=2)
    keys_first = KeysFirstPaginator(ranked(q), 7, orphans=2)
    assert plain.count > 0
    assert keys_first.count == plain.count
    assert keys_first.num_pages == plain.num_pages
    for number in plain.page_range:
        expected = [p.reference for p in plain.page(number)]
        assert [p.reference for p in keys_first.page(number)] == expected


def test_key_fields_count_matches_by_paper(papers):
    paginator = KeysFirstPaginator(ranked("police"), 10, key_fields=("paper_number",))
    by_paper: dict[int, int] = {}
    for _, paper in paginator.keys:
        by_paper[paper] = by_paper.get(paper, 0) + 1
    assert by_paper == {
        paper: ranked("police").filter(paper_number=paper).count() for paper in (118, 138)
    }


def test_a_theme_filter_that_joins_does_not_repeat_matches(papers):
    theme = Theme.objects.filter(proposals__isnull=False).first()
    queryset = ranked("police").filter(themes__in=Theme.objects.all()).distinct()
    paginator = KeysFirstPaginator(queryset, 100)
    references = [p.reference for p in paginator.page(1)]
    assert theme is not None and references
    assert len(references) == len(set(references)) == paginator.count


def test_api_and_page_search_use_the_keys(client, papers):
    api = client.get("/api/v1/proposals/", {"q": "police", "page_size": 5, "page": 2}).json()
    plain = Paginator(ranked("police"), 5)
    assert api["count"] == plain.count
    assert [r["reference"] for r in api["results"]] == [p.reference for p in plain.page(2)]
    page = client.get("/proposals/", {"q": "police"})
    assert page.status_code == 200
    counts = dict(page.context["by_paper"])
    assert counts == {
        paper: ranked("police").filter(paper_number=paper).count()
        for paper in (118, 138)
        if ranked("police").filter(paper_number=paper).exists()
    }
