"""Permalinks cite the address the site is served at: ``SITE_URL`` when set, else
the request's own (``make run PORT=8100`` cites port 8100, not a default)."""

import datetime as dt
import re

import feedparser
import pytest

from policies.models import Status
from tests.factories import publish

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1:8100"
BASE = f"http://{HOST}"


@pytest.fixture
def update(papers):
    return publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 3, 1))


def get(client, url, **extra):
    response = client.get(url, HTTP_HOST=HOST, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response


@pytest.mark.parametrize("allowed", [["127.0.0.1"]])
def test_every_permalink_follows_the_request_address(client, update, settings, allowed):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = allowed
    html = get(client, "/proposals/118-2d/").content.decode()
    assert f'<link rel="canonical" href="{BASE}/proposals/118-2d/">' in html
    assert f'<meta property="og:url" content="{BASE}/proposals/118-2d/">' in html
    # The cite block and every other absolute link on the page.
    absolute = set(re.findall(r"https?://[^\s\"'<>]+", html))
    ours = {link for link in absolute if "127.0.0.1" in link or "localhost" in link}
    assert ours and all(link.startswith(BASE + "/") for link in ours), ours
    update_page = get(client, f"/updates/{update.pk}/").content.decode()
    assert f'<link rel="canonical" href="{BASE}/updates/{update.pk}/">' in update_page
    feed = feedparser.parse(get(client, "/feeds/changes.atom").content)
    assert feed.entries and all(e.id.startswith(BASE + "/") for e in feed.entries)
    dump = get(client, "/api/v1/dump/").json()
    assert dump["source"] == BASE


def test_site_url_when_set_wins_over_the_request(client, update, settings):
    settings.SITE_URL = "https://tracker.example.org"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    html = get(client, "/proposals/118-2d/").content.decode()
    assert '<link rel="canonical" href="https://tracker.example.org/proposals/118-2d/">' in html
    assert f"{BASE}/" not in html
    assert get(client, "/api/v1/dump/").json()["source"] == "https://tracker.example.org"


def test_the_response_cache_keeps_each_address_apart(client, update, settings):
    """A page cached for one address is never served to a request by another."""
    settings.SITE_URL = ""
    settings.RESPONSE_CACHE_ENABLED = True
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    first = client.get("/proposals/118-2d/", HTTP_HOST="127.0.0.1:8100").content.decode()
    second = client.get("/proposals/118-2d/", HTTP_HOST="localhost:8100").content.decode()
    assert "http://127.0.0.1:8100/proposals/118-2d/" in first
    assert "http://localhost:8100/proposals/118-2d/" in second
    assert "127.0.0.1:8100" not in second
