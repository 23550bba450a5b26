from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Area,
    AreaAlias,
    Evidence,
    Indicator,
    IndicatorLink,
    LinkCheck,
    LinkHealth,
    Observation,
    PeriodCoverage,
    RefreshRun,
    SourceRelease,
    StatusSuggestion,
)


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "kind", "published_date", "is_published"]
    list_filter = ["kind", "is_published"]
    search_fields = ["title", "publisher", "url"]
    raw_id_fields = ["replaced_by"]


class AreaAliasInline(admin.TabularInline):
    model = AreaAlias
    extra = 0


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    inlines = [AreaAliasInline]


class IndicatorLinkInline(admin.TabularInline):
    model = IndicatorLink
    extra = 0
    raw_id_fields = ["proposal"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "source", "unit", "direction", "schedule"]
    list_filter = ["source"]
    inlines = [IndicatorLinkInline]


@admin.register(SourceRelease)
class SourceReleaseAdmin(admin.ModelAdmin):
    list_display = ["title", "indicator", "published_at", "retrieved_at"]
    list_filter = ["indicator"]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["indicator", "area", "period_label", "value", "release", "retrieved_at"]
    list_filter = ["indicator"]
    list_select_related = ["indicator", "area", "release"]


@admin.register(RefreshRun)
class RefreshRunAdmin(admin.ModelAdmin):
    list_display = ["indicator", "started_at", "finished_at", "outcome", "rows_added", "error"]
    list_filter = ["outcome", "indicator"]


# --- Watch: status suggestions and evidence link health -----------------------------


@admin.register(StatusSuggestion)
class StatusSuggestionAdmin(admin.ModelAdmin):
    list_display = ["link", "release", "measure", "threshold", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["link__indicator", "link__proposal", "release"]
    raw_id_fields = ["link", "release", "observation", "compared_with", "evidence", "draft"]


class LinkCheckInline(admin.TabularInline):
    model = LinkCheck
    extra = 0
    can_delete = False
    readonly_fields = [
        "checked_at",
        "method",
        "status_code",
        "final_url",
        "error",
        "outcome",
    ]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(LinkHealth)
class LinkHealthAdmin(admin.ModelAdmin):
    list_display = ["url", "state", "last_checked_at", "broken_since", "archive_url"]
    list_filter = ["state"]
    search_fields = ["url"]
    inlines = [LinkCheckInline]


# --- Coverage of each period (evidence.coverage) -------------------------------------


@admin.register(PeriodCoverage)
class PeriodCoverageAdmin(admin.ModelAdmin):
    """Read-only: written by refreshes, read back by the incremental refresh."""

    list_display = ["indicator", "period_label", "forces_reporting", "forces_expected"]
    list_filter = ["indicator"]
    list_select_related = ["indicator"]
    readonly_fields = [f.name for f in PeriodCoverage._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False
