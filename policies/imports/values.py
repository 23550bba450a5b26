"""The values an import file may use, read from the database and the models'
choices: shown on the import page's list of values and in its CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from evidence.models import Evidence

from ..models import ActingBody, DatePrecision, Status
from .parse import BODY_SEPARATOR, DATE_FORMATS


@dataclass(frozen=True)
class AllowedValues:
    statuses: list[tuple[str, str]]
    evidence_kinds: list[tuple[str, str]]
    acting_bodies: list[ActingBody]
    date_formats: list[tuple[str, str, str]]  # format, precision it sets, an example
    precisions: list[tuple[str, str]]
    separator: str = BODY_SEPARATOR


def allowed_values() -> AllowedValues:
    """One query (the acting bodies)."""
    return AllowedValues(
        statuses=list(Status.choices),
        evidence_kinds=list(Evidence.Kind.choices),
        acting_bodies=list(ActingBody.objects.order_by("name")),
        date_formats=[(fmt, str(precision), example) for fmt, precision, example in DATE_FORMATS],
        precisions=list(DatePrecision.choices),
    )


# OWASP "CSV injection": a cell a spreadsheet would run as a formula is made inert.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def allowed_values_csv() -> str:
    """The same list as CSV (column, value, meaning): a second sheet to keep beside
    the template."""
    values = allowed_values()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["column", "value", "meaning"])
    for value, label in values.statuses:
        writer.writerow(["status", value, label])
    for body in values.acting_bodies:
        writer.writerow(["acting_bodies", _inert(body.name), f"slug: {body.slug}"])
    for fmt, precision, example in values.date_formats:
        writer.writerow(["effective_date", fmt, f"known to the {precision}, e.g. {example}"])
    for value, label in values.precisions:
        writer.writerow(["date_precision", value, f"{label} (blank: from effective_date)"])
    for value, label in values.evidence_kinds:
        writer.writerow(["source_kind", value, label])
    for column in ("source_published_date", "source_accessed_date"):
        writer.writerow([column, "YYYY-MM-DD", "a full date (accessed: blank means today)"])
    return out.getvalue()
