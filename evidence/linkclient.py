"""The link checker's HTTP client: one check of one address, and the web archive.

Why not the indicators' client (``evidence.sources.http.HttpClient``): it
retries, and raises on any answer of 400 or more, which suits fetching data but
would hide the very status a link check records; and it lets ``requests``
follow redirects to any host.  This client makes one request per hop, follows
redirects itself so that every hop is paced per host and refused on a private
address, and reports what it saw:

- a HEAD first; an answer of 400 or more is confirmed by a GET (servers that
  refuse HEAD answer 405 or 501, and some answer 403 or 404 to a HEAD alone), so
  a link is never called broken on a HEAD;
- the GET is streamed and closed at once: the body is never read.

Outcomes: ``ok`` (2xx where asked), ``redirected`` (2xx after redirects to
another address; an upgrade from http to https alone is not one), ``broken``
(404, 410, or a host name that does not exist) and ``error`` (anything else:
5xx, other 4xx such as 403 and 429, timeouts, refused connections, too many
redirects).  ``evidence.linkhealth`` decides what a run of outcomes means.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from django.conf import settings

from .models import LinkCheck

BROKEN_STATUSES = frozenset({404, 410})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
NAME = "crime-policy-tracker-linkcheck/1.0"

Resolver = Callable[..., list[tuple[Any, ...]]]


def user_agent() -> str:
    """Who is asking and where to read about it (``LINK_CHECK_CONTACT_URL``)."""
    contact = settings.LINK_CHECK_CONTACT_URL
    purpose = "checks that the sources a crime policy tracker cites are still online"
    return f"{NAME} (+{contact}; {purpose})" if contact else f"{NAME} ({purpose})"


class HostPacer:
    """At most one request per host every ``interval`` seconds, in this process."""

    def __init__(
        self,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = settings.LINK_CHECK_HOST_INTERVAL if interval is None else interval
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:
            now = self.clock()
            ready = self._next.get(host, now)
            if now < ready:
                self.sleep(ready - now)
                now = ready
            self._next[host] = now + self.interval


@dataclass(frozen=True)
class CheckResult:
    outcome: str  # a LinkCheck.Outcome value
    method: str = ""
    status_code: int | None = None
    final_url: str = ""
    error: str = ""
    refused: bool = False  # not checked at all (a private address): says nothing of the link


class NameNotFound(Exception):
    """The host name does not exist (not a temporary resolver failure)."""


class PrivateAddress(Exception):
    pass


_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def host_key(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _same_but_https(original: str, final: str) -> bool:
    a, b = urlsplit(original), urlsplit(final)
    return a.scheme == "http" and b.scheme == "https" and a[1:] == b[1:]


class LinkClient:
    def __init__(
        self,
        *,
        pacer: HostPacer | None = None,
        timeout: float | None = None,
        allow_private: bool | None = None,
        session: requests.Session | None = None,
        resolver: Resolver = socket.getaddrinfo,
    ) -> None:
        self.pacer = pacer or HostPacer()
        self.timeout = settings.LINK_CHECK_TIMEOUT if timeout is None else timeout
        self.allow_private = (
            settings.LINK_CHECK_ALLOW_PRIVATE if allow_private is None else allow_private
        )
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent()
        self.resolver = resolver
        self.requests_made = 0

    # --- one check --------------------------------------------------------------

    def check(self, url: str) -> CheckResult:
        url = without_fragment(url)
        try:
            status, final = self._follow("HEAD", url)
            method = "HEAD"
            if status >= 400:
                status, final = self._follow("GET", url)
                method = "GET"
        except NameNotFound as exc:
            return CheckResult(LinkCheck.Outcome.BROKEN, error=f"host name not found: {exc}")
        except PrivateAddress as exc:
            return CheckResult(LinkCheck.Outcome.ERROR, error=f"not checked: {exc}", refused=True)
        except requests.Timeout as exc:
            return CheckResult(LinkCheck.Outcome.ERROR, error=f"timed out: {exc}"[:500])
        except (requests.RequestException, OSError, ValueError) as exc:
            return CheckResult(LinkCheck.Outcome.ERROR, error=f"{type(exc).__name__}: {exc}"[:500])
        return CheckResult(self._outcome(url, status, final), method, status, final[:1000])

    @staticmethod
    def _outcome(url: str, status: int, final: str) -> str:
        if status in BROKEN_STATUSES:
            return LinkCheck.Outcome.BROKEN
        if 200 <= status < 300:
            if final != url and not _same_but_https(url, final):
                return LinkCheck.Outcome.REDIRECTED
            return LinkCheck.Outcome.OK
        return LinkCheck.Outcome.ERROR

    def _follow(self, method: str, url: str) -> tuple[int, str]:
        """The status and address of the last hop; every hop paced and vetted."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._vet(current)
            self.pacer.wait(host_key(current))
            self.requests_made += 1
            response = self.session.request(
                method, current, allow_redirects=False, stream=True, timeout=self.timeout
            )
            response.close()
            location = response.headers.get("Location")
            if response.status_code in REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            return response.status_code, current
        raise requests.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects from {url}")

    def _vet(self, url: str) -> None:
        """Resolve the host first: a name that does not exist is a broken link, and an
        address on a private network is not fetched (unless allowed)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) address: {url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = self.resolver(parts.hostname, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            if exc.errno in _NO_SUCH_NAME:
                raise NameNotFound(parts.hostname) from exc
            raise OSError(f"could not resolve {parts.hostname}: {exc}") from exc
        if self.allow_private:
            return
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not address.is_global:
                raise PrivateAddress(f"{parts.hostname} is on a non-public address ({address})")

    # --- the web archive ------------------------------------------------------------

    def archived_copy(self, url: str) -> tuple[str, dt.datetime | None] | None:
        """The archive's closest copy of ``url`` (its address and when it was taken),
        from the availability API (``EVIDENCE_ARCHIVE_API_URL``), or None.  Raises
        ``requests.RequestException`` or ``ValueError`` when the API cannot say."""
        api = settings.EVIDENCE_ARCHIVE_API_URL
        self.pacer.wait(host_key(api))
        self.requests_made += 1
        response = self.session.get(api, params={"url": url}, timeout=self.timeout)
        response.raise_for_status()
        data = response.json()
        closest = ((data or {}).get("archived_snapshots") or {}).get("closest") or {}
        if not closest.get("available") or not closest.get("url"):
            return None
        if not str(closest.get("status", "200")).startswith(("2", "3")):
            return None  # the archive holds only an error page
        return str(closest["url"])[:1000], _wayback_time(str(closest.get("timestamp", "")))

    def save_copy(self, url: str) -> str:
        """Ask the archive to take a copy now (``EVIDENCE_ARCHIVE_SAVE_URL`` + the
        address); what it answered, in a few words."""
        base = settings.EVIDENCE_ARCHIVE_SAVE_URL
        self.pacer.wait(host_key(base))
        self.requests_made += 1
        response = self.session.get(base + url, timeout=self.timeout, stream=True)
        response.close()
        response.raise_for_status()
        return f"HTTP {response.status_code}"


def _wayback_time(stamp: str) -> dt.datetime | None:
    """The archive's ``YYYYMMDDhhmmss`` (UTC)."""
    try:
        return dt.datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def without_fragment(url: str) -> str:
    """The address as a server sees it (a ``#fragment`` is never sent)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))
