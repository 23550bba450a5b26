"""The response cache for anonymous reads (tracker/cache.py), keyed by the data
revision (tracker/revision.py): served without a query when warm, never stale
after any kind of write, never shared between users, and failing open."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from evidence.models import Evidence, Indicator
from policies import services
from policies.models import Proposal, ProposalLink, Status, Theme
from policies.papers import dataset
from tests.factories import EvidenceFactory
from tests.support import make_source
from tracker import cache, revision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cached(settings):
    settings.RESPONSE_CACHE_ENABLED = True
    settings.RESPONSE_CACHE_ALIAS = None


def queries_of(client: Client, url: str, **extra: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    return len(captured.captured_queries), response


def published(users: dict[str, Any], reference: str, status: str = Status.IN_PROGRESS) -> Any:
    author, editor = users["campaigner"], users["editor"]
    draft = services.create_draft(
        author,
        proposal=Proposal.objects.get(reference=reference),
        data=services.UpdateInput(
            status=status,
            effective_date=dt.date(2023, 3, 1),
            rationale="Synthetic rationale for the cache tests.",
            evidence=[make_source(author, 41)],
        ),
    )
    services.submit(author, update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    return services.publish(editor, update=draft, expected_version=draft.version)


# --- Warm reads ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/proposals/?page_size=25",
        "/api/v1/proposals/118-4d/",
        "/api/v1/proposals/?format=csv&paper=118",
        "/",
        "/proposals/118-4d/",
        "/proposals/?paper=138",
        "/feeds/changes.atom",
        "/indicators/",
    ],
)
def test_a_warm_read_costs_no_query_and_is_the_same(client, papers, url):
    _, first = queries_of(client, url)
    assert first.status_code == 200
    count, again = queries_of(client, url)
    assert count == 0
    assert again.content == b"".join(first.streaming_content) if first.streaming else first.content
    assert again["X-Data-Revision"] == str(revision.current().number)
    control = again["Cache-Control"]
    assert "public" in control and "max-age=" in control and "s-maxage=" in control
    assert "stale-while-revalidate=" in control
    vary = {v.strip().lower() for v in again["Vary"].split(",")}
    assert {"accept", "cookie", "authorization"} <= vary
    assert again["ETag"]


def test_the_query_string_is_normalised_and_the_format_kept_apart(client, papers):
    client.get("/api/v1/proposals/?paper=118&kind=motion")
    count, response = queries_of(client, "/api/v1/proposals/?kind=motion&paper=118")
    assert count == 0 and response.status_code == 200
    count, csv = queries_of(client, "/api/v1/proposals/?kind=motion&paper=118&format=csv")
    assert count > 0 and csv["Content-Type"].startswith("text/csv")


def test_a_cached_etag_answers_304_without_a_query(client, papers):
    etag = client.get("/proposals/118-4d/")["ETag"]
    count, response = queries_of(client, "/proposals/118-4d/", HTTP_IF_NONE_MATCH=etag)
    assert count == 0 and response.status_code == 304


def test_only_public_reads_are_stored(client, papers):
    client.get("/accounts/login/")
    count, _ = queries_of(client, "/accounts/login/")
    # The sign-in page is built every time (it sets the CSRF cookie), never stored.
    assert not any(key for key in cache.local._items if "accounts" in key), (
        "the sign-in page must not be stored"
    )
    assert client.get("/api/v1/no-such-endpoint/").status_code == 404
    count, _ = queries_of(client, "/api/v1/proposals/199-9z/")
    assert count > 0  # a 404 is not stored


# --- Never stale after a write ----------------------------------------------------


def test_publish_is_seen_at_once_by_anonymous_and_signed_in_readers(client, users, papers):
    urls = ["/api/v1/proposals/118-4d/", "/proposals/118-4d/", "/", "/feeds/changes.atom"]
    before = {url: client.get(url).content for url in urls}
    published(users, "118-4d")
    for url in urls:
        assert client.get(url).content != before[url], url
    assert client.get("/api/v1/proposals/118-4d/").json()["current_status"]["status"] == (
        Status.IN_PROGRESS
    )
    editor = Client()
    editor.force_login(users["editor"])
    assert "In progress" in editor.get("/proposals/118-4d/").content.decode()


def test_a_correction_is_seen_at_once(client, users, papers):
    original = published(users, "118-4d", Status.DELIVERED)
    assert client.get("/api/v1/proposals/118-4d/").json()["current_status"]["status"] == (
        Status.DELIVERED
    )
    draft = services.start_correction(
        users["editor"],
        original=original,
        data=services.UpdateInput(
            status=Status.PARTLY_DELIVERED,
            effective_date=dt.date(2023, 3, 1),
            rationale="Synthetic correction for the cache tests, long enough.",
            evidence=[make_source(users["editor"], 42)],
        ),
    )
    services.publish(users["editor2"], update=draft, expected_version=draft.version)
    assert client.get("/api/v1/proposals/118-4d/").json()["current_status"]["status"] == (
        Status.PARTLY_DELIVERED
    )


def test_theme_and_link_edits_are_seen_at_once(client, users, papers):
    theme = Theme.objects.get(slug="drugs")
    assert client.get("/api/v1/themes/drugs/").json()["name"] == theme.name
    services.update_theme(
        users["editor"],
        theme=theme,
        expected_revision=services.revision_of(theme),
        data=services.ThemeInput(slug="drugs", name="Synthetic renamed theme"),
    )
    assert client.get("/api/v1/themes/drugs/").json()["name"] == "Synthetic renamed theme"

    link = ProposalLink.objects.select_related("from_proposal").first()
    assert link is not None
    url = f"/api/v1/proposals/{link.from_proposal.reference}/"
    assert client.get(url).json()["links"]
    services.delete_link(users["editor"], link=link, expected_revision=services.revision_of(link))
    remaining = ProposalLink.objects.filter(from_proposal=link.from_proposal).count()
    assert (
        len(client.get(url).json()["links"])
        == remaining + ProposalLink.objects.filter(to_proposal=link.from_proposal).count()
    )


def test_an_evidence_edit_is_seen_at_once(client, users, papers):
    update = published(users, "118-4d")
    source = update.evidence.get()
    url = f"/api/v1/evidence/{source.pk}/"
    assert client.get(url).json()["title"] == source.title
    data = services.EvidenceInput(
        url=source.url,
        title="Synthetic retitled source",
        publisher=source.publisher,
        kind=source.kind,
        published_date=source.published_date,
    )
    services.update_evidence(
        users["editor"], evidence=source, expected_version=source.version, data=data
    )
    assert client.get(url).json()["replaced_by"] is not None


def test_a_changed_data_file_is_seen_at_once(client, papers, tmp_path):
    raw = yaml.safe_load(dataset.DATA_FILE.read_text())
    link = raw["links"][0]
    url = f"/api/v1/proposals/{link['from']}/"
    before = client.get(url).content
    link["note"] = "Synthetic note changed in the data file."
    changed = tmp_path / "papers.yaml"
    changed.write_text(yaml.safe_dump(raw, allow_unicode=True))
    call_command("load_papers", "--no-progress", "--file", str(changed), stdout=StringIO())
    after = client.get(url)
    assert after.content != before
    assert "Synthetic note changed in the data file." in after.content.decode()


def test_new_figures_are_seen_at_once(client, papers):
    call_command("load_indicators", stdout=StringIO())
    indicator = Indicator.objects.first()
    assert indicator is not None
    url = f"/api/v1/observations/?indicator={indicator.slug}"
    assert client.get(url).json()["count"] == 0
    citation = EvidenceFactory.create(
        kind=Evidence.Kind.OFFICIAL_STATISTICS,
        url="https://example.org/synthetic-cache-test.pdf",
        published_date=dt.date(2024, 1, 1),
    )
    call_command(
        "add_observation",
        "--indicator",
        indicator.slug,
        "--area",
        "E92+W92",
        "--start",
        "2023-04-01",
        "--end",
        "2024-03-31",
        "--label",
        "2023/24",
        "--value",
        "1234",
        "--evidence",
        str(citation.pk),
        stdout=StringIO(),
    )
    assert client.get(url).json()["count"] == 1


def test_an_admin_change_is_seen_at_once(client, papers, users):
    theme = Theme.objects.get(slug="drugs")
    client.get("/api/v1/themes/drugs/")
    admin = Client()
    admin.force_login(users["admin"])
    admin_user = users["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    response = admin.post(
        f"/admin/policies/theme/{theme.pk}/change/",
        {"slug": "drugs", "name": "Synthetic admin name", "description": theme.description},
    )
    assert response.status_code == 302
    assert client.get("/api/v1/themes/drugs/").json()["name"] == "Synthetic admin name"


def test_the_revision_moves_with_each_public_write_and_only_then(users, papers):
    start = revision.current().number
    author = users["campaigner"]
    draft = services.create_draft(
        author,
        proposal=Proposal.objects.get(reference="118-4d"),
        data=services.UpdateInput(
            status=Status.NOT_ASSESSED,
            effective_date=dt.date(2023, 3, 1),
            rationale="Synthetic draft: not public until an editor publishes it.",
        ),
    )
    assert revision.current().number == start  # a draft is not public
    services.submit(author, update=draft, expected_version=draft.version)
    assert revision.current().number == start
    draft.refresh_from_db()
    services.publish(users["editor"], update=draft, expected_version=draft.version)
    assert revision.current().number == start + 1


# --- Never shared between users ---------------------------------------------------


def test_signed_in_pages_are_never_cached_nor_served_to_others(client, users, papers):
    anonymous = client.get("/proposals/118-4d/").content.decode()
    assert "Draft a status update" not in anonymous
    for role in ("editor", "campaigner"):
        other = Client()
        other.force_login(users[role])
        page = other.get("/proposals/118-4d/")
        assert "Draft a status update" in page.content.decode()
        assert "private" in page["Cache-Control"]
    # ...and the signed-in pages did not replace the anonymous one.
    count, again = queries_of(client, "/proposals/118-4d/")
    assert count == 0 and "Draft a status update" not in again.content.decode()
    assert not any(b"Draft a status update" in s.content for s in cache.local._items.values())


def test_a_token_client_is_not_served_from_the_cache(client, papers):
    client.get("/api/v1/proposals/118-4d/")
    count, response = queries_of(
        client, "/api/v1/proposals/118-4d/", HTTP_AUTHORIZATION="Token not-a-real-token"
    )
    assert response.status_code in (401, 403) and count > 0


# --- The shared level ------------------------------------------------------------


def test_a_failing_shared_cache_is_skipped(client, papers, settings):
    settings.CACHES = {
        **settings.CACHES,
        "responses": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    settings.RESPONSE_CACHE_ALIAS = "responses"
    assert client.get("/api/v1/proposals/118-4d/").status_code == 200
    count, response = queries_of(client, "/api/v1/proposals/118-4d/")
    assert response.status_code == 200 and count == 0  # the first level still serves it


@pytest.mark.services
def test_the_shared_level_serves_another_process(client, papers, settings):
    from tests.services import redis_url

    settings.CACHES = {
        **settings.CACHES,
        "responses": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": "test-response-cache",
        },
    }
    settings.RESPONSE_CACHE_ALIAS = "responses"
    from django.core.cache import caches

    caches["responses"].clear()
    first = client.get("/api/v1/proposals/118-4d/")
    cache.local.clear()  # as if another process asked
    count, again = queries_of(client, "/api/v1/proposals/118-4d/")
    assert count == 0 and again.content == first.content
    caches["responses"].clear()


def test_a_csv_too_large_to_keep_is_still_sent_whole(client, papers, settings):
    settings.RESPONSE_CACHE_ENABLED = False
    whole = b"".join(client.get("/api/v1/proposals/?format=csv").streaming_content)
    settings.RESPONSE_CACHE_ENABLED = True
    settings.RESPONSE_CACHE_MAX_BYTES = 2000  # far less than the CSV of 113 proposals
    assert len(whole) > 2000
    first = client.get("/api/v1/proposals/?format=csv")
    assert b"".join(first.streaming_content) == whole
    count, again = queries_of(client, "/api/v1/proposals/?format=csv")
    assert count > 0  # not stored: built again
    assert b"".join(again.streaming_content) == whole


def test_a_visitor_with_a_pending_message_is_not_served_from_the_cache(client, papers):
    client.get("/proposals/118-4d/")
    client.cookies["messages"] = "a-pending-message"
    count, _ = queries_of(client, "/proposals/118-4d/")
    assert count > 0
