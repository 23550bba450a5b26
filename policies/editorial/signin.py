"""Sign-in, once for the site and the admin: the limiter, the steps a session
goes through, and the middleware that holds a session to its step.

**The limiter** counts *failed* attempts (a wrong password, or a wrong code at
the second step) in django-ratelimit's windows, in the cache:

- per username (``TRACKER_LOGIN_RATE``, 10 per 15 minutes): at the limit, that
  username is refused with a 429 until its window ends, whatever is sent, even
  the right password; other accounts are untouched;
- per client address (``TRACKER_LOGIN_IP_RATE``, 100 per 15 minutes), across
  usernames, for one address guessing at many accounts; far above the first, so
  that a team behind one address (``tracker.clientip``) is not locked out by one
  member's mistakes.

A cache that fails is let through (and logged): sign-in never answers 500.

**The steps.**  After the password:

1. a user with a confirmed TOTP device (django-otp) is not signed in yet: the
   session holds who and where to go next (``PENDING_KEY``) for ``CODE_SECONDS``,
   and the code step (``views.accounts.sign_in_code``) completes the sign-in;
2. a first sign-in (``last_login`` empty: the one-time password ``create_user``
   prints, or a password an admin gave) spends the password at once (it is
   replaced by a random one nobody knows, so it never works twice), and the
   session may reach only the password change and sign-out until a new password
   is chosen (``PASSWORD_CHANGE_KEY``); a lost session means a password reset;
3. with ``TRACKER_REQUIRE_2FA_FOR_EDITORS``, an editor or admin without a
   verified device reaches only the enrolment page, the password change and
   sign-out.

Pages refused in steps 2 and 3 redirect there with ``?next=``; the API answers
403 in its JSON error shape.  API tokens cannot be made before step 2 is done
(the tokens page is refused), so no token outlives a one-time password.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import django_otp
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_ratelimit.core import get_usage

from tracker.clientip import client_ip

from .. import permissions

logger = logging.getLogger(__name__)

PENDING_KEY = "tracker_signin_pending"
PASSWORD_CHANGE_KEY = "tracker_password_change_required"  # noqa: S105 (a session key)
# How long the code step waits for a code after the password was accepted.
CODE_SECONDS = 300


# --- The limiter -----------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds


def _username_key(username: str) -> str:
    # Case-folded, so "Alice" and "alice" share one count.
    return "user:" + username.strip().casefold()


def _ip_key(request: HttpRequest) -> str:
    return "ip:" + client_ip(request)


def _usage(
    request: HttpRequest, group: str, rate: str, value: str, *, increment: bool
) -> dict[str, Any] | None:
    """django-ratelimit's count for ``value``, or None when the cache cannot say."""
    try:
        usage = get_usage(
            request, group=group, key=lambda _group, _request: value, rate=rate, increment=increment
        )
    except Exception:  # a cache that is down must not turn sign-in into a 500
        logger.warning("sign-in limiter: the cache failed; attempt let through", exc_info=True)
        return None
    if usage is None or usage["limit"] == 0:  # disabled, or the cache kept nothing
        return None
    return cast("dict[str, Any]", usage)


def _counters(request: HttpRequest, username: str) -> list[tuple[str, str, str, str]]:
    """(group, rate, value, message) of each count an attempt for ``username`` meets."""
    return [
        (
            "signin-username",
            settings.TRACKER_LOGIN_RATE,
            _username_key(username),
            "Too many sign-in attempts for this account.",
        ),
        (
            "signin-address",
            settings.TRACKER_LOGIN_IP_RATE,
            _ip_key(request),
            "Too many sign-in attempts from your network.",
        ),
    ]


def refusal(request: HttpRequest, username: str) -> Refusal | None:
    """Why an attempt for ``username`` is refused now, before anything is checked."""
    for group, rate, value, message in _counters(request, username):
        usage = _usage(request, group, rate, value, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            wait = max(int(usage["time_left"]), 1)
            minutes = math.ceil(wait / 60)
            return Refusal(
                f"{message} Wait {minutes} minute{'s' if minutes != 1 else ''} and try again.",
                wait,
            )
    return None


def record_failure(request: HttpRequest, username: str) -> None:
    for group, rate, value, _message in _counters(request, username):
        _usage(request, group, rate, value, increment=True)


# --- The second factor -----------------------------------------------------------


def confirmed_device(user: User) -> TOTPDevice | None:
    device: TOTPDevice | None = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    return device


def verify_code(user: User, device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is ``device``'s current code (each code works once, and
    django-otp's own back-off applies after failures)."""
    with transaction.atomic():
        return django_otp.verify_token(user, device.persistent_id, code) is not None


def wrong_code_message(device: TOTPDevice) -> str:
    device.refresh_from_db()
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return "Too many wrong codes in a row: wait a few seconds before the next one."
    return "That code is not right, or has been used. Enter the code your app shows now."


class CodeForm(forms.Form):
    """A code from an authenticator app: 6 digits (spaces allowed)."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6 digits your app shows.")
        return code


# --- The steps --------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user: User
    next_url: str


class AlreadySpent(Exception):
    """Two sign-ins raced with one one-time password: the other one spent it."""


def is_first_sign_in(user: User) -> bool:
    return user.last_login is None


def begin_code_step(request: HttpRequest, user: User, next_url: str) -> None:
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "next": next_url,
        "since": time.time(),
    }


def pending(request: HttpRequest) -> Pending | None:
    """The sign-in waiting for a code in this session, if it has not expired."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict) or time.time() - float(data.get("since", 0)) > CODE_SECONDS:
        return None
    user_id = data.get("user")
    if not isinstance(user_id, int):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    user.backend = str(data.get("backend"))
    return Pending(user, str(data.get("next", "")))


def complete(request: HttpRequest, user: User, *, device: TOTPDevice | None = None) -> bool:
    """Sign ``user`` in (with the device that verified them, if any).  Returns
    whether this was a first sign-in, whose password is now spent; raises
    ``AlreadySpent`` if a concurrent sign-in spent it first."""
    first = is_first_sign_in(user)
    request.session.pop(PENDING_KEY, None)
    if first:
        # Spent before ``login``, so that the session is bound to the new hash, and
        # by a conditional update, so that of two sign-ins at once only one wins.
        checked = user.password
        user.set_password(secrets.token_urlsafe(32))
        won = type(user).objects.filter(pk=user.pk, password=checked).update(password=user.password)
        if not won:
            raise AlreadySpent

    login(request, user)
    if device is not None:
        django_otp.login(request, device)
    if first:
        request.session[PASSWORD_CHANGE_KEY] = True
    return first


def must_change_password(request: HttpRequest) -> bool:
    return bool(request.session.get(PASSWORD_CHANGE_KEY))


def password_changed(request: HttpRequest) -> None:
    request.session.pop(PASSWORD_CHANGE_KEY, None)


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# --- The middleware ----------------------------------------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _hold(
    request: HttpRequest, allowed: tuple[str, ...], to: str, message: str
) -> HttpResponse | None:
    """Refuse anything but the ``allowed`` URL names: API requests get a JSON 403,
    pages a redirect to ``to`` that comes back to them afterwards."""
    if request.path_info in {reverse(name) for name in allowed}:
        return None
    if _is_api(request):
        body = {"error": {"code": "permission_denied", "message": message}}
        return JsonResponse(body, status=403)
    back = request.get_full_path() if request.method in ("GET", "HEAD") else ""
    return redirect(with_next(reverse(to), back))


class SignInStateMiddleware:
    """Holds a signed-in session to its step (see the module's docstring).  Runs
    after ``AuthenticationMiddleware`` and django-otp's ``OTPMiddleware``; it
    reads nothing for requests without a session cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            held = self._held(request)
            if held is not None:
                return held
        return self.get_response(request)

    def _held(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if must_change_password(request):
            return _hold(
                request,
                ("password_change", "logout"),
                "password_change",
                "Choose a new password first: the one-time password has been used.",
            )
        if settings.TRACKER_REQUIRE_2FA_FOR_EDITORS and permissions.is_editor(user):
            if getattr(user, "is_verified", lambda: False)():
                return None
            if confirmed_device(user) is not None:
                # A session older than the device: sign in again, with a code.
                logout(request)
                return _hold(request, (), "login", "Sign in again with your code.")
            return _hold(
                request,
                (
                    "two-factor",
                    "two-factor-enrol",
                    "two-factor-confirm",
                    "password_change",
                    "password_change_done",
                    "logout",
                ),
                "two-factor",
                "Set up two-step sign-in first: it is required for editors and admins.",
            )
        return None
