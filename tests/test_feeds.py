"""Atom feeds parse cleanly and carry updates, corrections and edits with their links."""

import datetime as dt

import feedparser
import pytest

from policies.models import Proposal, Status
from tests.factories import EvidenceFactory, correct, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(papers):
    source = EvidenceFactory.create(n=1)
    original = publish("118-2d", Status.DELIVERED, dt.date(2021, 1, 1), evidence=[source])
    correction = correct(original, Status.IN_PROGRESS)
    other = publish("138-1a", Status.NO_PROGRESS, dt.date(2022, 1, 1))
    proposal = Proposal.objects.get(reference="118-3a")
    proposal.text += " (synthetic edit)"
    proposal.version += 1
    proposal.save()
    return {"original": original, "correction": correction, "other": other, "source": source}


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_site_feed(client, changes):
    feed = parse(client, "/feeds/changes.atom")
    titles = [e.title for e in feed.entries]
    assert len(feed.entries) == 4
    assert any(t.startswith("Correction: 118-2d: In progress") for t in titles)
    assert any(
        t.startswith("118-2d: Delivered") and t.endswith("[since corrected]") for t in titles
    )
    assert any(t.startswith("118-3a: proposal edited") for t in titles)
    correction_entry = next(e for e in feed.entries if e.title.startswith("Correction"))
    assert correction_entry.link.endswith(f"/updates/{changes['correction'].pk}/")
    hrefs = {link.href for link in correction_entry.links}
    assert any(h.endswith("/proposals/118-2d/") for h in hrefs)
    assert any(h.endswith(f"/api/v1/status-updates/{changes['correction'].pk}/") for h in hrefs)
    assert any(h.endswith(f"/updates/{changes['original'].pk}/") for h in hrefs)
    original_entry = next(e for e in feed.entries if e.title.endswith("[since corrected]"))
    assert any(
        h.endswith(f"/evidence/{changes['source'].pk}/")
        for h in {link.href for link in original_entry.links}
    )
    assert "corrected" in {t.term for t in original_entry.tags}
    assert len({e.id for e in feed.entries}) == 4


def test_paper_theme_and_proposal_feeds(client, changes):
    assert len(parse(client, "/feeds/papers/138.atom").entries) == 1
    assert len(parse(client, "/feeds/papers/118.atom").entries) == 3
    assert len(parse(client, "/feeds/proposals/118-2d.atom").entries) == 2
    theme = Proposal.objects.get(reference="138-1a").themes.first()
    assert theme is not None
    titles = [e.title for e in parse(client, f"/feeds/themes/{theme.slug}.atom").entries]
    assert any(t.startswith("138-1a") for t in titles)
    assert client.get("/feeds/papers/999.atom").status_code == 404
    assert client.get("/feeds/proposals/118-9z.atom").status_code == 404
    assert client.get("/feeds/themes/no-such-theme.atom").status_code == 404


def test_feed_escapes_text(client, papers):
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1))
    update.rationale = "Synthetic <script>alert(1)</script> & more"
    update.save()
    response = client.get("/feeds/changes.atom")
    assert b"<script>" not in response.content
    assert feedparser.parse(response.content).bozo == 0


def test_feed_query_count_is_constant(client, papers, django_assert_num_queries):
    publish(
        "118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[EvidenceFactory.create(n=1)]
    )
    with django_assert_num_queries(5) as few:
        client.get("/feeds/changes.atom")
    for i, proposal in enumerate(Proposal.objects.all()[10:40]):
        publish(
            proposal.reference,
            Status.IN_PROGRESS,
            dt.date(2021, 1, 1),
            evidence=[EvidenceFactory.create(n=i + 2)],
        )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/feeds/changes.atom")


PLANTED = (
    '<script>alert("feed")</script> <a href="javascript:alert(1)">click</a> '
    '<img src="x" onerror="alert(2)"> & more'
)


def test_entry_text_is_sent_as_text_not_html(client, papers):
    """A rationale or evidence title holding markup reaches a feed reader as text: the
    summary says ``type="text"``, so nothing in it is rendered or run as HTML."""
    from xml.etree import ElementTree

    source = EvidenceFactory.create(n=1, title=f"Synthetic source {PLANTED}")
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[source])
    update.rationale = f"Synthetic rationale {PLANTED}"
    update.save()

    response = client.get("/feeds/proposals/118-2d.atom")
    assert response.status_code == 200
    atom = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.fromstring(response.content)
    entries = root.findall(f"{atom}entry")
    assert entries
    for element in root.iter():
        if element.tag != f"{atom}link":  # a link's type is its target's media type
            assert element.get("type") in (None, "text"), (element.tag, element.get("type"))
    summary = entries[0].find(f"{atom}summary")
    assert summary is not None and summary.get("type") == "text"
    # The markup is there as characters, escaped once in the XML: a reader shows it.
    assert PLANTED in (summary.text or "")
    assert b"<script>" not in response.content
    assert b"&lt;script&gt;" in response.content
    feed = feedparser.parse(response.content)
    assert feed.entries[0].summary_detail.type == "text/plain"
