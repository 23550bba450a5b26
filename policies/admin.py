from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ActingBody, Paper, Proposal, ProposalLink, Section, StatusUpdate, Theme


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "year", "route"]
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["paper", "number", "title", "order"]
    list_filter = ["paper"]


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Proposal)
class ProposalAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "paper", "section", "kind", "applicability"]
    list_filter = ["paper", "kind", "applicability", "themes"]
    search_fields = ["reference", "text"]
    list_select_related = ["paper", "section"]
    raw_id_fields = ["parent"]
    filter_horizontal = ["themes"]


@admin.register(ProposalLink)
class ProposalLinkAdmin(SimpleHistoryAdmin):
    list_display = ["from_proposal", "to_proposal", "link_type", "note"]
    list_filter = ["link_type"]
    list_select_related = ["from_proposal", "to_proposal"]


@admin.register(ActingBody)
class ActingBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StatusUpdate)
class StatusUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["proposal", "status", "effective_date", "state", "author", "published_at"]
    list_filter = ["state", "status"]
    list_select_related = ["proposal", "author"]
    raw_id_fields = ["proposal", "corrects", "evidence"]
    filter_horizontal = ["acting_bodies"]
