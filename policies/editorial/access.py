"""Who may open an editorial page: the role checks of ``policies.permissions``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def allowed(check: Callable[[Any], bool]) -> Callable[[View], View]:
    """Signed-out visitors go to the sign-in page; signed-in ones without the
    role get 403."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
