"""The about page (how to report an error), its deploy check, and the data strip of
the list, theme, paper, proposal, home and evidence pages: each link answers with
the data it names (issue 11).  Every status update here is synthetic."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.test import override_settings

from policies.models import Status, Theme
from tests.factories import publish
from tracker import checks

pytestmark = pytest.mark.django_db


def strip_links(html: str) -> dict[str, str]:
    """The data strip's links by class (data-csv, data-json, data-atom)."""
    start = html.index('<aside class="data-strip"')
    block = html[start : html.index("</aside>", start)]
    return {
        cls: unescape(href)
        for href, cls in re.findall(r'<a href="([^"]+)"[^>]*class="(data-\w+)"', block)
    }


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- About ---------------------------------------------------------------------------


@override_settings(TRACKER_CONTACT_EMAIL="corrections@example.org")
def test_about_page_says_where_to_report_an_error(client, papers):
    html = client.get("/about/").content.decode()
    assert '<h2 id="report-an-error">Report an error</h2>' in html
    assert 'href="mailto:corrections@example.org?subject=' in html
    # The footer of every page points at it.
    home = client.get("/").content.decode()
    assert 'href="/about/#report-an-error"' in home


@override_settings(TRACKER_CONTACT_EMAIL="")
def test_about_page_without_an_address_says_so_in_plain_words(client, papers):
    html = client.get("/about/").content.decode()
    assert "has not published a contact address yet" in html
    assert "mailto:" not in html
    # No setting names or commands for the public.
    assert "TRACKER_CONTACT_EMAIL" not in html and "manage.py" not in html


@override_settings(TRACKER_CONTACT_EMAIL="corrections@example.org")
def test_proposal_page_reports_an_error_about_that_proposal(client, papers):
    html = client.get("/proposals/118-2d/").content.decode()
    found = re.search(r'<a href="mailto:corrections@example.org\?subject=([^"]+)">', html)
    assert found is not None
    assert found.group(1).endswith("118-2d")


def test_deploy_check_warns_without_a_contact_address():
    with override_settings(TRACKER_CONTACT_EMAIL=""):
        (warning,) = checks.contact_address()
        assert warning.id == "tracker.W001"
    with override_settings(TRACKER_CONTACT_EMAIL="corrections@example.org"):
        assert checks.contact_address() == []


# --- The data strip ------------------------------------------------------------------


def test_list_strip_carries_the_filters_and_answers(client, api_client, papers):
    html = client.get("/proposals/?q=police&paper=138&utm_source=x").content.decode()
    links = strip_links(html)
    assert links["data-json"] == "/api/v1/proposals/?q=police&paper=138"
    assert links["data-csv"] == "/api/v1/proposals/?q=police&paper=138&format=csv"
    assert links["data-atom"] == "/feeds/changes.atom"
    shown = int(re.search(r'id="result-count"[^>]*>(\d+) proposal', html).group(1))  # type: ignore[union-attr]
    cache.clear()
    assert api_client.get(links["data-json"]).json()["count"] == shown
    response = api_client.get(links["data-csv"])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert len(rows) == shown


def test_paper_strip_gives_the_papers_proposals(client, api_client, papers):
    links = strip_links(client.get("/papers/118/").content.decode())
    assert links == {
        "data-csv": "/api/v1/proposals/?paper=118&format=csv",
        "data-json": "/api/v1/proposals/?paper=118",
        "data-atom": "/feeds/papers/118.atom",
    }
    assert client.get(links["data-atom"]).status_code == 200
    data = api_client.get(links["data-json"]).json()
    assert data["count"] == papers.filter(paper__number=118).count()


def test_proposal_strip_gives_its_assessments_and_feed(client, api_client, papers):
    publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    html = client.get("/proposals/118-2d/").content.decode()
    links = strip_links(html)
    assert links["data-json"] == "/api/v1/proposals/118-2d/"
    assert links["data-atom"] == "/feeds/proposals/118-2d.atom"
    assert links["data-csv"] == "/api/v1/status-updates/?proposal=118-2d&format=csv"
    cache.clear()
    rows = list(
        csv.DictReader(io.StringIO(body(api_client.get(links["data-csv"])).decode("utf-8-sig")))
    )
    assert [row["status"] for row in rows] == ["in_progress"]
    assert api_client.get(links["data-json"]).json()["reference"] == "118-2d"


def test_home_and_evidence_strips(client, papers):
    home = strip_links(client.get("/").content.decode())
    assert home["data-json"] == "/api/v1/proposals/"
    assert home["data-csv"] == "/api/v1/proposals/?format=csv"
    evidence = strip_links(client.get("/evidence/?kind=official_statistics").content.decode())
    assert evidence == {
        "data-csv": "/api/v1/evidence/?kind=official_statistics&format=csv",
        "data-json": "/api/v1/evidence/?kind=official_statistics",
    }


def test_strip_escapes_the_names_it_shows(client, papers):
    Theme.objects.create(slug="synthetic-escape", name="<script>alert(1)</script>")
    html = client.get("/themes/synthetic-escape/").content.decode()
    start = html.index('<aside class="data-strip"')
    block = html[start : html.index("</aside>", start)]
    assert "<script>" not in block and "&lt;script&gt;" in block


# --- The proposal page's first screen ------------------------------------------------


def test_proposal_status_comes_before_the_quoted_text(client, papers):
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    update.date_precision = "month"
    update.save()
    html = client.get("/proposals/118-2d/").content.decode()
    status = html.index('id="status-now"')
    assert status < html.index('<blockquote class="proposal-text"')
    line = html[status : html.index("</p>", status)]
    assert "In progress" in line and "since March 2023" in line
    # The copy buttons are hidden until the script shows them (nothing dead without it).
    assert '<p class="copy-actions" hidden>' in html
