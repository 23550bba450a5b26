"""Two-step sign-in (TOTP, django-otp) for editors and admins: enrolment with an
inline QR code, the code step at sign-in (site and admin), removal, the limiter
on code guesses, and ``TRACKER_REQUIRE_2FA_FOR_EDITORS``.  Codes are computed
here with django-otp's own TOTP, from the device's key, as an app would."""

from __future__ import annotations

import re
import time
from base64 import b32encode

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from policies.editorial import signin
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an app shows now (or ``steps_ahead`` periods later: each code is
    accepted once, and the device accepts one period either side)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong(device: TOTPDevice) -> str:
    return f"{(int(code(device)) + 500_000) % 1_000_000:06d}"


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="synthetic app", confirmed=True)


@pytest.fixture(autouse=True)
def _no_device_backoff(settings):
    # django-otp's own back-off (1, 2, 4 … s after wrong codes) would make tests
    # wait; the limiter tested here is the tracker's.  One test turns it back on.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


# --- Enrolment -------------------------------------------------------------------------


def test_an_editor_enrols_with_an_inline_qr_code_and_confirms(users, client):
    client.force_login(users["editor"])
    page = client.get("/accounts/two-factor/").content.decode()
    assert "is <strong>off</strong>" in page
    assert client.post("/accounts/two-factor/enrol/").status_code == 302
    device = TOTPDevice.objects.get(user=users["editor"])
    assert not device.confirmed
    page = client.get("/accounts/two-factor/").content.decode()
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    assert "<path" in svg.group(0)
    assert not re.search(r"<script|href=|https?://|style=", svg.group(0))
    secret = b32encode(device.bin_key).decode().rstrip("=")
    shown = re.search(r"Key: <code>([A-Z2-7 ]+)</code>", page)
    assert shown is not None and shown.group(1).replace(" ", "") == secret
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    # A wrong code changes nothing.
    refused = client.post("/accounts/two-factor/confirm/", {"code": wrong(device)})
    assert refused.status_code == 400
    assert "not right" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    # The app's code confirms it and verifies this session.
    assert client.post("/accounts/two-factor/confirm/", {"code": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    page = client.get("/accounts/two-factor/").content.decode()
    assert "is <strong>on</strong>" in page and "<svg" not in page and secret not in page


def test_starting_again_replaces_the_unconfirmed_key(users, client):
    client.force_login(users["editor"])
    client.post("/accounts/two-factor/enrol/")
    first = TOTPDevice.objects.get(user=users["editor"])
    client.post("/accounts/two-factor/enrol/")
    second = TOTPDevice.objects.get(user=users["editor"])
    assert second.key != first.key
    # Once on, enrolling again does not make a second device.
    client.post("/accounts/two-factor/confirm/", {"code": code(second)})
    client.post("/accounts/two-factor/enrol/")
    assert TOTPDevice.objects.filter(user=users["editor"]).count() == 1


@pytest.mark.parametrize("value", ["", "12345", "1234567", "abcdef", "１２３４５６", "12 34 5x"])
def test_a_code_that_is_not_six_digits_is_a_400(users, client, value):
    client.force_login(users["editor"])
    client.post("/accounts/two-factor/enrol/")
    response = client.post("/accounts/two-factor/confirm/", {"code": value})
    assert response.status_code == 400
    assert not TOTPDevice.objects.get(user=users["editor"]).confirmed


def test_campaigners_have_no_two_factor_page(users, client):
    client.force_login(users["campaigner"])
    assert client.get("/accounts/two-factor/").status_code == 403
    assert client.post("/accounts/two-factor/enrol/").status_code == 403
    assert not TOTPDevice.objects.exists()


# --- The code step ----------------------------------------------------------------------


def test_sign_in_with_a_device_needs_a_code(users):
    device = enrolled(users["editor"])
    client = Client()
    response = client.post(
        "/accounts/login/?next=/editorial/review/",
        {"username": "edit", "password": PASSWORD, "next": "/editorial/review/"},
    )
    assert response["Location"] == "/accounts/login/code/"
    assert not signed_in(client)
    assert client.get("/editorial/review/")["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/login/code/").status_code == 200
    refused = client.post("/accounts/login/code/", {"code": wrong(device)})
    assert refused.status_code == 400 and not signed_in(client)
    done = client.post("/accounts/login/code/", {"code": code(device)})
    assert done["Location"] == "/editorial/review/"
    assert signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/editorial/review/").status_code == 200


def test_a_code_works_once(users):
    device = enrolled(users["editor"])
    used = code(device)
    first = Client()
    first.post("/accounts/login/", {"username": "edit", "password": PASSWORD})
    assert first.post("/accounts/login/code/", {"code": used})["Location"] == "/"
    replay = Client()
    replay.post("/accounts/login/", {"username": "edit", "password": PASSWORD})
    assert replay.post("/accounts/login/code/", {"code": used}).status_code == 400
    assert not signed_in(replay)
    # The next period's code is a new code.
    assert replay.post("/accounts/login/code/", {"code": code(device, 1)}).status_code == 302


def test_code_guesses_count_in_the_sign_in_limiter(users, settings):
    settings.TRACKER_LOGIN_RATE = "3/15m"
    device = enrolled(users["editor"])
    client = Client()
    client.post("/accounts/login/", {"username": "edit", "password": PASSWORD})
    for _ in range(3):
        assert client.post("/accounts/login/code/", {"code": wrong(device)}).status_code == 400
    refused = client.post("/accounts/login/code/", {"code": code(device)})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts for this account" in refused.content.decode()
    assert not signed_in(client)
    # The password step is refused for that account too, from anywhere.
    other = Client(REMOTE_ADDR="192.0.2.90")
    assert (
        other.post("/accounts/login/", {"username": "edit", "password": PASSWORD}).status_code
        == 429
    )


def test_django_otps_own_back_off_applies_as_well(users, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = enrolled(users["editor"])
    client = Client()
    client.post("/accounts/login/", {"username": "edit", "password": PASSWORD})
    assert client.post("/accounts/login/code/", {"code": wrong(device)}).status_code == 400
    held = client.post("/accounts/login/code/", {"code": code(device)})
    assert held.status_code == 400 and "wait a few seconds" in held.content.decode()
    assert not signed_in(client)


def test_the_code_step_expires_and_needs_the_password_first(users, monkeypatch):
    device = enrolled(users["editor"])
    client = Client()
    assert client.get("/accounts/login/code/")["Location"] == "/accounts/login/"
    assert client.post("/accounts/login/code/", {"code": code(device)})["Location"] == (
        "/accounts/login/"
    )
    client.post("/accounts/login/", {"username": "edit", "password": PASSWORD})
    later = time.time() + signin.CODE_SECONDS + 1
    monkeypatch.setattr("policies.editorial.signin.time.time", lambda: later)
    assert client.post("/accounts/login/code/", {"code": code(device)})["Location"] == (
        "/accounts/login/"
    )
    assert not signed_in(client)


def test_a_first_sign_in_with_a_device_still_changes_the_password(users):
    user = UserFactory.create(username="synthetic-new-editor", role="editor", last_login=None)
    device = enrolled(user)
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    response = client.post("/accounts/login/code/", {"code": code(device)})
    assert response["Location"].startswith("/accounts/password/change/")
    assert client.get("/editorial/review/")["Location"].startswith("/accounts/password/change/")
    assert not Client().login(username=user.username, password=PASSWORD)  # spent


# --- The admin ----------------------------------------------------------------------------


def test_the_admin_asks_the_code_of_users_who_have_a_device(db):
    boss = UserFactory.create(username="synthetic-boss", is_staff=True, is_superuser=True)
    device = enrolled(boss)
    # A session the device did not verify is not an admin session.
    unverified = Client()
    unverified.force_login(boss)
    assert unverified.get("/admin/").status_code == 302
    page = unverified.get("/admin/login/?next=/admin/")
    assert page.status_code == 200 and "may not use the admin" in page.content.decode()
    # The admin's sign-in goes through the code step, then back to the admin.
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "synthetic-boss", "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == "/accounts/login/code/"
    assert client.post("/accounts/login/code/", {"code": code(device)})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_is_unchanged_for_users_without_a_device(db):
    boss = UserFactory.create(username="synthetic-boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    assert client.get("/admin/").status_code == 200


# --- Removal ---------------------------------------------------------------------------


def test_removing_the_device_needs_a_current_code(users, client):
    device = enrolled(users["editor"])
    client.force_login(users["editor"])
    refused = client.post("/accounts/two-factor/remove/", {"code": wrong(device)})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=users["editor"]).exists()
    assert client.post("/accounts/two-factor/remove/", {"code": code(device)}).status_code == 302
    assert not TOTPDevice.objects.exists()
    again = Client()
    response = again.post("/accounts/login/", {"username": "edit", "password": PASSWORD})
    assert response["Location"] == "/" and signed_in(again)


# --- Compulsory for editors -------------------------------------------------------------


def test_required_for_editors_holds_them_at_enrolment(users, settings):
    settings.TRACKER_REQUIRE_2FA_FOR_EDITORS = True
    editor = Client()
    editor.force_login(users["editor"])
    response = editor.get("/editorial/review/")
    assert response["Location"] == "/accounts/two-factor/?next=%2Feditorial%2Freview%2F"
    api = editor.get("/api/v1/proposals/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "permission_denied"
    assert (
        "It is required for editors and admins"
        in editor.get("/accounts/two-factor/").content.decode()
    )
    # Campaigners are not concerned.
    campaigner = Client()
    campaigner.force_login(users["campaigner"])
    assert campaigner.get("/editorial/drafts/").status_code == 200
    # Enrolled and confirmed, the editor goes on.
    editor.post("/accounts/two-factor/enrol/")
    device = TOTPDevice.objects.get(user=users["editor"])
    editor.post("/accounts/two-factor/confirm/", {"code": code(device)})
    assert editor.get("/editorial/review/").status_code == 200
    # A session the device did not verify must sign in again, with the code.
    older = Client()
    older.force_login(users["editor"])
    response = older.get("/editorial/review/")
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not signed_in(older)


def test_required_for_editors_applies_to_the_admin(settings, db):
    settings.TRACKER_REQUIRE_2FA_FOR_EDITORS = True
    boss = UserFactory.create(username="synthetic-boss", role="admin", is_staff=True)
    client = Client()
    client.force_login(boss)
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/")


# --- CSRF on every form -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/login/code/",
        "/admin/login/",
        "/accounts/password/change/",
    ],
)
def test_sign_in_forms_need_csrf(users, url):
    """(The two-step sign-in forms are in tests/test_permissions.py's matrix.)"""
    device = enrolled(users["editor"])
    client = Client(enforce_csrf_checks=True)
    if url.startswith("/accounts/password/"):
        client.force_login(users["editor"])
    data = {"username": "edit", "password": PASSWORD, "code": code(device)}
    data |= {
        "new_password1": "lantern-Orchard-47-quiet",
        "new_password2": "lantern-Orchard-47-quiet",
    }
    data |= {"old_password": PASSWORD}
    before = list(TOTPDevice.objects.values_list("pk", "confirmed"))
    response = client.post(url, data)
    assert response.status_code == 403
    assert list(TOTPDevice.objects.values_list("pk", "confirmed")) == before
    assert Client().login(username="edit", password=PASSWORD)


def test_admins_remove_a_lost_device_but_never_read_its_secret(users, db):
    device = enrolled(users["editor"])
    boss = UserFactory.create(username="synthetic-boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(boss)
    url = f"/admin/otp_totp/totpdevice/{device.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
    deleted = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not TOTPDevice.objects.exists()
