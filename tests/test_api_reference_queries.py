"""Query counts of the reference-data endpoints (papers, sections, themes, bodies):
pinned, and the same with more rows."""

import pytest

from policies.models import Paper, Section, Theme

pytestmark = pytest.mark.django_db


def add_synthetic_rows(n: int = 15) -> None:
    paper = Paper.objects.create(
        number=199,
        title="Synthetic test paper",
        year=2000,
        route=Paper.Route.PAPER,
        route_description="Synthetic.",
        source_file="synthetic.txt",
        source_title="Synthetic",
        applicability_note="Synthetic.",
    )
    for i in range(n):
        Section.objects.create(paper=paper, number=str(i + 1), title=f"Synthetic {i}", order=i)
        Theme.objects.create(slug=f"synthetic-{i}", name=f"Synthetic theme {i}")


@pytest.mark.parametrize(
    "url, pinned",
    [
        ("/api/v1/papers/", 2),
        ("/api/v1/papers/118/", 2),
        ("/api/v1/sections/?page_size=100", 2),
        ("/api/v1/sections/1/", 1),
        ("/api/v1/themes/?page_size=100", 2),
        ("/api/v1/themes/drugs/", 1),
    ],
)
def test_reference_endpoints_query_counts(
    api_client, papers, django_assert_num_queries, url, pinned
):
    section = Section.objects.first()
    assert section is not None
    url = url.replace("/sections/1/", f"/sections/{section.pk}/")
    with django_assert_num_queries(pinned):
        assert api_client.get(url).status_code == 200
    add_synthetic_rows()
    with django_assert_num_queries(pinned):
        assert api_client.get(url).status_code == 200
