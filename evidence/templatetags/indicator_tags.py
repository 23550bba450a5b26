"""Indicator charts for other apps' pages (owned by the indicators work)."""

from django import template

register = template.Library()


@register.inclusion_tag("evidence/_proposal_indicators.html")
def proposal_indicators(proposal_reference: str):
    """Charts of the indicators linked to one proposal."""
    return {"indicators": [], "reference": proposal_reference}
