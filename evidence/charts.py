"""Server-side SVG line charts: no JavaScript, no CDN, readable by a screen
reader (``role="img"`` with a title and a description that states the first
and latest figures) and always paired with a table of the figures."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .selectors import Series

# At most 320 units wide, like the site's charts: drawn no narrower than a 360 px
# phone's column, a 12-unit label is never under 12 px (tests/browser/test_page_types.py).
WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 56, 10, 12, 30
# Drawn with SVG presentation attributes, not a <style> element or style=, which the
# Content-Security-Policy (no 'unsafe-inline' styles) would block.
INK = "#1d4e89"
GRID = 'stroke="#ccc" stroke-width="1"'
TICK = 'font-size="12" font-family="sans-serif" fill="#444"'


def fmt(value: Decimal) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(
    series: Series, *, title: str, unit: str, chart_id: str, note: str = ""
) -> SafeString:
    """One area's series as an SVG line; an empty string for no points.  ``note``
    (what the line leaves out for want of coverage) ends its description."""
    points = series.points
    if not points:
        return mark_safe("")  # noqa: S308 (a literal empty string)
    values = [float(p.value) for p in points]
    top = _nice_max(max(values))
    bottom = min(0.0, min(values))
    span = (top - bottom) or 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (inner_w * i / (len(points) - 1) if len(points) > 1 else inner_w / 2)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - (v - bottom) / span)

    first, last = points[0], points[-1]
    description = (
        f"{len(points)} figures for {series.area_name}, from {first.label} ({fmt(first.value)} "
        f"{unit}) to {last.label} ({fmt(last.value)} {unit})."
    )
    if note:
        description = f"{description} {note}"
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    dots = "".join(
        format_html(
            '<circle cx="{}" cy="{}" r="2.5" fill="' + INK + '"><title>{}: {} {}</title></circle>',
            f"{x(i):.1f}",
            f"{y(v):.1f}",
            p.label,
            fmt(p.value),
            unit,
        )
        for i, (p, v) in enumerate(zip(points, values, strict=True))
    )
    gridlines = "".join(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid" ' + GRID + "/>"
            '<text x="{}" y="{}" text-anchor="end" class="tick" ' + TICK + ">{}</text>",
            LEFT,
            WIDTH - RIGHT,
            f"{y(v):.1f}",
            f"{y(v):.1f}",
            LEFT - 6,
            f"{y(v) + 4:.1f}",
            fmt(Decimal(str(v))),
        )
        for v in (bottom, bottom + span / 2, top)
    )
    x_labels = format_html(
        '<text x="{}" y="{}" class="tick" text-anchor="start" ' + TICK + ">{}</text>"
        '<text x="{}" y="{}" class="tick" text-anchor="end" ' + TICK + ">{}</text>",
        LEFT,
        HEIGHT - 8,
        first.label,
        WIDTH - RIGHT,
        HEIGHT - 8,
        last.label if len(points) > 1 else "",
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{grid}{labels}"
        '<path class="line" d="{path}" fill="none" stroke="{ink}" stroke-width="2"/>'
        "{dots}</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=escape(chart_id),
        title=title,
        desc=description,
        grid=mark_safe(gridlines),  # noqa: S308 (built with format_html above)
        labels=x_labels,
        path=path,
        ink=INK,
        dots=mark_safe(dots),  # noqa: S308 (built with format_html above)
    )
