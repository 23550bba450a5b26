"""Showing a search result's snippet (``policies.search``) on a page."""

from django import template
from django.utils.safestring import SafeString

from policies import search

register = template.Library()


@register.filter
def marked_snippet(snippet: str | None) -> SafeString | str:
    """The passage that matched, escaped, matches in ``<mark>``; empty when the
    snippet marks no match (it is then only the start of the text)."""
    if not snippet or search.MARK_START not in snippet:
        return ""
    return search.snippet_html(snippet)
