"""The ways a service refuses a write, each with a message a campaigner understands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import ProposalLink, Theme
    from .concurrency import Historied, Versioned


class ServiceError(Exception):
    """A write was refused; ``message`` says why in words a campaigner understands."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        self.message = message
        self.fields = fields or {}
        super().__init__(message)


class RuleViolation(ServiceError):
    """The write breaks a rule of the tracker (e.g. a status without evidence)."""


class NotPermitted(ServiceError):
    """The user's role does not allow this."""


@dataclass
class Change:
    field: str
    old: object
    new: object


class StaleVersion(ServiceError):
    """The object changed since the version the user started from."""

    def __init__(self, obj: Versioned, expected: int, changes: list[Change]) -> None:
        self.obj: Historied = obj
        self.expected = expected
        # Where it stands now: what a form sends back to save over it.
        self.current = obj.version
        self.changes = changes
        what = ", ".join(c.field for c in changes) or "its state"
        super().__init__(
            f"Someone else saved this since you opened it (your version {expected}, "
            f"now version {obj.version}); they changed {what}. Nothing of yours was "
            "saved: review their changes and save again."
        )

    def with_changes(self) -> str:
        """The message followed by each change, for a reply that has no table."""
        changed = "; ".join(f"{c.field}: {c.old} → {c.new}" for c in self.changes)
        return f"{self.message} {changed}"


class StaleRevision(StaleVersion):
    """A theme or link changed (or was deleted) since the revision the user started from."""

    def __init__(
        self, obj: Theme | ProposalLink, expected: int, current: int, changes: list[Change]
    ) -> None:
        self.obj = obj
        self.expected = expected
        self.current = current
        self.changes = changes
        what = ", ".join(c.field for c in changes) or "it"
        ServiceError.__init__(
            self,
            f"Someone else saved this since you opened it; they changed {what}. "
            "Nothing of yours was saved: review their changes and save again.",
        )
