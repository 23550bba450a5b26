"""Absolute links in API responses."""

from __future__ import annotations

from django.http import HttpRequest


def absolute(request: HttpRequest | None, path: str) -> str:
    """``path`` on the request's own host (the API answers on whatever host it was asked)."""
    return request.build_absolute_uri(path) if request is not None else path
