"""The curated papers data file: its shape, and ``validate()``, which reads the
whole file and raises ``PaperDataError`` naming every problem (with its place)
before anything is written.  ``loading.apply()`` writes what it returns."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..models import ActingBody, Paper, Proposal, ProposalLink
from . import sourcetext

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DATA_FILE = DATA_DIR / "papers.yaml"
SOURCES_DIR = DATA_DIR / "sources"
SCHEMA_VERSION = 1

REFERENCE_RE = re.compile(r"^1[0-9]{2}-[0-9a-z.]+$")
SLUG_RE = re.compile(r"^[a-z0-9-]+$")
SUMMARY_HEADING = "Summary of policy proposals"
NOTE_MAX_LENGTH = ProposalLink._meta.get_field("note").max_length or 300

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

    def __init__(self, problems: list[str]) -> None:
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
    # Curation records (``declined:``): links and body pledges considered and not
    # made, each with its reason.  Checked here, never loaded.
    declined_links: list[dict[str, str]] = field(default_factory=list)
    declined_pledges: list[dict[str, str]] = field(default_factory=list)

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

    def choice(
        self, value: str, choices: Iterable[tuple[str, object]], key: str, where: str
    ) -> None:
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
        check.text(theme, "curation", where, required=False)
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
    sources: dict[int, str] = {}
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
                sources[pdata.number] = source
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
                check.text(prop, "curation", pwhere, required=False)
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
        if len(item["note"]) > NOTE_MAX_LENGTH:
            check.fail(where, f"'note' is longer than {NOTE_MAX_LENGTH} characters")
        # A curation reason is for the file's readers; the note is public.
        check.text(link, "curation", where, required=False)
        pair = (item["from"], item["to"])
        if pair in seen_pairs:
            check.fail(where, "the same pair is linked twice")
        seen_pairs.add(pair)
        links.append(item)

    declined = raw.get("declined") or {}
    if not isinstance(declined, dict):
        check.fail("declined", "must be a mapping")
        declined = {}
    declined_links = _declined_links(check, declined, refs, seen_pairs)
    declined_pledges = _declined_pledges(check, declined, sources)

    if check.problems:
        raise PaperDataError(check.problems)
    return Dataset(
        themes=themes,
        papers=papers,
        links=links,
        declined_links=declined_links,
        declined_pledges=declined_pledges,
    )


def _declined_links(
    check: _Checker, declined: dict, refs: dict[str, ProposalData], linked: set[tuple[str, str]]
) -> list[dict[str, str]]:
    """Links considered and not made: both ends known, a reason, and not linked."""
    out: list[dict[str, str]] = []
    for i, entry in enumerate(check.items(declined, "links", "declined", required=False)):
        where = f"declined links[{i}]"
        if not isinstance(entry, dict):
            check.fail(where, "must be a mapping")
            continue
        item = {
            "from": check.text(entry, "from", where),
            "to": check.text(entry, "to", where),
            "reason": check.text(entry, "reason", where),
        }
        where = f"declined link {item['from']} → {item['to']}"
        for end in ("from", "to"):
            if item[end] and item[end] not in refs:
                check.fail(where, f"'{end}' names unknown proposal '{item[end]}'")
        if (item["from"], item["to"]) in linked:
            check.fail(where, "the pair is both declined and linked")
        out.append(item)
    return out


def _declined_pledges(
    check: _Checker, declined: dict, sources: dict[int, str]
) -> list[dict[str, str]]:
    """Body sentences considered and not tracked: quoted verbatim, with a reason."""
    out: list[dict[str, str]] = []
    for i, entry in enumerate(check.items(declined, "pledges", "declined", required=False)):
        where = f"declined pledges[{i}]"
        if not isinstance(entry, dict):
            check.fail(where, "must be a mapping")
            continue
        paper = check.integer(entry, "paper", where)
        paragraph = str(entry.get("paragraph") or "").strip()
        text = " ".join(check.text(entry, "text", where).split())
        reason = check.text(entry, "reason", where)
        repairs = list(check.items(entry, "repairs", where, required=False))
        where = f"declined pledge {paragraph or i}"
        if not paragraph:
            check.fail(where, "missing 'paragraph'")
        if not all(
            isinstance(r, dict)
            and isinstance(r.get("original"), str)
            and isinstance(r.get("repaired"), str)
            for r in repairs
        ):
            check.fail(where, "each repair needs 'original' and 'repaired' text")
        elif paper and paper not in sources:
            check.fail(where, f"paper {paper} has no source text")
        elif paper and text and sourcetext.locate(sources[paper], text, repairs) is None:
            check.fail(where, f"text not found in the source of paper {paper}")
        out.append({"paper": str(paper), "paragraph": paragraph, "text": text, "reason": reason})
    return out
