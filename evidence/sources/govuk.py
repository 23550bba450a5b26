"""GOV.UK Content API: which file on a statistics page is the newest edition.

``/api/content/<path>`` describes a page.  Its files are listed in
``details.attachments`` (objects with ``url``, ``title``, ``filename``,
``content_type``; the content schema allows no date of their own, and asset
URLs are absolute), in ``details.documents`` (the rendered attachment blocks,
HTML, in the order the page shows them), or, on older statistics pages, only
as links in the body HTML (``details.body``).  All three are read; HTML with
lxml's HTML parser.

A page's files carry no dates, so each indicator says how its editions are
told apart (``edition`` in evidence/data/indicators.yaml):

* ``{from: filename, pattern: …}`` or ``{from: title, pattern: …}``: a regular
  expression with named groups ``year`` (2 or 4 digits), ``month`` (a number or
  a month's name), ``day`` and ``edition`` ("second", "3"); the newest is the
  largest (year, month, day, edition).  With year, month and day the date is
  taken as the file's publication date;
* ``{from: order, newest: first | last}``: the order the page lists them in.

When two matching files cannot be told apart (the same edition key, or a file
the rule cannot read, or no rule and several files) the refresh fails with a
``LayoutError`` that names them: nothing is downloaded and figures already held
stay as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from django.conf import settings
from lxml import etree

from . import LayoutError, Release, SourceError
from .http import HttpClient

MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}


@dataclass(frozen=True)
class Candidate:
    """A file a page lists whose address matches the indicator's pattern."""

    url: str  # absolute
    title: str
    position: int  # in the page's order
    listed_in: str

    @property
    def filename(self) -> str:
        return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])


def _links(html: str) -> list[tuple[str, str]]:
    """``(href, text)`` of every link in an HTML fragment."""
    if not html.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    return [
        (anchor.get("href") or "", " ".join(anchor.text_content().split()))
        for anchor in root.iter("a")
        if anchor.get("href")
    ]


def candidates(page: dict[str, Any], page_url: str, pattern: str) -> list[Candidate]:
    """Every file the page lists whose address matches ``pattern``, once each,
    in the page's order: ``details.documents`` when present (what readers see),
    else ``details.attachments``; then links found only in the body."""
    details = page.get("details")
    if not isinstance(details, dict):
        raise LayoutError(f"{page_url} has no details")
    regex = re.compile(pattern)
    found: dict[str, Candidate] = {}
    attachments = details.get("attachments") or []
    documents = details.get("documents") or []
    titles: dict[str, str] = {}
    for attachment in attachments if isinstance(attachments, list) else []:
        if isinstance(attachment, dict) and attachment.get("url"):
            url = urljoin(page_url, str(attachment["url"]))
            titles[url] = str(attachment.get("title") or attachment.get("filename") or "")
    ordered: list[tuple[str, str, str]] = []  # (url, title, where)
    for block in documents if isinstance(documents, list) else []:
        for href, text in _links(str(block)):
            url = urljoin(page_url, href)
            ordered.append((url, titles.get(url) or text, "details.documents"))
    ordered += [(url, title, "details.attachments") for url, title in titles.items()]
    ordered += [
        (urljoin(page_url, href), text, "details.body")
        for href, text in _links(str(details.get("body") or ""))
    ]
    for url, title, where in ordered:
        if url not in found and regex.search(url):
            found[url] = Candidate(url, title or url.rsplit("/", 1)[-1], len(found), where)
    return list(found.values())


def _number(raw: str | None, words: dict[str, int]) -> int | None:
    if raw is None:
        return None
    text = raw.strip().lower()
    if text.isdigit():
        return int(text)
    return words.get(text[:3] if words is MONTHS else text)


def edition_key(candidate: Candidate, rule: dict[str, Any]) -> tuple[int, int, int, int] | None:
    """(year, month, day, edition) of a file by a ``from: filename|title`` rule;
    None when the rule cannot read it."""
    text = candidate.filename if rule.get("from") == "filename" else candidate.title
    match = re.search(str(rule.get("pattern") or ""), text, flags=re.IGNORECASE)
    if not match:
        return None
    parts = match.groupdict()
    year = _number(parts.get("year"), {})
    if year is None:
        return None
    if year < 100:
        year += 2000
    month = _number(parts.get("month"), MONTHS) if parts.get("month") else 0
    day = _number(parts.get("day"), {}) if parts.get("day") else 0
    edition = _number(parts.get("edition"), ORDINALS) if parts.get("edition") else 1
    if month is None or day is None or edition is None or not 0 <= month <= 12:
        return None
    return (year, month, day, edition)


def choose_edition(found: list[Candidate], rule: dict[str, Any] | None, where: str) -> Candidate:
    """The newest edition among the matching files, by the indicator's rule."""
    if not found:
        raise LayoutError(f"no file of {where} matches")
    names = [c.filename for c in found]
    if not rule:
        if len(found) == 1:
            return found[0]
        raise LayoutError(
            f"{len(found)} files of {where} match and the indicator has no edition rule to "
            f"tell the newest: {names}"
        )
    source = rule.get("from")
    if source == "order":
        newest = rule.get("newest")
        if newest not in ("first", "last"):
            raise SourceError("edition rule 'from: order' needs newest: first | last")
        return found[0] if newest == "first" else found[-1]
    if source not in ("filename", "title") or not rule.get("pattern"):
        raise SourceError(f"edition rule {rule!r}: from filename|title|order, with a pattern")
    keys = {c.url: edition_key(c, rule) for c in found}
    unreadable = [c.filename for c in found if keys[c.url] is None]
    if unreadable:
        raise LayoutError(
            f"cannot tell the editions of {where} apart: the {source} of {unreadable} does not "
            f"match the edition pattern {rule['pattern']!r}"
        )
    ranked = sorted(found, key=lambda c: keys[c.url] or (0, 0, 0, 0), reverse=True)
    if len(ranked) > 1 and keys[ranked[0].url] == keys[ranked[1].url]:
        tied = [c.filename for c in ranked if keys[c.url] == keys[ranked[0].url]]
        raise LayoutError(
            f"cannot tell the editions of {where} apart: {tied} are all edition "
            f"{keys[ranked[0].url]} by the {source}; nothing downloaded, figures held unchanged"
        )
    return ranked[0]


def published_at(candidate: Candidate, rule: dict[str, Any] | None) -> dt.datetime | None:
    """The file's date when the rule reads a whole date from it (year, month, day)."""
    if not rule or rule.get("from") not in ("filename", "title"):
        return None
    key = edition_key(candidate, rule)
    if key is None or not (key[1] and key[2]):
        return None
    try:
        return dt.datetime(key[0], key[1], key[2], tzinfo=dt.UTC)
    except ValueError:
        return None


class GovukContent:
    def __init__(self, base_url: str | None = None, http: HttpClient | None = None) -> None:
        self.base_url = (base_url or settings.INDICATOR_SOURCES["govuk_content"]).rstrip("/") + "/"
        self.http = http or HttpClient()

    def page_url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def newest_file(self, path: str, pattern: str, rule: dict[str, Any] | None) -> Release:
        """The newest edition of the file ``pattern`` matches on the page at ``path``."""
        url = self.page_url(path)
        page = self.http.get_json(url)
        if not isinstance(page, dict):
            raise LayoutError(f"{url} did not return a content item")
        found = candidates(page, url, pattern)
        if not found:
            listed = candidates(page, url, r".")
            raise LayoutError(
                f"no attachment or linked file of {url} matches {pattern!r}; found "
                f"{[c.title for c in listed][:20]}"
            )
        chosen = choose_edition(found, rule, url)
        return Release(
            key=chosen.url,
            title=chosen.title,
            url=chosen.url,
            published_at=published_at(chosen, rule),
        )
