"""The researchers' pages: content, bad input, the scorecard against the API,
and query counts that do not grow with the number of proposals."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils import timezone

from evidence.models import Evidence
from policies import selectors
from policies.filters import ProposalFilter
from policies.models import (
    STATUS_DEFINITIONS,
    ActingBody,
    Paper,
    Proposal,
    ProposalLink,
    Section,
    Status,
)
from policies.site import scorecard
from policies.site.textdiff import word_diff
from tests.factories import EvidenceFactory, StatusUpdateFactory
from tracker import revision

pytestmark = pytest.mark.django_db


def publish(proposal, status, day=dt.date(2022, 3, 1), *, evidence=(), bodies=()):
    return StatusUpdateFactory.create(
        proposal=proposal,
        status=status,
        effective_date=day,
        rationale="Synthetic test rationale.",
        evidence=list(evidence),
        acting_bodies=list(bodies),
    )


def synthetic_source(n: int = 1, **fields) -> Evidence:
    """Source ``n``, published (cited by a published update), dated by ``n``."""
    values = {
        "kind": Evidence.Kind.GOVERNMENT_PUBLICATION,
        "publisher": "Synthetic Publisher",
        "published_date": dt.date(2021, 1, n % 28 + 1),
        "is_published": True,
    }
    return EvidenceFactory.create(n=n, **(values | fields))


def add_synthetic_proposals(count: int) -> None:
    """More proposals (obviously synthetic), each assessed with evidence, so a
    query count can be compared at two sizes."""
    paper = Paper.objects.get(number=138)
    section = Section.objects.get(paper=paper, number="2")
    body = ActingBody.objects.first()
    for i in range(count):
        proposal = Proposal.objects.create(
            reference=f"138-9.9.{i}z",
            paper=paper,
            section=section,
            kind=Proposal.Kind.BODY,
            order=1000 + i,
            position="Synthetic",
            text=f"Synthetic test proposal number {i}.",
            applicability=Proposal.Applicability.PAPER_NOTE,
        )
        publish(proposal, Status.IN_PROGRESS, evidence=[synthetic_source(100 + i)], bodies=[body])


def query_count(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(100) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


# --- The scorecard ----------------------------------------------------------------


def test_home_shows_scorecard_with_chart_and_links(client, papers):
    publish(Proposal.objects.get(reference="118-2d"), Status.DELIVERED)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<svg class="chart"') == 3  # 118 main, 138 main, 138 body pledges
    assert '<title id="chart-118-main-title">' in html
    assert "118-2d: Delivered" in html
    cell = "/proposals/?" + urlencode(
        [("paper", "118"), ("section", "2"), ("kind", "headline"), ("kind", "summary")]
        + [("kind", "motion"), ("status", "delivered")]
    )
    assert cell.replace("&", "&amp;") in html


def _api_count(api_client, query) -> int:
    cache.clear()  # the anonymous rate limit counts in the cache; this is not a rate test
    response = api_client.get("/api/v1/proposals/?" + urlencode(query))
    assert response.status_code == 200, response.content
    return response.json()["count"]


def test_scorecard_counts_equal_the_api_counts(api_client, papers):
    body = ActingBody.objects.get(name="UK Government")
    publish(Proposal.objects.get(reference="118-2d"), Status.DELIVERED, bodies=[body])
    publish(Proposal.objects.get(reference="118-4f"), Status.IN_PROGRESS)
    publish(Proposal.objects.get(reference="138-2a"), Status.PARTLY_DELIVERED)
    publish(Proposal.objects.get(reference="138-2.2.6a"), Status.CONTRARY)
    publish(Proposal.objects.get(reference="138-1a"), Status.NO_PROGRESS)
    cards = scorecard.scorecard(list(selectors.paper_queryset()), selectors.proposal_queryset())
    seen = 0
    for card in cards:
        for group in card.groups:
            rows = [group.paper_row, *group.section_rows]
            for row in rows:
                assert _api_count(api_client, row.query) == row.total
                for cell in row.cells:
                    assert _api_count(api_client, cell.query) == cell.count, cell.query
                    seen += cell.count
    # Every proposal counted once in a paper row and once in a section row.
    assert seen == 2 * Proposal.objects.count() == 226
    by_group = {(c.number, g.key): g.paper_row.total for c in cards for g in c.groups}
    assert by_group == {(118, "main"): 39, (138, "main"): 34, (138, "body"): 40}


def test_filtered_scorecard_equals_the_api_for_the_same_filters(api_client, papers):
    publish(Proposal.objects.get(reference="118-2c"), Status.DELIVERED)
    extra = {"theme": ["drugs"], "status": ["delivered", "not_assessed"]}
    filterset = ProposalFilter(extra, queryset=selectors.proposal_queryset())
    assert filterset.is_valid()
    cards = scorecard.scorecard(list(selectors.paper_queryset()), filterset.qs, extra)
    total = 0
    for card in cards:
        for group in card.groups:
            for row in [group.paper_row, *group.section_rows]:
                assert _api_count(api_client, row.total_query) == row.total
                for cell in row.cells:
                    if cell.query is None:  # a status the scorecard was filtered out of
                        assert cell.count == 0 and cell.status not in extra["status"]
                    else:
                        assert _api_count(api_client, cell.query) == cell.count
            total += group.paper_row.total
    flat = [(k, v) for k, values in extra.items() for v in values]
    assert total == _api_count(api_client, flat) > 0


def test_home_query_count_is_constant(client, papers, django_assert_max_num_queries):
    publish(Proposal.objects.get(reference="138-2a"), Status.IN_PROGRESS)
    before = query_count(client, "/", django_assert_max_num_queries)
    add_synthetic_proposals(15)
    revision.bump()  # as every publishing write does: the status by month is computed again
    revision.current()
    # Papers, sections, the scorecard's counts, latest assessments; status by month: 2.
    assert query_count(client, "/", django_assert_max_num_queries) == before == 6


# --- The proposals list -------------------------------------------------------------


def refs_in(html: str) -> list[str]:
    return re.findall(r'<h2 class="ref"><a href="/proposals/([^/]+)/">', html)


def test_list_filters_from_the_url(client, papers):
    html = client.get("/proposals/?paper=118&section=2").content.decode()
    assert refs_in(html) == ["118-2a", "118-2b", "118-2c", "118-2d", "118-2e"]
    assert "5 proposals" in html
    # The form shows the filters in force, so the view can be shared and refined.
    assert '<input type="radio" name="paper" value="118" checked>' in html
    assert '<option value="118-2" selected>' in html  # one section: of paper 118


def test_list_full_text_search_matches_the_api(client, api_client, papers):
    html = client.get("/proposals/?q=cannabis").content.decode()
    api = api_client.get("/api/v1/proposals/?q=cannabis&page_size=100").json()
    assert refs_in(html) == [p["reference"] for p in api["results"]]
    assert api["count"] > 0
    assert 'value="cannabis"' in html


def test_list_pages_through_results(client, papers):
    first = client.get("/proposals/").content.decode()
    second = client.get("/proposals/?page=2").content.decode()
    assert len(refs_in(first)) == 50 and len(refs_in(second)) == 50
    assert not set(refs_in(first)) & set(refs_in(second))
    assert 'href="?page=2"' in first


def test_list_bad_filter_is_a_clear_400(client, papers):
    response = client.get("/proposals/?status=finished&paper=118")
    html = response.content.decode()
    assert response.status_code == 400
    assert "These filters could not be used" in html
    assert "finished" in html
    assert refs_in(html) == []


def test_list_escapes_the_search_text(client, papers):
    html = client.get("/proposals/?q=%3Cscript%3Ealert(1)%3C/script%3E").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_list_query_count_is_constant(client, papers, django_assert_max_num_queries):
    for proposal in Proposal.objects.filter(kind="body")[:10]:
        publish(proposal, Status.IN_PROGRESS, bodies=ActingBody.objects.all()[:2])
    before = query_count(client, "/proposals/?kind=body", django_assert_max_num_queries)
    add_synthetic_proposals(20)
    after = query_count(client, "/proposals/?kind=body", django_assert_max_num_queries)
    assert before == after == 9  # 8, and the acting bodies of the form's body filter


# --- One proposal -------------------------------------------------------------------


def test_proposal_page_tells_the_story(client, papers):
    proposal = Proposal.objects.get(reference="118-2d")
    body = ActingBody.objects.get(name="UK Government")
    old = synthetic_source(1, archived_url="https://example.org/archive/1", quote="Synthetic quote")
    first = publish(
        proposal, Status.IN_PROGRESS, dt.date(2020, 5, 1), evidence=[old], bodies=[body]
    )
    publish(proposal, Status.DELIVERED, dt.date(2023, 6, 1), evidence=[synthetic_source(2)])
    StatusUpdateFactory.create(
        draft=True,
        proposal=proposal,
        status=Status.CONTRARY,
        effective_date=dt.date(2024, 1, 1),
        rationale="Synthetic draft that must not show",
    )
    html = client.get("/proposals/118-2d/").content.decode()
    assert proposal.text in html
    assert "Motion proposal" in html and "Policy Paper 118" in html
    assert 'href="/papers/118/#source-118-2d"' in html
    assert "Delivered</span> since 1 June 2023" in html
    assert STATUS_DEFINITIONS[Status.DELIVERED] in html
    # The timeline: newest first, with bodies, evidence, archive and quote.
    assert html.index("1 June 2023") < html.index("1 May 2020")
    assert f'href="/updates/{first.pk}/"' in html
    assert "Acting: UK Government" in html
    assert 'href="https://example.org/synthetic/1"' in html
    assert 'href="https://example.org/archive/1"' in html
    assert "Synthetic quote" in html
    assert "Synthetic draft" not in html
    # Links to paper 138, Open Graph and citation.
    link = ProposalLink.objects.filter(from_proposal=proposal).first()
    assert link is not None
    assert f'href="/proposals/{link.to_proposal.reference}/"' in html
    assert '<meta property="og:title" content="118-2d:' in html
    assert '<meta property="og:url" content="http://testserver/proposals/118-2d/">' in html
    assert "Cite this" in html and timezone.localdate().strftime("%Y-%m-%d") in html


def test_proposal_page_shows_parent_and_children(client, papers):
    parent = client.get("/proposals/138-5g/").content.decode()
    for child in ["138-5.2.11a", "138-5.2.11b", "138-5.2.11c", "138-5.2.11d"]:
        assert f'href="/proposals/{child}/"' in parent
    child = client.get("/proposals/138-2.2.6a/").content.decode()
    assert 'href="/proposals/138-2a/"' in child


def test_proposal_page_404(client, papers):
    assert client.get("/proposals/118-9z/").status_code == 404


def test_proposal_page_query_count_is_constant(client, papers, django_assert_max_num_queries):
    proposal = Proposal.objects.get(reference="138-5g")
    publish(proposal, Status.IN_PROGRESS, evidence=[synthetic_source(1)])
    before = query_count(client, "/proposals/138-5g/", django_assert_max_num_queries)
    for n in range(2, 8):
        publish(
            proposal, Status.IN_PROGRESS, evidence=[synthetic_source(n), synthetic_source(n + 50)]
        )
    add_synthetic_proposals(5)
    after = query_count(client, "/proposals/138-5g/", django_assert_max_num_queries)
    assert before == after == 8


def test_status_update_page_and_drafts_are_private(client, papers, django_assert_num_queries):
    proposal = Proposal.objects.get(reference="118-1a")
    update = publish(proposal, Status.IN_PROGRESS, evidence=[synthetic_source(3)])
    with django_assert_num_queries(4):  # fixed: update, bodies, evidence, corrections
        html = client.get(f"/updates/{update.pk}/").content.decode()
    assert "Synthetic test rationale." in html and "Synthetic test source 3" in html
    draft = StatusUpdateFactory.create(
        draft=True,
        proposal=proposal,
        status=Status.DELIVERED,
        effective_date=dt.date(2024, 1, 1),
        rationale="Synthetic draft",
    )
    assert client.get(f"/updates/{draft.pk}/").status_code == 404


# --- Paper and source text -----------------------------------------------------------


@pytest.mark.parametrize("number", [118, 138])
def test_paper_page_highlights_and_anchors_every_proposal(client, papers, number):
    html = client.get(f"/papers/{number}/").content.decode()
    refs = Proposal.objects.filter(paper__number=number).values_list("reference", flat=True)
    for ref in refs:
        assert f'id="source-{ref}"' in html, ref
        assert f'href="#source-{ref}"' in html, ref
    # Each proposal's first line is highlighted (several pledges may share a line).
    lines = html.split('<span class="line"')
    for ref in refs:
        line = next(chunk for chunk in lines if f'id="source-{ref}"' in chunk)
        assert "<mark>" in line.split("</span>")[0], ref
    paper = Paper.objects.get(number=number)
    assert paper.route_description.split(",")[0] in html


def test_paper_page_query_count_is_constant(client, papers, django_assert_max_num_queries):
    publish(Proposal.objects.get(reference="138-2a"), Status.IN_PROGRESS)
    before = query_count(client, "/papers/138/", django_assert_max_num_queries)
    add_synthetic_proposals(10)
    revision.bump()  # as every publishing write does: the status by month is computed again
    revision.current()
    # Six as before, the headline's counts (1) and the status by month (2).
    assert query_count(client, "/papers/138/", django_assert_max_num_queries) == before == 9


def test_unknown_paper_is_404(client, papers):
    assert client.get("/papers/200/").status_code == 404


# --- Comparison ------------------------------------------------------------------------


def test_comparison_page(client, papers):
    html = client.get(reverse("comparison")).content.decode()
    # Taken up: a link of a type in ProposalLink.TAKEN_UP_TYPES ("related" is not);
    # tests/test_comparison.py tests the rule itself.
    taking_up = ProposalLink.TAKEN_UP_TYPES
    old = Proposal.objects.filter(paper__number=118)
    not_revisited = old.exclude(links_out__link_type__in=taking_up)
    new = Proposal.objects.filter(paper__number=138).exclude(links_in__link_type__in=taking_up)
    section = html[html.index('id="not-revisited"') : html.index('id="new-in-138"')]
    assert set(re.findall(r'href="/proposals/(118-[^/]+)/"', section)) == set(
        not_revisited.values_list("reference", flat=True)
    )
    tail = html[html.index('<h2 id="new-in-138"') :]
    assert set(re.findall(r'<a class="ref" href="/proposals/(138-[^/]+)/"', tail)) == set(
        new.values_list("reference", flat=True)
    )
    reworded = ProposalLink.objects.filter(link_type="reworded").count()
    assert reworded > 0
    assert "<ins>" in html and "<del>" in html
    assert "§1.1.9" in html


def test_wording_diff_marks_and_escapes():
    diff = word_diff("Keep <b>this</b> and drop that", "Keep <b>this</b> and add more")
    old, new = diff.old_html, diff.new_html
    assert old == "Keep &lt;b&gt;this&lt;/b&gt; and <del>drop that</del>"
    assert new == "Keep &lt;b&gt;this&lt;/b&gt; and <ins>add more</ins>"


def test_comparison_query_count_is_constant(client, papers, django_assert_max_num_queries):
    publish(Proposal.objects.get(reference="138-2a"), Status.IN_PROGRESS)
    before = query_count(client, "/compare/118-138/", django_assert_max_num_queries)
    add_synthetic_proposals(10)
    assert query_count(client, "/compare/118-138/", django_assert_max_num_queries) == before == 4


# --- Evidence library and methodology ---------------------------------------------------


def test_evidence_library_filters_and_lists_supported_proposals(client, papers):
    law = synthetic_source(1, kind=Evidence.Kind.LEGISLATION, publisher="Synthetic Legislature")
    stats = synthetic_source(2, kind=Evidence.Kind.OFFICIAL_STATISTICS)
    hidden = synthetic_source(3, is_published=False)  # cited only by a draft
    publish(Proposal.objects.get(reference="118-2d"), Status.DELIVERED, evidence=[law, stats])
    publish(Proposal.objects.get(reference="138-2a"), Status.IN_PROGRESS, evidence=[law])
    StatusUpdateFactory.create(
        draft=True,
        reference="118-1a",
        status=Status.DELIVERED,
        effective_date=dt.date(2024, 1, 1),
        rationale="Synthetic draft",
        evidence=[hidden],
    )
    html = client.get("/evidence/").content.decode()
    assert "Synthetic test source 1" in html and "Synthetic test source 2" in html
    assert "Synthetic test source 3" not in html
    filtered = client.get("/evidence/?kind=legislation").content.decode()
    assert "Synthetic test source 1" in filtered and "Synthetic test source 2" not in filtered
    assert 'href="/proposals/118-2d/"' in filtered and 'href="/proposals/138-2a/"' in filtered
    by_publisher = client.get("/evidence/?publisher=Synthetic+Publisher").content.decode()
    assert (
        "Synthetic test source 2" in by_publisher and "Synthetic test source 1" not in by_publisher
    )
    bad = client.get("/evidence/?kind=rumour")
    assert bad.status_code == 400 and "not a kind of source" in bad.content.decode()
    assert client.get(f"/evidence/{law.pk}/").status_code == 200
    assert client.get(f"/evidence/{hidden.pk}/").status_code == 404


def test_evidence_library_query_count_is_constant(client, papers, django_assert_max_num_queries):
    publish(
        Proposal.objects.get(reference="118-2d"), Status.DELIVERED, evidence=[synthetic_source(1)]
    )
    before = query_count(client, "/evidence/", django_assert_max_num_queries)
    add_synthetic_proposals(12)
    assert query_count(client, "/evidence/", django_assert_max_num_queries) == before == 5


def test_methodology_defines_every_status(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = client.get("/methodology/").content.decode()
    for status in Status:
        assert f'id="status-{status.value}"' in html
        assert STATUS_DEFINITIONS[status] in html
    assert "Corrections never overwrite" in html


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/proposals/",
        "/proposals/118-1a/",
        "/papers/118/",
        "/compare/118-138/",
        "/evidence/",
        "/methodology/",
    ],
)
def test_every_page_has_a_title_and_description(client, papers, url):
    html = client.get(url).content.decode()
    assert re.search(r"<title>[^<]{5,}</title>", html)
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)


@pytest.mark.parametrize(
    "url, feed",
    [
        ("/", "/feeds/changes.atom"),
        ("/papers/138/", "/feeds/papers/138.atom"),
        ("/proposals/118-2d/", "/feeds/proposals/118-2d.atom"),
    ],
)
def test_pages_advertise_their_atom_feeds(client, papers, url, feed):
    html = client.get(url).content.decode()
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in html
    assert client.get(feed).status_code == 200


def test_source_link_names_one_line_or_a_range(client, papers):
    one = papers.filter(source_line_start=models.F("source_line_end")).first()
    many = papers.exclude(source_line_start=models.F("source_line_end")).first()
    html = client.get(f"/proposals/{one.reference}/").content.decode()
    assert f"(line {one.source_line_start})" in html
    html = client.get(f"/proposals/{many.reference}/").content.decode()
    assert f"(lines {many.source_line_start}–{many.source_line_end})" in html
