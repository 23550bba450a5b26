"""Named API tokens: authentication by hash, revocation, last use recorded at
most once a minute, the old authtoken keys carried over, and the tokens page
(rate limit, someone else's token, bad input).  The permissions matrix and CSRF
for the page are in test_permissions.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from evidence.models import Evidence
from policies.api.authentication import ApiTokenAuthentication
from policies.models import ApiToken

pytestmark = pytest.mark.django_db

SOURCE = {
    "source_url": "https://example.org/synthetic-token-source",
    "title": "Synthetic test source (token)",
    "publisher": "Synthetic Publisher",
    "kind": "other",
    "published_date": "2020-03-03",
}


def token_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_valid_token_writes_through_the_api(users):
    token, secret = ApiToken.objects.issue(users["campaigner"], "Synthetic newsroom CMS")
    response = token_client(secret).post("/api/v1/sources/", SOURCE, format="json")
    assert response.status_code == 201, response.content[:500]
    assert response.json()["source_url"] == SOURCE["source_url"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_unknown_and_inactive_tokens_get_401_and_change_nothing(users):
    revoked, revoked_secret = ApiToken.objects.issue(users["campaigner"], "Synthetic old laptop")
    assert revoked.revoke() is True
    assert revoked.revoke() is False  # twice changes nothing
    inactive_user = users["campaigner2"]
    _, inactive_secret = ApiToken.objects.issue(inactive_user, "Synthetic departed")
    inactive_user.is_active = False
    inactive_user.save()
    _, kept_secret = ApiToken.objects.issue(users["campaigner"], "Synthetic kept")
    for secret in (revoked_secret, "0" * 64, kept_secret[:-1], inactive_secret):
        response = token_client(secret).post("/api/v1/sources/", SOURCE, format="json")
        assert response.status_code == 401, secret
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"] == "Token"
    assert not Evidence.objects.filter(url=SOURCE["source_url"]).exists()
    revoked.refresh_from_db()
    assert revoked.last_used_at is None


def test_only_the_hash_of_the_secret_is_stored(users):
    token, secret = ApiToken.objects.issue(users["editor"], "Synthetic script")
    assert len(secret) == 64
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:8]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in stored.values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM policies_apitoken")
        assert all(secret not in str(value) for row in cursor.fetchall() for value in row)


def test_last_used_is_written_at_most_once_a_minute(users):
    token, secret = ApiToken.objects.issue(users["campaigner"], "Synthetic poller")
    client = token_client(secret)
    assert client.get("/api/v1/drafts/").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/drafts/").status_code == 200
    assert not any("UPDATE" in q["sql"] and "apitoken" in q["sql"] for q in queries)
    token.refresh_from_db()
    assert token.last_used_at == first
    # A minute later the next request records its use again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(seconds=61))
    assert client.get("/api/v1/drafts/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > first


def test_token_authentication_costs_one_query(users, django_assert_num_queries, rf):
    token, secret = ApiToken.objects.issue(users["campaigner"], "Synthetic")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    request = rf.get("/api/v1/drafts/", HTTP_AUTHORIZATION=f"Token {secret}")
    with django_assert_num_queries(1):
        authenticated = ApiTokenAuthentication().authenticate(request)
    assert authenticated is not None
    user, found = authenticated
    assert (user, found) == (users["campaigner"], token)


def test_authenticated_api_request_query_count_is_pinned(users, django_assert_num_queries):
    token, secret = ApiToken.objects.issue(users["campaigner"], "Synthetic")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    forced = APIClient()
    forced.force_authenticate(users["campaigner"])
    with CaptureQueriesContext(connection) as baseline:
        assert forced.get("/api/v1/drafts/").status_code == 200
    with django_assert_num_queries(QUERIES_DRAFTS_WITH_TOKEN):
        assert token_client(secret).get("/api/v1/drafts/").status_code == 200
    assert len(baseline) + 1 == QUERIES_DRAFTS_WITH_TOKEN  # the token lookup, nothing more


# The token (with its user), the user's role, the drafts page: no per-row queries.
QUERIES_DRAFTS_WITH_TOKEN = 3


def test_old_authtoken_keys_become_named_tokens_and_keep_working(users):
    """Migration 0004's data step, run against the live models."""
    old = Token.objects.create(user=users["editor"])
    key = old.key
    migration = importlib.import_module("policies.migrations.0004_api_tokens")
    migration.copy_authtoken_keys(apps, None)
    token = ApiToken.objects.get(user=users["editor"])
    assert token.name == "token created before named tokens"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    assert token.created_at == old.created
    assert not Token.objects.exists()  # no plaintext key is left behind
    assert token_client(key).post("/api/v1/sources/", SOURCE, format="json").status_code == 201


def test_page_lists_tokens_without_their_secrets(users, client):
    mine, secret = ApiToken.objects.issue(users["campaigner"], "Synthetic <b>laptop</b>")
    mine.revoke()
    ApiToken.objects.issue(users["campaigner2"], "Synthetic someone else's")
    client.force_login(users["campaigner"])
    page = client.get("/accounts/tokens/").content.decode()
    assert "Synthetic &lt;b&gt;laptop&lt;/b&gt;" in page
    assert f"{secret[:8]}…" in page and secret not in page
    assert "someone else" not in page
    assert 'value="revoke"' not in page  # already revoked: nothing to revoke


def test_someone_elses_token_cannot_be_revoked(users, client):
    theirs, secret = ApiToken.objects.issue(users["campaigner2"], "Synthetic theirs")
    for who in ("campaigner", "editor", "admin"):
        client.force_login(users[who])
        response = client.post("/accounts/tokens/", {"action": "revoke", "token": theirs.pk})
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert token_client(secret).get("/api/v1/drafts/").status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"action": "create", "name": "   "},
        {"action": "create", "name": "x" * 101},
        {"action": "create"},
        {"action": "rename", "name": "Synthetic"},
    ],
)
def test_bad_input_is_refused_and_creates_nothing(users, client, data):
    client.force_login(users["campaigner"])
    response = client.post("/accounts/tokens/", data)
    assert response.status_code == 400
    assert 'id="new-token"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_an_unknown_id_is_404(users, client):
    client.force_login(users["campaigner"])
    for token_id in ("999999", "not-a-number", ""):
        response = client.post("/accounts/tokens/", {"action": "revoke", "token": token_id})
        assert response.status_code == 404, token_id


def test_token_creation_is_rate_limited(users, client, settings):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        | {"writes": "3/min"}
    }
    client.force_login(users["campaigner"])
    for n in range(3):
        response = client.post("/accounts/tokens/", {"action": "create", "name": f"Synthetic {n}"})
        assert response.status_code == 200
    blocked = client.post("/accounts/tokens/", {"action": "create", "name": "Synthetic 4"})
    assert blocked.status_code == 429
    assert "Too many new tokens" in blocked.content.decode()
    assert ApiToken.objects.count() == 3
    # The limit is per user: someone else still may.
    client.force_login(users["campaigner2"])
    other = client.post("/accounts/tokens/", {"action": "create", "name": "Synthetic other"})
    assert other.status_code == 200
