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
            "release",
            "retrieved_at",
        ]
