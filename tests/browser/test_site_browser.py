"""The researchers' site in real Chromium: scorecard, filtering and search (with
and without JavaScript), a proposal page, its place in the source, the
comparison; every page type checked for console errors, broken links, outside
requests and axe-core violations, and screenshotted at 1280 and 390 pixels."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest

from evidence.models import Evidence
from policies.models import ActingBody, Proposal, ProposalLink, Status, StatusUpdate
from tests.factories import EvidenceFactory, StatusUpdateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def assess(reference: str, status: str, n: int) -> StatusUpdate:
    """A published update with an obviously synthetic source on example.org."""
    source = EvidenceFactory.create(
        n=n,
        kind=Evidence.Kind.GOVERNMENT_PUBLICATION,
        publisher="Synthetic Publisher",
        archived_url=f"https://example.org/archive/{n}",
        published_date=dt.date(2021, 3, 1),
        quote="Synthetic quotation for a browser test.",
        is_published=True,
    )
    return StatusUpdateFactory.create(
        reference=reference,
        status=status,
        effective_date=dt.date(2021, 3, 1),
        rationale="Synthetic rationale for a browser test.",
        evidence=[source],
        acting_bodies=[ActingBody.objects.get(name="UK Government")],
    )


def api_count(page, query: str) -> int:
    return page.request.get(f"/api/v1/proposals/?{query}").json()["count"]


def shown_count(page) -> int:
    text = page.locator("#result-count").inner_text()
    count = re.match(r"(\d+) proposal", text)
    assert count is not None, text
    return int(count.group(1))


def test_scorecard(web):
    assess("118-2d", Status.DELIVERED, 1)
    web.check_page("/", "home")
    page = web.new_page()
    web.goto(page, "/")
    expect(page.locator("svg.chart")).to_have_count(3)
    expect(page.locator("#chart-118-main-title")).to_have_count(1)
    # The delivered count for paper 118 §2 links to exactly that proposal.
    link = page.get_by_role("link", name="1 delivered in §2", exact=False).first
    link.click()
    page.wait_for_url(re.compile(r"/proposals/\?"))
    query = parse_qs(urlparse(page.url).query)
    assert query["status"] == ["delivered"] and query["paper"] == ["118"]
    assert shown_count(page) == 1
    expect(page.locator("h2.ref a")).to_have_text(["118-2d"])
    # Every cell in the table equals the API's count for the same filters.
    web.goto(page, "/")
    for cell in page.locator("table.scorecard-table a").all()[:12]:
        href = cell.get_attribute("href")
        assert int(cell.inner_text()) == api_count(page, href.split("?", 1)[1]), href


def test_filtering_and_search_with_javascript(web):
    web.check_page("/proposals/", "proposals")
    page = web.new_page()
    web.goto(page, "/proposals/")
    assert shown_count(page) == 113
    page.get_by_label("Search the text").fill("cannabis")
    page.wait_for_url(re.compile(r"q=cannabis"))
    expected = api_count(page, "q=cannabis")
    expect(page.locator("#result-count")).to_contain_text(f"{expected} proposal")
    page.get_by_label("Paper 118").check()
    page.wait_for_url(re.compile(r"paper=118"))
    expected = api_count(page, "q=cannabis&paper=118")
    expect(page.locator("#result-count")).to_contain_text(f"{expected} proposal")
    # The address is shareable: loading it afresh gives the same view.
    fresh = web.new_page()
    web.goto(fresh, page.url.replace(web.base_url, ""))
    assert shown_count(fresh) == expected
    expect(fresh.get_by_label("Search the text")).to_have_value("cannabis")
    web.screenshot(page, "proposals-filtered")


def test_filtering_and_search_without_javascript(web):
    page = web.new_page(javascript=False)
    web.goto(page, "/proposals/")
    # Without the script the filter panel stays folded (it opens on wide screens with it).
    page.get_by_text("Search, filter and sort").click()
    page.get_by_label("Search the text").fill("police")
    page.get_by_label("Body pledge").check()
    page.get_by_role("button", name="Show proposals").click()
    page.wait_for_url(re.compile(r"q=police"))
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == ["police"] and query["kind"] == ["body"]
    expected = api_count(page, "q=police&kind=body")
    assert 0 < shown_count(page) == expected
    web.check_links(page)
    web.screenshot(page, "proposals-nojs")
    # axe-core is itself JavaScript: run it on the same address in a page that allows it.
    checked = web.new_page()
    web.goto(checked, page.url.replace(web.base_url, ""))
    web.check_axe(checked)


def test_proposal_page_and_its_place_in_the_source(web):
    update = assess("118-2d", Status.IN_PROGRESS, 2)
    for path, name in [
        ("/proposals/118-2d/", "proposal"),
        (f"/updates/{update.pk}/", "status-update"),
        ("/evidence/", "evidence-library"),
        (f"/evidence/{update.evidence.get().pk}/", "evidence-source"),
        ("/methodology/", "methodology"),
        ("/papers/118/", "paper-118"),
        ("/papers/138/", "paper-138"),
    ]:
        web.check_page(path, name)
    page = web.new_page()
    web.goto(page, "/proposals/118-2d/")
    # The heading names the proposal and its first words (what it is, not only its code).
    expect(page.locator("h1")).to_contain_text("Proposal 118-2d: Subject to a review")
    expect(page.locator('meta[property="og:title"]')).to_have_attribute(
        "content", re.compile(r"^118-2d: ")
    )
    expect(page.locator(".timeline > li")).to_have_count(1)
    expect(page.locator(".timeline")).to_contain_text("Synthetic test source 2")
    expect(page.locator("#citation")).to_contain_text("/proposals/118-2d/")
    page.locator("#source-link").click()
    page.wait_for_url(re.compile(r"/papers/118/#source-118-2d$"))
    anchor = page.locator("#source-118-2d")
    expect(anchor).to_be_in_viewport()
    line = page.locator(".line", has=anchor)
    expect(line.locator("mark")).to_contain_text("cannabis", ignore_case=True)
    assert page.evaluate("document.querySelector(':target').id") == "source-118-2d"
    web.screenshot(page, "paper-118-at-proposal")


def test_comparison_page(web):
    web.check_page("/compare/118-138/", "comparison")
    page = web.new_page()
    web.goto(page, "/compare/118-138/")
    expect(page.locator("h1")).to_contain_text("paper 118")
    assert page.locator("ins").count() > 0 and page.locator("del").count() > 0
    # Only a link that takes the 118 proposal up counts (ProposalLink.TAKEN_UP_TYPES).
    taken_up = ProposalLink.TAKEN_UP_TYPES
    not_revisited = (
        Proposal.objects.filter(paper__number=118)
        .exclude(links_out__link_type__in=taken_up)
        .count()
    )
    new_in_138 = (
        Proposal.objects.filter(paper__number=138).exclude(links_in__link_type__in=taken_up).count()
    )
    expect(page.locator("#not-revisited + p + ul > li")).to_have_count(not_revisited)
    expect(page.locator("#new-in-138 + p + ul > li")).to_have_count(new_in_138)
    page.get_by_role("link", name=re.compile(r"^Reworded")).click()
    assert page.url.endswith("#reworded")


def test_the_checks_catch_problems(web):
    """The fixture's checks can fail: a missing alt text, a broken link, a console
    error and a request to another host are each caught."""
    page = web.new_page()
    web.goto(page, "/methodology/")
    page.evaluate(
        """() => {
          const img = document.createElement('img');
          img.src = '/static/img/favicon.svg';
          document.querySelector('main').append(img);
          const a = document.createElement('a');
          a.href = '/no-such-page/'; a.textContent = 'Synthetic broken link';
          document.querySelector('main').append(a);
        }"""
    )
    with pytest.raises(AssertionError, match="image-alt"):
        web.check_axe(page)
    with pytest.raises(AssertionError, match="no-such-page"):
        web.check_links(page)
    page.evaluate("() => fetch('https://example.org/synthetic').catch(() => null)")
    page.evaluate("() => console.error('synthetic console error')")
    page.wait_for_timeout(200)
    with pytest.raises(AssertionError, match="example.org"):
        web.assert_clean()
    web.outside_requests.clear()
    with pytest.raises(AssertionError, match="synthetic console error"):
        web.assert_clean()
    web.console_errors.clear()
