"""Locate curated proposal texts in the raw, PDF-extracted source texts.

Pure Python (no Django): used by the data loader, by the page that shows a
source with its proposals highlighted, and by the tests.

The source files under ``policies/data/sources/`` are the shipped, unedited
extractions. They carry extraction damage that the curated proposal texts do
not (broken lines, page numbers inside sentences, bullet marks, markdown
emphasis). Rather than edit the sources, both sides are passed through the
same normalisation, :func:`normalise`, and compared there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache

__all__ = ["normalise", "locate", "count_occurrences", "heading_line"]

Repair = Mapping[str, str] | Sequence[str]

# A line that is only a page number (possibly indented).
_PAGE_NUMBER = re.compile(r"\d{1,3}")
# A bullet mark at the start of a line: "- ", "• " and similar glyphs.
_BULLET = re.compile(r"^(?:[-\u2022\u25aa\u25cf\uf0b7]\s+)+")
# Characters mapped to another before comparison.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u00a0": " ",  # no-break space
        "\t": " ",
        "*": None,  # markdown emphasis (*x*, **x**)
        "\u00ad": None,  # soft hyphen
        "\u00b9": None,  # footnote markers (superscript digits)
        "\u00b2": None,
        "\u00b3": None,
    }
)


def _lines(text: str) -> list[str]:
    """Per-line cleaning: drop page-number lines, bullet marks, emphasis."""
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.translate(_TRANSLATE).strip()
        if _PAGE_NUMBER.fullmatch(line):
            line = ""  # a standalone page number is not text
        line = _BULLET.sub("", line)
        out.append(line)
    return out


def _normalise_with_lines(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` and return, for each output character, the 1-based
    line number of ``text`` it came from."""
    chars: list[str] = []
    where: list[int] = []
    for lineno, line in enumerate(_lines(text), start=1):
        if not line:
            continue
        # Join to the previous line: a hyphen at a line end is kept and joined
        # directly ("co-\nlocate" -> "co-locate"); otherwise the line break
        # becomes a single space.
        if chars and not (
            chars[-1] == "-" and len(chars) > 1 and chars[-2].isalpha() and line[0].isalpha()
        ):
            chars.append(" ")
            where.append(lineno)
        for ch in line:
            if ch.isspace():
                if chars and chars[-1] == " ":
                    continue
                ch = " "
            chars.append(ch)
            where.append(lineno)
    while chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    return "".join(chars), where


def normalise(text: str) -> str:
    """Return ``text`` with PDF-extraction damage normalised away.

    Applied identically to a whole source and to a proposal text:

    * lines that hold only a page number (1-3 digits) are dropped;
    * a bullet mark ("- ", "\u2022 ") at the start of a line is dropped;
    * markdown emphasis marks (``*``, ``**``), soft hyphens and footnote
      markers (superscript 1-3) are dropped;
    * curly quotes become straight quotes; en/em dashes and Unicode hyphens
      become ``-``; tabs and no-break spaces become spaces;
    * lines are joined with one space, except that a line ending in
      letter+hyphen followed by a line starting with a letter is joined with
      no space (the hyphen is kept);
    * blank lines vanish, runs of whitespace collapse to one space, and the
      result is stripped.

    Letters are never changed, and case is kept.
    """
    return _normalise_with_lines(text)[0]


def _pairs(repairs: Iterable[Repair]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for r in repairs:
        if isinstance(r, Mapping):
            pairs.append((str(r["original"]), str(r["repaired"])))
        else:
            original, repaired = r[0], r[1]
            pairs.append((str(original), str(repaired)))
    return pairs


def _unrepair(text: str, repairs: Iterable[Repair]) -> str:
    """Put the source's (damaged) spelling back into ``text``."""
    for original, repaired in _pairs(repairs):
        text = text.replace(repaired, original)
    return text


@lru_cache(maxsize=16)
def _normalised_source(source: str) -> tuple[str, tuple[int, ...]]:
    norm, where = _normalise_with_lines(source)
    return norm, tuple(where)


def _needle(text: str, repairs: Iterable[Repair]) -> str:
    return normalise(_unrepair(text, repairs))


def _find_all(haystack: str, needle: str) -> Iterator[int]:
    """Start offsets of non-overlapping occurrences of ``needle`` that do not
    begin or end inside a word."""
    if not needle:
        return
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before = haystack[start - 1] if start else " "
        after = haystack[end] if end < len(haystack) else " "
        if not (before.isalnum() and needle[0].isalnum()) and not (
            after.isalnum() and needle[-1].isalnum()
        ):
            yield start
            start = haystack.find(needle, end)
        else:
            start = haystack.find(needle, start + 1)


def locate(
    source: str, text: str, repairs: Iterable[Repair] = (), *, after_line: int = 0
) -> tuple[int, int] | None:
    """1-based first and last line numbers of ``source`` where ``text`` first
    occurs once both are normalised, or None if it does not occur.  With
    ``after_line``, only an occurrence starting below that line counts.

    ``repairs`` are the letter-level repairs recorded for ``text``: mappings
    with ``original``/``repaired`` keys (or 2-sequences); each ``repaired``
    string is turned back into its ``original`` before searching.
    """
    needle = _needle(text, repairs)
    haystack, where = _normalised_source(source)
    for start in _find_all(haystack, needle):
        if where[start] > after_line:
            return where[start], where[start + len(needle) - 1]
    return None


def heading_line(source: str, heading: str) -> int:
    """1-based number of the last line of ``source`` that is exactly ``heading``
    (the Summary of paper 138 comes after its table of contents), or 0."""
    found = 0
    for number, line in enumerate(source.split("\n"), start=1):
        if line.strip() == heading:
            found = number
    return found


def count_occurrences(source: str, text: str, repairs: Iterable[Repair] = ()) -> int:
    """Number of non-overlapping occurrences of ``text`` in ``source``, both
    normalised (see :func:`locate` for ``repairs``)."""
    needle = _needle(text, repairs)
    haystack, _ = _normalised_source(source)
    return sum(1 for _ in _find_all(haystack, needle))
