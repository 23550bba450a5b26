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


def data_strip(
    what: str,
    *,
    api: tuple[str, str],
    atom: str = "",
    csv_label: str = "Download CSV",
    extra: list[dict[str, str]] | None = None,
) -> dict[str, object]:
    """The links of a page's data strip (``templates/policies/_data_strip.html``):
    the same data as JSON and CSV (``api``, as ``api_list`` gives them), and the
    Atom feed that follows it.  ``what`` names the data ("Paper 118's 41
    proposals"); ``extra`` adds links ({"href", "label"})."""
    json, csv = api
    return {
        "what": what,
        "json": json,
        "csv": csv,
        "csv_label": csv_label,
        "atom": atom,
        "extra": extra or [],
    }


def api_list(name: str, query: str = "") -> tuple[str, str]:
    """An API list's address as JSON and as CSV, with the same filters."""
    base = reverse(name) + (f"?{query}" if query else "")
    return base, base + ("&" if query else "?") + "format=csv"
