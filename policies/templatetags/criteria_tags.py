"""The delivery criteria a proposal page shows (``DeliveryCriteria.written_for``)."""

from django import template

from policies.models import DeliveryCriteria, Proposal

register = template.Library()


@register.filter
def written_criteria(proposal: Proposal | None) -> DeliveryCriteria | None:
    if not isinstance(proposal, Proposal):
        return None
    return DeliveryCriteria.written_for(proposal)
