"""Charts a shared page template draws from what its view already attached."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from policies.models import Proposal
from policies.site import charts

register = template.Library()


@register.simple_tag
def status_timeline(proposal: Proposal) -> SafeString:
    """The proposal's published updates (``public_updates``, prefetched by
    ``selectors.proposal_detail_queryset``: no query) on a time axis."""
    updates = list(getattr(proposal, "public_updates", None) or [])
    return charts.update_timeline(updates, chart_id=f"timeline-{proposal.reference}")
