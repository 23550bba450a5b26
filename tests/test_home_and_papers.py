"""The home page's headlines, the status over time, the paper page, and public
pages that speak to the public (issue 11).  Every update here is synthetic."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.utils import timezone

from policies.models import DatePrecision, Proposal, Section, Status, StatusUpdate
from policies.site import scorecard
from tests.factories import UserFactory, correct, publish
from tracker import revision

pytestmark = pytest.mark.django_db

# The largest viewBox width at which a 12-unit label is still 12 px in the
# 328 px content box of a 360 px screen (main's padding is 1rem each side).
MAX_VIEWBOX_WIDTH = 328


def _api_count(api_client, query) -> int:
    cache.clear()  # the anonymous rate limit counts in the cache; this is not a rate test
    response = api_client.get("/api/v1/proposals/?" + urlencode(query))
    assert response.status_code == 200, response.content
    return response.json()["count"]


def _pairs(query: str) -> list[tuple[str, str]]:
    """A link's query string, as written in the HTML, as pairs."""
    return [tuple(p.split("=", 1)) for p in query.replace("&amp;", "&").split("&")]  # type: ignore[misc]


def _assess_both_papers():
    """Synthetic published updates in both papers, one of them corrected."""
    wrong = publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    correct(wrong, Status.DELIVERED)
    publish("118-4f", Status.NO_PROGRESS, dt.date(2024, 1, 15))
    publish("138-2a", Status.PARTLY_DELIVERED, dt.date(2023, 9, 1))
    publish("138-1a", Status.CONTRARY, dt.date(2024, 2, 1))
    publish("138-2.2.6a", Status.IN_PROGRESS, dt.date(2024, 5, 20))


def _headline(html: str, number: int) -> str:
    start = html.index(f'id="headline-{number}-heading"')
    return html[start : html.index("</article>", start)]


# --- Headlines -------------------------------------------------------------------------


def test_headline_numbers_equal_the_api(client, api_client, papers):
    _assess_both_papers()
    html = client.get("/").content.decode()
    for number in (118, 138):
        total = _api_count(api_client, [("paper", number)])
        unassessed = _api_count(api_client, [("paper", number), ("status", "not_assessed")])
        block = _headline(html, number)
        assert f"<strong>{total - unassessed} of {total}</strong> proposals assessed" in block
        words = re.findall(r'<a href="/proposals/\?([^"]+)">(\d+) ([^<]+)</a>', block)
        assert {label for _, _, label in words} >= {"not yet assessed"}
        for query, count, _label in words:
            assert _api_count(api_client, _pairs(query)) == int(count), query
        assert sum(int(count) for _, count, _ in words) == total
    assert "<strong>2 of 39</strong>" in _headline(html, 118)
    assert "1 delivered" in _headline(html, 118)  # the correction, not the corrected
    assert "<strong>3 of 74</strong>" in _headline(html, 138)


def test_group_headings_name_the_kinds_the_data_holds(client, papers):
    html = client.get("/").content.decode()
    assert "Headline, summary and motion proposals" not in html
    assert 'id="group-118-main">Motion proposals:' in html
    assert 'id="group-138-main">Headline commitments and summary proposals:' in html
    assert 'id="group-138-body">Body pledges:' in html


def test_empty_state_says_what_the_tracker_is(client, papers):
    html = client.get("/").content.decode()
    assert "No assessment published yet" in html
    assert "This tracker follows every proposal of two Liberal Democrat policy papers" in html
    assert 'href="/methodology/">how assessments are made</a>' in html
    assert "<strong>0 of 39</strong> proposals assessed" in html
    assert 'class="chart-time"' not in html  # no chart without an assessment
    publish("118-2d", Status.DELIVERED, dt.date(2024, 1, 1))
    revision.bump()
    html = client.get("/").content.decode()
    assert "No assessment published yet" not in html


# --- Status over time ------------------------------------------------------------------


def _months_since(first: dt.date) -> int:
    today = timezone.localdate()
    return (today.year - first.year) * 12 + today.month - first.month + 1


def test_status_by_month_follows_the_as_at_rule(papers):
    _assess_both_papers()
    by_month = scorecard.status_by_month()
    assert set(by_month) == {118, 138}
    assert by_month[118][0].month == dt.date(2023, 3, 1)
    assert by_month[138][0].month == dt.date(2023, 9, 1)
    assert len(by_month[118]) == _months_since(dt.date(2023, 3, 1))
    for number, months in by_month.items():
        for month in months[:14]:  # the months in which the synthetic updates land
            computed = Counter(
                Proposal.objects.with_status(as_at=month.as_at)
                .filter(paper__number=number)
                .values_list("current_status", flat=True)
            )
            assert month.counts == dict(computed), (number, month.month)
    march = by_month[118][0]
    assert march.counts[Status.DELIVERED] == 1 and march.assessed == 1  # as corrected


def test_chart_is_on_home_and_paper_pages_from_the_first_assessment(client, papers):
    publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    home = client.get("/").content.decode()
    paper = client.get("/papers/118/").content.decode()
    for html in (home, paper):
        svg = re.search(r'<svg class="chart-time" id="months-118".*?</svg>', html, re.S)
        assert svg, "no chart of paper 118 by month"
        assert "March 2023" in svg.group(0)  # the first month is labelled
        assert "style=" not in svg.group(0)
    assert 'id="months-138"' not in home  # paper 138 has no assessment: no chart
    assert "The figures by month" in home


def test_chart_is_cached_by_the_data_revision(papers, settings, django_assert_num_queries):
    settings.DATA_REVISION_TTL = 600  # the revision is read once, below
    publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    revision.bump()
    revision.current()
    with django_assert_num_queries(2):  # proposals, published updates
        first = scorecard.status_by_month()
    with django_assert_num_queries(0):
        assert scorecard.status_by_month() == first
    publish("118-4f", Status.DELIVERED, dt.date(2023, 4, 1))
    with django_assert_num_queries(0):  # no write moved the revision: still the cached one
        assert scorecard.status_by_month() == first
    revision.bump()
    revision.current()
    with django_assert_num_queries(2):
        moved = scorecard.status_by_month()
    assert moved[118][-1].counts[Status.DELIVERED] == 1
    assert Status.DELIVERED not in first[118][-1].counts


# --- The proposal page's timeline graphic -------------------------------------------------


def test_proposal_timeline_graphic_draws_each_update_at_its_precision(client, papers):
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 6, 1))
    update = publish("118-2d", Status.DELIVERED, dt.date(2023, 3, 1))
    update.date_precision = DatePrecision.MONTH
    update.save()
    html = client.get("/proposals/118-2d/").content.decode()
    svg = re.search(r'<svg class="chart-timeline".*?</svg>', html, re.S)
    assert svg
    assert svg.group(0).count("<circle") == 1  # a day
    assert svg.group(0).count("<rect") == 1  # a month
    assert "March 2023: Delivered" in svg.group(0) and "1 March 2023" not in svg.group(0)
    assert "style=" not in svg.group(0)
    assert 'class="chart-timeline"' not in client.get("/proposals/118-2c/").content.decode()


# --- Readable charts -----------------------------------------------------------------------


def test_every_chart_keeps_labels_readable_at_360_px(client, papers):
    _assess_both_papers()
    for url in ("/", "/papers/138/", "/proposals/118-2d/"):
        html = client.get(url).content.decode()
        widths = re.findall(r'<svg class="chart[^"]*"[^>]*viewBox="0 0 ([\d.]+) [\d.]+"', html)
        assert widths, url
        assert all(float(w) <= MAX_VIEWBOX_WIDTH for w in widths), (url, widths)


# --- The paper page ---------------------------------------------------------------------------


def test_paper_page_has_a_summary_and_per_section_counts(client, api_client, papers):
    _assess_both_papers()
    html = client.get("/papers/138/").content.decode()
    assert "Where its proposals stand" in html
    assert "<strong>3 of 74</strong> proposals assessed" in html
    for section in Section.objects.filter(paper__number=138):
        start = html.index(f'<h2 id="section-{section.number}">')
        # The summary says the counts in words; the links follow it (no control may
        # sit inside a <summary>).
        summary_end = html.index("</summary>", start)
        assert "<a " not in html[start:summary_end]
        counts = html[summary_end : html.index("</p>", summary_end)]
        links = re.findall(r'<a href="/proposals/\?([^"]+)">(\d+) ([^<]+)</a>', counts)
        assert links, section.number
        for query, count, _label in links:
            assert _api_count(api_client, _pairs(query)) == int(count), query
    section_2 = html[html.index('<h2 id="section-2">') :]
    section_2 = section_2[: section_2.index("</summary>")]
    assert "1 partly delivered" in section_2 and "1 in progress" in section_2


def test_paper_page_sections_fold_and_open(client, papers):
    short = client.get("/papers/118/").content.decode()
    assert short.count("<details open>") >= 7  # a short paper: every section open
    long = client.get("/papers/138/").content.decode()
    assert "<details open>" not in long
    assert 'href="?open=all#sections-heading"' in long
    opened = client.get("/papers/138/?open=all").content.decode()
    assert opened.count("<details open>") == Section.objects.filter(paper__number=138).count()


def test_paper_page_draws_its_line_numbers_and_names_its_source_in_words(client, papers):
    html = client.get("/papers/118/").content.decode()
    assert "policies/data" not in html and ".txt" not in html
    assert "Line numbers, which proposal pages cite, are given in the margin." in html
    assert 'class="source-body numbered"' in html
    assert "<cite>Conference motion F13: Doing What Works to Cut Crime</cite> (2014)" in html


# --- Public pages speak to the public -------------------------------------------------------

PUBLIC_PAGES = [
    "/",
    "/papers/118/",
    "/papers/138/",
    "/proposals/",
    "/proposals/118-2d/",
    "/indicators/",
    "/indicators/homicide/",
    "/evidence/",
    "/methodology/",
]
OPERATIONAL = [
    "manage.py",
    "make worker",
    "make beat",
    "policies/data",
    "REDIS",
    "CELERY",
    "settings.",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_show_no_commands_paths_or_settings(client, indicators, url):
    publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for word in OPERATIONAL:
        assert word not in html, (url, word)


def test_editors_see_the_operational_hint(client, indicators):
    client.force_login(UserFactory.create(username="synthetic-editor", role="editor"))
    assert "manage.py refresh_indicators" in client.get("/indicators/homicide/").content.decode()


# --- Query counts -----------------------------------------------------------------------------


def test_home_and_paper_query_counts_are_pinned(
    client, papers, settings, django_assert_num_queries
):
    settings.DATA_REVISION_TTL = 600
    _assess_both_papers()
    revision.bump()
    revision.current()
    # Papers, sections, the scorecard's counts, latest assessments; the status by
    # month (proposals, updates) once per revision.
    with django_assert_num_queries(6):
        assert client.get("/").status_code == 200
    # Paper, sections, proposals and what attach_listing adds (6), the headline's
    # counts (1); the status by month is the one the home page cached.
    with django_assert_num_queries(7):
        assert client.get("/papers/138/").status_code == 200
    with django_assert_num_queries(7):
        assert client.get("/papers/118/").status_code == 200


def test_status_by_month_equals_as_at_under_random_histories(papers):
    """The month counts (a running sum of each day's changes) against the as_at rule
    itself, every month, for random synthetic histories: several updates a day,
    publication order against date order, corrections, and a date still to come."""
    rng = random.Random(20261204)
    refs = ["118-2a", "118-2b", "118-2d", "118-4f", "138-1a", "138-2a"]
    statuses = [s for s in Status if s != Status.NOT_ASSESSED]
    base = timezone.now() - dt.timedelta(days=30)
    made: list[StatusUpdate] = []
    for n in range(40):
        day = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(0, 900))
        ref = rng.choice(refs)
        if n % 3 == 0 and made:  # the same proposal and day as the update before
            day, ref = made[-1].effective_date, made[-1].proposal.reference
        published = base + dt.timedelta(minutes=rng.randrange(0, 10_000))
        update = publish(ref, rng.choice(statuses), day, published=published)
        made.append(update)
        if n % 9 == 0:
            correct(update, rng.choice(statuses))
    publish("118-2a", Status.DELIVERED, timezone.localdate() + dt.timedelta(days=40))
    for number, months in scorecard.status_by_month().items():
        for month in months:
            computed = Counter(
                Proposal.objects.with_status(as_at=month.as_at)
                .filter(paper__number=number)
                .values_list("current_status", flat=True)
            )
            assert month.counts == dict(computed), (number, month.month)
