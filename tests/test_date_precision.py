"""A date known to the year or the month is never shown as a day: the same words on
every surface (proposal page, update page, home, Atom feed, CSV, the API's display
fields)."""

import csv
import datetime as dt
import io

import feedparser
import pytest

from policies.models import DatePrecision, Status, precise_date
from tests.factories import publish

pytestmark = pytest.mark.django_db

CASES = [
    (DatePrecision.DAY, "1 March 2023"),
    (DatePrecision.MONTH, "March 2023"),
    (DatePrecision.YEAR, "2023"),
]


def csv_rows(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_formatter():
    day = dt.date(2023, 3, 1)
    assert [precise_date(day, p) for p, _ in CASES] == [words for _, words in CASES]
    assert precise_date(None, DatePrecision.DAY) == ""


@pytest.mark.parametrize(("precision", "words"), CASES)
def test_every_surface_respects_the_precision(client, papers, precision, words):
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2023, 3, 1))
    update.date_precision = precision
    update.save()
    wrong = [w for p, w in CASES if p != precision and len(w) > len(words)]

    def shows(text):
        assert words in text
        for more_precise in wrong:
            assert more_precise not in text

    proposal_page = client.get("/proposals/118-2d/").content.decode()
    assert f"since {words}" in proposal_page
    shows(proposal_page)
    shows(client.get(f"/updates/{update.pk}/").content.decode())
    shows(client.get("/").content.decode())
    feed = feedparser.parse(client.get("/feeds/changes.atom").content)
    assert feed.entries[0].title.endswith(f"from {words}")
    shows(feed.entries[0].title)

    api = client.get("/api/v1/proposals/118-2d/").json()["current_status"]
    assert api["effective_date_display"] == words
    assert api["effective_date"] == "2023-03-01"
    assert (
        client.get(f"/api/v1/status-updates/{update.pk}/").json()["effective_date_display"] == words
    )
    rows = csv_rows(client, "/api/v1/proposals/?format=csv&paper=118")
    row = next(r for r in rows if r["reference"] == "118-2d")
    assert row["status_since"] == words
    changes = csv_rows(client, "/api/v1/changes/?format=csv")
    assert changes[0]["effective_date_display"] == words


def test_latest_assessments_mark_corrections(client, papers):
    from tests.factories import correct

    original = publish("118-2d", Status.DELIVERED, dt.date(2021, 1, 1))
    correct(original, Status.IN_PROGRESS)
    html = client.get("/").content.decode()
    recent = html[html.index('id="recent-heading"') :]
    assert recent.count("(since corrected)") == 1
    assert recent.count("<strong>Correction:</strong>") == 1
