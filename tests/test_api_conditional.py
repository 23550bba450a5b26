"""HTTP done right: ETag, Last-Modified, 304, Cache-Control, CORS for GET."""

import datetime as dt
import hashlib

import pytest

from policies.api.serializers import StatusUpdateSerializer
from policies.models import Proposal, Status
from policies.selectors import status_update_queryset
from tests.factories import UserFactory, correct, publish
from tracker.api.conditional import etag_for, with_revision

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/proposals/",
        "/api/v1/proposals/118-2d/",
        "/api/v1/papers/",
        "/api/v1/themes/",
        "/api/v1/sections/",
        "/api/v1/status-updates/",
        "/api/v1/evidence/",
    ],
)
def test_304_then_200_with_new_etag_after_a_change(api_client, papers, url):
    first = api_client.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    assert first["Cache-Control"] == "public, max-age=60"
    assert "Last-Modified" in first
    again = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    # Change what every one of these covers.
    proposal = Proposal.objects.get(reference="118-2d")
    proposal.text += " (synthetic edit)"
    proposal.save()
    theme = proposal.themes.first()
    assert theme is not None
    theme.save()  # themes: history row and a new Last-Modified
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1))
    changed = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    if url in ("/api/v1/papers/", "/api/v1/themes/", "/api/v1/sections/", "/api/v1/evidence/"):
        # Their representation did not change: still 304, by the strong validator.
        assert changed.status_code == 304
    else:
        assert changed.status_code == 200
        assert changed["ETag"] != etag


def test_if_modified_since(api_client, papers):
    first = api_client.get("/api/v1/themes/")
    last_modified = first["Last-Modified"]
    assert (
        api_client.get("/api/v1/themes/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    )
    assert (
        api_client.get(
            "/api/v1/themes/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT"
        ).status_code
        == 200
    )


def test_csv_has_last_modified_and_304(api_client, papers):
    first = api_client.get("/api/v1/proposals/?format=csv")
    assert "ETag" not in first
    again = api_client.get(
        "/api/v1/proposals/?format=csv", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert again.status_code == 304


def test_etag_is_the_one_if_match_checks(api_client, papers):
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1))
    response = api_client.get(f"/api/v1/status-updates/{update.pk}/")
    request = response.wsgi_request
    from rest_framework.request import Request

    data = StatusUpdateSerializer(
        status_update_queryset().get(pk=update.pk), context={"request": Request(request)}
    ).data
    # The representation's hash, and the data revision it was read at.
    assert response["ETag"] == with_revision(etag_for(data), int(response["X-Data-Revision"]))
    correct(update, Status.NO_PROGRESS)
    assert api_client.get(f"/api/v1/status-updates/{update.pk}/")["ETag"] != response["ETag"]


def test_signed_in_reads_are_private(api_client, papers):
    user = UserFactory.create(username="synthetic-reader")
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/themes/")
    assert response["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response["Vary"] and "Authorization" in response["Vary"]


def test_cors_allows_reads_from_anywhere(api_client, papers):
    response = api_client.get("/api/v1/proposals/", HTTP_ORIGIN="https://newsroom.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = api_client.options(
        "/api/v1/proposals/",
        HTTP_ORIGIN="https://newsroom.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 200
    allowed = preflight["Access-Control-Allow-Methods"]
    assert "GET" in allowed and "POST" not in allowed and "DELETE" not in allowed


def test_a_lists_etag_is_the_hash_of_its_body_and_answers_304(api_client, papers):
    """A list's ETag hashes the rendered body (rendered once, not serialised twice),
    so it names exactly the bytes a client holds."""
    response = api_client.get("/api/v1/proposals/?page_size=5")
    digest = hashlib.sha256(response.content).hexdigest()[:32]
    assert response["ETag"] == with_revision(f'"{digest}"', int(response["X-Data-Revision"]))
    again = api_client.get("/api/v1/proposals/?page_size=5", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    other = api_client.get("/api/v1/proposals/?page_size=6")
    assert other["ETag"] != response["ETag"]
