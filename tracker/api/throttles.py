"""Throttles the apps' API views share (rates in ``REST_FRAMEWORK``)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class WriteThrottle(ScopedRateThrottle):
    """The ``writes`` rate counts changes only; reads stay under the read rates."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
