"""API writes: status update drafts, review actions, corrections, evidence and
CSV import.  Token (or session + CSRF) authentication; anonymous clients get
401.  Every change to an existing object needs ``If-Match`` with the ETag of
its read representation and answers 412 if it changed meanwhile."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from evidence.models import Evidence

from .. import imports, permissions, selectors, services, tasks
from ..models import StatusUpdate
from . import write_serializers as ws
from .authentication import ApiTokenAuthentication
from .conditional import check_if_match, etag_for
from .errors import PreconditionFailed
from .schema import IF_MATCH, error, etag_header
from .serializers import EvidenceDetailSerializer, EvidenceSerializer, StatusUpdateSerializer

# --- Schema: examples (synthetic) and the errors as the views raise them ---------

_SOURCE_EXAMPLE = {
    "id": 7,
    "url": "https://tracker.example.org/api/v1/evidence/7/",
    "html_url": "https://tracker.example.org/evidence/7/",
    "kind": "other",
    "title": "Synthetic example source",
    "publisher": "Synthetic publisher",
    "source_url": "https://example.org/synthetic/source",
    "published_date": "2020-01-01",
    "accessed_date": "2024-01-01",
    "archived_url": "",
    "quote": "",
    "page": "",
    "is_published": False,
    "replaced_by": None,
    "version": 1,
    "created_at": "2024-01-02T10:00:00Z",
    "updated_at": "2024-01-02T10:00:00Z",
}
_DRAFT_EXAMPLE = {
    "id": 42,
    "url": "https://tracker.example.org/api/v1/status-updates/42/",
    "html_url": "https://tracker.example.org/updates/42/",
    "proposal": {
        "reference": "118-1a",
        "url": "https://tracker.example.org/api/v1/proposals/118-1a/",
        "html_url": "https://tracker.example.org/proposals/118-1a/",
    },
    "status": "in_progress",
    "status_label": "In progress",
    "status_definition": "A body able to deliver it has taken a concrete, public step "
    "towards it (a bill, a funded programme, a pilot, a consultation on its substance), "
    "but it is not yet in effect.",
    "effective_date": "2021-01-01",
    "date_precision": "day",
    "acting_bodies": [
        {
            "slug": "college-of-policing",
            "name": "College of Policing",
            "kind": "college_of_policing",
        }
    ],
    "rationale": "Synthetic example rationale.",
    "evidence": [_SOURCE_EXAMPLE],
    "state": "draft",
    "is_corrected": False,
    "corrects": None,
    "corrected_by": [],
    "published_at": None,
    "author": "synthetic-campaigner",
    "version": 1,
    "updated_at": "2024-01-02T10:00:00Z",
    "reviewed_by": None,
    "review_comment": "",
    "submitted_at": None,
}
_SOURCE_INPUT_EXAMPLE = {
    "source_url": "https://example.org/synthetic/source",
    "title": "Synthetic example source",
    "publisher": "Synthetic publisher",
    "kind": "other",
    "published_date": "2020-01-01",
    "accessed_date": "2024-01-01",
}


def _draft(name: str, summary: str, **changes) -> OpenApiExample:
    return OpenApiExample(name, summary=summary, value=_DRAFT_EXAMPLE | changes, response_only=True)


_DRAFT_INPUT = OpenApiExample(
    "new_draft",
    summary="A draft citing one library source and adding another",
    value={
        "proposal": "118-1a",
        "status": "in_progress",
        "effective_date": "2021-01-01",
        "date_precision": "day",
        "rationale": "Synthetic example rationale.",
        "acting_bodies": ["college-of-policing"],
        "evidence": [7],
        "new_evidence": [_SOURCE_INPUT_EXAMPLE | {"source_url": "https://example.org/synthetic/2"}],
    },
    request_only=True,
)
_CHANGE_INPUT = OpenApiExample(
    "change",
    summary="Change only what you send",
    value={"status": "partly_delivered", "rationale": "Synthetic example rationale, revised."},
    request_only=True,
)
_UPDATE_INVALID = error(
    400,
    missing_fields=(
        "The request was not valid.",
        {"effective_date": ["This field is required."], "rationale": ["This field is required."]},
    ),
    unknown_status=(
        "The request was not valid.",
        {"status": ['"finished" is not a valid choice.']},
    ),
    unknown_proposal=(
        "The request was not valid.",
        {"proposal": ["Object with reference=999-9z does not exist."]},
    ),
    future_date=(
        "The request was not valid.",
        {"effective_date": ["The date it happened cannot be in the future."]},
    ),
    no_source=("The request was not valid.", {"evidence": ["Add at least one source."]}),
)
_SOURCE_INVALID = error(
    400,
    bad_url=(
        "The request was not valid.",
        {"source_url": ["Enter a valid URL."], "title": ["This field is required."]},
    ),
)
_NO_ROLE = "Only campaigners, editors and admins may do this."
_NOT_EDITOR = "Only editors and admins may do this."
_CSRF = "CSRF Failed: CSRF token missing."  # session clients only; a token needs none
_DRAFT_NOT_FOUND = error(
    404,
    "No such status update, or an unpublished one that is neither yours nor (for an "
    "editor) anyone's; also an unknown `format`.",
    not_found="No StatusUpdate matches the given query.",
)
_SOURCE_NOT_FOUND = error(
    404,
    "No such source; also an unknown `format`.",
    not_found="No Evidence matches the given query.",
)
_FORMAT_NOT_FOUND = error(
    404,
    "Only for an unknown `format` query parameter.",
    unknown_format="Not found.",
)
_STALE = error(
    412,
    "The `If-Match` ETag is not the current one, or the service found a "
    "newer version while saving: someone changed it since you read it. Nothing was "
    "saved; GET it again and reapply your change.",
    changed_since_read="The resource changed since you read it; fetch it again and reapply.",
    changed_while_saving="Someone else saved this since you opened it (your version 2, now "
    "version 3); they changed status. Nothing of yours was saved: review their changes and "
    "save again. status: in_progress → delivered",
)


class WriteThrottle(ScopedRateThrottle):
    """The ``writes`` rate counts changes only; reads stay under the read rates."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class WriteView(APIView):
    # Token first, so an anonymous client is told how to authenticate (401).
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsCampaigner]
    throttle_classes = [WriteThrottle]
    throttle_scope = "writes"

    def run(self, fn, *args, **kwargs):
        """Call a service and turn its refusals into API errors."""
        try:
            return fn(*args, **kwargs)
        except services.StaleVersion as exc:
            raise PreconditionFailed(exc.with_changes().strip()) from exc
        except services.NotPermitted as exc:
            raise exceptions.PermissionDenied(exc.message) from exc
        except services.RuleViolation as exc:
            raise exceptions.ValidationError(
                exc.fields or {"non_field_errors": [exc.message]}
            ) from exc

    def with_etag(self, data, code=status.HTTP_200_OK) -> Response:
        response = Response(data, status=code)
        response["ETag"] = etag_for(data)
        return response


class DraftMixin:
    def get_update(self, pk: int) -> StatusUpdate:
        update = get_object_or_404(selectors.draft_queryset(), pk=pk)
        if not permissions.can_view_update(self.request.user, update):
            raise exceptions.NotFound()
        return update

    def represent(self, update: StatusUpdate) -> dict:
        fresh = selectors.draft_queryset().get(pk=update.pk)
        return ws.DraftSerializer(fresh, context={"request": self.request}).data

    def update_input(
        self, data: dict, base: StatusUpdate | None, new_sources
    ) -> services.UpdateInput:
        def pick(name, current):
            return data.get(name, current)

        return services.UpdateInput(
            status=pick("status", base.status if base else None),
            effective_date=pick("effective_date", base.effective_date if base else None),
            date_precision=pick("date_precision", base.date_precision if base else "day"),
            rationale=pick("rationale", base.rationale if base else ""),
            acting_bodies=list(pick("acting_bodies", base.acting_bodies.all() if base else [])),
            evidence=list(pick("evidence", base.evidence.all() if base else [])) + new_sources,
        )

    def new_sources(self, data: dict) -> list[Evidence]:
        sources = []
        for item in data.get("new_evidence", []):
            source = ws.EvidenceInputSerializer.input_from(item)
            evidence, _ = services.get_or_create_evidence(self.request.user, source)
            sources.append(evidence)
        return sources


class DraftListView(DraftMixin, WriteView):
    @extend_schema(
        operation_id="drafts_list",
        summary="List unpublished status updates",
        description="Drafts, updates awaiting review and updates returned to their author, "
        "most recently changed first (not paginated). A campaigner sees their own; editors "
        "and admins see everyone's. Published updates are read at `/api/v1/status-updates/`.",
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer(many=True),
                description="The unpublished updates you may see.",
                examples=[_draft("drafts", "One draft")],
            ),
            403: error(403, no_role=_NO_ROLE),
            404: _FORMAT_NOT_FOUND,
        },
    )
    def get(self, request):
        updates = selectors.draft_queryset().exclude(state__in=StatusUpdate.PUBLIC_STATES)
        if not permissions.is_editor(request.user):
            updates = updates.filter(author=request.user)
        data = ws.DraftSerializer(
            updates.order_by("-updated_at"), many=True, context={"request": request}
        ).data
        return Response(data)

    @extend_schema(
        summary="Draft a status update",
        description="Start a draft judgement of one proposal (`proposal` is required). "
        "`evidence` cites sources of the library by id; `new_evidence` adds sources on the "
        "spot (a URL the library already has is reused). The draft is yours until you "
        "submit it; keep the `ETag` for your next change.",
        request=ws.DraftInputSerializer,
        examples=[_DRAFT_INPUT],
        parameters=[etag_header(201)],
        responses={
            201: OpenApiResponse(
                ws.DraftSerializer,
                description="The draft, as `GET /api/v1/drafts/{id}/` shows it.",
                examples=[_draft("created", "The new draft")],
            ),
            400: _UPDATE_INVALID,
            403: error(403, no_role=_NO_ROLE, csrf=_CSRF),
            404: _FORMAT_NOT_FOUND,
        },
    )
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
                    data["proposal"],
                    self.update_input(data, None, self.new_sources(data)),
                )

        update = self.run(create)
        return self.with_etag(self.represent(update), status.HTTP_201_CREATED)


class DraftDetailView(DraftMixin, WriteView):
    @extend_schema(
        summary="One status update, in any state",
        description="An update as its author and editors see it: an unpublished one only "
        "by its author or an editor, a published one by any team member. Its `ETag` is "
        "the `If-Match` of a change, submit, publish or return.",
        parameters=[etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The update.",
                examples=[_draft("draft", "A draft")],
            ),
            403: error(403, no_role=_NO_ROLE),
            404: _DRAFT_NOT_FOUND,
        },
    )
    def get(self, request, pk: int):
        return self.with_etag(self.represent(self.get_update(pk)))

    @extend_schema(
        summary="Change a draft",
        description="Change a draft or a returned update (its author or an editor); send "
        "only the fields that change. `proposal` cannot change. Needs `If-Match` with the "
        "`ETag` of `GET /api/v1/drafts/{id}/`.",
        request=ws.DraftInputSerializer,
        examples=[_CHANGE_INPUT],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The changed draft (new `version`, new `ETag`).",
                examples=[_draft("changed", "The changed draft", status="partly_delivered")],
            ),
            400: _UPDATE_INVALID,
            403: error(
                403,
                no_role=_NO_ROLE,
                not_yours="Only the author or an editor may edit an unpublished update.",
                no_longer_a_draft="This update was submitted or published meanwhile.",
                csrf=_CSRF,
            ),
            404: _DRAFT_NOT_FOUND,
            412: _STALE,
        },
    )
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
                    update,
                    update.version,
                    self.update_input(data, update, self.new_sources(data)),
                )

        self.run(change)
        return self.with_etag(self.represent(update))


class DraftActionView(DraftMixin, WriteView):
    """Submit, publish or return an update; ``action`` says which (a subclass each,
    so that the schema describes each as it behaves)."""

    action = ""
    service_for = {
        "submit": services.submit,
        "publish": services.publish,
        "return": services.return_to_author,
    }

    def get_permissions(self):
        if self.action in ("publish", "return"):
            return [permissions.IsEditor()]
        return super().get_permissions()

    def post(self, request, pk: int) -> Response:
        update = self.get_update(pk)
        check_if_match(request, self.represent(update))
        extra = []
        if self.action == "return":
            serializer = ws.ReturnInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            extra = [serializer.validated_data["comment"]]
        self.run(self.service_for[self.action], request.user, update, update.version, *extra)
        return self.with_etag(self.represent(update))


@extend_schema_view(
    post=extend_schema(
        summary="Submit a draft for review",
        description="The author (or an editor) hands a draft or returned update to the "
        "editors; it can no longer be changed unless returned. No body. Needs `If-Match` "
        "with the `ETag` of `GET /api/v1/drafts/{id}/`.",
        request=None,
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The update, now awaiting review.",
                examples=[
                    _draft(
                        "submitted",
                        "Awaiting review",
                        state="submitted",
                        version=2,
                        submitted_at="2024-01-03T09:00:00Z",
                    )
                ],
            ),
            400: error(
                400,
                "A status other than not_assessed needs at least one complete source.",
                no_source=(
                    "The request was not valid.",
                    {"evidence": ["Add at least one source."]},
                ),
            ),
            403: error(
                403,
                no_role=_NO_ROLE,
                not_yours="Only the author or an editor may submit this update.",
                already_submitted="This update was submitted or published meanwhile.",
                csrf=_CSRF,
            ),
            404: _DRAFT_NOT_FOUND,
            412: _STALE,
        },
    )
)
class DraftSubmitView(DraftActionView):
    action = "submit"


@extend_schema_view(
    post=extend_schema(
        summary="Publish an update",
        description="An editor publishes a draft or an update awaiting review: it becomes "
        "the public record (`/api/v1/status-updates/{id}/`) and, if it is a correction, "
        "marks the update it corrects as corrected. An editor may not publish their own "
        "update unless the site allows it (a one-person team). No body. Needs `If-Match` "
        "with the `ETag` of `GET /api/v1/drafts/{id}/`.",
        request=None,
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The published update.",
                examples=[
                    _draft(
                        "published",
                        "Published",
                        state="published",
                        version=3,
                        published_at="2024-01-04T12:00:00Z",
                        reviewed_by="synthetic-editor",
                    )
                ],
            ),
            400: error(
                400,
                "Not publishable: the update is not a draft or awaiting review, has no "
                "complete source, or the update it corrects was corrected meanwhile.",
                wrong_state=(
                    "The request was not valid.",
                    {
                        "non_field_errors": [
                            "Only a draft or an update awaiting review can be published."
                        ]
                    },
                ),
                already_corrected=(
                    "The request was not valid.",
                    {"non_field_errors": ["The update this corrects has already been corrected."]},
                ),
            ),
            403: error(
                403,
                not_editor=_NOT_EDITOR,
                own_update="You wrote this update: another editor must publish it "
                "(TRACKER_ALLOW_SELF_PUBLISH allows it for one-person teams).",
                csrf=_CSRF,
            ),
            404: _DRAFT_NOT_FOUND,
            412: _STALE,
        },
    )
)
class DraftPublishView(DraftActionView):
    action = "publish"


@extend_schema_view(
    post=extend_schema(
        summary="Return an update to its author",
        description="An editor sends an update awaiting review back to its author with a "
        "comment saying what needs changing; the author can then change and resubmit it. "
        "Needs `If-Match` with the `ETag` of `GET /api/v1/drafts/{id}/`.",
        request=ws.ReturnInputSerializer,
        examples=[
            OpenApiExample(
                "comment",
                summary="What needs changing",
                value={"comment": "Synthetic example comment: cite the source for the date."},
                request_only=True,
            )
        ],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The update, returned to its author.",
                examples=[
                    _draft(
                        "returned",
                        "Returned",
                        state="returned",
                        version=3,
                        reviewed_by="synthetic-editor",
                        review_comment="Synthetic example comment: cite the source for the date.",
                    )
                ],
            ),
            400: error(
                400,
                no_comment=("The request was not valid.", {"comment": ["This field is required."]}),
            ),
            403: error(
                403,
                not_editor=_NOT_EDITOR,
                not_awaiting_review="Only editors may return a submitted update.",
                reviewed_meanwhile="This update is no longer awaiting review.",
                csrf=_CSRF,
            ),
            404: _DRAFT_NOT_FOUND,
            412: _STALE,
        },
    )
)
class DraftReturnView(DraftActionView):
    action = "return"


class CorrectionView(DraftMixin, WriteView):
    permission_classes = [permissions.IsEditor]

    @extend_schema(
        summary="Correct a published update",
        description="An editor starts a correction of a published update: a new draft of "
        "the same proposal, pre-filled from the original and changed by what you send "
        "(`proposal` must stay the same). Publishing it marks the original corrected; both "
        "stay public. Needs `If-Match` with the `ETag` of the public "
        "`GET /api/v1/status-updates/{id}/`.",
        request=ws.DraftInputSerializer,
        examples=[_CHANGE_INPUT],
        parameters=[IF_MATCH, etag_header(201)],
        responses={
            201: OpenApiResponse(
                ws.DraftSerializer,
                description="The correction, a draft (`corrects` names the original).",
                examples=[
                    _draft(
                        "correction",
                        "A correction draft",
                        id=43,
                        status="partly_delivered",
                        corrects={
                            "id": 42,
                            "url": "https://tracker.example.org/api/v1/status-updates/42/",
                            "html_url": "https://tracker.example.org/updates/42/",
                        },
                        author="synthetic-editor",
                    )
                ],
            ),
            400: _UPDATE_INVALID,
            403: error(
                403,
                not_editor=_NOT_EDITOR,
                already_corrected="Only editors may correct a published update.",
                csrf=_CSRF,
            ),
            404: error(
                404,
                "No such published update (drafts are corrected by changing them); also an "
                "unknown `format`.",
                not_found="No StatusUpdate matches the given query.",
            ),
            412: _STALE,
        },
    )
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
                    original,
                    self.update_input(data, original, self.new_sources(data)),
                )

        update = self.run(create)
        return self.with_etag(self.represent(update), status.HTTP_201_CREATED)


class SourceListView(WriteView):
    @extend_schema(
        summary="Add a source to the library",
        description="Add an evidence source; it stays unpublished until an update citing "
        "it is published. A URL the library already has is not duplicated: the existing "
        "source is returned with 200.",
        request=ws.EvidenceInputSerializer,
        examples=[
            OpenApiExample(
                "source",
                summary="A synthetic source",
                value=_SOURCE_INPUT_EXAMPLE,
                request_only=True,
            )
        ],
        parameters=[etag_header(200, 201)],
        responses={
            200: OpenApiResponse(
                EvidenceSerializer,
                description="The library already had this URL: that source, unchanged.",
                examples=[
                    OpenApiExample(
                        "existing", value=_SOURCE_EXAMPLE, status_codes=["200"], response_only=True
                    )
                ],
            ),
            201: OpenApiResponse(
                EvidenceSerializer,
                description="The new source.",
                examples=[
                    OpenApiExample(
                        "created", value=_SOURCE_EXAMPLE, status_codes=["201"], response_only=True
                    )
                ],
            ),
            400: _SOURCE_INVALID,
            403: error(403, no_role=_NO_ROLE, csrf=_CSRF),
            404: _FORMAT_NOT_FOUND,
        },
    )
    def post(self, request):
        serializer = ws.EvidenceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence, created = self.run(
            services.get_or_create_evidence, request.user, serializer.to_input()
        )
        data = EvidenceSerializer(evidence, context={"request": request}).data
        return self.with_etag(data, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SourceDetailView(WriteView):
    def representations(self, evidence: Evidence) -> list[dict]:
        """This endpoint's own read, and the public read if the source is public."""
        found = [EvidenceSerializer(evidence, context={"request": self.request}).data]
        public = selectors.public_evidence_queryset().filter(pk=evidence.pk).first()
        if public is not None:
            found.append(EvidenceDetailSerializer(public, context={"request": self.request}).data)
        return found

    @extend_schema(
        summary="One source, published or not",
        description="Any source of the library, as the team sees it. Its `ETag` (or that "
        "of the public `GET /api/v1/evidence/{id}/`) is the `If-Match` of a change.",
        parameters=[etag_header(200)],
        responses={
            200: OpenApiResponse(
                EvidenceSerializer,
                description="The source.",
                examples=[OpenApiExample("source", value=_SOURCE_EXAMPLE, response_only=True)],
            ),
            403: error(403, no_role=_NO_ROLE),
            404: _SOURCE_NOT_FOUND,
        },
    )
    def get(self, request, pk: int):
        evidence = get_object_or_404(Evidence, pk=pk)
        return self.with_etag(EvidenceSerializer(evidence, context={"request": request}).data)

    @extend_schema(
        summary="Change a source",
        description="Send only the fields that change. An unpublished source is changed "
        "in place (its creator or an editor; 200). A published source is never edited: an "
        "editor's change makes a new version that replaces it (201, the old one names it in "
        "`replaced_by`). Needs `If-Match` with the `ETag` of `GET /api/v1/sources/{id}/` or "
        "of the public `GET /api/v1/evidence/{id}/`.",
        request=ws.EvidenceInputSerializer,
        examples=[
            OpenApiExample(
                "change",
                summary="Correct the title",
                value={"title": "Synthetic example source, corrected title"},
                request_only=True,
            )
        ],
        parameters=[IF_MATCH, etag_header(200, 201)],
        responses={
            200: OpenApiResponse(
                EvidenceSerializer,
                description="The unpublished source, changed in place.",
                examples=[
                    OpenApiExample(
                        "changed",
                        value=_SOURCE_EXAMPLE
                        | {"title": "Synthetic example source, corrected title", "version": 2},
                        status_codes=["200"],
                        response_only=True,
                    )
                ],
            ),
            201: OpenApiResponse(
                EvidenceSerializer,
                description="A published source: the new version that replaces it.",
                examples=[
                    OpenApiExample(
                        "new_version",
                        value=_SOURCE_EXAMPLE
                        | {
                            "id": 8,
                            "url": "https://tracker.example.org/api/v1/evidence/8/",
                            "html_url": "https://tracker.example.org/evidence/8/",
                            "title": "Synthetic example source, corrected title",
                            "is_published": True,
                        },
                        status_codes=["201"],
                        response_only=True,
                    )
                ],
            ),
            400: _SOURCE_INVALID,
            403: error(
                403,
                not_yours="You may not edit this source.",
                replaced_meanwhile="This source was published or replaced meanwhile.",
                csrf=_CSRF,
            ),
            404: _SOURCE_NOT_FOUND,
            412: _STALE,
        },
    )
    def patch(self, request, pk: int):
        evidence = get_object_or_404(Evidence, pk=pk)
        if not permissions.can_edit_evidence(request.user, evidence):
            raise exceptions.PermissionDenied("You may not edit this source.")
        reads = self.representations(evidence)
        for index, data in enumerate(reads):
            try:
                check_if_match(request, data)
                break
            except PreconditionFailed:
                if index == len(reads) - 1:
                    raise
        fields = ["title", "publisher", "kind", "published_date", "accessed_date"]
        fields += ["archived_url", "quote", "page"]
        current = {name: getattr(evidence, name) for name in fields} | {"source_url": evidence.url}
        serializer = ws.EvidenceInputSerializer(data={**current, **request.data})
        serializer.is_valid(raise_exception=True)
        saved = self.run(
            services.update_evidence,
            request.user,
            evidence,
            evidence.version,
            serializer.to_input(),
        )
        saved.refresh_from_db()
        code = status.HTTP_201_CREATED if saved.pk != evidence.pk else status.HTTP_200_OK
        return self.with_etag(EvidenceSerializer(saved, context={"request": request}).data, code)


class ImportView(WriteView):
    permission_classes = [permissions.IsEditor]

    @extend_schema(
        summary="Import a CSV of status updates",
        description="Upload a CSV in the template's format (`GET /api/v1/imports/template/`), "
        "as drafts (`mode=draft`) or published at once (`mode=publish`). The whole file is "
        "checked first: one bad row refuses the file (400, line-numbered errors) and "
        "nothing is written. Rows already imported are skipped. A long file is imported in "
        "the background: 202 with the job to poll.",
        request={"multipart/form-data": ws.ImportInputSerializer},
        responses={
            201: OpenApiResponse(
                ws.ImportResultSerializer,
                description="Imported; what was written.",
                examples=[
                    OpenApiExample(
                        "imported",
                        value={"created": 3, "skipped": 1, "published": 0, "evidence_created": 2},
                        status_codes=["201"],
                        response_only=True,
                    )
                ],
            ),
            202: OpenApiResponse(
                ws.ImportQueuedSerializer,
                description="Too many rows to import during the request: queued; poll "
                "`status_url`.",
                examples=[
                    OpenApiExample(
                        "queued",
                        value={
                            "job": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                            "status_url": "https://tracker.example.org/api/v1/imports/"
                            "0f1e2d3c4b5a69788796a5b4c3d2e1f0/",
                        },
                        status_codes=["202"],
                        response_only=True,
                    )
                ],
            ),
            400: error(
                400,
                "The file was refused (nothing was written): `fields.file` lists the "
                "problems by line.",
                refused=(
                    "The request was not valid.",
                    {"file": ["line 3: unknown proposal reference '999-9z'."]},
                ),
                no_file=("The request was not valid.", {"file": ["No file was submitted."]}),
            ),
            403: error(403, not_editor=_NOT_EDITOR, csrf=_CSRF),
            404: _FORMAT_NOT_FOUND,
        },
    )
    def post(self, request):
        serializer = ws.ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        raw = upload.read()
        mode = serializer.validated_data["mode"]
        if imports.count_rows(raw) > settings.TRACKER_IMPORT_BACKGROUND_ROWS:
            job_id = tasks.start_import_job(request.user, raw, mode, upload.name)
            return Response(
                {"job": job_id, "status_url": request.build_absolute_uri(f"{job_id}/")},
                status=status.HTTP_202_ACCEPTED,
            )
        try:
            result = self.run(imports.import_file, request.user, raw, mode)
        except imports.ImportRejected as exc:
            raise exceptions.ValidationError({"file": exc.errors}) from exc
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)


class ImportJobView(WriteView):
    permission_classes = [permissions.IsEditor]

    @extend_schema(
        summary="Progress of a background import",
        description="The state of an import queued by `POST /api/v1/imports/` (202), for "
        "the editor who started it. Jobs are kept for a limited time.",
        parameters=[
            OpenApiParameter(
                "job_id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The `job` returned by `POST /api/v1/imports/`.",
            )
        ],
        responses={
            200: OpenApiResponse(
                ws.ImportJobSerializer,
                description="The job.",
                examples=[
                    OpenApiExample(
                        "done",
                        value={
                            "id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                            "mode": "draft",
                            "filename": "synthetic-updates.csv",
                            "state": "done",
                            "phase": "done",
                            "done": 600,
                            "total": 600,
                            "errors": [],
                            "result": {
                                "created": 600,
                                "skipped": 0,
                                "published": 0,
                                "evidence_created": 12,
                            },
                        },
                        response_only=True,
                    )
                ],
            ),
            403: error(403, not_editor=_NOT_EDITOR),
            404: error(
                404,
                "No such job, a job another user started, or one that expired; also an "
                "unknown `format`.",
                not_found="Not found.",
            ),
        },
    )
    def get(self, request, job_id: str):
        job = tasks.job_state(job_id)
        if job is None or job["user_id"] != request.user.pk:
            raise exceptions.NotFound()
        return Response({k: v for k, v in job.items() if k != "user_id"})


class ImportTemplateView(WriteView):
    permission_classes = [permissions.IsEditor]

    @extend_schema(
        summary="The CSV import template",
        description="A CSV file with the header line of the import format and no rows.",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The template (`Content-Disposition: attachment`).",
                examples=[
                    OpenApiExample(
                        "template",
                        value=imports.template_csv(),
                        response_only=True,
                    )
                ],
            ),
            403: error(403, not_editor=_NOT_EDITOR),
            404: _FORMAT_NOT_FOUND,
        },
    )
    def get(self, request):
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="status-updates-template.csv"'
        return response
