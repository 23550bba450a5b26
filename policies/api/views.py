"""Read API: papers, sections, themes, proposals."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from .. import selectors
from ..models import Section, StatusUpdate, Theme
from . import serializers
from .filters import ProposalFilter


@extend_schema_view(
    list=extend_schema(
        summary="List the papers", description="Both policy papers with their sections."
    ),
    retrieve=extend_schema(summary="One paper", description="A paper by its number (118 or 138)."),
)
class PaperViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.PaperSerializer
    lookup_field = "number"
    pagination_class = None

    def get_queryset(self):
        return selectors.paper_queryset()


@extend_schema_view(
    list=extend_schema(
        summary="List sections",
        description="Chapters of 138 and numbered headings of motion F13, in order.",
    ),
    retrieve=extend_schema(summary="One section", description="A section by id."),
)
class SectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.SectionSerializer
    queryset = Section.objects.select_related("paper")
    filterset_fields = {"paper__number": ["exact"]}


@extend_schema_view(
    list=extend_schema(summary="List themes", description="Cross-paper topics."),
    retrieve=extend_schema(summary="One theme", description="A theme by slug."),
)
class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ThemeSerializer
    queryset = Theme.objects.all()
    lookup_field = "slug"


@extend_schema_view(
    list=extend_schema(
        summary="List proposals",
        description="Every proposal of both papers, filterable, with its current status.",
    ),
    retrieve=extend_schema(
        summary="One proposal", description="A proposal by its stable reference, e.g. 118-2d."
    ),
)
class ProposalViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ProposalSerializer
    lookup_field = "reference"
    lookup_value_regex = r"1[0-9]{2}-[0-9a-z.]+"
    filterset_class = ProposalFilter
    ordering_fields = ["order", "reference"]
    ordering = ["paper__number", "order"]

    def get_queryset(self):
        return selectors.proposal_queryset()

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return selectors.attach_current_updates(page) if page is not None else None

    def get_object(self):
        obj = super().get_object()
        selectors.attach_current_updates([obj])
        return obj


class StatusUpdateViewSet(viewsets.ReadOnlyModelViewSet):
    """Placeholder read endpoint, fleshed out by the API work."""

    serializer_class = serializers.CurrentStatusSerializer

    def get_queryset(self):
        return StatusUpdate.objects.public()
