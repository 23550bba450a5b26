"""Status update drafts: create, read, edit, submit, publish, return, correct."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, status
from rest_framework.response import Response

from tracker.api.conditional import check_if_match
from tracker.api.filters import refuse_unknown_parameters

from .. import permissions, selectors, services
from ..models import StatusUpdate
from ..permissions import User
from . import drafts_docs as docs
from . import permissions as api_permissions
from . import write_serializers as ws
from .serializers import StatusUpdateSerializer
from .writes import DraftMixin, WriteView


@docs.DRAFT_LIST_VIEW
class DraftListView(DraftMixin, WriteView):
    def get(self, request):
        # A list, so held to the lists' rule: no parameter it does not take (none).
        refuse_unknown_parameters(request, ())
        updates = selectors.draft_queryset().exclude(state__in=StatusUpdate.PUBLIC_STATES)
        if not permissions.is_editor(request.user):
            updates = updates.filter(author=request.user)
        data = ws.DraftSerializer(
            updates.order_by("-updated_at"), many=True, context={"request": request}
        ).data
        return Response(data)

    def post(self, request):
        serializer = ws.DraftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "proposal" not in data:
            raise exceptions.ValidationError({"proposal": ["This field is required."]})

        def create():
            with transaction.atomic():
                return services.create_draft(
                    request.user,
                    proposal=data["proposal"],
                    data=self.update_input(data, None, self.new_sources(data)),
                )

        update = self.run(create)
        return self.with_etag(self.represent(update), status.HTTP_201_CREATED)


@docs.DRAFT_DETAIL_VIEW
class DraftDetailView(DraftMixin, WriteView):
    def get(self, request, pk: int):
        return self.with_etag(self.represent(self.get_update(pk)))

    def patch(self, request, pk: int):
        update = self.get_update(pk)
        check_if_match(request, self.represent(update))
        serializer = ws.DraftInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def change():
            with transaction.atomic():
                services.update_draft(
                    request.user,
                    update=update,
                    expected_version=update.version,
                    data=self.update_input(data, update, self.new_sources(data)),
                )

        self.run(change)
        return self.with_etag(self.represent(update))


class DraftActionView(DraftMixin, WriteView):
    """Submit, publish or return an update; ``action`` says which (a subclass each,
    so that the schema describes each as it behaves)."""

    action = ""
    # Each transition: the acting user, the update, the expected version, the body.
    transitions: dict[str, Callable[[User, StatusUpdate, int, dict[str, Any]], StatusUpdate]] = {
        "submit": lambda user, update, version, _body: services.submit(
            user, update=update, expected_version=version
        ),
        "publish": lambda user, update, version, _body: services.publish(
            user, update=update, expected_version=version
        ),
        "return": lambda user, update, version, body: services.return_to_author(
            user, update=update, expected_version=version, comment=body["comment"]
        ),
    }

    def get_permissions(self):
        if self.action in ("publish", "return"):
            return [api_permissions.IsEditor()]
        return super().get_permissions()

    def post(self, request, pk: int) -> Response:
        update = self.get_update(pk)
        check_if_match(request, self.represent(update))
        body: dict[str, Any] = {}
        if self.action == "return":
            serializer = ws.ReturnInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            body = serializer.validated_data
        transition = self.transitions[self.action]
        self.run(lambda: transition(request.user, update, update.version, body))
        return self.with_etag(self.represent(update))


@docs.DRAFT_SUBMIT_VIEW
class DraftSubmitView(DraftActionView):
    action = "submit"


@docs.DRAFT_PUBLISH_VIEW
class DraftPublishView(DraftActionView):
    action = "publish"


@docs.DRAFT_RETURN_VIEW
class DraftReturnView(DraftActionView):
    action = "return"


@docs.CORRECTION_VIEW
class CorrectionView(DraftMixin, WriteView):
    permission_classes = [api_permissions.IsEditor]

    def post(self, request, pk: int):
        original = get_object_or_404(selectors.status_update_queryset(), pk=pk)
        check_if_match(request, StatusUpdateSerializer(original, context={"request": request}).data)
        serializer = ws.DraftInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def create():
            with transaction.atomic():
                return services.start_correction(
                    request.user,
                    original=original,
                    data=self.update_input(data, original, self.new_sources(data)),
                )

        update = self.run(create)
        return self.with_etag(self.represent(update), status.HTTP_201_CREATED)
