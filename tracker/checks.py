"""System checks of the tracker's own settings (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def contact_address(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Readers need somewhere to report an error (the about page, every proposal)."""
    if settings.TRACKER_CONTACT_EMAIL:
        return []
    return [
        Warning(
            "TRACKER_CONTACT_EMAIL is not set: the about page and the proposal pages "
            "cannot tell readers where to report an error.",
            hint="Set TRACKER_CONTACT_EMAIL to an address the editors read.",
            id="tracker.W001",
        )
    ]
