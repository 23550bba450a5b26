"""Conditional requests: one ETag for reads (``If-None-Match`` → 304) and for
writes (``If-Match`` → 412).

The ETag is a hash of the representation a client would read, so the ETag a
journalist gets from a GET is exactly the one a campaigner's client must send
back with ``If-Match``: it changes whenever anything the representation covers
changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from django.http import HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from rest_framework.request import Request
from rest_framework.response import Response

from .. import revision
from .errors import PreconditionFailed, PreconditionRequired

if TYPE_CHECKING:
    from rest_framework.views import APIView as _APIView
else:
    _APIView = object  # a mixin: the DRF view comes later in the subclass's bases


def etag_for(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


# A public ETag is the representation's hash and the data revision it was read at,
# ``"<hash>-r<revision>"``; what a write guards is the representation alone.
_REVISION_SUFFIX = re.compile(r'-r[0-9]+"$')


def with_revision(etag: str, number: int) -> str:
    return f'{etag[:-1]}-r{number}"'


def _tags(header: str) -> set[str]:
    """The ETags of an ``If-Match``/``If-None-Match`` header, without ``W/`` and
    without the revision they were read at."""
    return {
        _REVISION_SUFFIX.sub('"', tag.strip().removeprefix("W/"))
        for tag in header.split(",")
        if tag.strip()
    }


def check_if_match(request: Request, current_data: Any, *, required: bool = True) -> None:
    """Refuse a write unless ``If-Match`` names the current representation's ETag."""
    header = request.headers.get("If-Match", "")
    if not header:
        if required:
            raise PreconditionRequired()
        return
    tags = _tags(header)
    if "*" not in tags and etag_for(current_data) not in tags:
        raise PreconditionFailed()


def not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    tags = _tags(header)
    return bool(header) and (_REVISION_SUFFIX.sub('"', etag) in tags or "*" in tags)


# --- Conditional GET for any read ViewSet ------------------------------------


def _http_timestamp(value: dt.datetime) -> int:
    return int(value.timestamp())


def conditional_response(
    request: Request,
    response: HttpResponseBase,
    *,
    etag: str | None,
    last_modified: dt.datetime | None,
    max_age: int,
) -> HttpResponseBase:
    """Set ``ETag``/``Last-Modified``/``Cache-Control``; answer 304 when the client
    already holds this representation.

    ``If-None-Match`` wins over ``If-Modified-Since`` (RFC 9110 §13.2.2).
    """
    is_anonymous = not (request.user and request.user.is_authenticated)
    cache_control = f"public, max-age={max_age}" if is_anonymous else "private, no-cache"
    patch_vary_headers(response, ["Accept", "Cookie", "Authorization"])
    not_modified_now = False
    if etag is not None:
        response["ETag"] = etag
        if request.headers.get("If-None-Match"):
            not_modified_now = not_modified(request, etag)
        elif last_modified is not None:
            not_modified_now = _not_modified_since(request, last_modified)
    elif last_modified is not None:
        not_modified_now = _not_modified_since(request, last_modified)
    if last_modified is not None:
        response["Last-Modified"] = http_date(_http_timestamp(last_modified))
    response["Cache-Control"] = cache_control
    if not not_modified_now:
        return response
    unmodified = HttpResponseNotModified()
    for header in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
        if header in response:
            unmodified[header] = response[header]
    # Not response.close(): that sends request_finished, which closes the DB connection.
    return unmodified


def _not_modified_since(request: Request, last_modified: dt.datetime) -> bool:
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and _http_timestamp(last_modified) <= since


class ConditionalGetMixin(_APIView):
    """ETag, Last-Modified, 304 and Cache-Control for the reads of a ViewSet.

    Mix it in *before* the DRF view class::

        class IndicatorViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
            def get_last_modified(self):
                return selectors.indicators_last_modified()   # one query, or None

    - The ``ETag`` of a JSON read is ``etag_for(response.data)``: a hash of the
      representation itself, so it changes whenever anything the representation
      covers changes, and a write endpoint can compare it with ``check_if_match``
      by serializing the same object with the same serializer.  A list's is the
      hash of its rendered body (lists are never written to).
    - ``Last-Modified`` comes from ``get_last_modified()`` (None: no header).
      Streamed responses (CSV) have no ETag, only ``Last-Modified``.
    - Anonymous reads get ``Cache-Control: public, max-age=<cache_max_age>``;
      signed-in reads ``private, no-cache``.
    """

    cache_max_age = 60

    def get_last_modified(self) -> dt.datetime | None:
        """When the data last changed: the data revision's time."""
        return revision.current().changed_at

    def get_etag_data(self, data: Any) -> Any:
        """What the ETag hashes; override to leave out volatile parts (a timestamp)."""
        return data

    # The stubs type ``response`` and the result as ``Response``; DRF's own
    # ``finalize_response`` takes and gives any ``HttpResponseBase`` (it asserts just
    # that), and here a streamed CSV comes in and a 304 goes out.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(
            request,
            response,  # type: ignore[arg-type]
            *args,
            **kwargs,
        )
        if request.method not in ("GET", "HEAD"):
            return response
        current = revision.current()
        response["X-Data-Revision"] = str(current.number)
        if response.status_code != 200:
            return response
        etag = None
        if isinstance(response, Response) and response.data is not None:
            fmt = getattr(getattr(request, "accepted_renderer", None), "format", "json")
            if fmt == "json" and getattr(self, "action", None) == "list":
                # A list is no write's target (``If-Match`` guards single objects):
                # its ETag hashes the body, rendered here once (the response would be
                # rendered next anyway), not the data serialised a second time.
                response.render()
                digest = hashlib.sha256(response.content).hexdigest()[:32]
                etag = with_revision(f'"{digest}"', current.number)
            else:
                data = self.get_etag_data(response.data)
                representation = etag_for(data if fmt == "json" else {"format": fmt, "data": data})
                etag = with_revision(representation, current.number)
        return conditional_response(
            request,
            response,
            etag=etag,
            last_modified=self.get_last_modified(),
            max_age=self.cache_max_age,
        )
