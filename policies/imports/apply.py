"""Writing a parsed import in one transaction, through ``services`` (the same
rules as the forms).  Importing the same file twice creates nothing the second
time: an update identical to an existing one (proposal, status, date,
rationale, sources) is skipped, and sources are reused by URL."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from evidence.models import Evidence

from .. import permissions, services
from ..models import StatusUpdate
from ..permissions import User
from .parse import MODES, ImportRejected, ParsedUpdate, Progress, decode, parse


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0
    published: int = 0
    evidence_created: int = 0
    update_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "skipped": self.skipped,
            "published": self.published,
            "evidence_created": self.evidence_created,
        }


def _already_there(update: ParsedUpdate, evidence: list[Evidence]) -> bool:
    candidates = StatusUpdate.objects.filter(
        proposal=update.proposal,
        status=update.status,
        effective_date=update.effective_date,
        rationale=update.rationale,
    ).exclude(state=StatusUpdate.State.RETURNED)
    wanted = {e.pk for e in evidence}
    return any(
        {e.pk for e in c.evidence.all()} == wanted for c in candidates.prefetch_related("evidence")
    )


def apply(
    actor: User, *, updates: list[ParsedUpdate], mode: str, progress: Progress | None = None
) -> ImportResult:
    """Write the parsed updates in one transaction; any refusal rolls all back."""
    if not permissions.can_import(actor):
        raise services.NotPermitted("Only editors and admins may import.")
    if mode not in MODES:
        raise ImportRejected([f"Unknown mode {mode!r}; one of {', '.join(MODES)}."])
    if mode == "publish" and not settings.TRACKER_ALLOW_SELF_PUBLISH:
        raise ImportRejected(
            [
                "Publishing on import means publishing your own updates, which this site "
                "does not allow (TRACKER_ALLOW_SELF_PUBLISH); import as drafts for another "
                "editor to publish."
            ]
        )
    result = ImportResult()
    with transaction.atomic():
        for index, update in enumerate(updates, start=1):
            try:
                evidence: list[Evidence] = []
                for source in update.sources:
                    item, created = services.get_or_create_evidence(actor, data=source)
                    evidence.append(item)
                    result.evidence_created += created
                if _already_there(update, evidence):
                    result.skipped += 1
                else:
                    draft = services.create_draft(
                        actor,
                        proposal=update.proposal,
                        data=services.UpdateInput(
                            status=update.status,
                            effective_date=update.effective_date,
                            date_precision=update.date_precision,
                            rationale=update.rationale,
                            acting_bodies=update.acting_bodies,
                            evidence=evidence,
                        ),
                    )
                    result.created += 1
                    result.update_ids.append(draft.pk)
                    if mode == "publish":
                        services.publish(actor, update=draft, expected_version=draft.version)
                        result.published += 1
            except services.ServiceError as exc:
                raise ImportRejected([f"line {update.line}: {exc.message}"]) from exc
            if progress:
                progress(index, len(updates))
    return result


def import_file(
    actor: User, *, raw: bytes, mode: str, progress: Progress | None = None
) -> ImportResult:
    return apply(actor, updates=parse(decode(raw)), mode=mode, progress=progress)


@transaction.atomic
def submit_all(actor: User, *, update_ids: list[int]) -> int:
    """Submit for review every draft of an import, through ``services.submit``, in one
    transaction: one refusal (not permitted, evidence rule) submits none.  Updates
    no longer drafts (submitted or published meanwhile) are left as they are.
    Returns how many were submitted."""
    if not permissions.can_import(actor):
        raise services.NotPermitted("Only editors and admins may import.")
    drafts = StatusUpdate.objects.select_for_update().filter(
        pk__in=update_ids, state=StatusUpdate.State.DRAFT
    )
    submitted = 0
    for draft in drafts.order_by("pk"):
        services.submit(actor, update=draft, expected_version=draft.version)
        submitted += 1
    return submitted
