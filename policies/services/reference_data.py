"""Editors' reference data: a proposal's themes, themes, 118→138 links, acting bodies.

A proposal's themes are guarded by its ``version`` like any other proposal
field.  Themes and links carry no version column: they are guarded by their
*revision*, the id of their latest history record, checked under a row lock
(``select_for_update``), so two saves from the same revision cannot both win
and the loser is told what changed from the history, as with ``version``.
Acting bodies carry a ``version``, claimed like a proposal's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from tracker import revision as data_revision

from .. import permissions, search
from ..models import ActingBody, Proposal, ProposalLink, StatusUpdate, Theme
from ..permissions import User
from .concurrency import (
    attribute_to,
    claim_version,
    display,
    lock_revision,
    save_or_rule,
    save_with_history,
)
from .errors import NotPermitted, RuleViolation, StaleVersion
from .validation import field_problems


def _theme_names(history_record: Any) -> str:
    """``history_record``: a HistoricalProposal (simple-history builds the class)."""
    ids = history_record.themes.values_list("theme_id", flat=True)
    names = dict(Theme.objects.filter(pk__in=ids).values_list("pk", "name"))
    return display([names.get(pk, f"deleted theme {pk}") for pk in ids])


@transaction.atomic
def set_proposal_themes(
    actor: User, *, proposal: Proposal, expected_version: int, themes: Iterable[Theme]
) -> Proposal:
    """Replace a proposal's themes.  Its text is not editable: only ``load_papers``
    changes it.  One history record per save, with the themes before and after."""
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may change a proposal's themes.")
    wanted = {t.pk for t in themes}
    try:
        claim_version(proposal, expected_version)
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
    save_with_history(proposal, actor)
    search.refresh([proposal.pk])
    data_revision.bump()
    return proposal


@dataclass
class ThemeInput:
    slug: str
    name: str
    description: str = ""

    def check(self, theme: Theme | None = None) -> None:
        problems = field_problems(
            Theme, {"slug": self.slug, "name": self.name, "description": self.description}
        )
        if not self.slug.strip():
            problems["slug"] = ["This field is required."]
        if not self.name.strip():
            problems["name"] = ["This field is required."]
        taken = Theme.objects.filter(slug=self.slug.strip())
        if theme is not None:
            taken = taken.exclude(pk=theme.pk)
        if self.slug.strip() and "slug" not in problems and taken.exists():
            problems["slug"] = [f"Another theme already has the slug “{self.slug.strip()}”."]
        if problems:
            raise RuleViolation("The theme is not valid.", problems)

    def apply(self, theme: Theme) -> None:
        theme.slug = self.slug.strip()
        theme.name = self.name.strip()
        theme.description = self.description.strip()


@transaction.atomic
def create_theme(actor: User, *, data: ThemeInput) -> Theme:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit themes.")
    data.check()
    theme = Theme()
    data.apply(theme)
    save_or_rule(theme, actor, "slug", "Another theme already has this slug.")
    data_revision.bump()
    return theme


@transaction.atomic
def update_theme(actor: User, *, theme: Theme, expected_revision: int, data: ThemeInput) -> Theme:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit themes.")
    theme = lock_revision(Theme, theme.pk, expected_revision)
    data.check(theme)
    data.apply(theme)
    save_or_rule(theme, actor, "slug", "Another theme already has this slug.")
    search.refresh_themed([theme.pk])
    data_revision.bump()
    return theme


@transaction.atomic
def delete_theme(actor: User, *, theme: Theme, expected_revision: int) -> int:
    """Delete a theme, first taking it off every proposal that has it (each such
    proposal gets a new version and a history record).  Returns how many."""
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may delete themes.")
    theme = lock_revision(Theme, theme.pk, expected_revision)
    tagged = list(Proposal.objects.select_for_update().filter(themes=theme))
    for proposal in tagged:
        remaining = [t for t in proposal.themes.all() if t.pk != theme.pk]
        set_proposal_themes(
            actor, proposal=proposal, expected_version=proposal.version, themes=remaining
        )
    attribute_to(theme, actor)
    theme.delete()
    data_revision.bump()
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
        # NUL, and the length the model stores (``validation``).
        note_problems = field_problems(ProposalLink, {"note": note})
        if note_problems:
            problems.update(note_problems)
        elif not note:
            problems["note"] = ["Say in one line how 138 treated it."]
        elif "\n" in note or "\r" in note:
            problems["note"] = ["The note is one line."]
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
def create_link(actor: User, *, data: LinkInput) -> ProposalLink:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit links.")
    data.check()
    link = ProposalLink()
    data.apply(link)
    save_or_rule(link, actor, "to_proposal", _PAIR_TAKEN)
    data_revision.bump()
    return link


@transaction.atomic
def update_link(
    actor: User, *, link: ProposalLink, expected_revision: int, data: LinkInput
) -> ProposalLink:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit links.")
    link = lock_revision(ProposalLink, link.pk, expected_revision)
    data.check(link)
    data.apply(link)
    save_or_rule(link, actor, "to_proposal", _PAIR_TAKEN)
    data_revision.bump()
    return link


@transaction.atomic
def delete_link(actor: User, *, link: ProposalLink, expected_revision: int) -> None:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may delete links.")
    link = lock_revision(ProposalLink, link.pk, expected_revision)
    attribute_to(link, actor)
    link.delete()
    data_revision.bump()


# --- Acting bodies: who acted, as reference data editors keep (versioned, with history) ---


@dataclass
class ActingBodyInput:
    name: str
    kind: str
    slug: str = ""

    def _slug(self, body: ActingBody | None) -> str:
        # A rename keeps the slug (links and imports use it) unless a new one is given.
        return self.slug.strip() or (body.slug if body is not None else slugify(self.name))

    def check(self, body: ActingBody | None = None) -> None:
        name, slug = self.name.strip(), self._slug(body)
        problems = field_problems(ActingBody, {"name": name, "slug": slug, "kind": self.kind})
        if not name:
            problems["name"] = ["This field is required."]
        if self.kind not in ActingBody.Kind.values:
            problems["kind"] = [f"Unknown kind {self.kind!r}."]
        if name and not slug:
            problems["slug"] = ["Give a slug of letters, digits and hyphens."]
        others = (
            ActingBody.objects.all() if body is None else ActingBody.objects.exclude(pk=body.pk)
        )
        if "name" not in problems and others.filter(name__iexact=name).exists():
            problems["name"] = [f"An acting body is already named “{name}”."]
        if slug and "slug" not in problems and others.filter(slug=slug).exists():
            problems["slug"] = [f"Another acting body already has the slug “{slug}”."]
        if problems:
            raise RuleViolation("The acting body is not valid.", problems)

    def apply(self, body: ActingBody) -> None:
        body.name = self.name.strip()
        body.kind = self.kind
        body.slug = self._slug(body if body.pk else None)


_BODY_TAKEN = "Another acting body already has this name or slug."


@transaction.atomic
def create_acting_body(actor: User, *, data: ActingBodyInput) -> ActingBody:
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may add acting bodies.")
    data.check()
    body = ActingBody()
    data.apply(body)
    save_or_rule(body, actor, "name", _BODY_TAKEN)
    data_revision.bump()
    return body


@transaction.atomic
def update_acting_body(
    actor: User, *, body: ActingBody, expected_version: int, data: ActingBodyInput
) -> ActingBody:
    """Rename (or re-kind, re-slug) a body; every update that names it shows the new name."""
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may edit acting bodies.")
    claim_version(body, expected_version)
    data.check(body)
    data.apply(body)
    save_or_rule(body, actor, "name", _BODY_TAKEN)
    data_revision.bump()
    return body


@transaction.atomic
def merge_acting_bodies(
    actor: User,
    *,
    merged: ActingBody,
    merged_version: int,
    kept: ActingBody,
    kept_version: int,
) -> int:
    """Move every status update's reference from ``merged`` to ``kept``, then delete
    ``merged``.  Both are claimed by version.  The updates' own rows and versions are
    left alone (a published update is never edited): only the link rows move, and the
    two bodies' history records say what happened.  Returns how many updates moved."""
    if not permissions.can_edit_proposal(actor):
        raise NotPermitted("Only editors and admins may merge acting bodies.")
    if merged.pk == kept.pk:
        raise RuleViolation(
            "A body cannot be merged into itself.", {"kept": ["Choose another body to keep."]}
        )
    claim_version(merged, merged_version)
    claim_version(kept, kept_version)
    through = StatusUpdate.acting_bodies.through
    already = set(through.objects.filter(actingbody=kept).values_list("statusupdate_id", flat=True))
    rows = through.objects.filter(actingbody=merged)
    moved = set(rows.values_list("statusupdate_id", flat=True))
    rows.filter(statusupdate_id__in=already).delete()
    rows.exclude(statusupdate_id__in=already).update(actingbody=kept)
    kept._change_reason = f"merged “{merged.name}” ({merged.slug}) into it"  # type: ignore[attr-defined]
    save_with_history(kept, actor)
    merged._change_reason = f"merged into “{kept.name}” ({kept.slug})"  # type: ignore[attr-defined]
    attribute_to(merged, actor)
    merged.delete()
    data_revision.bump()
    return len(moved)
