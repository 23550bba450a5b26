"""The proposals list's filters, sort and search results (issue 11), in the page
and the API (one filter set, ``policies.filters.ProposalFilter``): the acting-body
filter, the sort, one section per choice, snippets and counts per paper, rows
that link their text, and the folded filter panel.  Every update is synthetic."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.utils import timezone

from policies import search
from policies.models import ActingBody, Proposal, Status
from tests.factories import correct, publish

pytestmark = pytest.mark.django_db

SUMMARY_LEAD = (
    "Summary of policy proposals, 'To ensure that the police are fit for the 21st century, "
    "we will:'"
)


def page_refs(html: str) -> list[str]:
    return re.findall(r'<h2 class="ref"><a href="/proposals/([^/]+)/">', html)


def api(api_client, query) -> tuple[int, dict]:
    cache.clear()  # the anonymous rate limit counts in the cache; this is not a rate test
    response = api_client.get("/api/v1/proposals/?" + urlencode(query))
    return response.status_code, response.json()


def api_refs(api_client, query) -> list[str]:
    status, body = api(api_client, [*query, ("page_size", 100)])
    assert status == 200, body
    return [p["reference"] for p in body["results"]]


def page(client, query) -> tuple[int, str]:
    response = client.get("/proposals/?" + urlencode(query))
    return response.status_code, response.content.decode()


def summary(html: str) -> str:
    start = html.index('class="error-summary"')
    return html[start : html.index("</div>", start)]


# --- Acting body ------------------------------------------------------------------------


def test_body_filter_in_page_and_api(client, api_client, papers):
    uk = ActingBody.objects.get(name="UK Government")
    other = ActingBody.objects.exclude(pk=uk.pk).first()
    assert other is not None
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), bodies=[uk])
    publish("138-1a", Status.DELIVERED, dt.date(2022, 1, 1), bodies=[other])
    # A correction's bodies stand, not the corrected update's.
    wrong = publish("118-3a", Status.DELIVERED, dt.date(2021, 1, 1), bodies=[uk])
    correct(wrong, Status.NO_PROGRESS)
    status, html = page(client, [("body", uk.slug)])
    assert status == 200
    assert page_refs(html) == api_refs(api_client, [("body", uk.slug)]) == ["118-2d"]
    assert f'<input type="checkbox" name="body" value="{uk.slug}" checked>' in html
    both = [("body", uk.slug), ("body", other.slug)]
    assert page_refs(page(client, both)[1]) == api_refs(api_client, both) == ["118-2d", "138-1a"]


def test_unknown_body_is_a_400_in_the_api_and_a_message_on_the_page(client, api_client, papers):
    status, body = api(api_client, [("body", "no-such-body")])
    assert status == 400 and "body" in body["error"]["fields"]
    status, html = page(client, [("body", "no-such-body")])
    assert status == 400
    assert "Acting body: Select a valid choice." in summary(html)
    assert page_refs(html) == []


# --- Sort ---------------------------------------------------------------------------------


def test_sort_by_most_recently_updated(client, api_client, papers):
    now = timezone.now()
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), published=now - dt.timedelta(days=3))
    publish("138-1a", Status.DELIVERED, dt.date(2020, 1, 1), published=now - dt.timedelta(days=1))
    old = publish(
        "118-1a", Status.DELIVERED, dt.date(2019, 1, 1), published=now - dt.timedelta(days=9)
    )
    # A correction (published now) moves its proposal up.
    correct(old, Status.NO_PROGRESS)
    query = [("ordering", "-changed"), ("status", "delivered"), ("status", "in_progress"),
             ("status", "no_progress")]  # fmt: skip
    expected = ["118-1a", "138-1a", "118-2d"]
    assert api_refs(api_client, query) == expected
    status, html = page(client, query)
    assert status == 200 and page_refs(html) == expected
    assert '<option value="-changed" selected>Most recently updated</option>' in html
    assert api_refs(api_client, [("ordering", "changed"), *query[1:]]) == expected[::-1]


def test_sort_by_status_puts_delivery_first_and_unassessed_last(client, api_client, papers):
    publish("118-1b", Status.NO_PROGRESS, dt.date(2021, 1, 1))
    publish("118-1c", Status.DELIVERED, dt.date(2021, 1, 1))
    publish("118-1d", Status.PARTLY_DELIVERED, dt.date(2021, 1, 1))
    query = [("paper", "118"), ("section", "1"), ("ordering", "status")]
    expected = ["118-1c", "118-1d", "118-1b", "118-1a", "118-1e"]
    assert api_refs(api_client, query) == expected
    assert page_refs(page(client, query)[1]) == expected


def test_relevance_is_a_searchs_order_and_needs_a_search(client, api_client, papers):
    ranked = api_refs(api_client, [("q", "police")])
    assert len(ranked) > 3
    assert api_refs(api_client, [("q", "police"), ("ordering", "relevance")]) == ranked
    assert api_refs(api_client, [("q", "police"), ("ordering", "paper")]) != ranked
    status, body = api(api_client, [("ordering", "relevance")])
    assert status == 400 and "ordering" in body["error"]["fields"]
    status, html = page(client, [("ordering", "relevance")])
    assert status == 400
    assert "Sort: Sorting by relevance needs a search (q)." in summary(html)


def test_unknown_sort_is_a_400_in_the_api_and_a_message_on_the_page(client, api_client, papers):
    status, body = api(api_client, [("ordering", "colour")])
    assert status == 400 and "ordering" in body["error"]["fields"]
    status, html = page(client, [("ordering", "colour")])
    assert status == 400
    assert "Sort: Select a valid choice. colour is not one of the available choices." in summary(
        html
    )


# --- One section at a time ----------------------------------------------------------------


def test_a_section_with_its_paper_is_one_section(client, api_client, papers):
    expected = list(
        Proposal.objects.filter(paper__number=138, section__number="5")
        .order_by("order")
        .values_list("reference", flat=True)
    )
    assert expected
    for query in ([("section", "138-5")], [("paper", "138"), ("section", "5")],
                  [("paper", "138"), ("section", "138-5")]):  # fmt: skip
        assert api_refs(api_client, query) == expected, query
        status, html = page(client, query)
        assert status == 200 and page_refs(html) == expected[:50], query
        assert '<option value="138-5" selected>' in html


def test_a_bare_section_number_without_a_paper_is_refused(client, api_client, papers):
    status, body = api(api_client, [("section", "5")])
    assert status == 400
    assert "Section numbers start again in each paper" in body["error"]["fields"]["section"][0]
    status, html = page(client, [("section", "5")])
    assert status == 400
    assert "choose a paper for §5, or give it with its paper (118-5 or 138-5)" in summary(html)


def test_a_section_of_the_other_paper_gets_a_clear_message(client, api_client, papers):
    status, body = api(api_client, [("paper", "138"), ("section", "118-5")])
    assert status == 400
    status, html = page(client, [("paper", "138"), ("section", "118-5")])
    assert status == 400
    assert (
        "Section: Section 118-5 is in paper 118, but only paper 138 is chosen: choose both "
        "papers, or a section of paper 138."
    ) in summary(html)
    assert page_refs(html) == []


def test_the_section_menu_is_grouped_by_paper(client, papers):
    html = page(client, [])[1]
    menu = html[html.index('<select id="id_section"') : html.index("</select>")]
    groups = re.findall(r'<optgroup label="Paper (\d+)" data-paper="\1"( disabled)?>', menu)
    assert groups == [("118", ""), ("138", "")]
    values = re.findall(r'<option value="([^"]*)"', menu)
    assert values[0] == "" and "118-5" in values and "138-5" in values
    assert len(values) == len(set(values))  # every value names one section
    assert all(re.fullmatch(r"(118|138)-\w+", v) for v in values[1:])
    # With one paper chosen, the other's sections are not offered.
    html = page(client, [("paper", "138")])[1]
    assert '<optgroup label="Paper 118" data-paper="118" disabled>' in html
    assert '<optgroup label="Paper 138" data-paper="138">' in html


# --- Search results -----------------------------------------------------------------------


def test_search_snippets_are_marked_and_escaped(client, papers):
    proposal = Proposal.objects.get(reference="138-1a")
    # Synthetic text, to see markup escaped around a match.
    Proposal.objects.filter(pk=proposal.pk).update(
        text="Synthetic <b>zebra</b> & crossing text for the snippet test."
    )
    search.refresh([proposal.pk])
    status, html = page(client, [("q", "zebra")])
    assert status == 200 and page_refs(html) == ["138-1a"]
    snippet = re.search(r'<p class="snippet"><span class="label">Matched:</span> (.*?)</p>', html)
    assert snippet is not None
    assert "<mark>zebra</mark>" in snippet.group(1) and "&amp; crossing" in snippet.group(1)
    # The tags are shown as text (SQLite), or dropped by PostgreSQL's headline: never markup.
    assert "&lt;b&gt;<mark>zebra</mark>&lt;/b&gt;" in snippet.group(1) or (
        "<b>" not in snippet.group(1) and "&lt;" not in snippet.group(1)
    )
    assert "<b>" not in html[html.index('id="results"') :]


def test_search_counts_per_paper_equal_the_api(client, api_client, papers):
    status, html = page(client, [("q", "police")])
    assert status == 200
    counts = {p: len(api_refs(api_client, [("q", "police"), ("paper", p)])) for p in (118, 138)}
    assert counts[118] and counts[138]
    total = counts[118] + counts[138]
    assert (
        f"{total} proposals matching “police”: {counts[118]} in paper 118, "
        f"{counts[138]} in paper 138; best matches first"
    ) in html


# --- Rows and the panel -------------------------------------------------------------------


def test_rows_link_their_text_and_name_a_long_position_once(client, papers):
    status, html = page(client, [("paper", "138"), ("kind", "summary")])
    assert status == 200
    proposal = Proposal.objects.get(reference="138-2a")
    assert f'<p class="text"><a href="/proposals/138-2a/">{proposal.text}</a></p>' in html
    items = Proposal.objects.filter(position__startswith=SUMMARY_LEAD).count()
    assert items > 2
    assert html.count(SUMMARY_LEAD.replace("'", "&#x27;")) == 1  # once, as a group heading
    assert '<p class="position-group">' in html
    assert "· item 2 ·" in html


def test_the_filter_panel_folds_without_script(client, papers):
    html = page(client, [("status", "delivered"), ("paper", "118")])[1]
    # Folded by default (a phone without script sees the results first); the script
    # opens it on wide screens.  The summary says how many filters are in use.
    assert '<details class="filter-panel" id="filter-panel">' in html
    assert "<summary>Search, filter and sort (2 in use)</summary>" in html
    panel = html[html.index('id="filter-panel"') : html.index("</details>\n\n<div")]
    assert '<form method="get"' in panel
    # A form to correct is shown open.
    html = page(client, [("ordering", "colour")])[1]
    assert '<details class="filter-panel" id="filter-panel" open>' in html


def test_searched_and_sorted_list_query_count_is_constant(
    client, api_client, papers, django_assert_max_num_queries
):
    uk = ActingBody.objects.get(name="UK Government")

    def count() -> int:
        with django_assert_max_num_queries(100) as captured:
            response = client.get(
                "/proposals/?"
                + urlencode([("q", "police"), ("ordering", "-changed"), ("body", uk.slug)])
            )
        assert response.status_code == 200
        return len(captured.captured_queries)

    matching = api_refs(api_client, [("q", "police")])
    assert len(matching) > 6
    publish(matching[0], Status.IN_PROGRESS, dt.date(2021, 1, 1), bodies=[uk])
    before = count()
    for reference in matching[1:6]:
        publish(reference, Status.IN_PROGRESS, dt.date(2021, 1, 1), bodies=[uk])
    # The form (papers, sections, themes, bodies), the keys in rank order, the page and
    # what attach_listing adds, the snippets: the same at any size.
    assert count() == before == 11
