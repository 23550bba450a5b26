"""Throttles the apps' API views share (rates in ``REST_FRAMEWORK``).

Every throttle identifies an anonymous client by ``tracker.clientip.client_ip``:
``X-Forwarded-For`` counts only as far as ``TRUSTED_PROXY_COUNT`` proxies vouch
for it, so a client cannot make itself new by sending a new header."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from tracker.clientip import client_ip

if TYPE_CHECKING:
    # Not at run time: DRF imports this module while it defines APIView.
    from rest_framework.views import APIView


class _ClientIp(throttling.BaseThrottle):
    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class AnonRateThrottle(_ClientIp, throttling.AnonRateThrottle):
    """DRF's anonymous rate (``anon``), per client address."""


class UserRateThrottle(_ClientIp, throttling.UserRateThrottle):
    """DRF's per-user rate (``user``); anonymous requests count per address."""


class WriteThrottle(_ClientIp, throttling.ScopedRateThrottle):
    """The ``writes`` rate counts changes only; reads stay under the read rates."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
