"""One sign-in for the site and the admin (policies/editorial/signin.py): the
limiter per username and per client address, the one-time password that works
once and whose change cannot be skipped, and the freshness page for editors.

Rows of issue 13 closed here: the admin login throttle, the per-IP-only lockout,
the one-time password reuse and the skippable change, editors' 403 at
/data/freshness/, and the 500 on revoking token id "²"."""

from __future__ import annotations

import re
import secrets
import time
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from evidence import views as evidence_views
from policies import permissions
from policies.editorial import signin
from policies.models import ApiToken
from tests.factories import PASSWORD, UserFactory
from tests.services import redis_url

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-Orchard-47-quiet"


def sign_in(client: Client, username: str, password: str = PASSWORD, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def new_user(capsys, username: str, role: str) -> str:
    """``create_user`` as an admin runs it; returns the one-time password it printed."""
    call_command("create_user", username, "--role", role, "--email", f"{username}@example.org")
    printed = re.search(r"One-time password: (\S+)", capsys.readouterr().out)
    assert printed is not None
    return printed.group(1)


# --- The limiter ---------------------------------------------------------------------


def test_the_admin_login_is_limited(db, settings):
    """The row: 25 wrong passwords at /admin/login/, then the right one, signed in."""
    UserFactory.create(username="synthetic-boss", is_staff=True, is_superuser=True)
    client = Client()
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    statuses = [
        sign_in(client, "synthetic-boss", "wrong", "/admin/login/").status_code for _ in range(25)
    ]
    assert statuses[:10] == [200] * 10  # the form again, with its error
    assert set(statuses[10:]) == {429}
    right = sign_in(client, "synthetic-boss", PASSWORD, "/admin/login/")
    assert right.status_code == 429
    assert "Too many sign-in attempts for this account" in right.content.decode()
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_the_admin_login_signs_staff_in_and_refuses_others(users):
    UserFactory.create(username="synthetic-staff", role="admin", is_staff=True)
    client = Client()
    response = sign_in(client, "synthetic-staff", PASSWORD, "/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # Without ?next= the admin login goes back to the admin.
    other = Client()
    assert sign_in(other, "synthetic-staff", PASSWORD, "/admin/login/")["Location"] == "/admin/"
    # A campaigner is not staff: the admin's form refuses them (and counts it).
    campaigner = Client()
    refused = sign_in(campaigner, "camp", PASSWORD, "/admin/login/")
    assert refused.status_code == 200 and not signed_in(campaigner)


def test_site_and_admin_share_one_count(users, settings):
    settings.TRACKER_LOGIN_RATE = "4/15m"
    client = Client()
    for url in ("/accounts/login/", "/admin/login/") * 2:
        assert sign_in(client, "adm", "wrong", url).status_code == 200
    assert sign_in(client, "adm", PASSWORD, "/accounts/login/").status_code == 429
    assert sign_in(client, "adm", PASSWORD, "/admin/login/").status_code == 429


def test_one_users_mistakes_behind_a_proxy_do_not_lock_out_the_team(users, settings):
    """The row: behind a proxy every user has the proxy's address; ten wrong
    guesses for one user must not lock the others out."""
    settings.TRUSTED_PROXY_COUNT = 0
    proxy = "10.0.0.2"
    guesser = Client(REMOTE_ADDR=proxy)
    for _ in range(12):
        sign_in(guesser, "camp", "wrong")
    colleague = Client(REMOTE_ADDR=proxy)
    assert sign_in(colleague, "edit").status_code == 302
    assert signed_in(colleague)
    # The account guessed at is slowed down, from anywhere.
    elsewhere = Client(REMOTE_ADDR="192.0.2.50")
    refused = sign_in(elsewhere, "camp")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts for this account" in refused.content.decode()
    assert not signed_in(elsewhere)


def test_the_username_count_ignores_case_and_ends_with_its_window(users, settings, monkeypatch):
    settings.TRACKER_LOGIN_RATE = "3/15m"
    client = Client()
    for name in ("camp", "CAMP", "Camp"):
        assert sign_in(client, name, "wrong").status_code == 200
    assert sign_in(client, "camp").status_code == 429
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr("django_ratelimit.core.time.time", lambda: later)
    assert sign_in(client, "camp").status_code == 302


def test_one_address_guessing_at_many_accounts_is_refused(users, settings):
    settings.TRACKER_LOGIN_IP_RATE = "5/15m"
    sprayer = Client(REMOTE_ADDR="192.0.2.66")
    for name in ("camp", "camp2", "edit", "edit2", "norole"):
        assert sign_in(sprayer, name, "wrong").status_code == 200
    refused = sign_in(sprayer, "adm")
    assert refused.status_code == 429
    assert "from your network" in refused.content.decode()
    # Other addresses, and the accounts themselves, are not affected.
    assert sign_in(Client(REMOTE_ADDR="192.0.2.67"), "adm").status_code == 302


def test_the_address_counted_is_the_trusted_proxys_client(users, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRACKER_LOGIN_IP_RATE = "3/15m"
    proxy = "10.0.0.2"
    for name in ("camp", "camp2", "edit"):
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"198.18.0.{len(name)}, 192.0.2.20")
        sign_in(client, name, "wrong")
    # The same client with a new left-hand part is still refused...
    same = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.18.9.9, 192.0.2.20")
    assert sign_in(same, "adm").status_code == 429
    # ...and another client behind the same proxy is not.
    other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.21")
    assert sign_in(other, "adm").status_code == 302


class BrokenCache(LocMemCache):
    """A cache whose server is down: every call raises."""

    def add(self, *args, **kwargs):
        raise ConnectionError("synthetic: cache down")

    get = incr = set = add


def test_a_cache_that_fails_lets_sign_in_through(users, settings):
    settings.CACHES = {"default": {"BACKEND": "tests.test_signin.BrokenCache"}}
    client = Client()
    assert sign_in(client, "camp", "wrong").status_code == 200
    assert sign_in(client, "camp").status_code == 302


def test_the_refused_form_never_checks_the_password(users, settings, monkeypatch):
    settings.TRACKER_LOGIN_RATE = "1/15m"
    client = Client()
    sign_in(client, "camp", "wrong")
    checked = []
    monkeypatch.setattr(
        "django.contrib.auth.backends.ModelBackend.authenticate",
        lambda *args, **kwargs: checked.append(1),
    )
    assert sign_in(client, "camp").status_code == 429
    assert checked == []


# --- The one-time password ----------------------------------------------------------


def test_a_one_time_password_works_once(db, capsys):
    """The row: the one-time password kept working (and the change could be skipped)."""
    password = new_user(capsys, "synthetic-olive", "campaigner")
    first = Client()
    response = sign_in(first, "synthetic-olive", password)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"
    assert signed_in(first)
    # Spent: a second sign-in with it fails like any wrong password.
    second = Client()
    again = sign_in(second, "synthetic-olive", password)
    assert again.status_code == 200 and not signed_in(second)
    assert not Client().login(username="synthetic-olive", password=password)
    # The first session chooses a password without giving the spent one.
    page = first.get("/accounts/password/change/").content.decode()
    assert "old_password" not in page and "one-time password you signed in with" in page
    done = first.post(
        "/accounts/password/change/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/password/change/done/"
    assert first.get("/editorial/drafts/").status_code == 200
    # From now on the chosen password is an ordinary one: it keeps working.
    for _ in range(2):
        client = Client()
        assert sign_in(client, "synthetic-olive", NEW_PASSWORD)["Location"] == "/"
        assert client.get("/editorial/drafts/").status_code == 200


def test_of_two_sign_ins_at_once_with_one_one_time_password_only_one_wins(db, capsys):
    password = new_user(capsys, "synthetic-uma", "campaigner")
    # The second sign-in checked the password before the first one spent it.
    stale = get_user_model().objects.get(username="synthetic-uma")
    assert stale.check_password(password)
    assert sign_in(Client(), "synthetic-uma", password).status_code == 302
    request = RequestFactory().post("/accounts/login/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.user = AnonymousUser()
    with pytest.raises(signin.AlreadySpent):
        signin.complete(request, stale)
    assert "_auth_user_id" not in request.session


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/proposals/",
        "/editorial/drafts/",
        "/accounts/tokens/",
        "/accounts/password/change/done/",
        "/data/freshness/",
    ],
)
def test_until_the_password_is_changed_pages_lead_to_the_change(db, capsys, url):
    password = new_user(capsys, "synthetic-paula", "editor")
    client = Client()
    sign_in(client, "synthetic-paula", password)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/?next=" + quote(url, safe="")


def test_until_the_password_is_changed_no_token_and_no_api(db, capsys):
    password = new_user(capsys, "synthetic-quinn", "editor")
    client = Client()
    sign_in(client, "synthetic-quinn", password)
    made = client.post("/accounts/tokens/", {"action": "create", "name": "Synthetic early"})
    assert made.status_code == 302
    assert made["Location"] == "/accounts/password/change/"  # a POST is not a place to return to
    assert not ApiToken.objects.exists()
    for method, url in (("get", "/api/v1/proposals/"), ("post", "/api/v1/drafts/")):
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "permission_denied"
        assert "new password" in response.json()["error"]["message"]
    # Sign-out is allowed, and signing out ends the session.
    assert client.post("/accounts/logout/").status_code == 302
    assert not signed_in(client)


def test_the_forced_change_keeps_next(db, capsys):
    password = new_user(capsys, "synthetic-rosa", "editor")
    client = Client()
    response = client.post(
        "/accounts/login/?next=/editorial/review/",
        {"username": "synthetic-rosa", "password": password, "next": "/editorial/review/"},
    )
    change = "/accounts/password/change/?next=%2Feditorial%2Freview%2F"
    assert response["Location"] == change
    assert client.get("/editorial/review/")["Location"] == change
    form = client.get(change)
    assert form.status_code == 200
    done = client.post(change, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/editorial/review/"
    assert client.get("/editorial/review/").status_code == 200


def test_the_forced_change_refuses_a_weak_password_and_an_outside_next(db, capsys):
    password = new_user(capsys, "synthetic-sam", "campaigner")
    client = Client()
    client.post(
        "/accounts/login/",
        {"username": "synthetic-sam", "password": password, "next": "https://evil.example/"},
    )
    weak = client.post(
        "/accounts/password/change/?next=https://evil.example/",
        {"new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 200  # the form again, with the validators' errors
    assert client.get("/proposals/").status_code == 302  # still held
    done = client.post(
        "/accounts/password/change/?next=https://evil.example/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == "/accounts/password/change/done/"


def test_a_first_admin_sign_in_at_the_admin_is_held_too(db, capsys):
    password = new_user(capsys, "synthetic-tara", "admin")
    client = Client()
    response = sign_in(client, "synthetic-tara", password, "/admin/login/")
    assert response["Location"] == "/accounts/password/change/?next=%2Fadmin%2F"
    assert client.get("/admin/")["Location"].startswith("/accounts/password/change/")


def test_an_ordinary_password_change_still_asks_for_the_old_one(users, client):
    client.force_login(users["campaigner"])
    page = client.get("/accounts/password/change/").content.decode()
    assert "old_password" in page
    wrong = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert Client().login(username="camp", password=PASSWORD)


# --- Freshness, and a token id that is a digit but not a number ------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("norole", 403), ("campaigner", 403), ("editor", 200), ("admin", 200)],
)
def test_editors_see_the_freshness_page(users, role, status):
    """The row: the README says editors may see /data/freshness/; they got 403."""
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    assert client.get("/data/freshness/").status_code == status


def test_the_freshness_roles_are_the_permissions_roles():
    assert set(evidence_views.FRESHNESS_ROLES) == {permissions.EDITOR, permissions.ADMIN}


@pytest.mark.parametrize("token_id", ["²", "١", "9" * 40, "-1", "1.0"])
def test_revoking_a_token_id_that_is_not_a_plain_number_is_404(users, client, token_id):
    client.force_login(users["campaigner"])
    response = client.post("/accounts/tokens/", {"action": "revoke", "token": token_id})
    assert response.status_code == 404


def test_a_token_of_an_account_that_never_signed_in_is_refused(db):
    """A backstop: the tokens page cannot make one, but a token made otherwise
    for an account still on its one-time password does not work."""
    user = UserFactory.create(username="synthetic-fresh", role="editor", last_login=None)
    _, secret = ApiToken.objects.issue(user, "synthetic token")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {secret}")
    response = client.get("/api/v1/proposals/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    user.last_login = user.date_joined
    user.save(update_fields=["last_login"])
    assert client.get("/api/v1/proposals/").status_code == 200


@pytest.mark.services
def test_the_limiter_counts_in_redis(users, settings):
    """The counts live in the shared cache: Redis in production, so every web
    process sees the same count."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": f"synthetic-signin-{secrets.token_hex(4)}",
        }
    }
    settings.TRACKER_LOGIN_RATE = "2/15m"
    for _ in range(2):
        assert sign_in(Client(), "camp", "wrong").status_code == 200
    assert sign_in(Client(), "camp").status_code == 429
    assert sign_in(Client(), "camp2").status_code == 302
