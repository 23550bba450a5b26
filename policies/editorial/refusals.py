"""One way for a page to meet a service's refusal.

A service refuses a write with ``NotPermitted`` (the role may not: 403),
``StaleVersion``/``StaleRevision`` (someone saved first: a conflict, shown with
what they changed, the form kept on the current version) or ``RuleViolation``
(the write breaks a rule: errors on the form, or a message).  Form pages call
``attempt_on_form``; one-button actions (submit, publish, return, delete) call
``attempt_with_messages``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from ..services import NotPermitted, RuleViolation, StaleVersion

T = TypeVar("T")


@dataclass
class Attempt(Generic[T]):
    """What came of a service call: its result, or a conflict, or a refusal."""

    result: T | None = None
    conflict: dict[str, Any] | None = None
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.conflict is None and not self.refused


def conflict_of(exc: StaleVersion) -> dict[str, Any]:
    """What the conflict box shows: the message, each change, the version now."""
    return {"message": exc.message, "changes": exc.changes, "version": exc.current}


def refill_version(form: forms.Form, version: int) -> None:
    """After a conflict the form keeps what the user typed, on the current
    version: saving again is then a deliberate choice."""
    # A bound page form holds ``request.POST`` (a QueryDict, itself a dict) or a
    # dict, and either copies into one that may be changed; Django's stubs type
    # form data as a read-only Mapping.
    data = cast("dict[str, Any]", form.data).copy()
    data["version"] = version
    form.data = data


def add_rule_errors(form: forms.Form, exc: RuleViolation, *, with_message: bool = False) -> None:
    """Each of the service's field errors on its field (or on the form, if it has
    no such field); the message too when asked, or when no field is named."""
    if with_message or not exc.fields:
        form.add_error(None, exc.message)
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def form_status(request: HttpRequest, attempt: Attempt[Any] | None) -> int:
    """409 after a conflict, 400 for a refused form, 200 for a fresh one."""
    if attempt is not None and attempt.conflict is not None:
        return 409
    return 400 if request.method == "POST" else 200


def attempt_on_form(
    form: forms.Form, call: Callable[[], T], *, with_message: bool = False
) -> Attempt[T]:
    try:
        return Attempt(result=call())
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except StaleVersion as exc:
        conflict = conflict_of(exc)
        refill_version(form, conflict["version"])
        return Attempt(conflict=conflict)
    except RuleViolation as exc:
        add_rule_errors(form, exc, with_message=with_message)
        return Attempt(refused=True)


def attempt_with_messages(request: HttpRequest, call: Callable[[], T]) -> Attempt[T]:
    try:
        return Attempt(result=call())
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except StaleVersion as exc:
        messages.error(request, exc.with_changes())
        return Attempt(conflict=conflict_of(exc))
    except RuleViolation as exc:
        messages.error(request, exc.message)
        return Attempt(refused=True)
