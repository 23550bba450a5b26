"""Read API: papers, sections, themes, proposals, status updates, evidence.

Every read ViewSet here mixes in ``CSVExportMixin`` (``?format=csv`` on lists)
and ``ConditionalGetMixin`` (ETag / Last-Modified / 304 / Cache-Control).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import filters, generics, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from .. import selectors
from ..models import ActingBody, Section, Theme
from . import serializers
from .conditional import ConditionalGetMixin
from .exports import CSVExportMixin
from .filters import EvidenceFilter, ProposalFilter, StatusUpdateFilter

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="Response format: json (default) or csv (every matching row, not one "
    "page, streamed; cells beginning with = + - @ are prefixed with ' against formula "
    "injection).",
)
DETAIL_FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="Response format: json (default) or csv (one header row and one data row).",
)


def path_parameter(name: str, kind, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


THEME_PARAMETER = OpenApiParameter(
    "theme", OpenApiTypes.STR, many=True, description="Theme slug; repeat for any of several."
)
BODY_PARAMETER = OpenApiParameter(
    "body",
    OpenApiTypes.STR,
    many=True,
    description="Acting body slug (e.g. uk-government); repeat for any of several.",
)
AS_AT_PARAMETER = OpenApiParameter(
    "as_at",
    OpenApiTypes.DATE,
    description="YYYY-MM-DD: the status as it stood on that date.",
)


class ReadViewSet(CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Base of the public read endpoints: CSV lists, conditional GET, one
    ``Last-Modified`` for the whole dataset."""

    def get_last_modified(self):
        return selectors.last_modified()


@extend_schema_view(
    list=extend_schema(
        summary="List the papers",
        description="Both policy papers with their sections.",
        parameters=[FORMAT_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One paper",
        description="A paper by its number (118 or 138).",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("number", OpenApiTypes.INT, "Paper number: 118 or 138."),
        ],
    ),
)
class PaperViewSet(ReadViewSet):
    serializer_class = serializers.PaperSerializer
    lookup_field = "number"
    lookup_value_regex = r"[0-9]+"
    pagination_class = None
    filter_backends: list = []
    csv_columns = [
        (name, name) for name in serializers.PaperSerializer.Meta.fields if name != "sections"
    ] + [("sections", "sections[].number")]

    def get_queryset(self):
        return selectors.paper_queryset()


@extend_schema_view(
    list=extend_schema(
        summary="List sections",
        description="Chapters of 138 and numbered headings of motion F13, in order.",
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter(
                "paper__number", OpenApiTypes.INT, description="Paper number: 118 or 138."
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One section",
        description="A section by id.",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("id", OpenApiTypes.INT, "Numeric id of the section."),
        ],
    ),
)
class SectionViewSet(ReadViewSet):
    serializer_class = serializers.SectionSerializer
    queryset = Section.objects.select_related("paper")
    filterset_fields = {"paper__number": ["exact"]}
    ordering_fields = ["order", "number"]


@extend_schema_view(
    list=extend_schema(
        summary="List themes", description="Cross-paper topics.", parameters=[FORMAT_PARAMETER]
    ),
    retrieve=extend_schema(
        summary="One theme",
        description="A theme by slug.",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("slug", OpenApiTypes.STR, "Theme slug, e.g. as in a proposal's themes."),
        ],
    ),
)
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
    ("acting_bodies", "current_status.acting_bodies[].slug"),
    ("status_update", "current_status.update"),
    ("source_lines", "source_lines"),
    ("version", "version"),
    ("updated_at", "updated_at"),
]


@extend_schema_view(
    list=extend_schema(
        summary="List proposals",
        description="Every proposal of both papers, filterable, with its current status "
        "(or its status on `as_at`).",
        parameters=[FORMAT_PARAMETER, THEME_PARAMETER, BODY_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One proposal",
        description="A proposal by its stable reference, e.g. 118-2d, with its status "
        "history (corrected updates included, marked) and the evidence it cites.",
        parameters=[
            AS_AT_PARAMETER,
            DETAIL_FORMAT_PARAMETER,
            path_parameter(
                "reference", OpenApiTypes.STR, "Stable citation key, e.g. 118-2d or 138-2.2.5a."
            ),
        ],
    ),
)
class ProposalViewSet(ReadViewSet):
    lookup_field = "reference"
    lookup_value_regex = serializers.REFERENCE_PATTERN
    filter_backends = [DjangoFilterBackend]
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

    def prepare_rows(self, objects):
        return selectors.attach_current_updates(objects)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.attach_current_updates(page) if page is not None else None

    def get_object(self):
        obj = super().get_object()
        selectors.attach_current_updates([obj], from_history=True)
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


@extend_schema_view(
    list=extend_schema(
        summary="List status updates",
        description="Published status updates, newest published first. Updates later "
        "corrected stay listed with state `corrected` and `corrected_by`; drafts and "
        "updates under review are never shown.",
        parameters=[FORMAT_PARAMETER, THEME_PARAMETER, BODY_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One status update",
        description="The permanent, citable record of one published status update.",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("id", OpenApiTypes.INT, "Numeric id of the status update."),
        ],
    ),
)
class StatusUpdateViewSet(ReadViewSet):
    serializer_class = serializers.StatusUpdateSerializer
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
    filterset_class = StatusUpdateFilter
    ordering_fields = ["published_at", "effective_date"]
    ordering = ["-published_at", "-pk"]
    csv_columns = STATUS_UPDATE_CSV_COLUMNS
    csv_filename = "status-updates.csv"

    def get_queryset(self):
        return selectors.status_update_queryset()


@extend_schema_view(
    list=extend_schema(
        summary="List evidence",
        description="Sources cited by published status updates, newest first.",
        parameters=[FORMAT_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One piece of evidence",
        description="A source by id, with the published status updates that cite it.",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("id", OpenApiTypes.INT, "Numeric id of the evidence."),
        ],
    ),
)
class EvidenceViewSet(ReadViewSet):
    serializer_class = serializers.EvidenceDetailSerializer
    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]
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
    ("corrects", "status_update.corrects.url"),
    ("is_corrected", "is_corrected"),
    ("corrected_by", "status_update.corrected_by[].url"),
    ("evidence", "status_update.evidence[].url"),
    ("proposal_version", "proposal_version"),
]


class ChangesView(CSVExportMixin, ConditionalGetMixin, generics.ListAPIView):
    """What changed in a window (``selectors.ChangeLog``)."""

    serializer_class = serializers.ChangeSerializer
    filter_backends: list = []
    csv_columns = CHANGE_CSV_COLUMNS
    csv_filename = "changes.csv"
    basename = "changes"

    def get_last_modified(self):
        return selectors.last_modified()

    def get_queryset(self):
        query = serializers.ChangesQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.ChangeLog(
            **{
                "since": query.validated_data.get("since"),
                "until": query.validated_data.get("until"),
                "paper": query.validated_data.get("paper"),
                "theme": query.validated_data.get("theme"),
                "reference": query.validated_data.get("proposal"),
            }
        )

    @extend_schema(
        summary="What changed",
        description="Published status updates, corrections (each naming the update it "
        "corrects; the corrected update stays listed with `is_corrected`) and edited "
        "proposals, newest first, in the window `since` ≤ time < `until`.",
        parameters=[serializers.ChangesQuerySerializer, FORMAT_PARAMETER],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


DUMP_SCHEMA_VERSION = 1


class DumpView(ConditionalGetMixin, generics.GenericAPIView):
    """The full public dataset as one JSON document."""

    serializer_class = serializers.DumpSerializer
    filter_backends: list = []
    pagination_class = None

    def get_last_modified(self):
        return selectors.last_modified()

    def get_etag_data(self, data):
        return {key: value for key, value in data.items() if key != "generated_at"}

    @extend_schema(
        summary="The whole dataset",
        description="Every paper, theme, acting body, proposal (with its status history) "
        "and piece of public evidence, with the licence notice, a generated-at stamp and "
        "the version of this document's layout (`schema_version`).",
        responses=serializers.DumpSerializer,
    )
    def get(self, request, *args, **kwargs):
        context = self.get_serializer_context()
        proposals = selectors.attach_current_updates(selectors.proposal_detail_queryset())
        data = {
            "schema_version": DUMP_SCHEMA_VERSION,
            "generated_at": timezone.now(),
            "licence": settings.TRACKER_DATA_LICENCE,
            "source": settings.SITE_URL,
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


@extend_schema(exclude=True)
@api_view(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Unknown paths under /api/v1/: the same JSON error body as every other 404."""
    raise NotFound("No such API endpoint; see /api/v1/docs/.")
