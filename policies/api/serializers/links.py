"""Permalinks in API representations: absolute URLs built fast, and references
to proposals and status updates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from django.urls import reverse
from rest_framework import serializers

from tracker.api.links import absolute

# A proposal reference as the API's detail route accepts it (``ProposalViewSet``).
REFERENCE_PATTERN = r"1[0-9]{2}-[0-9a-z.]+"
_REFERENCE = re.compile(REFERENCE_PATTERN)
_DIGITS = re.compile(r"[0-9]+")

# Per route: the values that go into the URL exactly as they are (unreserved
# characters only, and accepted by the route's pattern), and a placeholder of
# that form which appears nowhere else in the URL.
_ROUTE_VALUES: dict[str, tuple[re.Pattern, str]] = {
    "api:proposal-detail": (_REFERENCE, "199-zzplaceholderzz"),
    "proposal-detail": (_REFERENCE, "199-zzplaceholderzz"),
    "api:statusupdate-detail": (_DIGITS, "987654321987"),
    "status-update-detail": (_DIGITS, "987654321987"),
}


class Permalinks:
    """Absolute permalinks for one request: ``absolute(request, reverse(name,
    args=[value]))`` with the route reversed once and each row's value put in
    its place.  ``reverse()`` and ``build_absolute_uri()`` per URL were most of
    the time of a page of proposals (about a dozen URLs per row).

    A value outside the route's simple form falls back to ``reverse()``, so the
    result (or the error) is always the one ``reverse()`` gives."""

    def __init__(self, request):
        self.request = request
        self._parts: dict[str, tuple[str, str]] = {}

    @classmethod
    def of(cls, context: Mapping[str, Any]) -> Permalinks:
        """The serializer tree's instance (shared through its context)."""
        links = context.get("_permalinks")
        if links is None:
            # The context is the root serializer's dict, which the whole tree shares;
            # DRF's stubs type it as read-only.
            links = cast("dict[str, Any]", context)["_permalinks"] = cls(context.get("request"))
        return links

    def __call__(self, name: str, value) -> str:
        text = str(value)
        pattern, placeholder = _ROUTE_VALUES[name]
        if not pattern.fullmatch(text):
            return absolute(self.request, reverse(name, args=[value]))
        parts = self._parts.get(name)
        if parts is None:
            url = absolute(self.request, reverse(name, args=[placeholder]))
            head, found, tail = url.rpartition(placeholder)
            if not found:  # cannot happen with the routes above; stay correct anyway
                return absolute(self.request, reverse(name, args=[value]))
            parts = self._parts[name] = (head, tail)
        return parts[0] + text + parts[1]


class StatusUpdateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="API permalink of the status update.")
    html_url = serializers.CharField(help_text="Page permalink of the status update.")


class ProposalLinkRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.CharField(help_text="API permalink of the proposal.")
    html_url = serializers.CharField(help_text="Page permalink of the proposal.")


def update_ref(request, pk: int) -> dict:
    return {
        "id": pk,
        "url": absolute(request, reverse("api:statusupdate-detail", args=[pk])),
        "html_url": absolute(request, reverse("status-update-detail", kwargs={"pk": pk})),
    }


def proposal_ref(request, reference: str) -> dict:
    return {
        "reference": reference,
        "url": absolute(request, reverse("api:proposal-detail", args=[reference])),
        "html_url": absolute(request, reverse("proposal-detail", kwargs={"reference": reference})),
    }
