"""Evidence sources: add one, read one as a campaigner, edit one."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import exceptions, status

from evidence.models import Evidence
from tracker.api.conditional import check_if_match
from tracker.api.errors import PreconditionFailed

from .. import permissions, selectors, services
from . import sources_docs as docs
from . import write_serializers as ws
from .serializers import EvidenceDetailSerializer, EvidenceSerializer
from .writes import WriteView


@docs.SOURCE_LIST_VIEW
class SourceListView(WriteView):
    def post(self, request):
        serializer = ws.EvidenceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence, created = self.run(
            lambda: services.get_or_create_evidence(request.user, data=serializer.to_input())
        )
        data = EvidenceSerializer(evidence, context={"request": request}).data
        return self.with_etag(data, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@docs.SOURCE_DETAIL_VIEW
class SourceDetailView(WriteView):
    def representations(self, evidence: Evidence) -> list[dict]:
        """This endpoint's own read, and the public read if the source is public."""
        found: list[dict] = [EvidenceSerializer(evidence, context={"request": self.request}).data]
        public = selectors.public_evidence_queryset().filter(pk=evidence.pk).first()
        if public is not None:
            found.append(EvidenceDetailSerializer(public, context={"request": self.request}).data)
        return found

    def get(self, request, pk: int):
        evidence = get_object_or_404(Evidence, pk=pk)
        return self.with_etag(EvidenceSerializer(evidence, context={"request": request}).data)

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
            lambda: services.update_evidence(
                request.user,
                evidence=evidence,
                expected_version=evidence.version,
                data=serializer.to_input(),
            )
        )
        saved.refresh_from_db()
        code = status.HTTP_201_CREATED if saved.pk != evidence.pk else status.HTTP_200_OK
        return self.with_etag(EvidenceSerializer(saved, context={"request": request}).data, code)
