from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authtoken.models import TokenProxy
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ActingBody,
    ApiToken,
    DeliveryCriteria,
    ImportClaim,
    NotificationPreference,
    Paper,
    Proposal,
    ProposalLink,
    Section,
    StatusUpdate,
    Theme,
)


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


_TOKEN_FIELDS = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners at /accounts/tokens/ (the secret is
    shown once, there); here an admin sees them and can revoke them."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    fields = _TOKEN_FIELDS
    readonly_fields = _TOKEN_FIELDS
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{revoked} token(s) revoked.")


# --- Validation: imports under way (policies/imports/claims.py) ----------------------
_CLAIM_FIELDS = ("importer", "content_hash", "mode", "user", "job_id", "claimed_at")


@admin.register(ImportClaim)
class ImportClaimAdmin(admin.ModelAdmin):
    """Imports under way, each holding its file's hash.  Made and ended by the import
    itself; an admin may delete one left by a process that died, rather than wait
    for TRACKER_IMPORT_CLAIM_TIMEOUT."""

    list_display = ["importer", "content_hash", "mode", "user", "job_id", "claimed_at"]
    list_select_related = ["user"]
    fields = _CLAIM_FIELDS
    readonly_fields = _CLAIM_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# --- Delivery criteria and notification preferences (issue 12) -----------------------
_CRITERIA_FIELDS = ("proposal", "delivered", "partly_delivered", "contrary", "version")


@admin.register(DeliveryCriteria)
class DeliveryCriteriaAdmin(SimpleHistoryAdmin):
    """Read here; written by editors at /editorial/proposals/<reference>/criteria/ (or
    the API), where the version is claimed and the data revision moves."""

    list_display = ["proposal", "version", "updated_at"]
    list_select_related = ["proposal"]
    fields = _CRITERIA_FIELDS
    readonly_fields = _CRITERIA_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "updated_at"]
    list_filter = ["email_enabled"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


# DRF's authtoken keys are no longer used to authenticate (migration 0004 moved
# them into ApiToken), so its admin would only offer dead, plaintext keys.
admin.site.unregister(TokenProxy)
