"""Reading the file back into an empty database, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.core.serializers import base as serializer_base
from django.core.serializers.python import Deserializer
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from policies import search
from policies.models import Proposal
from policies.services.updates import refresh_current_status
from tracker import revision
from tracker.models import DataRevision

from .tables import (
    BATCH,
    EXCLUDED,
    EXPORTED,
    FORMAT,
    SCHEMA_VERSION,
    SEEDED,
    BackupError,
    Progress,
    check_classified,
    migration_state,
    model_of,
    row_fields,
)


def read(path: str) -> Any:
    """The file's JSON (the whole file: the import checks it all before writing)."""
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BackupError(f"{path} is not a JSON export of the tracker ({exc})") from exc


def check_document(document: Any) -> dict[str, list[Any]]:
    """The rows of each table, once the file's format, version, migration state
    and tables are what this version of the tracker writes."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f'this is not a tracker export (no "format": "{FORMAT}")')
    version = document.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise BackupError(
            f"the file is in export format version {version!r}; this version of the "
            f"tracker reads version {SCHEMA_VERSION} only"
        )
    _check_migrations(document.get("migrations"))
    tables = document.get("tables")
    if not isinstance(tables, list):
        raise BackupError('the file has no "tables" list')
    found: dict[str, list[Any]] = {}
    for table in tables:
        label = table.get("model") if isinstance(table, dict) else None
        if not isinstance(label, str) or label not in EXPORTED:
            raise BackupError(f"the file has a table this version does not export: {label!r}")
        if label in found:
            raise BackupError(f"the file has the table {label} twice")
        rows, count = table.get("rows"), table.get("count")
        if not isinstance(rows, list) or type(count) is not int or len(rows) != count:
            raise BackupError(
                f"the table {label} is damaged: it announces {count!r} rows and holds "
                f"{len(rows) if isinstance(rows, list) else 'no list of'} rows"
            )
        found[label] = rows
    missing = [label for label in EXPORTED if label not in found]
    if missing:
        raise BackupError("the file lacks the tables " + ", ".join(missing))
    return found


def _check_migrations(recorded: Any) -> None:
    here = migration_state()
    if recorded == here:
        return
    if not isinstance(recorded, dict):
        raise BackupError('the file does not say which migrations its database had ("migrations")')
    differences = []
    for app in sorted({*here, *recorded}):
        theirs = recorded.get(app)
        theirs = set(theirs) if isinstance(theirs, list) else set()
        ours = set(here.get(app, []))
        if theirs - ours:
            differences.append(f"{app}: only the file has {', '.join(sorted(theirs - ours))}")
        if ours - theirs:
            differences.append(f"{app}: only this database has {', '.join(sorted(ours - theirs))}")
    raise BackupError(
        "the file was exported from a database at another migration state ("
        + "; ".join(differences)
        + "): import it with the same version of the tracker, migrated to the same state"
    )


def restore(document: Any, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the file's rows into this (empty) database in one transaction; return
    the number of rows of each table.  Any refusal changes nothing."""
    check_classified()
    tables = check_document(document)
    try:
        with transaction.atomic():
            _check_empty()
            exported_revision = 0
            with _timestamps_as_stored([model_of(label) for label in EXPORTED]):
                for label in EXPORTED:
                    rows: Iterable[Any] = tables[label]
                    if progress is not None:
                        rows = progress(label, rows, len(tables[label]))
                    if label == "auth.group":
                        _load_groups(rows)
                    elif label == "auth.user":
                        _load_users(rows)
                    elif label == "tracker.datarevision":
                        exported_revision = _read_revision(rows)
                    else:
                        _load_rows(label, rows)
            # Foreign keys are deferred to the commit: check them here, for a clear refusal.
            connection.check_constraints()
            _reset_sequences()
            _rebuild_derived(exported_revision)
    except (
        serializer_base.DeserializationError,
        FieldDoesNotExist,
        ValidationError,
        DatabaseError,
        TypeError,
        ValueError,
        OverflowError,
    ) as exc:
        raise BackupError(
            f"the file's rows were refused, nothing was changed: {type(exc).__name__}: {exc}"
        ) from exc
    return {label: len(rows) for label, rows in tables.items()}


def _check_empty() -> None:
    held = [
        label
        for label in [*EXPORTED, *EXCLUDED]
        if label not in SEEDED and model_of(label)._default_manager.exists()
    ]
    if held:
        raise BackupError(
            "this database already holds data ("
            + ", ".join(held[:6])
            + (", …" if len(held) > 6 else "")
            + "): import only into an empty database that has just been migrated"
        )


def _deserialize(label: str, rows: Iterable[Any]) -> Iterator[serializer_base.DeserializedObject]:
    """Django's deserializer over the rows, each checked to be a row of ``label``
    with exactly the fields this version writes."""
    expected = set(row_fields(label))
    keys = {"model", "fields"} if label == "auth.group" else {"model", "pk", "fields"}

    def checked() -> Iterator[Any]:
        for number, row in enumerate(rows, start=1):
            if (
                not isinstance(row, dict)
                or set(row) != keys
                or row["model"] != label
                or not isinstance(row["fields"], dict)
                or row.get("pk", 0) is None
            ):
                raise BackupError(f"{label}, row {number}: not a row of {label}")
            fields = set(row["fields"])
            if fields != expected:
                raise BackupError(
                    f"{label}, row {number}: its fields are not this version's "
                    f"(missing: {sorted(expected - fields)}; unknown: {sorted(fields - expected)})"
                )
            yield row

    yield from Deserializer(checked(), handle_forward_references=False)


def _load_rows(label: str, rows: Iterable[Any]) -> None:
    manager = model_of(label)._default_manager
    batch: list[models.Model] = []
    for item in _deserialize(label, rows):
        batch.append(item.object)
        if len(batch) == BATCH:
            manager.bulk_create(batch)
            batch = []
    if batch:
        manager.bulk_create(batch)


def _load_groups(rows: Iterable[Any]) -> None:
    # loaddata's path (few rows): a group of the same name, such as the roles the
    # migration made, is kept and given the file's permissions.
    for item in _deserialize("auth.group", rows):
        item.save()


def _load_users(rows: Iterable[Any]) -> None:
    users: list[User] = []
    groups: list[Any] = []
    permissions: list[Any] = []
    for item in _deserialize("auth.user", rows):
        user = item.object
        assert isinstance(user, User)
        # No password was exported: the account has none that works until an admin sets one.
        user.set_unusable_password()
        users.append(user)
        m2m = item.m2m_data or {}
        groups += [User.groups.through(user_id=user.pk, group_id=pk) for pk in m2m["groups"]]
        permissions += [
            User.user_permissions.through(user_id=user.pk, permission_id=pk)
            for pk in m2m["user_permissions"]
        ]
    User.objects.bulk_create(users, batch_size=BATCH)
    User.groups.through.objects.bulk_create(groups, batch_size=BATCH)
    User.user_permissions.through.objects.bulk_create(permissions, batch_size=BATCH)


def _read_revision(rows: Iterable[Any]) -> int:
    numbers = [item.object.number for item in _deserialize("tracker.datarevision", rows)]  # type: ignore[attr-defined]
    return max(numbers, default=0)


@contextmanager
def _timestamps_as_stored(restored: list[type[models.Model]]) -> Iterator[None]:
    """Switch ``auto_now``/``auto_now_add`` off while rows are written, so that each
    keeps the times it was exported with.  Model fields are shared by the whole
    process: this runs in the import command's own process only."""
    switched = [
        (field, field.auto_now, field.auto_now_add)
        for model in restored
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add)
    ]
    for field, _, _ in switched:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _reset_sequences() -> None:
    """After rows written with their primary keys, the next new row must not reuse
    one (PostgreSQL; SQLite needs nothing)."""
    restored = [model_of(label) for label in EXPORTED]
    restored += [User.groups.through, User.user_permissions.through, Group.permissions.through]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), restored):
            cursor.execute(sql)


def _rebuild_derived(exported_revision: int) -> None:
    """What the tracker derives from the rows: each proposal's stored current status,
    the search data, and a data revision past both databases' (no cached answer of
    either can be served for the restored data)."""
    ids = list(Proposal.objects.values_list("pk", flat=True))
    for pk in ids:
        refresh_current_status(pk)
    search.refresh(ids)
    held = DataRevision.objects.filter(pk=1).values_list("number", flat=True).first() or 0
    DataRevision.objects.update_or_create(
        pk=1, defaults={"number": max(held, exported_revision), "changed_at": timezone.now()}
    )
    revision.bump()
