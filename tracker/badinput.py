"""Input that cannot match anything is refused at the door, before any view or query.

PostgreSQL cannot hold NUL in text, so a NUL reaching a query (``/proposals/%00/``,
``?q=%00``, a form field) was a ``DataError`` and a 500 wherever a view looked it
up.  One middleware, early in ``MIDDLEWARE``, rather than a patch per view or a
URL converter per route: the same bytes reach every route (slugs, references,
``<str:...>`` job ids, query filters, form fields of every page), and the views
after it need not know.

* the path holds NUL or another control character (a newline, say): 404 (no route
  can match it, and the API's catch-all of unknown paths does not match a newline);
* a query parameter's name or value holds NUL: 400;
* on pages (not ``/api/``), a form field's name or value holds NUL: 400.  The API's
  bodies are checked by its parsers (``tracker.api.parsers``), which DRF calls.

Under ``/api/`` the answer is the API's error shape (``tracker.api.errors``);
elsewhere Django's 404 and 400 handlers render the site's pages.  Broken UTF-8
needs nothing here: Django keeps invalid bytes percent-encoded in the path
(so they match nothing) and replaces them in the query (U+FFFD).  Integers beyond
64 bits need nothing here either: an exact lookup out of the column's range
matches nothing in Django (a 404), and the one place SQLite could not bind such
an id, ``pk IN (...)`` of a multiple choice, is refused by the editorial forms'
``ModelMultipleChoiceField``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict

NUL = "\x00"
# C0 controls and DEL: in no slug, reference or id.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _error(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None):
    body: dict[str, object] = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return JsonResponse({"error": body}, status=status)


def _with_nul(data: QueryDict) -> Iterable[str]:
    """The names of the parameters whose name or any value holds NUL."""
    for key, values in data.lists():
        if NUL in key or any(NUL in value for value in values if isinstance(value, str)):
            yield key.replace(NUL, "\\x00")


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if CONTROL.search(request.path_info):
            if _api(request):
                return _error(404, "not_found", "No such API endpoint; see /api/v1/docs/.")
            raise Http404("No page has a control character in its address.")
        bad = list(_with_nul(request.GET))
        if bad:
            return self._refuse(request, "query parameter", bad)
        if request.method == "POST" and not _api(request) and _form(request):
            # Reads the form body as CsrfViewMiddleware would a moment later (a body
            # too large raises here, as it would there: Django's 400).
            bad = list(_with_nul(request.POST))
            if bad:
                return self._refuse(request, "form field", bad)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, what: str, names: list[str]) -> HttpResponse:
        message = "A NUL character is not allowed in a {}: {}.".format(what, ", ".join(names))
        if _api(request):
            return _error(
                400, "invalid", "The request was not valid.", {n: [message] for n in names}
            )
        raise BadRequest(message)


def _form(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    return content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
