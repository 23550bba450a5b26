"""Word differences between two wordings of a proposal (the comparison page).

Two words are the same when they differ only in case or punctuation ("Police
Boards" and "police boards,"), and a token of punctuation alone ("–") is never a
change.  When most words differ (``MAX_CHANGED``), marking them helps nobody:
the result says so and the page shows the two texts side by side, unmarked.

Pure: text in, escaped HTML out; no model, no query.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A word with the space after it: joining the tokens gives the text back.
_TOKEN = re.compile(r"\S+\s*")
_NOT_WORD = re.compile(r"[\W_]+")

# Above this share of changed words the texts are shown side by side, unmarked.
MAX_CHANGED = 0.5


def word_key(token: str) -> str:
    """What a token is compared by: its letters and digits, lower-cased ("" for
    punctuation alone)."""
    return _NOT_WORD.sub("", token.casefold())


@dataclass(frozen=True)
class WordDiff:
    old_html: SafeString  # the old text, escaped, words only in it in <del>
    new_html: SafeString  # the new text, escaped, words only in it in <ins>
    changed: float  # the share of words changed, 0 (same words) to 1
    side_by_side: bool  # most words differ: the HTML is the plain texts, unmarked

    @property
    def same_words(self) -> bool:
        """The texts differ at most in case, punctuation or spacing."""
        return self.changed == 0

    @property
    def changed_percent(self) -> int:
        return round(self.changed * 100)


def _mark(tokens: list[str], changed_words: set[int], tag: str) -> SafeString:
    """``tokens`` escaped, each run of changed tokens in ``<tag>``.

    ``changed_words`` holds the positions (among the tokens that are words) of
    the changed words; a punctuation token belongs to a run only between two
    changed words.
    """
    keys = [word_key(t) for t in tokens]
    word_changed: list[bool | None] = []  # None: punctuation alone
    n = 0
    for key in keys:
        if key:
            word_changed.append(n in changed_words)
            n += 1
        else:
            word_changed.append(None)
    flags: list[bool] = []
    for i, flag in enumerate(word_changed):
        if flag is not None:
            flags.append(flag)
            continue
        before = next((f for f in reversed(word_changed[:i]) if f is not None), False)
        after = next((f for f in word_changed[i + 1 :] if f is not None), False)
        flags.append(bool(before and after))
    out: list[str] = []
    run = False
    for token, flag in zip(tokens, flags, strict=True):
        if flag and not run:
            out.append(f"<{tag}>")
        elif run and not flag:
            out.append(f"</{tag}>")
        run = flag
        out.append(escape(token))
    if run:
        out.append(f"</{tag}>")
    return mark_safe("".join(out))  # noqa: S308 - every token escaped above


def word_diff(old: str, new: str, *, max_changed: float = MAX_CHANGED) -> WordDiff:
    """The words only in ``old`` and only in ``new``, ignoring case and punctuation;
    unmarked (``side_by_side``) when more than ``max_changed`` of the words differ."""
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    a = [k for k in map(word_key, old_tokens) if k]
    b = [k for k in map(word_key, new_tokens) if k]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    removed: set[int] = set()
    added: set[int] = set()
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            removed.update(range(i1, i2))
            added.update(range(j1, j2))
    changed = (len(removed) + len(added)) / (len(a) + len(b)) if a or b else 0.0
    if changed > max_changed:
        return WordDiff(
            mark_safe(escape(old)),  # noqa: S308 - escaped
            mark_safe(escape(new)),  # noqa: S308 - escaped
            changed,
            side_by_side=True,
        )
    return WordDiff(
        _mark(old_tokens, removed, "del"),
        _mark(new_tokens, added, "ins"),
        changed,
        side_by_side=False,
    )
