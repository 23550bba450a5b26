"""Indicators and observations as the API presents them.  What is computed
about an indicator (proposals, last run, staleness) comes from
:mod:`evidence.selectors`, which the HTML pages use too."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.api.links import absolute

from .. import selectors
from ..models import Indicator, Observation


class LinkedProposalSerializer(serializers.Serializer):
    reference = serializers.CharField()
    rationale = serializers.CharField()
    url = serializers.CharField(help_text="API URL of the proposal.")


class RunSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["running", "success", "failed"])
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    rows_read = serializers.IntegerField()
    rows_added = serializers.IntegerField()
    rows_revised = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)


class MissingAreaSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ONS geocode of the police force area.")
    name = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    period_label = serializers.CharField()
    forces_expected = serializers.IntegerField(help_text="Police force areas: 43.")
    forces_reporting = serializers.IntegerField(
        help_text="Force areas the source had a figure for, for this period."
    )
    complete = serializers.BooleanField(
        help_text="Every force reported. Only then is a sum over the forces a national "
        "figure; otherwise it is a sum over forces_reporting of forces_expected forces."
    )
    missing = MissingAreaSerializer(many=True)


class PeriodCoverageSerializer(serializers.Serializer):
    forces_expected = serializers.IntegerField()
    forces_reporting = serializers.IntegerField()
    complete = serializers.BooleanField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the force areas with no figure."
    )


class IndicatorSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    observations_url = serializers.SerializerMethodField()
    source_label = serializers.CharField(source="get_source_display")
    direction_label = serializers.CharField(source="get_direction_display")
    proposals = serializers.SerializerMethodField()
    last_run = serializers.SerializerMethodField()
    last_success_at = serializers.DateTimeField(allow_null=True, read_only=True)
    latest_period_end = serializers.DateField(allow_null=True, read_only=True)
    is_stale = serializers.SerializerMethodField()
    coverage = serializers.SerializerMethodField(
        help_text="For each period the source was read for (force-level sources), which "
        "police force areas had no figure."
    )

    class Meta:
        model = Indicator
        fields = [
            "slug",
            "url",
            "html_url",
            "observations_url",
            "name",
            "unit",
            "description",
            "methodology",
            "source",
            "source_label",
            "source_url",
            "direction",
            "direction_label",
            "schedule",
            "stale_after_days",
            "proposals",
            "last_run",
            "last_success_at",
            "latest_period_end",
            "is_stale",
            "coverage",
        ]

    def get_url(self, obj: Indicator) -> str:
        return absolute(
            self.context.get("request"), reverse("api:indicator-detail", args=[obj.slug])
        )

    def get_html_url(self, obj: Indicator) -> str:
        return absolute(self.context.get("request"), obj.get_absolute_url())

    def get_observations_url(self, obj: Indicator) -> str:
        path = reverse("api:observation-list") + f"?indicator={obj.slug}"
        return absolute(self.context.get("request"), path)

    @extend_schema_field(LinkedProposalSerializer(many=True))
    def get_proposals(self, obj: Indicator) -> list[dict[str, str]]:
        request: HttpRequest | None = self.context.get("request")
        return [
            {
                "reference": linked.reference,
                "rationale": linked.rationale,
                "url": absolute(request, reverse("api:proposal-detail", args=[linked.reference])),
            }
            for linked in selectors.linked_proposals(obj)
        ]

    @extend_schema_field(RunSerializer(allow_null=True))
    def get_last_run(self, obj: Indicator) -> dict[str, Any] | None:
        run = selectors.last_run(obj)
        return dataclasses.asdict(run) if run is not None else None

    def get_is_stale(self, obj: Indicator) -> bool:
        return selectors.is_stale(obj)

    @extend_schema_field(CoverageSerializer(many=True))
    def get_coverage(self, obj: Indicator) -> list[dict[str, Any]]:
        names = self.context.get("area_names")  # IndicatorViewSet reads them once
        if names is None:
            names = self._area_names = getattr(self, "_area_names", None) or selectors.area_names()
        return [
            {
                "period_start": period.period_start,
                "period_end": period.period_end,
                "period_label": period.label,
                "forces_expected": period.forces_expected,
                "forces_reporting": period.forces_reporting,
                "complete": period.complete,
                "missing": [dataclasses.asdict(area) for area in period.missing],
            }
            for period in selectors.period_coverage(obj, names)
        ]


class ReleaseSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.URLField()
    published_at = serializers.DateTimeField(allow_null=True)
    citation = serializers.IntegerField(
        source="citation_id",
        allow_null=True,
        help_text="Evidence id, for a figure entered by hand.",
    )


class ObservationSerializer(serializers.ModelSerializer):
    indicator: serializers.SlugRelatedField[Indicator] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    area = serializers.CharField(source="area.code", help_text="ONS geocode, or E92+W92.")
    area_name = serializers.CharField(source="area.name")
    release = ReleaseSerializer()
    is_current = serializers.BooleanField(
        help_text="False when a later release revised this figure (both are kept)."
    )
    period_coverage = serializers.SerializerMethodField(
        help_text="Which police force areas had a figure for this period (null where none "
        "is recorded, as for figures entered by hand)."
    )

    class Meta:
        model = Observation
        fields = [
            "id",
            "indicator",
            "area",
            "area_name",
            "period_start",
            "period_end",
            "period_label",
            "value",
            "is_current",
            "period_coverage",
            "release",
            "retrieved_at",
        ]

    @extend_schema_field(PeriodCoverageSerializer(allow_null=True))
    def get_period_coverage(self, obj: Observation) -> dict[str, Any] | None:
        expected = getattr(obj, "coverage_expected", None)
        if expected is None:
            return None
        reporting = obj.coverage_reporting  # type: ignore[attr-defined]  # annotated
        return {
            "forces_expected": expected,
            "forces_reporting": reporting,
            "complete": reporting == expected,
            "missing": list(obj.coverage_missing or []),  # type: ignore[attr-defined]
        }
