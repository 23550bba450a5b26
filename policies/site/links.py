"""Links every public page shares: Atom feeds in ``<head>`` and permalinks."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from tracker.siteurl import site_url


def feeds(*candidates: tuple[str, str, tuple[object, ...]]) -> list[dict[str, str]]:
    """Atom feed links for ``<head>``: only the feeds whose URL names exist yet."""
    found = []
    for name, title, args in candidates:
        try:
            found.append({"href": reverse(name, args=args), "title": title})
        except NoReverseMatch:
            continue
    return found


def all_changes_feed() -> tuple[str, str, tuple[object, ...]]:
    return ("feed-all", "Status changes to every proposal", ())


def absolute(path: str) -> str:
    """A permalink for citing: the site's address (``tracker.siteurl``) and ``path``."""
    return site_url() + path
