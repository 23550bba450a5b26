"""Conditional requests: one ETag for reads (``If-None-Match`` → 304) and for
writes (``If-Match`` → 412).

The ETag is a hash of the representation a client would read, so the ETag a
journalist gets from a GET is exactly the one a campaigner's client must send
back with ``If-Match``: it changes whenever anything the representation covers
changes.
"""

from __future__ import annotations

import hashlib
import json

from rest_framework.request import Request

from .errors import PreconditionFailed, PreconditionRequired


def etag_for(data) -> str:
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def check_if_match(request: Request, current_data, *, required: bool = True) -> None:
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
    return bool(header) and (etag in _tags(header) or "*" in _tags(header))
