"""The delivery scorecard: how many proposals stand at each status, per paper and section.

One grouped query, whatever the number of proposals.  The counts are taken
from ``Proposal.objects.with_status()`` filtered by the API's ``ProposalFilter``,
so every cell equals the ``count`` the API returns for the same filters (the
cell's ``query`` is exactly those filters, and the page links each count to the
proposals list with it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString

from ..models import Paper, Proposal, Status

if TYPE_CHECKING:
    from ..models import ProposalWithStatus

# Headline, summary and motion proposals are a paper's commitments of record;
# body pledges (138 only) elaborate them and are counted apart.
MAIN_KINDS = (Proposal.Kind.HEADLINE, Proposal.Kind.SUMMARY, Proposal.Kind.MOTION)
BODY_KINDS = (Proposal.Kind.BODY,)
GROUPS = {"main": MAIN_KINDS, "body": BODY_KINDS}
GROUP_LABELS = {
    "main": "Headline, summary and motion proposals",
    "body": "Body pledges",
}
STATUSES = [s.value for s in Status]


@dataclass
class Cell:
    status: str
    label: str
    count: int
    query: list[tuple[str, str]] | None

    @property
    def url(self) -> str:
        return reverse("proposal-list") + "?" + urlencode(self.query) if self.query else ""


@dataclass
class Row:
    """One section (or a whole paper) of one group of kinds.

    ``query`` holds no ``status``; ``statuses`` are those the scorecard was
    filtered to (all when it was not), and a cell's query adds its own.
    """

    label: str
    query: list[tuple[str, str]]
    counts: dict[str, int]
    statuses: tuple[str, ...] = tuple(STATUSES)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def total_query(self) -> list[tuple[str, str]]:
        if len(self.statuses) == len(STATUSES):
            return self.query
        return [*self.query, *(("status", s) for s in self.statuses)]

    @property
    def total_url(self) -> str:
        return reverse("proposal-list") + "?" + urlencode(self.total_query)

    @property
    def cells(self) -> list[Cell]:
        """One per status; ``query`` is None for a status filtered out."""
        return [
            Cell(
                s,
                Status(s).label,
                self.counts.get(s, 0),
                [*self.query, ("status", s)] if s in self.statuses else None,
            )
            for s in STATUSES
        ]


@dataclass
class Group:
    key: str
    label: str
    paper_row: Row
    section_rows: list[Row] = field(default_factory=list)
    # Its chart, drawn by the page that shows it (``charts.scorecard_bars``).
    svg: SafeString = field(default=SafeString(""), compare=False, repr=False)


@dataclass
class PaperCard:
    number: int
    title: str
    year: int
    groups: list[Group]


def _kind_query(group: str) -> list[tuple[str, str]]:
    return [("kind", kind.value) for kind in GROUPS[group]]


def status_counts(proposals: QuerySet[ProposalWithStatus]) -> dict[tuple[int, str, str, str], int]:
    """``{(paper number, section number, kind, status): count}`` in one query.

    ``proposals`` must be annotated by ``with_status`` (the API's list queryset is).
    """
    rows = (
        proposals.order_by()
        .values("paper__number", "section__number", "kind", "current_status")
        .annotate(n=Count("pk", distinct=True))
    )
    return {
        (r["paper__number"], r["section__number"], r["kind"], r["current_status"]): r["n"]
        for r in rows
    }


def scorecard(
    papers: list[Paper],
    proposals: QuerySet[ProposalWithStatus],
    extra_query: Mapping[str, list[str]] | None = None,
) -> list[PaperCard]:
    """Build the scorecard of ``papers`` (sections prefetched) from ``proposals``.

    ``extra_query`` holds the filters that ``proposals`` was filtered by
    (besides paper, section and kind, which the scorecard sets itself), so that
    each count links to a list that shows exactly those proposals.  Groups with
    no proposal are left out.
    """
    counts = status_counts(proposals)
    own = {"paper", "section", "kind", "status", "page"}
    extra = [(k, v) for k, values in (extra_query or {}).items() if k not in own for v in values]
    statuses = tuple(s for s in STATUSES if s in set((extra_query or {}).get("status", STATUSES)))
    per: dict[tuple[int, str, str], dict[str, int]] = defaultdict(dict)
    for (paper_number, section_number, kind, status), n in counts.items():
        group = "body" if kind in BODY_KINDS else "main"
        bucket = per[(paper_number, section_number, group)]
        bucket[status] = bucket.get(status, 0) + n

    cards = []
    for paper in papers:
        groups = []
        for key in GROUPS:
            paper_query = [("paper", str(paper.number)), *_kind_query(key), *extra]
            section_rows = []
            paper_counts: dict[str, int] = {}
            for section in paper.sections.all():
                section_counts = per.get((paper.number, section.number, key), {})
                if not section_counts:
                    continue
                for status, n in section_counts.items():
                    paper_counts[status] = paper_counts.get(status, 0) + n
                section_rows.append(
                    Row(
                        label=f"§{section.number} {section.title}",
                        query=[
                            ("paper", str(paper.number)),
                            ("section", section.number),
                            *_kind_query(key),
                            *extra,
                        ],
                        counts=section_counts,
                        statuses=statuses,
                    )
                )
            if section_rows:
                groups.append(
                    Group(
                        key=key,
                        label=GROUP_LABELS[key],
                        paper_row=Row(
                            f"All of paper {paper.number}", paper_query, paper_counts, statuses
                        ),
                        section_rows=section_rows,
                    )
                )
        cards.append(PaperCard(paper.number, paper.title, paper.year, groups))
    return cards
