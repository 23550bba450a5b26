"""A response cache for anonymous reads, keyed by the data revision.

Public reads (pages, the API's JSON and CSV, the Atom feeds) change only when
an editor publishes or edits, a few times a day, and are read by everyone else.
``ResponseCacheMiddleware`` keeps each anonymous response under a key made of
the data revision (``tracker.revision``) and the normalised request (method,
path, sorted query, ``Accept``, ``Accept-Encoding``), in two levels:

1. a bounded in-process LRU (``ResponseLRU``): no network, no unpickling;
2. Django's cache (``RESPONSE_CACHE_ALIAS``, Redis when ``REDIS_URL`` is set), so
   every web process and machine shares what one of them built.  In the embedded
   default (no Redis) the first level is the only one.

Nothing is ever deleted key by key: a write moves the revision and every key
after it is new.  Only views marked ``public_read`` are stored, only for
requests without a session cookie or ``Authorization``, only ``200`` answers
that set no cookie and are not ``private``: a signed-in user's page (edit links,
drafts) is never stored, and never served to anyone else.  A failing shared
cache is logged and skipped: the response is then built as if there were none.

Why not Django's ``cache_page``/``UpdateCacheMiddleware``: it keys by URL and
expiry, not by a revision moved in the write's transaction, and it pickles
every hit through the cache backend; the first level here returns the stored
bytes as they are.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import caches
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

from . import revision, siteurl

log = logging.getLogger(__name__)

# Headers a stored answer does not keep: set per answer, or never shared.
HEADERS_DROPPED = {
    "set-cookie",
    "cache-control",
    "vary",
    "x-data-revision",
    "date",
    "content-length",
}
VARY = ("Accept", "Accept-Encoding", "Cookie", "Authorization")
# django.contrib.messages' cookie: a page that shows a message is that visitor's.
MESSAGES_COOKIE = getattr(settings, "MESSAGE_COOKIE_NAME", "messages")

F = TypeVar("F", bound=Callable[..., Any])


def public_read(view: F) -> F:
    """Mark a view (function, class or Feed) whose anonymous answers may be cached."""
    view.public_read = True  # type: ignore[attr-defined]  # read back by is_public_read
    return view


def is_public_read(view: Any) -> bool:
    for candidate in (view, getattr(view, "cls", None), getattr(view, "view_class", None)):
        if candidate is not None and getattr(candidate, "public_read", False):
            return True
    return False


@dataclass(frozen=True)
class Stored:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes

    def size(self) -> int:
        return len(self.content) + sum(len(k) + len(v) for k, v in self.headers)


class ResponseLRU:
    """The first level: a thread-safe LRU bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, Stored] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Stored | None:
        with self._lock:
            stored = self._items.get(key)
            if stored is not None:
                self._items.move_to_end(key)
            return stored

    def put(self, key: str, stored: Stored) -> None:
        size = stored.size()
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.size()
            self._items[key] = stored
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted.size()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


local = ResponseLRU(getattr(settings, "RESPONSE_CACHE_LOCAL_BYTES", 64 * 1024 * 1024))


def is_anonymous(request: HttpRequest) -> bool:
    """No session cookie, no pending message and no credentials: the answer cannot
    depend on who asks."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and not request.headers.get("Authorization")
    )


def cache_key(request: HttpRequest, current: revision.Revision) -> str:
    query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
    parts = "\n".join(
        [
            "GET" if request.method in ("GET", "HEAD") else request.method or "",
            # Pages cite their own address when SITE_URL is unset (tracker.siteurl).
            siteurl.request_base(request) or "",
            request.path,
            query,
            request.headers.get("Accept", ""),
            "gzip" if "gzip" in request.headers.get("Accept-Encoding", "") else "",
        ]
    )
    digest = hashlib.sha256(parts.encode("utf-8", "surrogateescape")).hexdigest()[:40]
    # The time of the change too: a database restored from a backup brings back an
    # older number, never an older time with a newer write after it.
    changed = current.changed_at.timestamp() if current.changed_at else 0
    return f"tracker:response:{current.number}.{changed:.6f}:{digest}"


def _tag_matches(header: str, etag: str) -> bool:
    tags = {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}
    return "*" in tags or etag in tags


class ResponseCacheMiddleware:
    """Serve and store anonymous public reads (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD") or not getattr(
            settings, "RESPONSE_CACHE_ENABLED", True
        ):
            return self.get_response(request)
        if not is_anonymous(request):
            response = self.get_response(request)
            if not response.has_header("Cache-Control"):
                # A signed-in user's page: theirs alone, and never from a shared cache.
                response["Cache-Control"] = "private, no-cache"
            patch_vary_headers(response, VARY)
            return response
        current = revision.current()
        key = cache_key(request, current)
        stored = local.get(key) or self._shared_get(key)
        if stored is not None:
            return self._answer(request, stored, current)
        response = self.get_response(request)
        stored = self._storable(request, response, current)
        if stored is None:
            return response
        local.put(key, stored)
        self._shared_set(key, stored)
        return self._answer(request, stored, current)

    # --- storing -------------------------------------------------------------------

    def _storable(
        self, request: HttpRequest, response: HttpResponseBase, current: revision.Revision
    ) -> Stored | None:
        match = getattr(request, "resolver_match", None)
        if match is None or not is_public_read(match.func):
            return None
        if response.status_code != 200 or response.cookies:
            return None
        control = response.get("Cache-Control", "")
        if "private" in control or "no-store" in control:
            return None
        content = self._content(response)
        if content is None:
            return None
        headers = [
            (name, value) for name, value in response.items() if name.lower() not in HEADERS_DROPPED
        ]
        if not response.has_header("ETag"):
            digest = hashlib.sha256(content).hexdigest()[:32]
            headers.append(("ETag", f'"{digest}-r{current.number}"'))
        if not response.has_header("Last-Modified") and current.changed_at is not None:
            headers.append(("Last-Modified", http_date(current.changed_at.timestamp())))
        return Stored(response.status_code, tuple(headers), content)

    @staticmethod
    def _content(response: HttpResponseBase) -> bytes | None:
        limit = getattr(settings, "RESPONSE_CACHE_MAX_BYTES", 8 * 1024 * 1024)
        if isinstance(response, StreamingHttpResponse):
            # A streamed CSV: read it whole (the first time), up to the limit.
            if response.is_async:
                return None
            chunks: list[bytes] = []
            size = 0
            rest = iter(cast("Iterable[bytes]", response.streaming_content))
            for chunk in rest:
                data = chunk if isinstance(chunk, bytes) else bytes(chunk)
                chunks.append(data)
                size += len(data)
                if size > limit:
                    # Too large to keep: the client still gets all of it, streamed.
                    response.streaming_content = itertools.chain(chunks, rest)
                    return None
            # Read whole: the answer is built from these bytes (the stream is spent).
            return b"".join(chunks)
        if isinstance(response, HttpResponse):
            return response.content if len(response.content) <= limit else None
        return None

    # --- answering -----------------------------------------------------------------

    def _answer(
        self, request: HttpRequest, stored: Stored, current: revision.Revision
    ) -> HttpResponseBase:
        etag = dict(stored.headers).get("ETag", "")
        if etag and _tag_matches(request.headers.get("If-None-Match", ""), etag):
            response: HttpResponseBase = HttpResponseNotModified()
            response["ETag"] = etag
        else:
            response = HttpResponse(stored.content, status=stored.status)
            for name, value in stored.headers:
                response[name] = value
        response["X-Data-Revision"] = str(current.number)
        response["Cache-Control"] = (
            f"public, max-age={settings.RESPONSE_CACHE_MAX_AGE}, "
            f"s-maxage={settings.RESPONSE_CACHE_S_MAXAGE}, "
            f"stale-while-revalidate={settings.RESPONSE_CACHE_STALE_WHILE_REVALIDATE}"
        )
        patch_vary_headers(response, VARY)
        return response

    # --- the shared level ----------------------------------------------------------

    @staticmethod
    def _shared() -> Any:
        alias = getattr(settings, "RESPONSE_CACHE_ALIAS", None)
        return caches[alias] if alias else None

    def _shared_get(self, key: str) -> Stored | None:
        shared = self._shared()
        if shared is None:
            return None
        try:
            stored = shared.get(key)
        except Exception:  # a cache that is down must not take reads down with it
            log.warning("response cache: shared get failed", exc_info=True)
            return None
        if isinstance(stored, Stored):
            local.put(key, stored)
            return stored
        return None

    def _shared_set(self, key: str, stored: Stored) -> None:
        shared = self._shared()
        if shared is None:
            return
        try:
            shared.set(key, stored, timeout=settings.RESPONSE_CACHE_SHARED_TIMEOUT)
        except Exception:
            log.warning("response cache: shared set failed", exc_info=True)
