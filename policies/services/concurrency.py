"""Version claims and revision locks: two saves from the same version (or
revision) cannot both win, and the loser is told what changed, from history."""

from __future__ import annotations

from typing import Any, TypeAlias, TypeVar

from django.db import IntegrityError, models, transaction

from evidence.models import Evidence

from ..models import ActingBody, DeliveryCriteria, Proposal, ProposalLink, StatusUpdate, Theme
from ..permissions import User
from .errors import Change, RuleViolation, StaleRevision, StaleVersion

# Rows guarded by their ``version`` column.
Versioned: TypeAlias = Proposal | StatusUpdate | Evidence | DeliveryCriteria | ActingBody
# Rows guarded by their revision (the id of their latest history record).
Revisioned = TypeVar("Revisioned", Theme, ProposalLink)
# Rows whose every change simple-history records (their ``history``).
Historied: TypeAlias = Versioned | Theme | ProposalLink

# simple-history takes the user of a record from this attribute of the instance
# when there is no request (its documented way); it ships no types, so the
# attribute is set by name.
_HISTORY_USER = "_history_user"


def display(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(sorted(str(v) for v in value)) or "(none)"
    return "(empty)" if value in (None, "") else str(value)


def _targets(rows: list[dict[str, Any]], owner: str | None) -> list[Any]:
    return [v for row in rows for k, v in row.items() if k not in (owner, "id", "m2m_history_id")]


def changes_since(obj: Versioned, version: int) -> list[Change]:
    """What changed on ``obj`` after ``version``, from its history records."""
    history = obj.history.order_by("-history_date", "-history_id")
    old = history.filter(version=version).first()
    new = history.first()
    if old is None or new is None or old.pk == new.pk:
        return []
    delta = new.diff_against(old, excluded_fields=["version", "updated_at"])
    owner = type(obj)._meta.model_name
    changes = []
    for change in delta.changes:
        old_value, new_value = change.old, change.new
        if isinstance(old_value, list):  # m2m: rows of the through table
            old_value, new_value = _targets(old_value, owner), _targets(new_value, owner)
        changes.append(Change(change.field, display(old_value), display(new_value)))
    return changes


def claim_version(obj: Versioned, expected_version: int) -> None:
    """Bump ``version`` only if it is still ``expected_version``; then reload.

    The UPDATE takes the row lock, so a concurrent claim from the same version
    waits, then matches no row and is refused.
    """
    model = type(obj)
    claimed = model.objects.filter(pk=obj.pk, version=expected_version).update(
        version=models.F("version") + 1
    )
    if claimed != 1:
        obj.refresh_from_db()
        raise StaleVersion(obj, expected_version, changes_since(obj, expected_version))
    obj.refresh_from_db()


def attribute_to(obj: Historied, actor: User) -> None:
    """Name ``actor`` as the user of ``obj``'s next history record (a save or a delete)."""
    setattr(obj, _HISTORY_USER, actor)


def save_with_history(obj: Historied, actor: User) -> None:
    attribute_to(obj, actor)
    obj.save()


def revision_of(obj: Historied) -> int:
    """The id of ``obj``'s latest history record: the token a form sends back."""
    latest = obj.history.order_by("-history_date", "-history_id").values_list(
        "history_id", flat=True
    )
    return latest.first() or 0


def lock_revision(model: type[Revisioned], pk: int, expected_revision: int) -> Revisioned:
    """The row, locked for this transaction, if its revision is still ``expected_revision``."""
    obj = model.objects.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise RuleViolation("Someone else deleted this meanwhile; nothing was saved.")
    current = revision_of(obj)
    if current != expected_revision:
        changes: list[Change] = []
        old = obj.history.filter(history_id=expected_revision).first()
        new = obj.history.filter(history_id=current).first()
        if old is not None and new is not None:
            changes = [
                Change(c.field, display(c.old), display(c.new))
                for c in new.diff_against(old).changes
            ]
        raise StaleRevision(obj, expected_revision, current, changes)
    return obj


def save_or_rule(obj: Historied, actor: User, field: str, message: str) -> None:
    """Save; a unique constraint hit by a concurrent save becomes a form error."""
    try:
        with transaction.atomic():
            save_with_history(obj, actor)
    except IntegrityError as exc:
        raise RuleViolation(message, {field: [message]}) from exc
