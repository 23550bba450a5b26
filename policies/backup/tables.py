"""What the export holds: every model of the project's apps, exported or excluded
with a reason, and the shape of each table's rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "crime-policy-tracker-export"
SCHEMA_VERSION = 1

PROJECT_APPS = ("tracker", "evidence", "policies")
# Whose migration state the file records and the import compares.
MIGRATION_APPS = ("auth", "tracker", "evidence", "policies")

# Written and read in this order (foreign keys are checked once, at the end).
EXPORTED = (
    "auth.group",
    "auth.user",
    "policies.paper",
    "policies.section",
    "policies.theme",
    "policies.proposal",
    "policies.proposal_themes",
    "policies.proposallink",
    "policies.deliverycriteria",
    "policies.notificationpreference",
    "policies.actingbody",
    "evidence.evidence",
    "policies.statusupdate",
    "policies.statusupdate_acting_bodies",
    "policies.statusupdate_evidence",
    "evidence.area",
    "evidence.areaalias",
    "evidence.indicator",
    "evidence.indicatorlink",
    "evidence.sourcerelease",
    "evidence.observation",
    "evidence.refreshrun",
    "evidence.periodcoverage",
    "evidence.statussuggestion",
    "evidence.linkhealth",
    "evidence.linkcheck",
    "policies.historicaltheme",
    "policies.historicalproposal",
    "policies.historicalproposal_themes",
    "policies.historicalproposallink",
    "policies.historicaldeliverycriteria",
    "policies.historicalactingbody",
    "policies.historicalstatusupdate",
    "policies.historicalstatusupdate_acting_bodies",
    "policies.historicalstatusupdate_evidence",
    "evidence.historicalevidence",
    "tracker.datarevision",
)

EXCLUDED: dict[str, str] = {
    "policies.apitoken": (
        "credentials: a token is only the hash of its secret, and a restored hash would "
        "keep a secret working on another server; users make new tokens after a restore"
    ),
    "policies.importclaim": (
        "a lock held only while a CSV import runs (its job lives in Redis and is not "
        "restored): a restored claim would refuse that file again until it timed out"
    ),
}

NOT_EXPORTED = (
    "No secret is exported: no password hash (every restored user has an unusable "
    "password until an admin sets one), no API token, session, second-factor device "
    "or admin log. Search data is rebuilt by the import."
)

# Columns left out of the rows: derived data the import rebuilds.
DERIVED_FIELDS: dict[str, frozenset[str]] = {
    "policies.proposal": frozenset({"search_vector"}),
}
# What a user is: never ``password`` or ``last_login``.
USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "groups",
    "user_permissions",
)
GROUP_FIELDS = ("name", "permissions")
# Rows the migrations write (the role groups, the revision's one row): a database
# with only these is empty.
SEEDED = ("auth.group", "tracker.datarevision")
BATCH = 1000

# Wraps one table's rows (label, rows, count): a progress bar.
Progress = Callable[[str, Iterable[Any], int], Iterable[Any]]


class BackupError(Exception):
    """The file or the database refused, with a message for the operator."""


def model_of(label: str) -> type[models.Model]:
    return apps.get_model(label)


def project_models() -> list[type[models.Model]]:
    """Every model of the project's apps, many-to-many tables included."""
    return [
        model
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    ]


def unclassified() -> list[str]:
    """Models of the project's apps that are neither exported nor excluded."""
    known = {*EXPORTED, *EXCLUDED}
    return sorted(m._meta.label_lower for m in project_models() if m._meta.label_lower not in known)


def check_classified() -> None:
    missing = unclassified()
    if missing:
        raise BackupError(
            "these models are neither exported nor excluded (policies/backup/tables.py: EXPORTED "
            "or EXCLUDED with a reason): " + ", ".join(missing)
        )
    for label in [*EXPORTED, *EXCLUDED]:
        try:
            model_of(label)
        except LookupError as exc:
            raise BackupError(
                f"{label} is listed in policies/backup/tables.py but is no model"
            ) from exc


def migration_state() -> dict[str, list[str]]:
    applied = MigrationRecorder(connection).applied_migrations()
    return {app: sorted(name for a, name in applied if a == app) for app in MIGRATION_APPS}


def row_fields(label: str) -> tuple[str, ...]:
    """The names under each row's ``fields``."""
    if label == "auth.user":
        return USER_FIELDS
    if label == "auth.group":
        return GROUP_FIELDS
    model = model_of(label)
    derived = DERIVED_FIELDS.get(label, frozenset())
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        # ``serialize`` (missing from django-stubs) is False for fields Django never dumps.
        if getattr(f, "serialize", True) and not f.primary_key and f.name not in derived
    )


def queryset(label: str) -> models.QuerySet[Any]:
    model = model_of(label)
    queryset = model._default_manager.order_by("pk")
    if label == "auth.user":
        queryset = queryset.prefetch_related("groups", "user_permissions")
    elif label == "auth.group":
        queryset = queryset.prefetch_related("permissions__content_type")
    return queryset
