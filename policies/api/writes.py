"""What every write view shares: authentication, the campaigner permission, the
writes throttle, service refusals as API errors, and the draft helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.shortcuts import get_object_or_404
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evidence.models import Evidence
from tracker.api.conditional import etag_for
from tracker.api.errors import PreconditionFailed
from tracker.api.throttles import WriteThrottle

from .. import permissions, selectors, services
from ..models import StatusUpdate
from . import permissions as api_permissions
from . import write_serializers as ws
from .authentication import ApiTokenAuthentication

T = TypeVar("T")


class WriteView(APIView):
    # Token first, so an anonymous client is told how to authenticate (401).
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [api_permissions.IsCampaigner]
    throttle_classes = [WriteThrottle]
    throttle_scope = "writes"

    def run(self, call: Callable[[], T]) -> T:
        """Call a service (``lambda: services.publish(...)``) and turn its
        refusals into API errors."""
        try:
            return call()
        except services.StaleVersion as exc:
            raise PreconditionFailed(exc.with_changes().strip()) from exc
        except services.NotPermitted as exc:
            raise exceptions.PermissionDenied(exc.message) from exc
        except services.RuleViolation as exc:
            raise exceptions.ValidationError(
                exc.fields or {"non_field_errors": [exc.message]}
            ) from exc

    def with_etag(self, data: Any, code: int = status.HTTP_200_OK) -> Response:
        response = Response(data, status=code)
        response["ETag"] = etag_for(data)
        return response


class _Requested(Protocol):
    """What ``DraftMixin`` needs of the view it is mixed into."""

    request: Request


class DraftMixin:
    def get_update(self: _Requested, pk: int) -> StatusUpdate:
        update = get_object_or_404(selectors.draft_queryset(), pk=pk)
        if not permissions.can_view_update(self.request.user, update):
            raise exceptions.NotFound()
        return update

    def represent(self: _Requested, update: StatusUpdate) -> dict[str, Any]:
        fresh = selectors.draft_queryset().get(pk=update.pk)
        return ws.DraftSerializer(fresh, context={"request": self.request}).data

    def update_input(
        self, data: dict[str, Any], base: StatusUpdate | None, new_sources: list[Evidence]
    ) -> services.UpdateInput:
        def pick(name: str, current: Any) -> Any:
            return data.get(name, current)

        return services.UpdateInput(
            status=pick("status", base.status if base else None),
            effective_date=pick("effective_date", base.effective_date if base else None),
            date_precision=pick("date_precision", base.date_precision if base else "day"),
            rationale=pick("rationale", base.rationale if base else ""),
            acting_bodies=list(pick("acting_bodies", base.acting_bodies.all() if base else [])),
            evidence=list(pick("evidence", base.evidence.all() if base else [])) + new_sources,
        )

    def new_sources(self: _Requested, data: dict[str, Any]) -> list[Evidence]:
        sources = []
        for item in data.get("new_evidence", []):
            source = ws.EvidenceInputSerializer.input_from(item)
            evidence, _ = services.get_or_create_evidence(self.request.user, data=source)
            sources.append(evidence)
        return sources
