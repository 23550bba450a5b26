"""A paper with its shipped source text, and the comparison of 118 with 138."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from tracker.cache import public_read

from ... import selectors
from ...models import Paper, Proposal, ProposalLink
from ...papers.dataset import SOURCES_DIR
from .. import charts, scorecard, textdiff
from .. import selectors as site_selectors
from ..links import all_changes_feed, api_list, data_strip, feeds


@dataclass
class SourceLine:
    number: int
    text: str
    highlighted: bool = False
    starts: list[Proposal] = field(default_factory=list)


def source_paragraphs(paper: Paper, proposals: Sequence[Proposal]) -> list[list[SourceLine]]:
    """The shipped source text as paragraphs of numbered lines, each line that
    belongs to a proposal highlighted and each proposal's first line anchored."""
    text = (SOURCES_DIR / paper.source_file).read_text(encoding="utf-8")
    lines = [SourceLine(n, line.rstrip()) for n, line in enumerate(text.split("\n"), start=1)]
    for proposal in proposals:
        start, end = proposal.source_line_start, proposal.source_line_end
        if not start:
            continue
        lines[start - 1].starts.append(proposal)
        for line in lines[start - 1 : (end or start)]:
            line.highlighted = True
    paragraphs: list[list[SourceLine]] = [[]]
    for line in lines:
        if line.text.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


# A paper with this many proposals or fewer shows every section open.
OPEN_SECTIONS_UP_TO = 40


@public_read
def paper_detail(request: HttpRequest, number: int) -> HttpResponse:
    paper = get_object_or_404(selectors.paper_queryset(), number=number)
    proposals = selectors.attach_listing(selectors.proposal_queryset().filter(paper=paper))
    by_section: dict[int, list[Proposal]] = {}
    for proposal in proposals:
        by_section.setdefault(proposal.section_id, []).append(proposal)
    (card,) = scorecard.scorecard([paper], selectors.proposal_queryset().filter(paper=paper))
    charts.add_headline_charts([card])
    section_counts: dict[str, list[tuple[scorecard.Group, scorecard.Row]]] = {}
    for group in card.groups:
        for row in group.section_rows:
            section_counts.setdefault(row.section, []).append((group, row))
    sections = [
        {
            "section": section,
            "proposals": by_section.get(section.pk, []),
            "rows": section_counts.get(section.number, []),
        }
        for section in paper.sections.all()
    ]
    return render(
        request,
        "policies/paper_detail.html",
        {
            "paper": paper,
            "sections": sections,
            "count": len(proposals),
            "card": card,
            # Short papers open every section; a long one opens them on ?open=all.
            "open_all": len(proposals) <= OPEN_SECTIONS_UP_TO or request.GET.get("open") == "all",
            "source": source_paragraphs(paper, proposals),
            "numbered": any(p.source_line_start for p in proposals),
            "data": data_strip(
                f"Paper {paper.number}'s {len(proposals)} proposals",
                api=api_list("api:proposal-list", f"paper={paper.number}"),
                atom=reverse("feed-paper", args=[paper.number]),
            ),
            "feeds": feeds(
                ("feed-paper", f"Status changes to paper {paper.number}", (paper.number,)),
                all_changes_feed(),
            ),
        },
    )


COMPARISON_ORDER = [
    ProposalLink.LinkType.CARRIED_OVER,
    ProposalLink.LinkType.REWORDED,
    ProposalLink.LinkType.STRENGTHENED,
    ProposalLink.LinkType.WEAKENED,
    ProposalLink.LinkType.RELATED,
]


@public_read
def comparison(request: HttpRequest) -> HttpResponse:
    # What counts as "taken up" is decided once, by the selector's rule
    # (``ProposalLink.TAKEN_UP_TYPES``); this view only presents it.
    found = site_selectors.comparison()
    sections = []
    for link_type in COMPARISON_ORDER:
        pairs: list[dict[str, Any]] = []
        for pair in found.pairs[link_type]:
            shown: dict[str, Any] = {"link": pair.link, "old": pair.old, "new": pair.new}
            if pair.link.takes_up:
                # Case and punctuation are not changes; most words changed: side by side.
                shown["diff"] = textdiff.word_diff(pair.old.text, pair.new.text)
            pairs.append(shown)
        sections.append(
            {
                "type": link_type,
                "label": ProposalLink.LinkType(link_type).label,
                "takes_up": link_type in ProposalLink.TAKEN_UP_TYPES,
                "pairs": pairs,
            }
        )
    return render(
        request,
        "policies/comparison.html",
        {
            "sections": sections,
            "not_revisited": found.not_revisited,
            "new_in_138": found.new_in_138,
            "linked_118": found.linked_118,
            "count_118": found.count_118,
            "count_138": found.count_138,
        },
    )
