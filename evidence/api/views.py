"""Read API for indicators and their figures: filterable, CSV-exportable and
conditional like the rest of /api/v1/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from tracker.api.conditional import ConditionalGetMixin
from tracker.api.exports import CSVExportMixin
from tracker.api.filters import KnownQueryParameters, OrderingFilter
from tracker.api.schema import DETAIL_FORMAT_PARAMETER, FORMAT_PARAMETER

from .. import selectors
from ..models import Observation
from . import serializers
from .filters import IndicatorFilter, ObservationFilter

if TYPE_CHECKING:
    from ..selectors import AnnotatedIndicator

INDICATOR_PARAMETER = OpenApiParameter(
    "indicator",
    OpenApiTypes.STR,
    many=True,
    description="Indicator slug; repeat for any of several.",
)
AREA_PARAMETER = OpenApiParameter(
    "area",
    OpenApiTypes.STR,
    many=True,
    description="Area code (ONS geocode such as E23000001, or E92+W92 for England and Wales); "
    "repeat for any of several.",
)


@extend_schema_view(
    list=extend_schema(
        summary="List indicators",
        description="Official statistics that show whether things are moving, each with the "
        "proposals it speaks to, its last refresh, whether its data is stale and, for each "
        "period of a force-level source, which police force areas had no figure.",
        parameters=[FORMAT_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One indicator",
        description="An indicator by slug.",
        parameters=[DETAIL_FORMAT_PARAMETER],
    ),
)
class IndicatorViewSet(CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    public_read = True  # anonymous answers may be cached (tracker.cache)
    serializer_class = serializers.IndicatorSerializer
    lookup_field = "slug"
    # Validation: unknown query parameters and orderings are a 400 (tracker/api/filters.py).
    filter_backends = [KnownQueryParameters, DjangoFilterBackend]
    filterset_class = IndicatorFilter
    pagination_class = None
    csv_filename = "indicators.csv"
    csv_columns = [
        *(
            (name, name)
            for name in serializers.IndicatorSerializer.Meta.fields
            if name not in ("proposals", "last_run", "coverage")
        ),
        ("proposals", "proposals[].reference"),
        ("last_run_outcome", "last_run.outcome"),
        ("last_run_error", "last_run.error"),
    ]

    def get_queryset(self) -> QuerySet[AnnotatedIndicator]:
        return selectors.indicator_queryset().prefetch_related(selectors.coverage_prefetch())

    def get_serializer_context(self) -> Mapping[str, Any]:
        # Missing forces by name: one query per request, not one per indicator.
        return {**super().get_serializer_context(), "area_names": selectors.area_names()}


@extend_schema_view(
    list=extend_schema(
        summary="List observations",
        description="Every figure held, with the release it came from and its period's "
        "coverage (how many of the 43 force areas had a figure, which did not). A revised "
        "figure keeps its earlier value as a row with is_current false.",
        parameters=[FORMAT_PARAMETER, INDICATOR_PARAMETER, AREA_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One observation",
        description="A figure by id.",
        parameters=[DETAIL_FORMAT_PARAMETER],
    ),
)
class ObservationViewSet(CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    public_read = True  # anonymous answers may be cached (tracker.cache)
    serializer_class = serializers.ObservationSerializer
    filter_backends = [KnownQueryParameters, DjangoFilterBackend, OrderingFilter]
    filterset_class = ObservationFilter
    ordering_fields = ["period_start", "retrieved_at", "value"]
    csv_filename = "observations.csv"
    csv_columns = [
        *(
            (name, name)
            for name in serializers.ObservationSerializer.Meta.fields
            if name not in ("release", "period_coverage")
        ),
        ("forces_reporting", "period_coverage.forces_reporting"),
        ("forces_expected", "period_coverage.forces_expected"),
        ("forces_missing", "period_coverage.missing"),
        ("release_title", "release.title"),
        ("release_url", "release.url"),
        ("release_published_at", "release.published_at"),
        ("citation", "release.citation"),
    ]

    def get_queryset(self) -> QuerySet[Observation]:
        return selectors.observation_queryset()
