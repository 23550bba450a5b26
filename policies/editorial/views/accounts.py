"""Sign-in (password, then a code for users with a second factor), the password
change a first sign-in leads to, password reset and a user's API tokens.  The
rules of sign-in are in ``policies.editorial.signin``; the admin's login is this
``LoginView`` too (``policies.editorial.admin_site``)."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from ... import notifications, permissions
from ...models import ApiToken
from .. import signin
from ..access import allowed


def _safe_next(request: HttpRequest, url: str) -> str:
    """``url`` if it is a safe place to send the user after sign-in, else ""."""
    ok = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and ok else ""


def _refused(response: HttpResponse, refusal: signin.Refusal) -> HttpResponse:
    response["Retry-After"] = str(refusal.retry_after)
    return response


class LoginView(auth_views.LoginView):
    """The password step, limited per username and per client address
    (``signin``): a user with a second factor goes on to the code step, a first
    sign-in to choose a password, everyone else to ``?next=``."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = signin.refusal(request, request.POST.get("username", ""))
        if refusal is not None:
            # Refused before the password is even looked at.
            form = self.get_form_class()(request)
            context = self.get_context_data(form=form, refusal=refusal.message)
            return _refused(self.render_to_response(context, status=429), refusal)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        signin.record_failure(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def _explicit_next(self) -> str:
        """Where the user asked to go (``?next=``), or this view's own default."""
        return self.get_redirect_url() or (resolve_url(self.next_page) if self.next_page else "")

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if signin.confirmed_device(user) is not None:
            signin.begin_code_step(self.request, user, self._explicit_next())
            return redirect("login-code")
        try:
            first = signin.complete(self.request, user)
        except signin.AlreadySpent:
            form.add_error(None, form.get_invalid_login_error())
            return self.form_invalid(form)
        if first:
            messages.info(self.request, "Welcome. Replace your one-time password now.")
            return redirect(signin.with_next(reverse("password_change"), self._explicit_next()))
        return HttpResponseRedirect(self.get_success_url())


@never_cache
@sensitive_post_parameters("code")
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step for users with a confirmed device: a code from their app.
    Wrong codes count in the same limiter as wrong passwords."""
    state = signin.pending(request)
    device = signin.confirmed_device(state.user) if state is not None else None
    if state is None or device is None:
        messages.info(request, "Sign in with your password first (the code step lasts 5 minutes).")
        return redirect("login")
    username = state.user.get_username()
    form = signin.CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        refusal = signin.refusal(request, username)
        if refusal is not None:
            page = render(
                request,
                "registration/login_code.html",
                {"form": signin.CodeForm(), "refusal": refusal.message},
                status=429,
            )
            return _refused(page, refusal)
        if form.is_valid():
            if signin.verify_code(state.user, device, form.cleaned_data["code"]):
                next_url = _safe_next(request, state.next_url)
                try:
                    first = signin.complete(request, state.user, device=device)
                except signin.AlreadySpent:
                    return redirect("login")
                if first:
                    messages.info(request, "Welcome. Replace your one-time password now.")
                    return redirect(signin.with_next(reverse("password_change"), next_url))
                return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
            form.add_error("code", signin.wrong_code_message(device))
        signin.record_failure(request, username)
        status = 400
    return render(request, "registration/login_code.html", {"form": form}, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's password.  After a first sign-in the one-time password is
    already spent, so it is not asked for; ``?next=`` is where the user was going."""

    template_name = "registration/password_change_form.html"

    def get_form_class(self) -> Any:  # SetPasswordForm, or its subclass PasswordChangeForm
        if signin.must_change_password(self.request):
            return SetPasswordForm
        return PasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        signin.password_changed(self.request)
        return super().form_valid(form)

    def get_success_url(self) -> str:
        wanted = self.request.POST.get("next") or self.request.GET.get("next", "")
        return _safe_next(self.request, wanted) or str(super().get_success_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["first_sign_in"] = signin.must_change_password(self.request)
        return context


def _login_rate(group: str, request: HttpRequest) -> str:
    rate: str = settings.TRACKER_LOGIN_RATE
    return rate


@method_decorator(
    # "ip" is tracker.clientip.client_ip (RATELIMIT_IP_META_KEY).
    ratelimit(key="ip", rate=_login_rate, method="POST", block=False),
    name="dispatch",
)
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "limited", False):
            return HttpResponse("Too many requests. Wait a minute.", status=429)
        return super().post(request, *args, **kwargs)


def _write_rate(group: str, request: HttpRequest) -> str:
    """The API's ``writes`` rate (DRF's "60/min" reads the same in django-ratelimit)."""
    rates = cast("dict[str, str]", settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    return rates["writes"]


def _token_pk(value: str) -> int:
    """A token id from the form: ASCII digits that fit a database integer, else 0
    (found by nobody: a 404)."""
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return 0


@allowed(permissions.can_set_notifications)
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Whether the signed-in user is emailed about drafts (on by default)."""
    if request.method == "POST":
        enabled = request.POST.get("email_enabled") == "on"
        notifications.set_wants_email(request.user, enabled)  # type: ignore[arg-type]
        messages.success(
            request, "Emails about drafts turned on." if enabled else "Emails about drafts off."
        )
        return redirect("notification-settings")
    return render(
        request,
        "editorial/notification_settings.html",
        {"email_enabled": notifications.wants_email(request.user)},  # type: ignore[arg-type]
    )


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
            token = get_object_or_404(
                ApiToken, pk=_token_pk(request.POST.get("token", "")), user=request.user
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
