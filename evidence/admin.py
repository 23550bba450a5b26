from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Area,
    AreaAlias,
    Evidence,
    Indicator,
    IndicatorLink,
    Observation,
    RefreshRun,
    SourceRelease,
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
