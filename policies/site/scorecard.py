"""The delivery scorecard: how many proposals stand at each status, per paper and section.

One grouped query, whatever the number of proposals.  The counts are taken
from ``Proposal.objects.with_status()`` filtered by the API's ``ProposalFilter``,
so every cell equals the ``count`` the API returns for the same filters (the
cell's ``query`` is exactly those filters, and the page links each count to the
proposals list with it).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from tracker import revision

from ..models import DatePrecision, Paper, Proposal, Status, StatusUpdate, precise_date

if TYPE_CHECKING:
    from ..models import ProposalWithStatus

# Headline, summary and motion proposals are a paper's commitments of record;
# body pledges (138 only) elaborate them and are counted apart.
MAIN_KINDS = (Proposal.Kind.HEADLINE, Proposal.Kind.SUMMARY, Proposal.Kind.MOTION)
BODY_KINDS = (Proposal.Kind.BODY,)
GROUPS = {"main": MAIN_KINDS, "body": BODY_KINDS}
# A group's heading names the kinds it holds in this data (paper 118 has only
# motion proposals), in this order.
KIND_PLURALS = {
    Proposal.Kind.HEADLINE: "headline commitments",
    Proposal.Kind.SUMMARY: "summary proposals",
    Proposal.Kind.MOTION: "motion proposals",
    Proposal.Kind.BODY: "body pledges",
}
STATUSES = [s.value for s in Status]
# The order of a headline's bar and words: delivery first, unassessed last.
HEADLINE_ORDER = [
    Status.DELIVERED.value,
    Status.PARTLY_DELIVERED.value,
    Status.IN_PROGRESS.value,
    Status.NO_PROGRESS.value,
    Status.CONTRARY.value,
    Status.OVERTAKEN.value,
    Status.NOT_ASSESSED.value,
]


def group_label(kinds: set[str]) -> str:
    """ "Headline commitments and summary proposals": the kinds present, in words."""
    names = [plural for kind, plural in KIND_PLURALS.items() if kind in kinds]
    if not names:
        return ""
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return text[0].upper() + text[1:]


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
    section: str = ""  # the section's number, for a section's row

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
    def assessed(self) -> int:
        return self.total - self.counts.get(Status.NOT_ASSESSED, 0)

    @property
    def headline_cells(self) -> list[Cell]:
        """The statuses held, in ``HEADLINE_ORDER`` (the headline's words and bar)."""
        cells = {cell.status: cell for cell in self.cells}
        return [cells[s] for s in HEADLINE_ORDER if cells[s].count]

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
    # The whole paper, all kinds: the headline ("N of M assessed").
    headline: Row | None = None
    # Its status by month (``status_by_month``), and the chart of it, when the
    # page shows them.
    months: list[MonthCounts] = field(default_factory=list, compare=False, repr=False)
    headline_svg: SafeString = field(default=SafeString(""), compare=False, repr=False)
    months_svg: SafeString = field(default=SafeString(""), compare=False, repr=False)

    @property
    def month_changes(self) -> list[MonthCounts]:
        """The months whose counts differ from the month before, and the last."""
        shown = [
            m for i, m in enumerate(self.months) if not i or m.counts != self.months[i - 1].counts
        ]
        if self.months and shown[-1] is not self.months[-1]:
            shown.append(self.months[-1])
        return shown


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
    kinds: dict[tuple[int, str], set[str]] = defaultdict(set)
    whole: dict[int, dict[str, int]] = defaultdict(dict)
    for (paper_number, section_number, kind, status), n in counts.items():
        group = "body" if kind in BODY_KINDS else "main"
        bucket = per[(paper_number, section_number, group)]
        bucket[status] = bucket.get(status, 0) + n
        kinds[(paper_number, group)].add(kind)
        whole[paper_number][status] = whole[paper_number].get(status, 0) + n

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
                        section=section.number,
                    )
                )
            if section_rows:
                groups.append(
                    Group(
                        key=key,
                        label=group_label(kinds[(paper.number, key)]),
                        paper_row=Row(
                            f"All of paper {paper.number}", paper_query, paper_counts, statuses
                        ),
                        section_rows=section_rows,
                    )
                )
        headline = Row(
            f"All of paper {paper.number}",
            [("paper", str(paper.number)), *extra],
            whole.get(paper.number, {}),
            statuses,
        )
        cards.append(PaperCard(paper.number, paper.title, paper.year, groups, headline))
    return cards


# --- Status over time -------------------------------------------------------------


@dataclass(frozen=True)
class MonthCounts:
    """A paper's proposals by status at the end of one month (``as_at``: its
    last day, or today for the month in progress)."""

    month: dt.date  # its first day
    as_at: dt.date
    counts: dict[str, int]
    # A month in which an update known only to its year changed the counts is
    # labelled by the year: the chart counts it where ``as_at`` does, but never
    # claims more precision than the evidence.
    precision: str = DatePrecision.MONTH

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def assessed(self) -> int:
        return self.total - self.counts.get(Status.NOT_ASSESSED, 0)

    @property
    def label(self) -> str:
        return precise_date(self.month, self.precision)

    @property
    def words(self) -> str:
        return status_words(self.counts)


def status_words(counts: Mapping[str, int]) -> str:
    """ "2 delivered, 1 in progress and 36 not yet assessed"."""
    parts = [f"{counts[s]} {Status(s).label.lower()}" for s in HEADLINE_ORDER if counts.get(s)]
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _month_end(month: dt.date, today: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return min(following - dt.timedelta(days=1), today)


def _compute_status_by_month(today: dt.date) -> dict[int, list[MonthCounts]]:
    """Two queries.  A month's status of a proposal is the one
    ``Proposal.objects.with_status(as_at=<month end>)`` gives: its published update
    with the latest effective date on or before that day (ties: the later
    published, then the later made), else "not yet assessed"."""
    proposals = dict(Proposal.objects.order_by().values_list("pk", "paper__number"))
    history: dict[int, list[tuple[dt.date, dt.datetime | None, int, str]]] = defaultdict(list)
    year_only: dict[int, set[dt.date]] = defaultdict(set)  # paper -> months of such updates
    rows = (
        StatusUpdate.objects.filter(state=StatusUpdate.State.PUBLISHED)
        .order_by()
        .values_list(
            "proposal_id", "effective_date", "published_at", "pk", "status", "date_precision"
        )
    )
    for proposal_id, effective, published, pk, status, precision in rows:
        history[proposal_id].append((effective, published, pk, status))
        if precision == DatePrecision.YEAR:
            year_only[proposals[proposal_id]].add(effective.replace(day=1))
    # A proposal's standing changes only on the effective dates of its updates: on
    # each such day to the last of that day's updates in the order above.  So each
    # paper's month counts are a running sum of those changes, month by month (one
    # pass over the updates, then one over the months; was months x proposals).
    changes: dict[int, dict[tuple[int, int], Counter[str]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    first: dict[int, dt.date] = {}
    for proposal_id, updates in history.items():
        updates.sort()
        number = proposals[proposal_id]
        standing = str(Status.NOT_ASSESSED)
        for index, (effective, _, _, status) in enumerate(updates):
            if effective > today:
                break
            if index + 1 < len(updates) and updates[index + 1][0] == effective:
                continue  # a later update of the same day decides that day
            if number not in first or effective < first[number]:
                first[number] = effective
            delta = changes[number][(effective.year, effective.month)]
            delta[standing] -= 1
            delta[status] += 1
            standing = status
    totals: dict[int, int] = defaultdict(int)
    for number in proposals.values():
        totals[number] += 1
    result: dict[int, list[MonthCounts]] = {}
    for number, start in sorted(first.items()):
        months = []
        running: Counter[str] = Counter({str(Status.NOT_ASSESSED): totals[number]})
        month = start.replace(day=1)
        while month <= today:
            running.update(changes[number].get((month.year, month.month), Counter()))
            precision = DatePrecision.YEAR if month in year_only[number] else DatePrecision.MONTH
            months.append(
                MonthCounts(
                    month,
                    _month_end(month, today),
                    {status: n for status, n in running.items() if n},
                    precision,
                )
            )
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        result[number] = months
    return result


def status_by_month(today: dt.date | None = None) -> dict[int, list[MonthCounts]]:
    """Each paper's scorecard by month, from its first published assessment to
    this month (papers with none are left out), cached under the data revision:
    a write moves the revision, so nothing is ever stale or deleted."""
    today = today or timezone.localdate()
    key = f"policies:status-by-month:{revision.current().number}:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = _compute_status_by_month(today)
        cache.set(key, found, timeout=24 * 3600)
    return cast("dict[int, list[MonthCounts]]", found)


# --- One theme ----------------------------------------------------------------------


def theme_scorecard(
    papers: list[Paper], proposals: QuerySet[ProposalWithStatus], theme_slug: str
) -> list[PaperCard]:
    """The scorecard of one theme's proposals (``proposals``, already narrowed to the
    theme as the API's ``?theme=`` narrows its list): each count links to the list
    with ``theme`` added, so it equals the API's count for the same filters.  Papers
    with none of the theme's proposals are left out."""
    cards = scorecard(papers, proposals, extra_query={"theme": [theme_slug]})
    return [card for card in cards if card.headline is not None and card.headline.total]
