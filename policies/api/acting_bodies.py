"""Acting bodies through the API: list, add, rename, merge, history.

The same services as the editorial pages (``services.create_acting_body`` …), so
the same rules and permissions (editors and admins).  A body's ``version`` is
claimed by every change; a change or merge needs ``If-Match`` with the ETag of
the body as read here (412 if it changed meanwhile, 428 without it).
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from tracker.api.conditional import check_if_match
from tracker.api.filters import refuse_unknown_parameters

from .. import services
from ..models import ActingBody
from . import acting_bodies_docs as docs
from .acting_bodies_serializers import ActingBodyInputSerializer, MergeInputSerializer, body_data
from .reference import ReferenceView, history_of


def _body(pk: int) -> ActingBody:
    return get_object_or_404(ActingBody, pk=pk)


@docs.LIST_VIEW
class ActingBodyListView(ReferenceView):
    def get(self, request):
        refuse_unknown_parameters(request, ())
        return Response([body_data(b) for b in ActingBody.objects.order_by("name")])

    def post(self, request):
        serializer = ActingBodyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> ActingBody:
            with transaction.atomic():
                return services.create_acting_body(request.user, data=serializer.to_input())

        return self.with_etag(body_data(self.run(create)), status.HTTP_201_CREATED)


@docs.DETAIL_VIEW
class ActingBodyDetailView(ReferenceView):
    def get(self, request, pk: int):
        return self.with_etag(body_data(_body(pk)))

    def patch(self, request, pk: int):
        body = _body(pk)
        current = body_data(body)
        check_if_match(request, current)
        serializer = ActingBodyInputSerializer(
            data={"name": body.name, "kind": body.kind, "slug": body.slug, **request.data}
        )
        serializer.is_valid(raise_exception=True)
        self.run(
            lambda: services.update_acting_body(
                request.user,
                body=body,
                expected_version=current["version"],
                data=serializer.to_input(),
            )
        )
        return self.with_etag(body_data(_body(pk)))


@docs.MERGE_VIEW
class ActingBodyMergeView(ReferenceView):
    def post(self, request, pk: int):
        merged = _body(pk)
        current = body_data(merged)
        check_if_match(request, current)
        serializer = MergeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kept = serializer.validated_data["into"]
        moved = self.run(
            lambda: services.merge_acting_bodies(
                request.user,
                merged=merged,
                merged_version=current["version"],
                kept=kept,
                kept_version=kept.version,
            )
        )
        kept.refresh_from_db()
        return self.with_etag(
            {"merged": current["slug"], "moved_updates": moved, "kept": body_data(kept)}
        )


@docs.HISTORY_VIEW
class ActingBodyHistoryView(ReferenceView):
    def get(self, request, pk: int):
        rows = history_of(ActingBody, pk)
        if not rows:
            raise NotFound("No such acting body.")
        return Response(rows)
