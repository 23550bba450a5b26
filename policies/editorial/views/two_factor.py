"""Two-step sign-in for editors and admins: enrol an authenticator app (TOTP,
django-otp), confirm it with a code, remove it with a code.

The QR code is an SVG drawn here by segno and put in the page: no outside
service sees the secret, and the page needs no script.  The secret is shown as
text too, for apps that cannot scan.  It is shown only until the device is
confirmed.
"""

from __future__ import annotations

from base64 import b32encode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from ... import permissions
from .. import signin
from ..access import allowed

DEVICE_NAME = "Authenticator app"


def _unconfirmed(user: object) -> TOTPDevice | None:
    device: TOTPDevice | None = (
        TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    )
    return device


def _setup(device: TOTPDevice) -> dict[str, str]:
    """The QR code (inline SVG) and the secret (base32, in groups of four)."""
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=4, light="#fff", title="QR code for your authenticator app")
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return {
        # segno's SVG: drawing paths only, the secret is encoded, never written as text.
        "qr_svg": mark_safe(svg),  # noqa: S308
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


def _page(
    request: HttpRequest, form: signin.CodeForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    confirmed = signin.confirmed_device(user)  # type: ignore[arg-type]
    setup = _unconfirmed(user) if confirmed is None else None
    context: dict[str, object] = {
        "confirmed": confirmed,
        "setup": _setup(setup) if setup is not None else None,
        "form": form or signin.CodeForm(),
        "verified": getattr(user, "is_verified", lambda: False)(),
        "require_2fa": settings.TRACKER_REQUIRE_2FA_FOR_EDITORS,
    }
    return render(request, "registration/two_factor.html", context, status=status)


@never_cache
@allowed(permissions.is_editor)
def two_factor(request: HttpRequest) -> HttpResponse:
    """Where an editor sees whether two-step sign-in is on, and turns it on or off."""
    return _page(request)


@require_POST
@allowed(permissions.is_editor)
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """A new secret for an app to scan (any earlier unconfirmed one is dropped)."""
    user = request.user
    if signin.confirmed_device(user) is not None:  # type: ignore[arg-type]
        messages.info(request, "Two-step sign-in is already on.")
        return redirect("two-factor")
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return redirect("two-factor")


def _check_code(request: HttpRequest, device: TOTPDevice) -> HttpResponse | None:
    """None if the posted code is ``device``'s; else the page to answer with (a
    wrong code counts in the sign-in limiter, like a wrong password)."""
    user = request.user
    username = user.get_username()
    refusal = signin.refusal(request, username)
    if refusal is not None:
        messages.error(request, refusal.message)
        response = _page(request, status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    form = signin.CodeForm(request.POST)
    if form.is_valid():
        if signin.verify_code(user, device, form.cleaned_data["code"]):  # type: ignore[arg-type]
            return None
        form.add_error("code", signin.wrong_code_message(device))
    signin.record_failure(request, username)
    return _page(request, form, status=400)


@require_POST
@allowed(permissions.is_editor)
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    """The first code from the app turns two-step sign-in on, and verifies this session."""
    device = _unconfirmed(request.user)
    if device is None or signin.confirmed_device(request.user) is not None:  # type: ignore[arg-type]
        messages.error(request, "Start the set-up first.")
        return redirect("two-factor")
    # A device being set up is not throttled by django-otp until it is confirmed:
    # the limiter counts its wrong codes.
    refused = _check_code(request, device)
    if refused is not None:
        return refused
    device.refresh_from_db()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    django_otp.login(request, device)
    messages.success(
        request, "Two-step sign-in is on: you will be asked for a code when you sign in."
    )
    return redirect("two-factor")


@require_POST
@allowed(permissions.is_editor)
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """A current code turns two-step sign-in off (an admin can also delete a lost
    device in the admin)."""
    device = signin.confirmed_device(request.user)  # type: ignore[arg-type]
    if device is None:
        messages.info(request, "Two-step sign-in is not on.")
        return redirect("two-factor")
    refused = _check_code(request, device)
    if refused is not None:
        return refused
    TOTPDevice.objects.devices_for_user(request.user).delete()
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    messages.success(request, "Two-step sign-in is off.")
    return redirect("two-factor")
