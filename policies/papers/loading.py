"""Load the curated papers data file into the database.

``validate()`` reads the whole file and raises ``PaperDataError`` naming every
problem before anything is written; ``apply()`` then writes it in one
transaction.  Loading is idempotent: rows are matched on their natural keys
(paper number, section number, proposal reference, theme slug, link pair) and
saved only when something differs, so a second run writes nothing, not even a
history row.  Status updates are never touched, and themes, a proposal's
themes and links that an editor has changed (or deleted) in the app are left
as the editor made them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction
from django.utils.text import slugify

from tracker import revision as data_revision

from .. import search
from ..models import ActingBody, Paper, Proposal, ProposalLink, Section, Theme
from .dataset import (
    DATA_FILE,
    STANDING_BODIES,
    Dataset,
    validate,
)


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[what] = bucket.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


# Proposal fields whose change alone is not an edit of the proposal: its place in
# the reading order, which moves whenever a proposal is added before it.
_PLACEMENT_ONLY = frozenset({"order"})

# The rows the data file writes.
_Row = TypeVar("_Row", ActingBody, Theme, Paper, Section, Proposal, ProposalLink)


def _sync(
    model: type[_Row], lookup: dict[str, Any], values: dict[str, Any], report: LoadReport, what: str
) -> _Row:
    """Create, or update only the fields that differ; return the row."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.count(what, created=True)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        # A new version is an edit (the change log lists it); a proposal that
        # only moved in the reading order, because one was added before it, is not.
        if isinstance(obj, Proposal) and set(changed) - _PLACEMENT_ONLY:
            obj.version += 1
            changed.append("version")
        obj.save()
        report.count(what, created=False)
    return obj


def _edited_by_people(history: Any, **lookup: Any) -> bool:
    """Has anyone (not the loader) changed or deleted this row through the app?

    The data file seeds themes, a proposal's themes and links; once an editor
    has touched one, their work wins over the file on every later load.
    """
    return history.objects.filter(history_user__isnull=False, **lookup).exists()


@transaction.atomic
def apply(dataset: Dataset, progress: Callable[[str], object] | None = None) -> LoadReport:
    """Write a validated dataset.  Never deletes anything."""
    report = LoadReport()
    for kind, name in STANDING_BODIES:
        if _edited_by_people(ActingBody.history.model, slug=slugify(name)):
            continue  # renamed or merged by an editor: theirs now (like themes)
        _sync(
            ActingBody,
            {"kind": kind, "name": name},
            {"slug": slugify(name)},
            report,
            "acting bodies",
        )
    themes: dict[str, Theme] = {}
    for t in dataset.themes:
        if _edited_by_people(Theme.history.model, slug=t["slug"]):
            theme = Theme.objects.filter(slug=t["slug"]).first()
            if theme is not None:  # None: an editor deleted it; it stays deleted.
                themes[t["slug"]] = theme
            continue
        themes[t["slug"]] = _sync(
            Theme,
            {"slug": t["slug"]},
            {"name": t["name"], "description": t["description"]},
            report,
            "themes",
        )
    proposals: dict[str, Proposal] = {}
    parents: dict[str, str | None] = {}
    for pdata in dataset.papers:
        paper = _sync(
            Paper,
            {"number": pdata.number},
            {
                "title": pdata.title,
                "year": pdata.year,
                "route": pdata.route,
                "route_description": pdata.route_description,
                "source_file": pdata.source_file,
                "source_title": pdata.source_title,
                "applicability_note": pdata.applicability_note,
            },
            report,
            "papers",
        )
        for sdata in pdata.sections:
            section = _sync(
                Section,
                {"paper": paper, "number": sdata.number},
                {"title": sdata.title, "order": sdata.order},
                report,
                "sections",
            )
            for prop in sdata.proposals:
                proposal = _sync(
                    Proposal,
                    {"reference": prop.ref},
                    {
                        "paper_id": paper.pk,
                        "section_id": section.pk,
                        "kind": prop.kind,
                        "order": prop.order,
                        "position": prop.position,
                        "paragraph": prop.paragraph,
                        "argued_in": prop.argued_in,
                        "text": prop.text,
                        "repairs": prop.repairs,
                        "source_line_start": prop.line_start,
                        "source_line_end": prop.line_end,
                        "applicability": prop.applicability,
                    },
                    report,
                    "proposals",
                )
                wanted = {themes[slug].pk for slug in prop.themes if slug in themes}
                if (
                    not _edited_by_people(Proposal.history.model, id=proposal.pk)
                    and set(proposal.themes.values_list("pk", flat=True)) != wanted
                ):
                    proposal.themes.set(wanted)
                    report.count("proposal themes", created=False)
                proposals[prop.ref] = proposal
                parents[prop.ref] = prop.parent
                if progress:
                    progress(prop.ref)
    for ref, parent_ref in parents.items():
        proposal = proposals[ref]
        parent_id = proposals[parent_ref].pk if parent_ref else None
        if proposal.parent_id != parent_id:
            proposal.parent_id = parent_id
            proposal.save(update_fields=["parent", "updated_at"])
            report.count("proposal parents", created=False)
    for link in dataset.links:
        pair = {"from_proposal": proposals[link["from"]], "to_proposal": proposals[link["to"]]}
        if _edited_by_people(
            ProposalLink.history.model,
            from_proposal_id=pair["from_proposal"].pk,
            to_proposal_id=pair["to_proposal"].pk,
        ):
            continue
        _sync(
            ProposalLink,
            pair,
            {"link_type": link["type"], "note": link["note"]},
            report,
            "links",
        )
    if report.changed:
        search.refresh(proposal.pk for proposal in proposals.values())
        data_revision.bump()
    return report


def load(path: Path = DATA_FILE, progress: Callable[[str], object] | None = None) -> LoadReport:
    return apply(validate(path), progress=progress)
