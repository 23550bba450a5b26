"""Throttles the apps' API views share (rates in ``REST_FRAMEWORK``).

Every throttle identifies an anonymous client by ``tracker.clientip.client_ip``:
``X-Forwarded-For`` counts only as far as ``TRUSTED_PROXY_COUNT`` proxies vouch
for it, so a client cannot make itself new by sending a new header.

The rates are DRF's ("120/min"), counted by a sliding-window estimate rather than
DRF's list of timestamps: one counter per client and window, and the estimate is
the previous window's count, weighted by how much of it is still inside the last
period, plus the current window's.  DRF's own throttle reads and rewrites the
whole list of timestamps (two cache round trips, a pickled list that grows with
the rate); this is one round trip (``FailOpenRedisCache.window_hit``), which the
read path's cache misses pay on every request.  No maintained package offers a
DRF throttle on counters; the class is DRF's ``SimpleRateThrottle`` with its
``allow_request`` and ``wait`` replaced.  Refused requests count too: a client
that keeps hammering stays refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from tracker.clientip import client_ip

if TYPE_CHECKING:
    # Not at run time: DRF imports this module while it defines APIView.
    from rest_framework.views import APIView


def window_counts(cache: Any, key: str, previous: str, timeout: int) -> tuple[int, int]:
    """Count a hit on ``key`` and read ``previous``: one round trip where the cache
    offers it (``tracker.cachebackends.FailOpenRedisCache``), else add, incr, get."""
    hit = getattr(cache, "window_hit", None)
    if hit is not None:
        return hit(key, previous, timeout)
    cache.add(key, 0, timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr, or a cache that keeps nothing
        count = 1
    return int(count), int(cache.get(previous) or 0)


class _SlidingWindow(throttling.SimpleRateThrottle):
    """DRF's rate, counted in windows of the rate's period (see the module doc)."""

    window_end: float = 0.0
    duration: int
    num_requests: int

    def get_ident(self, request: Request) -> str:
        return client_ip(request)

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        start = window * self.duration
        self.window_end = start + self.duration
        count, before = window_counts(
            self.cache, f"{key}:w{window}", f"{key}:w{window - 1}", 2 * self.duration
        )
        inside = 1 - (self.now - start) / self.duration  # of the previous window
        return before * inside + count <= self.num_requests

    def wait(self) -> float | None:
        return max(self.window_end - self.now, 0.0)


class AnonRateThrottle(_SlidingWindow, throttling.AnonRateThrottle):
    """DRF's anonymous rate (``anon``), per client address."""


class UserRateThrottle(_SlidingWindow, throttling.UserRateThrottle):
    """DRF's per-user rate (``user``), for signed-in users and token holders only:
    anonymous requests are counted by ``AnonRateThrottle`` alone (its rate is the
    lower one; counting them twice cost a round trip and limited nothing more)."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class WriteThrottle(throttling.ScopedRateThrottle, _SlidingWindow):
    """The ``writes`` rate counts changes only; reads stay under the read rates.
    (DRF's scoped throttle first: it reads the view's scope and rate, then counts
    through ``_SlidingWindow``.)"""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
