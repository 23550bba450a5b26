"""The theme pages (issue 11): every theme, and one theme across both papers with
its scorecard (equal to the API's counts), proposals, indicators, Atom feed and
CSV.  Every status update and every theme made here is synthetic."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from urllib.parse import urlencode

import feedparser
import pytest
from django.core.cache import cache

from evidence.models import Indicator, IndicatorLink
from policies.models import Paper, Proposal, Section, Status, Theme
from tests.factories import correct, publish
from tracker import revision

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _theme_refs(slug: str, paper: int | None = None) -> list[str]:
    proposals = Proposal.objects.filter(themes__slug=slug).order_by("paper_number", "order")
    if paper:
        proposals = proposals.filter(paper_number=paper)
    return list(proposals.values_list("reference", flat=True))


def _assess(slug: str) -> None:
    """Synthetic published updates on some of the theme's proposals, one corrected."""
    refs_118, refs_138 = _theme_refs(slug, 118), _theme_refs(slug, 138)
    wrong = publish(refs_118[0], Status.IN_PROGRESS, dt.date(2023, 3, 1))
    correct(wrong, Status.DELIVERED)
    publish(refs_118[1], Status.NO_PROGRESS, dt.date(2024, 1, 15))
    publish(refs_138[0], Status.PARTLY_DELIVERED, dt.date(2023, 9, 1))


def _api(api_client, query) -> dict:
    cache.clear()  # the anonymous rate limit counts in the cache; this is not a rate test
    response = api_client.get("/api/v1/proposals/?" + urlencode(query))
    assert response.status_code == 200, response.content
    return response.json()


def _pairs(query: str) -> list[tuple[str, str]]:
    return [tuple(p.split("=", 1)) for p in query.replace("&amp;", "&").split("&")]  # type: ignore[misc]


def _block(html: str, number: int) -> str:
    start = html.index(f'id="theme-headline-{number}-heading"')
    return html[start : html.index("</article>", start)]


# --- The list -----------------------------------------------------------------------------


def test_theme_list_links_every_theme_with_its_counts(client, papers):
    html = client.get("/themes/").content.decode()
    themes = list(Theme.objects.all())
    assert themes
    for theme in themes:
        assert f'<a href="/themes/{theme.slug}/">{theme.name}</a>' in html
    drugs = Theme.objects.get(slug="drugs")
    n118, n138 = len(_theme_refs("drugs", 118)), len(_theme_refs("drugs", 138))
    item = html[html.index('href="/themes/drugs/"') :]
    item = item[: item.index("</li>")]
    assert f"{n118 + n138} proposals ({n118} in paper 118, {n138} in paper 138), 0 assessed" in item
    assert drugs.description in item


def test_themes_are_in_the_nav_and_linked_from_proposal_pages(client, papers):
    assert '<a href="/themes/">Themes</a>' in client.get("/").content.decode()
    proposal = Proposal.objects.filter(themes__isnull=False).first()
    assert proposal is not None
    html = client.get(proposal.get_absolute_url()).content.decode()
    for theme in proposal.themes.all():
        assert f'<a href="/themes/{theme.slug}/">{theme.name}</a>' in html


# --- One theme ------------------------------------------------------------------------------


def test_theme_numbers_equal_the_api(client, api_client, papers):
    _assess("drugs")
    html = client.get("/themes/drugs/").content.decode()
    # The API list filtered by the theme, counted by paper and status.
    api = _api(api_client, [("theme", "drugs"), ("page_size", 100)])
    assert api["count"] == len(_theme_refs("drugs"))
    by_status: Counter[tuple[int, str]] = Counter(
        (p["paper"], p["current_status"]["status"]) for p in api["results"]
    )
    for number in (118, 138):
        block = _block(html, number)
        total = sum(n for (paper, _), n in by_status.items() if paper == number)
        unassessed = by_status[(number, Status.NOT_ASSESSED.value)]
        assert f"<strong>{total - unassessed} of {total}</strong> proposals assessed" in block
        words = re.findall(r'<a href="/proposals/\?([^"]+)">(\d+) ([^<]+)</a>', block)
        assert {label for _, _, label in words} >= {"not yet assessed"}
        shown = {}
        for query, count, label in words:
            pairs = _pairs(query)
            assert ("theme", "drugs") in pairs and ("paper", str(number)) in pairs
            # Each count links to the list it counts, and equals the API's count of it.
            assert _api(api_client, pairs)["count"] == int(count), query
            shown[dict(pairs)["status"]] = int(count)
        assert shown == {s: n for (paper, s), n in by_status.items() if paper == number}
    assert "<strong>2 of 5</strong>" in _block(html, 118)  # the correction, not the corrected
    assert "1 delivered" in _block(html, 118)


def test_theme_lists_its_proposals_by_paper_with_status(client, papers):
    _assess("drugs")
    html = client.get("/themes/drugs/").content.decode()
    proposals = html[html.index('id="proposals-heading"') : html.index('id="indicators-heading"')]
    listed = re.findall(r'<h4 class="ref" id="ref-[^"]+"><a href="/proposals/([^/]+)/">', proposals)
    assert listed == _theme_refs("drugs")  # paper 118 first, each in reading order
    assert proposals.index('id="paper-118"') < proposals.index('id="paper-138"')
    first = _theme_refs("drugs", 118)[0]
    item = proposals[proposals.index(f'id="ref-{first}"') :]
    item = item[: item.index("</article>")]
    assert '<span class="status status-delivered">Delivered</span>' in item
    text = Proposal.objects.get(reference=first).text
    assert f'<a href="/proposals/{first}/">{text}</a>' in item  # the text is a link


def test_theme_shows_the_indicators_linked_to_its_proposals(client, indicators):
    linked, other = list(Indicator.objects.order_by("name")[:2])
    ref = _theme_refs("drugs", 138)[0]
    elsewhere = Proposal.objects.exclude(themes__slug="drugs").first()
    assert elsewhere is not None
    IndicatorLink.objects.filter(indicator__in=[linked, other]).delete()
    IndicatorLink.objects.create(
        indicator=linked, proposal=Proposal.objects.get(reference=ref), rationale="Synthetic."
    )
    IndicatorLink.objects.create(indicator=other, proposal=elsewhere, rationale="Synthetic.")
    html = client.get("/themes/drugs/").content.decode()
    section = html[html.index('id="indicators-heading"') :]
    section = section[: section.index("</section>")]
    assert f'<a href="/indicators/{linked.slug}/">{linked.name}</a>' in section
    assert f'<a href="/proposals/{ref}/">{ref}</a>' in section
    assert f"/indicators/{other.slug}/" not in section


def test_theme_without_data_reads_well(client, papers):
    Theme.objects.create(slug="synthetic-empty", name="Synthetic empty theme")
    response = client.get("/themes/synthetic-empty/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No proposal belongs to this theme yet." in html
    assert "No indicator is linked to this theme's proposals." in html
    assert "No proposal yet." in client.get("/themes/").content.decode()


@pytest.mark.parametrize("slug", ["no-such-theme", "DRUGS", "drugs%20"])
def test_unknown_theme_is_404(client, papers, slug):
    assert client.get(f"/themes/{slug}/").status_code == 404
    assert client.get(f"/feeds/themes/{slug}.atom").status_code == 404


# --- Feed and CSV -------------------------------------------------------------------------


def test_theme_feed_is_valid_atom_and_escapes(client, papers):
    theme = Theme.objects.create(slug="synthetic-feed", name='Synthetic <b>"feed"</b> & co')
    proposal = Proposal.objects.get(reference="118-2d")
    proposal.themes.add(theme)
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    update.rationale = "Synthetic <script>alert(1)</script> rationale & more"
    update.save()
    publish("118-3a", Status.DELIVERED, dt.date(2023, 4, 1))  # not in the theme
    html = client.get("/themes/synthetic-feed/").content.decode()
    assert 'href="/feeds/themes/synthetic-feed.atom"' in html
    assert "Synthetic &lt;b&gt;&quot;feed&quot;&lt;/b&gt; &amp; co" in html
    response = client.get("/feeds/themes/synthetic-feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content
    assert b"<script>" not in body and b"<b>" not in body
    root = ET.fromstring(body)  # well-formed XML
    assert root.findtext(f"{ATOM}title") == (
        'Crime policy tracker: what changed on Synthetic <b>"feed"</b> & co'
    )
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert (links["alternate"] or "").endswith("/themes/synthetic-feed/")
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "118-2d: In progress from 1 March 2023"
    ]
    assert "<script>alert(1)</script>" in (entries[0].findtext(f"{ATOM}summary") or "")
    feed = feedparser.parse(body)
    assert feed.bozo == 0 and feed.version == "atom10"


def test_theme_csv_link_gives_the_themes_proposals(client, api_client, papers):
    html = client.get("/themes/drugs/").content.decode()
    href = re.search(r'<a href="([^"]+)" download class="data-csv">Download CSV</a>', html)
    assert href is not None
    url = href.group(1).replace("&amp;", "&")
    assert url == "/api/v1/proposals/?theme=drugs&format=csv"
    response = api_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["reference"] for row in rows] == _theme_refs("drugs")


# --- Query counts -------------------------------------------------------------------------


def _more_theme_proposals(count: int) -> None:
    """Synthetic proposals in the theme, each assessed, with an indicator link."""
    paper = Paper.objects.get(number=138)
    section = Section.objects.get(paper=paper, number="2")
    theme = Theme.objects.get(slug="drugs")
    indicator = Indicator.objects.first()
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
        proposal.themes.add(theme)
        publish(proposal.reference, Status.IN_PROGRESS, dt.date(2023, 1, 1))
        if indicator is not None:
            IndicatorLink.objects.create(
                indicator=indicator, proposal=proposal, rationale="Synthetic."
            )


def test_theme_pages_query_counts_are_pinned(
    client, indicators, settings, django_assert_num_queries
):
    settings.DATA_REVISION_TTL = 600
    _assess("drugs")
    for size in (0, 5):
        _more_theme_proposals(size)
        revision.bump()
        revision.current()
        # Themes; the counts of every theme by paper and status.
        with django_assert_num_queries(2):
            assert client.get("/themes/").status_code == 200
        # Theme; papers and sections; the scorecard's counts; the proposals; the
        # indicator links.
        with django_assert_num_queries(6):
            assert client.get("/themes/drugs/").status_code == 200
