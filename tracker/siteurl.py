"""The address permalinks are written with.

``SITE_URL`` when it is set (production: the one canonical address, whatever
host a request came in by); otherwise the address of the request being answered,
so that ``make run PORT=8100`` or a second name for the same server cites itself,
not a default that points elsewhere.  ``SiteURLMiddleware`` holds the request's
address in a context variable for the time of the request, for code that has no
request at hand (feeds, serializers, the dump); ``site_url()`` reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

# Outside any request (a management command, a worker) with no SITE_URL.
FALLBACK = "http://127.0.0.1:8000"

_request_base: ContextVar[str | None] = ContextVar("tracker_site_url", default=None)


def request_base(request: HttpRequest) -> str | None:
    """``scheme://host[:port]`` of ``request``; None for a host not allowed."""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return None


def site_url() -> str:
    """The configured address, else the current request's, else ``FALLBACK``."""
    return settings.SITE_URL or _request_base.get() or FALLBACK


class SiteURLMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_base.set(None if settings.SITE_URL else request_base(request))
        try:
            return self.get_response(request)
        finally:
            _request_base.reset(token)
