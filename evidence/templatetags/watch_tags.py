"""Filters for the watch's editorial pages: figures as plain numbers, a threshold in words."""

from __future__ import annotations

from decimal import Decimal

from django import template

from evidence import suggestions
from evidence.models import StatusSuggestion

register = template.Library()


@register.filter
def plain(value: Decimal | None) -> str:
    """1234.5000 → "1234.5"."""
    return suggestions.plain(value)


@register.filter
def threshold_text(suggestion: StatusSuggestion) -> str:
    return suggestions.describe_threshold(suggestion)
