"""Server-side SVG charts: no script, no CDN, readable by screen readers.

Each chart carries a ``<title>`` and a ``<desc>`` that says in words what it
draws, and the page puts a table with the same numbers (and links) beside it.
"""

from __future__ import annotations

import datetime as dt

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..models import Status, StatusUpdate
from .scorecard import (
    HEADLINE_ORDER,
    STATUSES,
    Group,
    MonthCounts,
    PaperCard,
    Row,
    status_by_month,
)

# Distinguishable in the common colour-vision deficiencies, and each label is
# repeated in the legend and the table, so colour is never the only cue.
STATUS_COLOURS: dict[str, str] = {
    Status.NOT_ASSESSED: "#c9c9c9",
    Status.NO_PROGRESS: "#7f3b08",
    Status.IN_PROGRESS: "#e08214",
    Status.PARTLY_DELIVERED: "#80cdc1",
    Status.DELIVERED: "#01665e",
    Status.CONTRARY: "#c51b7d",
    Status.OVERTAKEN: "#542788",
}

# Sizes in the viewBox's units.  Every chart is at most ``_WIDTH`` units wide, so
# that at 360 px (a content box of about 328 px) a unit is at least a pixel and
# the 12-unit labels (site.css) are at least 12 px.
_WIDTH = 320
_LABEL_WIDTH = 40
_BAR_WIDTH = 250
_TOTAL_WIDTH = 30
_ROW_HEIGHT = 22
_GAP = 8


def _describe(group: Group) -> str:
    parts = []
    for row in group.section_rows:
        stated = ", ".join(
            f"{row.counts[s]} {Status(s).label.lower()}" for s in STATUSES if row.counts.get(s)
        )
        parts.append(f"{row.label.split(' ', 1)[0]}: {row.total} ({stated})")
    return "; ".join(parts) + "."


def scorecard_bars(group: Group, chart_id: str, title: str) -> SafeString:
    """Horizontal stacked bars, one per section, segments by status, to one scale."""
    rows = group.section_rows
    scale_max = max((row.total for row in rows), default=0) or 1
    height = len(rows) * (_ROW_HEIGHT + _GAP) + _GAP
    width = _LABEL_WIDTH + _BAR_WIDTH + _TOTAL_WIDTH
    out = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{escape(chart_id)}-title '
        f'{escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(_describe(group))}</desc>',
    ]
    y = _GAP
    for row in rows:
        short = row.label.split(" ", 1)[0]
        out.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + _ROW_HEIGHT * 0.7:.1f}" '
            f'text-anchor="end" class="chart-label">{escape(short)}</text>'
        )
        x = float(_LABEL_WIDTH)
        for status in STATUSES:
            n = row.counts.get(status, 0)
            if not n:
                continue
            w = _BAR_WIDTH * n / scale_max
            out.append(
                f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{_ROW_HEIGHT}" '
                f'fill="{STATUS_COLOURS[status]}" class="status-{status}">'
                f"<title>{escape(short)}: {n} {escape(Status(status).label.lower())}</title>"
                "</rect>"
            )
            x += w
        out.append(
            f'<text x="{x + 6:.2f}" y="{y + _ROW_HEIGHT * 0.7:.1f}" '
            f'class="chart-total">{row.total}</text>'
        )
        y += _ROW_HEIGHT + _GAP
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated string is escaped above


def _open(chart_id: str, css: str, width: int, height: int, title: str, desc: str) -> list[str]:
    ident = escape(chart_id)
    return [
        f'<svg class="{css}" id="{ident}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def headline_bar(row: Row, chart_id: str, title: str) -> SafeString:
    """One stacked bar of a whole paper, delivery first; its words are on the page."""
    height = 16
    out = _open(chart_id, "chart-headline", _WIDTH, height, title, row_words(row))
    x = 0.0
    total = row.total or 1
    for cell in row.headline_cells:
        w = _WIDTH * cell.count / total
        out.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" '
            f'fill="{STATUS_COLOURS[cell.status]}" class="status-{cell.status}"></rect>'
        )
        x += w
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated string is escaped above


def row_words(row: Row) -> str:
    words = ", ".join(f"{c.count} {c.label.lower()}" for c in row.headline_cells)
    return f"{row.assessed} of {row.total} assessed: {words}." if words else "No proposals."


def status_over_time(months: list[MonthCounts], chart_id: str, title: str) -> SafeString:
    """Stacked steps, one column per month, delivery at the bottom and "not yet
    assessed" on top; the first and last months and the total are labelled."""
    if not months:
        return SafeString("")
    left, top, plot_w, plot_h = 4, 4, _WIDTH - 8, 120
    height = top + plot_h + 22
    scale = max(m.total for m in months) or 1
    step = plot_w / len(months)
    first, last = months[0], months[-1]
    desc = (
        f"From {first.label} to {last.label}. {first.label}: {first.assessed} of "
        f"{first.total} assessed ({first.words}). {last.label}: {last.assessed} of "
        f"{last.total} assessed ({last.words})."
    )
    out = _open(chart_id, "chart-time", _WIDTH, height, title, desc)
    base = [0.0] * len(months)
    for status in HEADLINE_ORDER:
        if not any(m.counts.get(status) for m in months):
            continue
        points_top: list[str] = []
        points_bottom: list[str] = []
        for i, month in enumerate(months):
            low = base[i]
            high = low + month.counts.get(status, 0)
            x0, x1 = left + i * step, left + (i + 1) * step
            y_low = top + plot_h * (1 - low / scale)
            y_high = top + plot_h * (1 - high / scale)
            points_top += [f"{x0:.2f},{y_high:.2f}", f"{x1:.2f},{y_high:.2f}"]
            points_bottom += [f"{x0:.2f},{y_low:.2f}", f"{x1:.2f},{y_low:.2f}"]
            base[i] = high
        out.append(
            f'<polygon points="{" ".join(points_top + points_bottom[::-1])}" '
            f'fill="{STATUS_COLOURS[status]}" class="status-{status}">'
            f"<title>{escape(Status(status).label)}</title></polygon>"
        )
    label_y = top + plot_h + 16
    out.append(f'<text x="{left}" y="{label_y}" class="chart-label">{escape(first.label)}</text>')
    if len(months) > 1:
        out.append(
            f'<text x="{left + plot_w}" y="{label_y}" text-anchor="end" '
            f'class="chart-label">{escape(last.label)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated string is escaped above


def update_timeline(updates: list[StatusUpdate], chart_id: str) -> SafeString:
    """A proposal's published updates on a time axis: each a dot at its effective
    date, a day as a dot, a month or a year as a bar across the time it may mean."""
    dated = sorted(updates, key=lambda u: (u.effective_date, u.published_at or u.effective_date))
    if not dated:
        return SafeString("")
    start = dt.date(dated[0].effective_date.year, 1, 1)
    end = dt.date(dated[-1].effective_date.year + 1, 1, 1)
    span = (end - start).days
    left, plot_w, height = 8, _WIDTH - 16, 44
    axis_y = 16

    def x_of(day: dt.date) -> float:
        return left + plot_w * (day - start).days / span

    desc = "; ".join(
        f"{u.when}: {u.get_status_display()}{' (since corrected)' if u.is_corrected else ''}"
        for u in dated
    )
    title = "Published assessments on a time axis"
    out = _open(chart_id, "chart-timeline", _WIDTH, height, title, desc + ".")
    out.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" class="axis"></line>'
    )
    for u in dated:
        colour = STATUS_COLOURS[u.status]
        css = f"status-{u.status}{' corrected' if u.is_corrected else ''}"
        tip = f"<title>{escape(u.when)}: {escape(u.get_status_display())}</title>"
        day = u.effective_date
        if u.date_precision == "day":
            out.append(
                f'<circle cx="{x_of(day):.2f}" cy="{axis_y}" r="6" fill="{colour}" '
                f'class="{css}">{tip}</circle>'
            )
            continue
        if u.date_precision == "month":
            until = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            until = dt.date(day.year + 1, 1, 1)
        x0, x1 = x_of(day.replace(day=1)), x_of(until)
        out.append(
            f'<rect x="{x0:.2f}" y="{axis_y - 5}" width="{max(x1 - x0, 4):.2f}" height="10" '
            f'rx="5" fill="{colour}" class="{css}">{tip}</rect>'
        )
    out.append(f'<text x="{left}" y="{height - 4}" class="chart-label">{start.year}</text>')
    if end.year - 1 != start.year:
        out.append(
            f'<text x="{left + plot_w}" y="{height - 4}" text-anchor="end" '
            f'class="chart-label">{end.year - 1}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every interpolated string is escaped above


def add_headline_charts(cards: list[PaperCard]) -> None:
    """Each card's headline bar and its status by month (from the cache keyed by
    the data revision; none for a paper with no published assessment)."""
    by_month = status_by_month()
    for card in cards:
        if card.headline is not None:
            card.headline_svg = headline_bar(
                card.headline,
                chart_id=f"headline-{card.number}",
                title=f"Paper {card.number}: proposals by status",
            )
        card.months = by_month.get(card.number, [])
        card.months_svg = status_over_time(
            card.months,
            chart_id=f"months-{card.number}",
            title=f"Paper {card.number}: proposals by status at the end of each month",
        )


def legend() -> list[dict[str, str]]:
    return [{"status": s, "label": Status(s).label, "colour": STATUS_COLOURS[s]} for s in STATUSES]
