"""Django's admin on the tracker's terms: its login is the site's sign-in (the
same limiter, the same code step, the same forced password change), and a user
with a confirmed second-factor device is an admin only in a session that device
verified (django-otp's ``OTPAdminSite`` asks it of everyone; here only of users
who have one, or of every editor and admin with ``TRACKER_REQUIRE_2FA_FOR_EDITORS``).

Installed in place of ``django.contrib.admin`` (``TrackerAdminConfig``), so that
``admin.site`` and every ``@admin.register`` are this site.  This module is
imported while settings load: models and views are imported inside methods.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


class TrackerAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        from . import signin

        user = request.user
        if getattr(user, "is_verified", lambda: False)():
            return True
        if settings.TRACKER_REQUIRE_2FA_FOR_EDITORS:
            return False
        return signin.confirmed_device(user) is None  # type: ignore[arg-type]

    @method_decorator(never_cache)
    @login_not_required
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The site's sign-in, for staff accounts, back to the admin afterwards."""
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        from django.contrib.admin.forms import AdminAuthenticationForm

        from .views.accounts import LoginView

        request.current_app = self.name
        view = LoginView.as_view(
            authentication_form=AdminAuthenticationForm,
            next_page=reverse("admin:index", current_app=self.name),
            # A signed-in user the admin refuses sees the form, not a redirect loop.
            redirect_authenticated_user=False,
            extra_context={"admin_login": True, **(extra_context or {})},
        )
        return cast(HttpResponse, view(request))


class TrackerAdminConfig(AdminConfig):
    default_site = "policies.editorial.admin_site.TrackerAdminSite"
