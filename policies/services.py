"""Writes that enforce the tracker's rules: drafting, review, publishing,
corrections and evidence.

Every function runs in ``transaction.atomic`` and takes the acting user, asks
``permissions`` whether they may act, and claims the row with a conditional
update on ``version`` (checking the row count) so that two saves from the same
version cannot both win: the second gets ``StaleVersion`` naming what changed.
Views, API views, the CSV import and the management command all come through
here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from evidence.models import Evidence

from . import permissions
from .models import (
    ActingBody,
    DatePrecision,
    Proposal,
    ProposalLink,
    Status,
    StatusUpdate,
    Theme,
)


class ServiceError(Exception):
    """A write was refused; ``message`` says why in words a campaigner understands."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
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

    def __init__(self, obj: models.Model, expected: int, changes: list[Change]):
        self.obj = obj
        self.expected = expected
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


# --- Helpers ----------------------------------------------------------------------


def _display(value) -> str:
    if isinstance(value, list):
        return ", ".join(sorted(str(v) for v in value)) or "(none)"
    return "(empty)" if value in (None, "") else str(value)


def _targets(rows: list[dict], owner: str) -> list:
    return [v for row in rows for k, v in row.items() if k not in (owner, "id", "m2m_history_id")]


def changes_since(obj: models.Model, version: int) -> list[Change]:
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
        changes.append(Change(change.field, _display(old_value), _display(new_value)))
    return changes


def _claim(obj: models.Model, expected_version: int) -> None:
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


def _save(obj: models.Model, actor) -> None:
    obj._history_user = actor
    obj.save()


def check_evidence_rule(status: str, evidence: Iterable[Evidence]) -> None:
    """Any status but ``not_assessed`` needs at least one complete source."""
    if status == Status.NOT_ASSESSED:
        return
    complete = [e for e in evidence if e.title and e.publisher and e.published_date and e.url]
    if not complete:
        raise RuleViolation(
            "A status other than “Not yet assessed” needs at least one evidence source "
            "with a title, publisher, date and URL.",
            {"evidence": ["Add at least one source."]},
        )


# --- Evidence ---------------------------------------------------------------------


@dataclass
class EvidenceInput:
    url: str
    title: str
    publisher: str
    kind: str
    published_date: dt.date | None
    accessed_date: dt.date | None = None
    archived_url: str = ""
    quote: str = ""
    page: str = ""

    @classmethod
    def from_cleaned(cls, data: dict, url_field: str = "url") -> EvidenceInput:
        """From a form's or an input serializer's cleaned data; the API names the
        URL ``source_url``."""
        return cls(
            url=data[url_field],
            title=data["title"],
            publisher=data["publisher"],
            kind=data["kind"],
            published_date=data["published_date"],
            accessed_date=data.get("accessed_date"),
            archived_url=data.get("archived_url", ""),
            quote=data.get("quote", ""),
            page=data.get("page", ""),
        )

    def problems(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for name in ("url", "title", "publisher", "published_date"):
            if not getattr(self, name):
                found[name] = ["This field is required."]
        if self.kind not in Evidence.Kind.values:
            found["kind"] = [
                f"Unknown kind {self.kind!r}; one of {', '.join(Evidence.Kind.values)}."
            ]
        if self.url and not self.url.startswith(("http://", "https://")):
            found["url"] = ["Give a full http:// or https:// address."]
        return found

    def values(self) -> dict:
        return {
            "title": self.title,
            "publisher": self.publisher,
            "kind": self.kind,
            "published_date": self.published_date,
            "accessed_date": self.accessed_date or timezone.localdate(),
            "archived_url": self.archived_url,
            "quote": self.quote,
            "page": self.page,
        }


def current_evidence_for_url(url: str) -> Evidence | None:
    return Evidence.objects.filter(url=url.strip(), replaced_by__isnull=True).first()


@transaction.atomic
def get_or_create_evidence(actor, data: EvidenceInput) -> tuple[Evidence, bool]:
    """The current source with this URL, or a new one: a URL is never duplicated."""
    if not permissions.can_add_evidence(actor):
        raise NotPermitted("Only campaigners, editors and admins may add evidence.")
    data.url = data.url.strip()
    problems = data.problems()
    if problems:
        raise RuleViolation("The evidence source is incomplete.", problems)
    existing = current_evidence_for_url(data.url)
    if existing is not None:
        return existing, False
    evidence = Evidence(url=data.url, created_by=actor, **data.values())
    try:
        with transaction.atomic():
            _save(evidence, actor)
    except IntegrityError:
        # Someone added the same URL a moment ago: reuse theirs.
        existing = current_evidence_for_url(data.url)
        if existing is None:
            raise
        return existing, False
    return evidence, True


@transaction.atomic
def update_evidence(
    actor, evidence: Evidence, expected_version: int, data: EvidenceInput
) -> Evidence:
    """Edit an unpublished source in place; a published one gets a new version
    that replaces it (the old one stays, cited by what cited it)."""
    if not permissions.can_edit_evidence(actor, evidence):
        raise NotPermitted("You may not edit this source.")
    data.url = data.url.strip()
    problems = data.problems()
    if problems:
        raise RuleViolation("The evidence source is incomplete.", problems)
    _claim(evidence, expected_version)
    if not permissions.can_edit_evidence(actor, evidence):
        raise NotPermitted("This source was published or replaced meanwhile.")
    if data.url != evidence.url and current_evidence_for_url(data.url) is not None:
        raise RuleViolation(
            "Another source already has this URL; cite that one instead.",
            {"url": ["Another current source has this URL."]},
        )
    if not evidence.is_published:
        evidence.url = data.url
        for name, value in data.values().items():
            setattr(evidence, name, value)
        _save(evidence, actor)
        return evidence
    new = Evidence(url=data.url, created_by=actor, version=evidence.version + 1, **data.values())
    # The URL is unique among current sources: take the old one out of the
    # constraint (pointing at itself) before the new one exists, then point it on.
    Evidence.objects.filter(pk=evidence.pk).update(replaced_by=evidence.pk)
    _save(new, actor)
    evidence.replaced_by = new
    _save(evidence, actor)
    return new


# --- Status updates ---------------------------------------------------------------


@dataclass
class UpdateInput:
    status: str
    effective_date: dt.date
    rationale: str
    date_precision: str = DatePrecision.DAY
    acting_bodies: Sequence[ActingBody] = field(default_factory=list)
    evidence: Sequence[Evidence] = field(default_factory=list)

    def check(self) -> None:
        problems: dict[str, list[str]] = {}
        if self.status not in Status.values:
            problems["status"] = [f"Unknown status {self.status!r}."]
        if self.date_precision not in DatePrecision.values:
            problems["date_precision"] = [f"Unknown precision {self.date_precision!r}."]
        if not (self.rationale or "").strip():
            problems["rationale"] = ["Say why: the rationale is required."]
        if self.effective_date and self.effective_date > timezone.localdate():
            problems["effective_date"] = ["The date it happened cannot be in the future."]
        if problems:
            raise RuleViolation("The status update is not valid.", problems)
        check_evidence_rule(self.status, self.evidence)


def _apply(update: StatusUpdate, data: UpdateInput, actor) -> None:
    update.status = data.status
    update.effective_date = data.effective_date
    update.date_precision = data.date_precision
    update.rationale = data.rationale.strip()
    _save(update, actor)
    update.acting_bodies.set(data.acting_bodies)
    update.evidence.set(data.evidence)


@transaction.atomic
def create_draft(
    actor, proposal: Proposal, data: UpdateInput, *, corrects: StatusUpdate | None = None
) -> StatusUpdate:
    if not permissions.can_draft(actor):
        raise NotPermitted("Only campaigners, editors and admins may draft status updates.")
    if corrects is not None:
        if not permissions.can_correct(actor, corrects):
            raise NotPermitted("Only editors may correct a published update.")
        if corrects.proposal_id != proposal.pk:
            raise RuleViolation("A correction belongs to the same proposal as the original.")
    data.check()
    update = StatusUpdate(proposal=proposal, author=actor, corrects=corrects)
    _apply(update, data, actor)
    return update


@transaction.atomic
def update_draft(
    actor, update: StatusUpdate, expected_version: int, data: UpdateInput
) -> StatusUpdate:
    if not permissions.can_edit_update(actor, update):
        raise NotPermitted("Only the author or an editor may edit an unpublished update.")
    data.check()
    _claim(update, expected_version)
    if not permissions.can_edit_update(actor, update):
        raise NotPermitted("This update was submitted or published meanwhile.")
    _apply(update, data, actor)
    return update


@transaction.atomic
def submit(actor, update: StatusUpdate, expected_version: int) -> StatusUpdate:
    if not permissions.can_submit(actor, update):
        raise NotPermitted("Only the author or an editor may submit this update.")
    _claim(update, expected_version)
    if not permissions.can_submit(actor, update):
        raise NotPermitted("This update was submitted or published meanwhile.")
    check_evidence_rule(update.status, update.evidence.all())
    update.state = StatusUpdate.State.SUBMITTED
    update.submitted_at = timezone.now()
    _save(update, actor)
    return update


@transaction.atomic
def return_to_author(
    actor, update: StatusUpdate, expected_version: int, comment: str
) -> StatusUpdate:
    if not permissions.can_return(actor, update):
        raise NotPermitted("Only editors may return a submitted update.")
    if not comment.strip():
        raise RuleViolation("Say what needs changing.", {"comment": ["A comment is required."]})
    _claim(update, expected_version)
    if not permissions.can_return(actor, update):
        raise NotPermitted("This update is no longer awaiting review.")
    update.state = StatusUpdate.State.RETURNED
    update.review_comment = comment.strip()
    update.reviewed_by = actor
    _save(update, actor)
    return update


@transaction.atomic
def publish(actor, update: StatusUpdate, expected_version: int) -> StatusUpdate:
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
    _claim(update, expected_version)
    if not permissions.can_publish(actor, update):
        raise RuleViolation("This update was returned or published meanwhile.")
    evidence = list(update.evidence.all())
    check_evidence_rule(update.status, evidence)
    now = timezone.now()
    if update.corrects_id is not None:
        original = update.corrects
        claimed = StatusUpdate.objects.filter(
            pk=original.pk, state=StatusUpdate.State.PUBLISHED
        ).update(version=models.F("version") + 1)
        if claimed != 1:
            raise RuleViolation("The update this corrects has already been corrected.")
        original.refresh_from_db()
        original.state = StatusUpdate.State.CORRECTED
        _save(original, actor)
    update.state = StatusUpdate.State.PUBLISHED
    update.published_at = now
    update.reviewed_by = actor
    if update.submitted_at is None:
        update.submitted_at = now
    _save(update, actor)
    for source in evidence:
        if not source.is_published:
            source.is_published = True
            source.version += 1
            _save(source, actor)
    return update


def start_correction(actor, original: StatusUpdate, data: UpdateInput) -> StatusUpdate:
    """A draft that, once published, supersedes ``original`` (never edited in place)."""
    return create_draft(actor, original.proposal, data, corrects=original)


# --- Themes and links (editors' reference data) -------------------------------------
#
# A proposal's themes are guarded by its ``version`` like any other proposal
# field.  Themes and links carry no version column: they are guarded by their
# *revision*, the id of their latest history record, checked under a row lock
# (``select_for_update``), so two saves from the same revision cannot both win
# and the loser is told what changed from the history, as with ``version``.


class StaleRevision(StaleVersion):
    """A theme or link changed (or was deleted) since the revision the user started from."""

    def __init__(self, obj: models.Model, expected: int, current: int, changes: list[Change]):
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


def revision_of(obj: models.Model) -> int:
    """The id of ``obj``'s latest history record: the token a form sends back."""
    latest = obj.history.order_by("-history_date", "-history_id").values_list(
        "history_id", flat=True
    )
    return latest.first() or 0


def _lock_revision(model, pk: int, expected_revision: int):
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
                Change(c.field, _display(c.old), _display(c.new))
                for c in new.diff_against(old).changes
            ]
        raise StaleRevision(obj, expected_revision, current, changes)
    return obj


def _theme_names(history_record) -> str:
    ids = history_record.themes.values_list("theme_id", flat=True)
    names = dict(Theme.objects.filter(pk__in=ids).values_list("pk", "name"))
    return _display([names.get(pk, f"deleted theme {pk}") for pk in ids])


@transaction.atomic
def set_proposal_themes(
    actor, proposal: Proposal, expected_version: int, themes: Iterable[Theme]
) -> Proposal:
    """Replace a proposal's themes.  Its text is not editable: only ``load_papers``
    changes it.  One history record per save, with the themes before and after."""
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may change a proposal's themes.")
    wanted = {t.pk for t in themes}
    try:
        _claim(proposal, expected_version)
    except StaleVersion as exc:
        history = proposal.history.order_by("-history_date", "-history_id")
        old, new = history.filter(version=expected_version).first(), history.first()
        for change in exc.changes:
            if change.field == "themes" and old is not None and new is not None:
                change.old, change.new = _theme_names(old), _theme_names(new)
        raise
    if set(proposal.themes.values_list("pk", flat=True)) == wanted:
        # Nothing to change: give back the version we took.
        Proposal.objects.filter(pk=proposal.pk).update(version=expected_version)
        proposal.refresh_from_db()
        return proposal
    # One history record (below) rather than one per add and remove.
    proposal.skip_history_when_saving = True
    try:
        proposal.themes.set(wanted)
    finally:
        del proposal.skip_history_when_saving
    _save(proposal, actor)
    return proposal


@dataclass
class ThemeInput:
    slug: str
    name: str
    description: str = ""

    def check(self, theme: Theme | None = None) -> None:
        problems: dict[str, list[str]] = {}
        if not self.slug.strip():
            problems["slug"] = ["This field is required."]
        if not self.name.strip():
            problems["name"] = ["This field is required."]
        taken = Theme.objects.filter(slug=self.slug.strip())
        if theme is not None:
            taken = taken.exclude(pk=theme.pk)
        if self.slug.strip() and taken.exists():
            problems["slug"] = [f"Another theme already has the slug “{self.slug.strip()}”."]
        if problems:
            raise RuleViolation("The theme is not valid.", problems)

    def apply(self, theme: Theme) -> None:
        theme.slug = self.slug.strip()
        theme.name = self.name.strip()
        theme.description = self.description.strip()


def _saved_or_rule(obj: models.Model, actor, field: str, message: str) -> None:
    """Save; a unique constraint hit by a concurrent save becomes a form error."""
    try:
        with transaction.atomic():
            _save(obj, actor)
    except IntegrityError as exc:
        raise RuleViolation(message, {field: [message]}) from exc


@transaction.atomic
def create_theme(actor, data: ThemeInput) -> Theme:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit themes.")
    data.check()
    theme = Theme()
    data.apply(theme)
    _saved_or_rule(theme, actor, "slug", "Another theme already has this slug.")
    return theme


@transaction.atomic
def update_theme(actor, theme: Theme, expected_revision: int, data: ThemeInput) -> Theme:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit themes.")
    theme = _lock_revision(Theme, theme.pk, expected_revision)
    data.check(theme)
    data.apply(theme)
    _saved_or_rule(theme, actor, "slug", "Another theme already has this slug.")
    return theme


@transaction.atomic
def delete_theme(actor, theme: Theme, expected_revision: int) -> int:
    """Delete a theme, first taking it off every proposal that has it (each such
    proposal gets a new version and a history record).  Returns how many."""
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may delete themes.")
    theme = _lock_revision(Theme, theme.pk, expected_revision)
    tagged = list(Proposal.objects.select_for_update().filter(themes=theme))
    for proposal in tagged:
        remaining = [t for t in proposal.themes.all() if t.pk != theme.pk]
        set_proposal_themes(actor, proposal, proposal.version, remaining)
    theme._history_user = actor
    theme.delete()
    return len(tagged)


LINK_FROM_PAPER = 118
LINK_TO_PAPER = 138


@dataclass
class LinkInput:
    from_proposal: Proposal
    to_proposal: Proposal
    link_type: str
    note: str

    def check(self, link: ProposalLink | None = None) -> None:
        problems: dict[str, list[str]] = {}
        if self.from_proposal.paper.number != LINK_FROM_PAPER:
            problems["from_proposal"] = [
                f"A link starts at a proposal of paper {LINK_FROM_PAPER}; "
                f"{self.from_proposal.reference} is in paper {self.from_proposal.paper.number}."
            ]
        if self.to_proposal.paper.number != LINK_TO_PAPER:
            problems["to_proposal"] = [
                f"A link ends at a proposal of paper {LINK_TO_PAPER}; "
                f"{self.to_proposal.reference} is in paper {self.to_proposal.paper.number}."
            ]
        if self.link_type not in ProposalLink.LinkType.values:
            problems["link_type"] = [f"Unknown link type {self.link_type!r}."]
        note = self.note.strip()
        if not note:
            problems["note"] = ["Say in one line how 138 treated it."]
        elif "\n" in note or "\r" in note:
            problems["note"] = ["The note is one line."]
        elif len(note) > ProposalLink._meta.get_field("note").max_length:
            problems["note"] = ["The note is too long (300 characters at most)."]
        pair = ProposalLink.objects.filter(
            from_proposal=self.from_proposal, to_proposal=self.to_proposal
        )
        if link is not None:
            pair = pair.exclude(pk=link.pk)
        if "from_proposal" not in problems and "to_proposal" not in problems and pair.exists():
            problems["to_proposal"] = [
                f"{self.from_proposal.reference} is already linked to "
                f"{self.to_proposal.reference}; edit that link instead."
            ]
        if problems:
            raise RuleViolation("The link is not valid.", problems)

    def apply(self, link: ProposalLink) -> None:
        link.from_proposal = self.from_proposal
        link.to_proposal = self.to_proposal
        link.link_type = self.link_type
        link.note = self.note.strip()


_PAIR_TAKEN = "These two proposals are already linked; edit that link instead."


@transaction.atomic
def create_link(actor, data: LinkInput) -> ProposalLink:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit links.")
    data.check()
    link = ProposalLink()
    data.apply(link)
    _saved_or_rule(link, actor, "to_proposal", _PAIR_TAKEN)
    return link


@transaction.atomic
def update_link(actor, link: ProposalLink, expected_revision: int, data: LinkInput) -> ProposalLink:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit links.")
    link = _lock_revision(ProposalLink, link.pk, expected_revision)
    data.check(link)
    data.apply(link)
    _saved_or_rule(link, actor, "to_proposal", _PAIR_TAKEN)
    return link


@transaction.atomic
def delete_link(actor, link: ProposalLink, expected_revision: int) -> None:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may delete links.")
    link = _lock_revision(ProposalLink, link.pk, expected_revision)
    link._history_user = actor
    link.delete()
