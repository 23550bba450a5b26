"""Delivery criteria: what would count as delivered, partly delivered or
contrary for one proposal, written by editors.

Guarded by the criteria's ``version`` like a proposal's themes: the first save
of a proposal's criteria starts from version 0 (none written yet; serialised on
the proposal's row), each later save claims the version the editor started
from.  One history record per save.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tracker import revision as data_revision

from .. import permissions
from ..models import DeliveryCriteria, Proposal
from ..permissions import User
from .concurrency import claim_version, save_with_history
from .errors import NotPermitted, RuleViolation
from .validation import field_problems


@dataclass
class CriteriaInput:
    delivered: str = ""
    partly_delivered: str = ""
    contrary: str = ""

    def values(self) -> dict[str, str]:
        return {
            "delivered": (self.delivered or "").strip(),
            "partly_delivered": (self.partly_delivered or "").strip(),
            "contrary": (self.contrary or "").strip(),
        }

    def check(self) -> None:
        problems = field_problems(DeliveryCriteria, self.values())
        if problems:
            raise RuleViolation("The delivery criteria are not valid.", problems)


def criteria_of(proposal: Proposal) -> DeliveryCriteria | None:
    """The proposal's criteria row, if any (written or since blanked)."""
    return DeliveryCriteria.objects.filter(proposal=proposal).first()


def current_version(proposal: Proposal) -> int:
    """What an editor starting now sends back: 0 while none were ever written."""
    criteria = criteria_of(proposal)
    return criteria.version if criteria is not None else 0


@transaction.atomic
def set_delivery_criteria(
    actor: User, *, proposal: Proposal, expected_version: int, data: CriteriaInput
) -> DeliveryCriteria:
    """Write (or blank) a proposal's delivery criteria.  Raises ``StaleVersion``
    when someone saved them since ``expected_version``."""
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may write delivery criteria.")
    data.check()
    values = data.values()
    if expected_version == 0 and not any(values.values()) and criteria_of(proposal) is None:
        # Blank criteria where none were written: nothing to store.
        return DeliveryCriteria(proposal=proposal, version=0)
    # First saves are serialised on the proposal's row, so two from version 0
    # cannot both create the criteria: the second finds them and its claim fails.
    Proposal.objects.select_for_update().filter(pk=proposal.pk).values_list("pk").first()
    criteria = criteria_of(proposal)
    if criteria is None:
        if expected_version != 0:
            raise RuleViolation(
                "These delivery criteria are no longer there; open them again.",
                {"version": ["Unknown version."]},
            )
        criteria = DeliveryCriteria(proposal=proposal, version=1, **values)
        save_with_history(criteria, actor)
        data_revision.bump()
        return criteria
    claim_version(criteria, expected_version)
    if all(getattr(criteria, name) == value for name, value in values.items()):
        # Nothing to change: give back the version we took.
        DeliveryCriteria.objects.filter(pk=criteria.pk).update(version=expected_version)
        criteria.refresh_from_db()
        return criteria
    for name, value in values.items():
        setattr(criteria, name, value)
    save_with_history(criteria, actor)
    data_revision.bump()
    return criteria
