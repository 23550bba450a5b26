"""Indicator charts for other apps' pages (owned by the indicators work)."""

from django import template

from .. import selectors
from ..areas import NATIONAL_CODE
from ..views import chart_block

register = template.Library()


@register.inclusion_tag("evidence/_proposal_indicators.html", takes_context=True)
def proposal_indicators(context, proposal_reference: str):
    """Charts of the indicators linked to one proposal, for England and Wales.
    Two queries, however many indicators and figures."""
    indicators = list(
        selectors.indicator_queryset().filter(links__proposal__reference=proposal_reference)
    )
    found = selectors.series_for([i.pk for i in indicators], [NATIONAL_CODE])
    items = []
    for indicator in indicators:
        link = next(
            (x for x in indicator.links.all() if x.proposal.reference == proposal_reference), None
        )
        block = chart_block(
            indicator,
            found.get((indicator.pk, NATIONAL_CODE)),
            "England and Wales",
            f"{indicator.slug}-ew",
        )
        items.append(
            {
                "indicator": indicator,
                "rationale": link.rationale if link else "",
                "stale": selectors.is_stale(indicator),
                **block,
            }
        )
    return {"items": items, "reference": proposal_reference, "request": context.get("request")}
