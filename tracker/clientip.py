"""The client's address: one answer for the API throttles, the sign-in limiter
and django-ratelimit's ``ip`` key.

Each reverse proxy in front of the site appends the address it received the
request from to ``X-Forwarded-For``.  With ``TRUSTED_PROXY_COUNT`` = n such
proxies, the client is the n-th entry from the right; everything further left
was written by the client itself and is never believed.  With 0 (the default:
nothing in front, or a proxy that sets the socket address itself) the header is
ignored and ``REMOTE_ADDR`` is the client.  This is the rule of DRF's
``NUM_PROXIES`` (set from the same setting); the throttles call this function.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Protocol

from django.conf import settings

# What requests with no usable address share (e.g. a Unix socket with no proxy
# count configured): one bucket, rather than none.
UNKNOWN = "0.0.0.0"  # noqa: S104 (a key, never bound to)


class _Request(Protocol):
    @property
    def META(self) -> Mapping[str, Any]: ...  # noqa: N802 (Django's name)


def _address(value: object) -> str | None:
    """``value`` as a normalised IP address, or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: _Request) -> str:
    """The client's IP address, as far as the trusted proxies vouch for it."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not isinstance(forwarded, str) or not forwarded.strip():
        return _address(remote) or UNKNOWN
    entries = forwarded.split(",")
    # Fewer entries than proxies: the outer ones were bypassed, and the left-most
    # entry was written by the first proxy that did see the request (DRF's rule).
    claimed = entries[-min(proxies, len(entries))]
    return _address(claimed) or _address(remote) or UNKNOWN
