"""Sign-in (rate-limited), password reset and a user's API tokens."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from ... import permissions
from ...models import ApiToken
from ..access import allowed


def _login_rate(group: str, request: HttpRequest) -> str:
    return settings.TRACKER_LOGIN_RATE


@method_decorator(
    ratelimit(key="ip", rate=_login_rate, method="POST", block=False), name="dispatch"
)
@method_decorator(
    ratelimit(key="post:username", rate=_login_rate, method="POST", block=False),
    name="dispatch",
)
class LoginView(auth_views.LoginView):
    """Sign-in, limited per address and per username; a first sign-in (with the
    one-time password from ``create_user``) goes on to choose a password."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many sign-in attempts. Wait a minute and try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        first_time = form.get_user().last_login is None
        response = super().form_valid(form)
        if first_time:
            messages.info(self.request, "Welcome. Replace your one-time password now.")
            return redirect("password_change")
        return response


@method_decorator(
    ratelimit(key="ip", rate=_login_rate, method="POST", block=False), name="dispatch"
)
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return HttpResponse("Too many requests. Wait a minute.", status=429)
        return super().post(request, *args, **kwargs)


def _write_rate(group: str, request: HttpRequest) -> str:
    """The API's ``writes`` rate (DRF's "60/min" reads the same in django-ratelimit)."""
    rates = cast("dict[str, str]", settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    return rates["writes"]


@allowed(permissions.can_manage_tokens)
def api_tokens(request):
    """A user's named API tokens: create one (its secret shown once), revoke any."""
    new_secret = None
    new_token = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            if is_ratelimited(
                request, group="api-token-create", key="user", rate=_write_rate, increment=True
            ):
                messages.error(request, "Too many new tokens. Wait a minute and try again.")
                status = 429
            else:
                try:
                    new_token, new_secret = ApiToken.objects.issue(
                        request.user, request.POST.get("name", "")
                    )
                except ValidationError as exc:
                    messages.error(request, "Token not created: " + " ".join(exc.messages))
                    status = 400
                else:
                    messages.success(request, "Token created. Copy it now: it is shown once.")
        elif action == "revoke":
            # Only the user's own tokens are found: anyone else's id is a 404.
            token_id = request.POST.get("token", "")
            token = get_object_or_404(
                ApiToken, pk=int(token_id) if token_id.isdigit() else 0, user=request.user
            )
            if not permissions.can_revoke_token(request.user, token):
                raise PermissionDenied
            if token.revoke():
                messages.success(request, f"Token “{token.name}” revoked.")
        else:
            messages.error(request, "Unknown action.")
            status = 400
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "editorial/tokens.html",
        {
            "tokens": tokens,
            "new_token": new_token,
            "new_secret": new_secret,
            "role": permissions.role_of(request.user),
        },
        status=status,
    )
