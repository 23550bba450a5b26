"""API writes: status update drafts, review actions, corrections, evidence and
CSV import.  Token (or session + CSRF) authentication; anonymous clients get
401.  Every change to an existing object needs ``If-Match`` with the ETag of
its read representation and answers 412 if it changed meanwhile."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from evidence.models import Evidence

from .. import imports, permissions, selectors, services, tasks
from ..models import StatusUpdate
from . import write_serializers as ws
from .conditional import check_if_match, etag_for
from .errors import PreconditionFailed
from .serializers import EvidenceDetailSerializer, EvidenceSerializer, StatusUpdateSerializer


class WriteThrottle(ScopedRateThrottle):
    """The ``writes`` rate counts changes only; reads stay under the read rates."""

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class WriteView(APIView):
    # Token first, so an anonymous client is told how to authenticate (401).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsCampaigner]
    throttle_classes = [WriteThrottle]
    throttle_scope = "writes"

    def run(self, fn, *args, **kwargs):
        """Call a service and turn its refusals into API errors."""
        try:
            return fn(*args, **kwargs)
        except services.StaleVersion as exc:
            changed = "; ".join(f"{c.field}: {c.old} → {c.new}" for c in exc.changes)
            raise PreconditionFailed(f"{exc.message} {changed}".strip()) from exc
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
    @extend_schema(responses=ws.DraftSerializer(many=True), summary="My unpublished updates")
    def get(self, request):
        updates = selectors.draft_queryset().exclude(state__in=StatusUpdate.PUBLIC_STATES)
        if not permissions.is_editor(request.user):
            updates = updates.filter(author=request.user)
        data = ws.DraftSerializer(
            updates.order_by("-updated_at"), many=True, context={"request": request}
        ).data
        return Response(data)

    @extend_schema(
        request=ws.DraftInputSerializer,
        responses={201: ws.DraftSerializer},
        summary="Draft a status update",
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
    @extend_schema(responses=ws.DraftSerializer, summary="One unpublished (or any own) update")
    def get(self, request, pk: int):
        return self.with_etag(self.represent(self.get_update(pk)))

    @extend_schema(
        request=ws.DraftInputSerializer,
        responses=ws.DraftSerializer,
        summary="Change a draft (If-Match)",
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
    action = ""

    def get_permissions(self):
        if self.action in ("publish", "return"):
            return [permissions.IsEditor()]
        return super().get_permissions()

    @extend_schema(
        request=ws.ReturnInputSerializer,
        responses=ws.DraftSerializer,
        summary="Submit, publish or return (If-Match)",
    )
    def post(self, request, pk: int):
        update = self.get_update(pk)
        check_if_match(request, self.represent(update))
        if self.action == "submit":
            self.run(services.submit, request.user, update, update.version)
        elif self.action == "publish":
            self.run(services.publish, request.user, update, update.version)
        else:
            serializer = ws.ReturnInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            self.run(
                services.return_to_author,
                request.user,
                update,
                update.version,
                serializer.validated_data["comment"],
            )
        return self.with_etag(self.represent(update))


class CorrectionView(DraftMixin, WriteView):
    permission_classes = [permissions.IsEditor]

    @extend_schema(
        request=ws.DraftInputSerializer,
        responses={201: ws.DraftSerializer},
        summary="Correct a published update (If-Match)",
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
        request=ws.EvidenceInputSerializer,
        responses={200: EvidenceSerializer, 201: EvidenceSerializer},
        summary="Add a source (a known URL is reused: 200)",
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

    @extend_schema(responses=EvidenceSerializer, summary="One source, published or not")
    def get(self, request, pk: int):
        evidence = get_object_or_404(Evidence, pk=pk)
        return self.with_etag(EvidenceSerializer(evidence, context={"request": request}).data)

    @extend_schema(
        request=ws.EvidenceInputSerializer,
        responses=EvidenceSerializer,
        summary="Change a source (If-Match); a published one gets a new version",
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
        request={"multipart/form-data": ws.ImportInputSerializer},
        responses={201: ws.ImportResultSerializer, 202: None},
        summary="Import a CSV of status updates",
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

    @extend_schema(responses=dict, summary="Progress of a background import")
    def get(self, request, job_id: str):
        job = tasks.job_state(job_id)
        if job is None or job["user_id"] != request.user.pk:
            raise exceptions.NotFound()
        return Response({k: v for k, v in job.items() if k != "user_id"})


class ImportTemplateView(WriteView):
    permission_classes = [permissions.IsEditor]

    @extend_schema(responses={(200, "text/csv"): str}, summary="The CSV import template")
    def get(self, request):
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="status-updates-template.csv"'
        return response
