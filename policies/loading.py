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

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.text import slugify

from . import sourcetext
from .models import ActingBody, Paper, Proposal, ProposalLink, Section, Theme

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILE = DATA_DIR / "papers.yaml"
SOURCES_DIR = DATA_DIR / "sources"
SCHEMA_VERSION = 1

REFERENCE_RE = re.compile(r"^1[0-9]{2}-[0-9a-z.]+$")
SLUG_RE = re.compile(r"^[a-z0-9-]+$")
SUMMARY_HEADING = "Summary of policy proposals"

# Bodies a status update can name without anyone creating them first; named
# police forces and other bodies are added when an update needs them.
STANDING_BODIES = [
    (ActingBody.Kind.UK_GOVERNMENT, "UK Government"),
    (ActingBody.Kind.SCOTTISH_GOVERNMENT, "Scottish Government"),
    (ActingBody.Kind.WELSH_GOVERNMENT, "Welsh Government"),
    (ActingBody.Kind.PARLIAMENT, "Parliament"),
    (ActingBody.Kind.PCCS, "Police and Crime Commissioners"),
    (ActingBody.Kind.COLLEGE_OF_POLICING, "College of Policing"),
    (ActingBody.Kind.NPCC, "National Police Chiefs' Council"),
]


class PaperDataError(Exception):
    """The data file is malformed; ``problems`` lists each one with its place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ProposalData:
    ref: str
    kind: str
    position: str
    paragraph: str
    argued_in: list[str]
    parent: str | None
    applicability: str
    themes: list[str]
    text: str
    repairs: list[dict[str, str]]
    order: int
    line_start: int | None = None
    line_end: int | None = None


@dataclass
class SectionData:
    number: str
    title: str
    order: int
    proposals: list[ProposalData] = field(default_factory=list)


@dataclass
class PaperData:
    number: int
    title: str
    year: int
    route: str
    route_description: str
    source_file: str
    source_title: str
    applicability_note: str
    sections: list[SectionData] = field(default_factory=list)


@dataclass
class Dataset:
    themes: list[dict[str, str]]
    papers: list[PaperData]
    links: list[dict[str, str]]

    def proposals(self) -> Iterator[tuple[PaperData, SectionData, ProposalData]]:
        for paper in self.papers:
            for section in paper.sections:
                for proposal in section.proposals:
                    yield paper, section, proposal


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, obj: dict, key: str, where: str, *, required: bool = True) -> str:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.fail(where, f"missing '{key}'")
            return ""
        if not isinstance(value, str):
            self.fail(where, f"'{key}' must be text, not {type(value).__name__}")
            return ""
        return value.strip()

    def integer(self, obj: dict, key: str, where: str) -> int:
        value = obj.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(where, f"'{key}' must be a whole number")
            return 0
        return value

    def items(self, obj: dict, key: str, where: str, *, required: bool = True) -> list:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(where, f"missing '{key}'")
            return []
        if not isinstance(value, list):
            self.fail(where, f"'{key}' must be a list")
            return []
        return value

    def choice(self, value: str, choices, key: str, where: str) -> None:
        allowed = [c[0] for c in choices]
        if value and value not in allowed:
            self.fail(where, f"'{key}' is '{value}', expected one of {', '.join(allowed)}")


def validate(path: Path = DATA_FILE, sources_dir: Path = SOURCES_DIR) -> Dataset:
    """Parse and check the data file; raise PaperDataError listing every problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PaperDataError([f"{path}: file not found"]) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PaperDataError([f"{path}: not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise PaperDataError([f"{path}: the top level must be a mapping"])

    check = _Checker()
    if raw.get("schema_version") != SCHEMA_VERSION:
        check.fail(path.name, f"schema_version must be {SCHEMA_VERSION}")

    themes: list[dict[str, str]] = []
    for i, theme in enumerate(check.items(raw, "themes", "themes")):
        where = f"themes[{i}]"
        if not isinstance(theme, dict):
            check.fail(where, "must be a mapping")
            continue
        slug = check.text(theme, "slug", where)
        if slug and not SLUG_RE.match(slug):
            check.fail(where, f"slug '{slug}' must be lower-case letters, digits and hyphens")
        themes.append(
            {
                "slug": slug,
                "name": check.text(theme, "name", where),
                "description": check.text(theme, "description", where, required=False),
            }
        )
    theme_slugs = {t["slug"] for t in themes}
    if len(theme_slugs) != len(themes):
        check.fail("themes", "theme slugs must be unique")

    papers: list[PaperData] = []
    order = 0
    for i, paper in enumerate(check.items(raw, "papers", "papers")):
        where = f"papers[{i}]"
        if not isinstance(paper, dict):
            check.fail(where, "must be a mapping")
            continue
        pdata = PaperData(
            number=check.integer(paper, "number", where),
            title=check.text(paper, "title", where),
            year=check.integer(paper, "year", where),
            route=check.text(paper, "route", where),
            route_description=check.text(paper, "route_description", where),
            source_file=check.text(paper, "source_file", where),
            source_title=check.text(paper, "source_title", where),
            applicability_note=check.text(paper, "applicability_note", where),
        )
        where = f"paper {pdata.number}"
        check.choice(pdata.route, Paper.Route.choices, "route", where)
        source = ""
        if pdata.source_file:
            source_path = sources_dir / pdata.source_file
            if not source_path.is_file():
                check.fail(where, f"source file '{pdata.source_file}' not found in {sources_dir}")
            else:
                source = source_path.read_text(encoding="utf-8")
        summary_line = sourcetext.heading_line(source, SUMMARY_HEADING)
        for j, section in enumerate(check.items(paper, "sections", where)):
            swhere = f"{where} sections[{j}]"
            if not isinstance(section, dict):
                check.fail(swhere, "must be a mapping")
                continue
            sdata = SectionData(
                number=str(section.get("number", "")).strip(),
                title=check.text(section, "title", swhere),
                order=j + 1,
            )
            if not sdata.number:
                check.fail(swhere, "missing 'number'")
            swhere = f"{where} section {sdata.number}"
            for k, prop in enumerate(check.items(section, "proposals", swhere)):
                pwhere = f"{swhere} proposals[{k}]"
                if not isinstance(prop, dict):
                    check.fail(pwhere, "must be a mapping")
                    continue
                ref = check.text(prop, "ref", pwhere)
                pwhere = f"{swhere} proposal {ref or k}"
                if ref and not REFERENCE_RE.match(ref):
                    check.fail(pwhere, f"reference '{ref}' is not of the form 118-1a")
                if ref and not ref.startswith(f"{pdata.number}-"):
                    check.fail(pwhere, f"reference '{ref}' does not begin with its paper number")
                order += 1
                proposal = ProposalData(
                    ref=ref,
                    kind=check.text(prop, "kind", pwhere),
                    position=check.text(prop, "position", pwhere),
                    paragraph=str(prop.get("paragraph") or "").strip(),
                    argued_in=[
                        str(p) for p in check.items(prop, "argued_in", pwhere, required=False)
                    ],
                    parent=(str(prop["parent"]).strip() if prop.get("parent") else None),
                    applicability=check.text(prop, "applicability", pwhere),
                    themes=[str(t) for t in check.items(prop, "themes", pwhere)],
                    text=" ".join(check.text(prop, "text", pwhere).split()),
                    repairs=list(check.items(prop, "repairs", pwhere, required=False)),
                    order=order,
                )
                check.choice(proposal.kind, Proposal.Kind.choices, "kind", pwhere)
                check.choice(
                    proposal.applicability, Proposal.Applicability.choices, "applicability", pwhere
                )
                if not proposal.themes:
                    check.fail(pwhere, "needs at least one theme")
                for slug in proposal.themes:
                    if slug not in theme_slugs:
                        check.fail(pwhere, f"unknown theme '{slug}'")
                for r, repair in enumerate(proposal.repairs):
                    if not (
                        isinstance(repair, dict)
                        and isinstance(repair.get("original"), str)
                        and isinstance(repair.get("repaired"), str)
                    ):
                        check.fail(pwhere, f"repairs[{r}] needs 'original' and 'repaired' text")
                        proposal.repairs = []
                        break
                if source and proposal.text:
                    # A summary proposal is also repeated in its chapter's box; the
                    # Summary at the end of the paper is the text of record.
                    after = summary_line if proposal.kind == Proposal.Kind.SUMMARY else 0
                    found = sourcetext.locate(
                        source, proposal.text, proposal.repairs, after_line=after
                    )
                    if found is None:
                        check.fail(pwhere, f"text not found in {pdata.source_file}")
                    else:
                        proposal.line_start, proposal.line_end = found
                sdata.proposals.append(proposal)
            pdata.sections.append(sdata)
        papers.append(pdata)

    numbers = [p.number for p in papers]
    if len(set(numbers)) != len(numbers):
        check.fail("papers", "paper numbers must be unique")
    refs: dict[str, ProposalData] = {}
    for _paper, _section, proposal in Dataset(themes, papers, []).proposals():
        if proposal.ref in refs:
            check.fail(f"proposal {proposal.ref}", "reference used twice")
        refs[proposal.ref] = proposal
    for ref, proposal in refs.items():
        if proposal.parent and proposal.parent not in refs:
            check.fail(f"proposal {ref}", f"parent '{proposal.parent}' is not a proposal")
        if proposal.parent == ref:
            check.fail(f"proposal {ref}", "cannot be its own parent")

    links: list[dict[str, str]] = []
    seen_pairs: set[tuple[str, str]] = set()
    for i, link in enumerate(check.items(raw, "links", "links", required=False)):
        where = f"links[{i}]"
        if not isinstance(link, dict):
            check.fail(where, "must be a mapping")
            continue
        item = {
            "from": check.text(link, "from", where),
            "to": check.text(link, "to", where),
            "type": check.text(link, "type", where),
            "note": check.text(link, "note", where),
        }
        where = f"link {item['from']} → {item['to']}"
        for end in ("from", "to"):
            if item[end] and item[end] not in refs:
                check.fail(where, f"'{end}' names unknown proposal '{item[end]}'")
        check.choice(item["type"], ProposalLink.LinkType.choices, "type", where)
        pair = (item["from"], item["to"])
        if pair in seen_pairs:
            check.fail(where, "the same pair is linked twice")
        seen_pairs.add(pair)
        links.append(item)

    if check.problems:
        raise PaperDataError(check.problems)
    return Dataset(themes=themes, papers=papers, links=links)


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


def _sync(model, lookup: dict[str, Any], values: dict[str, Any], report: LoadReport, what: str):
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
        if isinstance(obj, Proposal):
            obj.version += 1
            changed.append("version")
        obj.save()
        report.count(what, created=False)
    return obj


def _edited_by_people(history, **lookup) -> bool:
    """Has anyone (not the loader) changed or deleted this row through the app?

    The data file seeds themes, a proposal's themes and links; once an editor
    has touched one, their work wins over the file on every later load.
    """
    return history.objects.filter(history_user__isnull=False, **lookup).exists()


@transaction.atomic
def apply(dataset: Dataset, progress: Callable[[str], None] | None = None) -> LoadReport:
    """Write a validated dataset.  Never deletes anything."""
    report = LoadReport()
    for kind, name in STANDING_BODIES:
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
    return report


def load(path: Path = DATA_FILE, progress: Callable[[str], None] | None = None) -> LoadReport:
    return apply(validate(path), progress=progress)
