"""Indicator charts for other apps' pages (owned by the indicators work)."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors
from ..areas import NATIONAL_CODE
from ..views import chart_block

register = template.Library()


@register.inclusion_tag("evidence/_proposal_indicators.html", takes_context=True)
def proposal_indicators(
    context: template.Context | dict[str, Any], proposal_reference: str
) -> dict[str, Any]:
    """Charts of the indicators linked to one proposal, for England and Wales.
    Two queries, however many indicators and figures."""
    indicators = list(
        selectors.indicator_queryset().filter(links__proposal__reference=proposal_reference)
    )
    found = selectors.series_for([i.pk for i in indicators], area_codes=[NATIONAL_CODE])
    items = []
    for indicator in indicators:
        status = selectors.indicator_status(indicator)
        linked = next((x for x in status.proposals if x.reference == proposal_reference), None)
        block = chart_block(
            indicator,
            found.get((indicator.pk, NATIONAL_CODE)),
            "England and Wales",
            f"{indicator.slug}-ew",
        )
        items.append(
            {
                "indicator": indicator,
                "status": status,
                "rationale": linked.rationale if linked else "",
                **block,
            }
        )
    return {"items": items, "reference": proposal_reference, "request": context.get("request")}
