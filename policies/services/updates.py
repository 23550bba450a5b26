"""Status updates: drafting, review, publishing and corrections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from evidence.models import Evidence
from tracker import revision as data_revision

from .. import notifications, permissions, search
from ..models import NEWEST_FIRST, ActingBody, DatePrecision, Proposal, Status, StatusUpdate
from ..permissions import User
from .concurrency import claim_version, save_with_history
from .errors import NotPermitted, RuleViolation
from .sources import check_evidence_rule
from .validation import field_problems

# Drafting rules: a rationale of real length, counted after trimming.  A draft may
# be saved shorter (work in progress); submitting and publishing refuse it.
MIN_RATIONALE_LENGTH = 40


def rationale_problems(rationale: str) -> dict[str, list[str]]:
    """The rationale's length rule, checked on submit and publish (forms, API, import)."""
    text = (rationale or "").strip()
    if len(text) < MIN_RATIONALE_LENGTH:
        return {
            "rationale": [
                f"Explain the assessment in at least {MIN_RATIONALE_LENGTH} characters "
                f"(this one has {len(text)}): what happened, and what the sources show."
            ]
        }
    return {}


def check_ready(update: StatusUpdate, evidence: Sequence[Evidence]) -> None:
    """What a draft needs before review and before it becomes public: a chosen
    status, a rationale of real length and, for any status but "not yet assessed",
    a complete source (title, publisher, date, http(s) URL)."""
    problems = rationale_problems(update.rationale)
    if update.status not in Status.values:
        problems["status"] = ["Choose a status."]
    if problems:
        words = " ".join(problem for found in problems.values() for problem in found)
        raise RuleViolation(f"The update is not ready: {words}", problems)
    check_evidence_rule(update.status, evidence=evidence)


@dataclass
class UpdateInput:
    status: str
    effective_date: dt.date
    rationale: str
    date_precision: str = DatePrecision.DAY
    acting_bodies: Sequence[ActingBody] = field(default_factory=list)
    evidence: Sequence[Evidence] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        """Every rule the update's own fields break (not the evidence rule), by
        field: the one check of the forms, the API and the CSV import."""
        problems = field_problems(StatusUpdate, {"rationale": self.rationale or ""})
        if not self.status:
            problems["status"] = ["Choose a status: there is no default."]
        elif self.status not in Status.values:
            problems["status"] = [
                f"Unknown status {self.status!r}; one of {', '.join(Status.values)}."
            ]
        if self.date_precision not in DatePrecision.values:
            problems["date_precision"] = [
                f"Unknown precision {self.date_precision!r}; one of "
                f"{', '.join(DatePrecision.values)}."
            ]
        if not (self.rationale or "").strip():
            problems["rationale"] = ["Say why: the rationale is required."]
        if self.effective_date and self.effective_date > timezone.localdate():
            problems["effective_date"] = ["The date it happened cannot be in the future."]
        return problems

    def check(self) -> None:
        problems = self.problems()
        if problems:
            raise RuleViolation("The status update is not valid.", problems)
        check_evidence_rule(self.status, evidence=self.evidence)


def _apply(update: StatusUpdate, data: UpdateInput, actor: User) -> None:
    update.status = data.status
    update.effective_date = data.effective_date
    update.date_precision = data.date_precision
    update.rationale = data.rationale.strip()
    save_with_history(update, actor)
    update.acting_bodies.set(data.acting_bodies)
    update.evidence.set(data.evidence)


@transaction.atomic
def create_draft(
    actor: User, *, proposal: Proposal, data: UpdateInput, corrects: StatusUpdate | None = None
) -> StatusUpdate:
    if not permissions.can_draft(actor):
        raise NotPermitted("Only campaigners, editors and admins may draft status updates.")
    if corrects is not None:
        if not permissions.can_propose_correction(actor, corrects):
            raise NotPermitted("Only a published update can be corrected.")
        if corrects.proposal_id != proposal.pk:
            raise RuleViolation("A correction belongs to the same proposal as the original.")
    data.check()
    update = StatusUpdate(proposal=proposal, author=actor, corrects=corrects)
    _apply(update, data, actor)
    return update


@transaction.atomic
def update_draft(
    actor: User, *, update: StatusUpdate, expected_version: int, data: UpdateInput
) -> StatusUpdate:
    if not permissions.can_edit_update(actor, update):
        raise NotPermitted("Only the author or an editor may edit an unpublished update.")
    data.check()
    claim_version(update, expected_version)
    if not permissions.can_edit_update(actor, update):
        raise NotPermitted("This update was submitted or published meanwhile.")
    _apply(update, data, actor)
    return update


@transaction.atomic
def submit(actor: User, *, update: StatusUpdate, expected_version: int) -> StatusUpdate:
    if not permissions.can_submit(actor, update):
        raise NotPermitted("Only the author or an editor may submit this update.")
    claim_version(update, expected_version)
    if not permissions.can_submit(actor, update):
        raise NotPermitted("This update was submitted or published meanwhile.")
    check_ready(update, list(update.evidence.all()))
    update.state = StatusUpdate.State.SUBMITTED
    update.submitted_at = timezone.now()
    save_with_history(update, actor)
    notifications.draft_submitted(update, actor)
    return update


@transaction.atomic
def return_to_author(
    actor: User, *, update: StatusUpdate, expected_version: int, comment: str
) -> StatusUpdate:
    if not permissions.can_return(actor, update):
        raise NotPermitted("Only editors may return a submitted update.")
    if not comment.strip():
        raise RuleViolation("Say what needs changing.", {"comment": ["A comment is required."]})
    problems = field_problems(StatusUpdate, {"review_comment": comment})
    if problems:
        raise RuleViolation(
            "The comment cannot be stored.", {"comment": problems["review_comment"]}
        )
    claim_version(update, expected_version)
    if not permissions.can_return(actor, update):
        raise NotPermitted("This update is no longer awaiting review.")
    update.state = StatusUpdate.State.RETURNED
    update.review_comment = comment.strip()
    update.reviewed_by = actor
    save_with_history(update, actor)
    notifications.draft_returned(update, actor)
    return update


@transaction.atomic
def publish(actor: User, *, update: StatusUpdate, expected_version: int) -> StatusUpdate:
    """One atomic step: the update is published, its evidence frozen, and the
    update it corrects (if any) marked corrected."""
    if not permissions.is_editor(actor):
        raise NotPermitted("Only editors may publish.")
    if not permissions.may_publish_own(actor, update):
        raise NotPermitted(
            "You wrote this update: another editor must publish it "
            "(TRACKER_ALLOW_SELF_PUBLISH allows it for one-person teams)."
        )
    if not permissions.can_publish(actor, update):
        raise RuleViolation("Only a draft or an update awaiting review can be published.")
    claim_version(update, expected_version)
    if not permissions.can_publish(actor, update):
        raise RuleViolation("This update was returned or published meanwhile.")
    evidence = list(update.evidence.all())
    check_ready(update, evidence)
    now = timezone.now()
    original = update.corrects
    if original is not None:
        claimed = StatusUpdate.objects.filter(
            pk=original.pk, state=StatusUpdate.State.PUBLISHED
        ).update(version=models.F("version") + 1)
        if claimed != 1:
            raise RuleViolation("The update this corrects has already been corrected.")
        original.refresh_from_db()
        original.state = StatusUpdate.State.CORRECTED
        save_with_history(original, actor)
    update.state = StatusUpdate.State.PUBLISHED
    update.published_at = now
    update.reviewed_by = actor
    if update.submitted_at is None:
        update.submitted_at = now
    save_with_history(update, actor)
    for source in evidence:
        if not source.is_published:
            source.is_published = True
            source.version += 1
            save_with_history(source, actor)
    refresh_current_status(update.proposal_id)
    search.refresh([update.proposal_id])
    data_revision.bump()
    notifications.update_published(update, actor)
    return update


def refresh_current_status(proposal_id: int) -> None:
    """Store where the proposal stands, from its published history: the status of
    the published update with the latest effective date (ties: the later
    published, then the later made); with none, ``not_assessed``.  The same rule
    as ``ProposalQuerySet.with_status(as_at=...)``; an UPDATE, so neither the
    proposal's history nor its ``updated_at`` moves (its text did not change)."""
    latest = (
        StatusUpdate.objects.filter(proposal_id=proposal_id, state=StatusUpdate.State.PUBLISHED)
        .order_by(*NEWEST_FIRST)
        .values("pk", "status")
        .first()
    )
    Proposal.objects.filter(pk=proposal_id).update(
        status=latest["status"] if latest else Status.NOT_ASSESSED,
        current_update_id=latest["pk"] if latest else None,
    )


def start_correction(actor: User, *, original: StatusUpdate, data: UpdateInput) -> StatusUpdate:
    """A draft that, once published, supersedes ``original`` (never edited in place)."""
    return create_draft(actor, proposal=original.proposal, data=data, corrects=original)
