"""Read API: papers, sections, themes, proposals, status updates, evidence.

Every read ViewSet here mixes in ``CSVExportMixin`` (``?format=csv`` on lists)
and ``ConditionalGetMixin`` (ETag / Last-Modified / 304 / Cache-Control)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, viewsets
from rest_framework.response import Response

from tracker.api.conditional import ConditionalGetMixin
from tracker.api.exports import CSVExportMixin
from tracker.api.filters import KnownQueryParameters, OrderingFilter
from tracker.api.pagination import KeysFirstPaginator, PageNumberPagination
from tracker.siteurl import site_url

from .. import changes, search, selectors
from ..filters import EvidenceFilter, ProposalFilter, StatusUpdateFilter
from ..models import ActingBody, Section, Theme
from . import read_docs as docs
from . import serializers


class ReadViewSet(CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Base of the public read endpoints: CSV lists, conditional GET, one
    ``Last-Modified`` for the whole dataset."""

    public_read = True  # anonymous answers may be cached (tracker.cache)


@docs.PAPER_VIEW_SET
class PaperViewSet(ReadViewSet):
    serializer_class = serializers.PaperSerializer
    lookup_field = "number"
    lookup_value_regex = r"[0-9]+"
    pagination_class = None
    filter_backends = [KnownQueryParameters]
    csv_columns = [
        (name, name) for name in serializers.PaperSerializer.Meta.fields if name != "sections"
    ] + [("sections", "sections[].number")]

    def get_queryset(self):
        return selectors.paper_queryset()


@docs.SECTION_VIEW_SET
class SectionViewSet(ReadViewSet):
    serializer_class = serializers.SectionSerializer
    queryset = Section.objects.select_related("paper")
    filterset_fields = {"paper__number": ["exact"]}
    ordering_fields = ["order", "number"]


@docs.THEME_VIEW_SET
class ThemeViewSet(ReadViewSet):
    serializer_class = serializers.ThemeSerializer
    queryset = Theme.objects.all()
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]


PROPOSAL_CSV_COLUMNS = [
    ("reference", "reference"),
    ("url", "url"),
    ("html_url", "html_url"),
    ("paper", "paper"),
    ("section", "section.number"),
    ("section_title", "section.title"),
    ("kind", "kind"),
    ("position", "position"),
    ("paragraph", "paragraph"),
    ("argued_in", "argued_in"),
    ("text", "text"),
    ("applicability", "applicability"),
    ("themes", "themes"),
    ("parent", "parent.reference"),
    ("children", "children[].reference"),
    ("links", "links[].proposal.reference"),
    ("status", "current_status.status"),
    ("status_label", "current_status.label"),
    ("status_effective_date", "current_status.effective_date"),
    ("status_date_precision", "current_status.date_precision"),
    ("status_since", "current_status.effective_date_display"),
    ("acting_bodies", "current_status.acting_bodies[].slug"),
    ("status_update", "current_status.update"),
    ("source_lines", "source_lines"),
    ("version", "version"),
    ("updated_at", "updated_at"),
    ("snippet", "snippet"),
]


@docs.PROPOSAL_VIEW_SET
class ProposalViewSet(ReadViewSet):
    lookup_field = "reference"
    lookup_value_regex = serializers.REFERENCE_PATTERN
    filter_backends = [KnownQueryParameters, DjangoFilterBackend]
    filterset_class = ProposalFilter
    csv_columns = PROPOSAL_CSV_COLUMNS
    csv_filename = "proposals.csv"

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ProposalDetailSerializer
        return serializers.ProposalSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.proposal_detail_queryset()
        return selectors.proposal_queryset()

    def _with_snippets(self, proposals):
        """``q``'s snippet of each (one query; none without ``q``)."""
        return search.attach_snippets(proposals, self.request.query_params.get("q"))

    def prepare_rows(self, objects):
        return self._with_snippets(selectors.attach_listing(objects))

    def paginate_queryset(self, queryset):
        paginator = self.paginator
        if search.is_ranked(queryset) and isinstance(paginator, PageNumberPagination):
            paginator.django_paginator_class = KeysFirstPaginator
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return self._with_snippets(selectors.attach_listing(page))

    def get_object(self):
        obj = super().get_object()
        selectors.attach_listing([obj], from_history=True)
        self._with_snippets([obj])
        return obj


STATUS_UPDATE_CSV_COLUMNS = [
    ("id", "id"),
    ("url", "url"),
    ("html_url", "html_url"),
    ("proposal", "proposal.reference"),
    ("status", "status"),
    ("status_label", "status_label"),
    ("effective_date", "effective_date"),
    ("date_precision", "date_precision"),
    ("effective_date_display", "effective_date_display"),
    ("acting_bodies", "acting_bodies[].slug"),
    ("rationale", "rationale"),
    ("evidence", "evidence[].url"),
    ("evidence_titles", "evidence[].title"),
    ("state", "state"),
    ("is_corrected", "is_corrected"),
    ("corrects", "corrects.url"),
    ("corrected_by", "corrected_by[].url"),
    ("published_at", "published_at"),
    ("version", "version"),
    ("updated_at", "updated_at"),
]


@docs.STATUS_UPDATE_VIEW_SET
class StatusUpdateViewSet(ReadViewSet):
    serializer_class = serializers.StatusUpdateSerializer
    filter_backends = [KnownQueryParameters, DjangoFilterBackend, OrderingFilter]
    filterset_class = StatusUpdateFilter
    ordering_fields = ["published_at", "effective_date"]
    ordering = ["-published_at", "-pk"]
    csv_columns = STATUS_UPDATE_CSV_COLUMNS
    csv_filename = "status-updates.csv"

    def get_queryset(self):
        return selectors.status_update_queryset()


@docs.EVIDENCE_VIEW_SET
class EvidenceViewSet(ReadViewSet):
    serializer_class = serializers.EvidenceDetailSerializer
    filter_backends = [KnownQueryParameters, DjangoFilterBackend, OrderingFilter]
    filterset_class = EvidenceFilter
    ordering_fields = ["published_date", "title", "updated_at"]
    csv_columns = [
        *((name, name) for name in serializers.EvidenceSerializer.Meta.fields),
        ("cited_by", "cited_by[].url"),
    ]
    csv_filename = "evidence.csv"

    def get_queryset(self):
        return selectors.public_evidence_queryset()


CHANGE_CSV_COLUMNS = [
    ("type", "type"),
    ("at", "at"),
    ("proposal", "proposal.reference"),
    ("proposal_url", "proposal.url"),
    ("status_update", "status_update.url"),
    ("status", "status_update.status"),
    ("effective_date", "status_update.effective_date"),
    ("effective_date_display", "status_update.effective_date_display"),
    ("corrects", "status_update.corrects.url"),
    ("is_corrected", "is_corrected"),
    ("corrected_by", "status_update.corrected_by[].url"),
    ("evidence", "status_update.evidence[].url"),
    ("proposal_version", "proposal_version"),
]


@docs.CHANGES_VIEW
class ChangesView(CSVExportMixin, ConditionalGetMixin, generics.ListAPIView):
    """What changed in a window (``changes.ChangeLog``)."""

    public_read = True  # anonymous answers may be cached (tracker.cache)

    serializer_class = serializers.ChangeSerializer
    filter_backends = [KnownQueryParameters]
    query_parameters = list(serializers.ChangesQuerySerializer().fields)
    csv_columns = CHANGE_CSV_COLUMNS
    csv_filename = "changes.csv"
    basename = "changes"

    def get_queryset(self):
        query = serializers.ChangesQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return changes.ChangeLog(
            **{
                "since": query.validated_data.get("since"),
                "until": query.validated_data.get("until"),
                "paper": query.validated_data.get("paper"),
                "theme": query.validated_data.get("theme"),
                "reference": query.validated_data.get("proposal"),
            }
        )

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


DUMP_SCHEMA_VERSION = 1


@docs.DUMP_VIEW
class DumpView(ConditionalGetMixin, generics.GenericAPIView):
    """The full public dataset as one JSON document."""

    public_read = True  # anonymous answers may be cached (tracker.cache)

    serializer_class = serializers.DumpSerializer
    filter_backends: list = []
    pagination_class = None

    def get_etag_data(self, data):
        return {key: value for key, value in data.items() if key != "generated_at"}

    def get(self, request, *args, **kwargs):
        context = self.get_serializer_context()
        proposals = selectors.attach_listing(
            selectors.proposal_detail_queryset(), from_history=True
        )
        data = {
            "schema_version": DUMP_SCHEMA_VERSION,
            "generated_at": timezone.now(),
            "licence": settings.TRACKER_DATA_LICENCE,
            "source": site_url(),
            "papers": serializers.PaperSerializer(
                selectors.paper_queryset(), many=True, context=context
            ).data,
            "themes": serializers.ThemeSerializer(
                Theme.objects.all(), many=True, context=context
            ).data,
            "acting_bodies": serializers.ActingBodySerializer(
                ActingBody.objects.all(), many=True, context=context
            ).data,
            "proposals": serializers.ProposalDetailSerializer(
                proposals, many=True, context=context
            ).data,
            "evidence": serializers.EvidenceDetailSerializer(
                selectors.public_evidence_queryset(), many=True, context=context
            ).data,
        }
        response = Response(data)
        response["Content-Disposition"] = 'inline; filename="crime-policy-tracker.json"'
        return response
