"""Server-side SVG charts: no script, no CDN, readable by screen readers.

Each chart carries a ``<title>`` and a ``<desc>`` that says in words what it
draws, and the page puts a table with the same numbers (and links) beside it.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..models import Status
from .scorecard import STATUSES, Group

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

_LABEL_WIDTH = 48
_BAR_WIDTH = 400
_TOTAL_WIDTH = 40
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


def legend() -> list[dict[str, str]]:
    return [{"status": s, "label": Status(s).label, "colour": STATUS_COLOURS[s]} for s in STATUSES]
