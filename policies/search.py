"""Ranked full-text search over proposals: the one search of the proposals page
and the API (``?q=``), on PostgreSQL and on SQLite.

What is searched, in three weighted groups:

- **A**: the reference and the verbatim text;
- **B**: where it stands (position, section title), its themes' names and its
  parent's text;
- **C**: the titles and quotes of the evidence cited by its public (published or
  corrected) status updates, as cited.

A query is written in web search syntax, as PostgreSQL's
``websearch_to_tsquery`` reads it: words (every one must match, English stemming:
"policing" finds "police"; common words such as "the" are ignored), ``"quoted
phrases"``, ``or`` between alternatives, and ``-word`` or ``-"a phrase"`` to
exclude.  Any other character is a separator, so no input is an error.  Only the
first ``MAX_QUERY_LENGTH`` characters are read (``clean``).

- **PostgreSQL**: ``Proposal.search_vector`` holds the groups as one weighted
  ``tsvector`` (config ``english``, GIN-indexed); the query is
  ``websearch_to_tsquery``, the rank ``ts_rank`` with ``WEIGHTS`` (``ts_rank_cd``
  for a query with an exclusion), snippets ``ts_headline`` (over the proposal's
  text first, the whole document only where the text does not match).
- **SQLite**: the FTS5 table ``policies_proposal_fts`` (tokenizer ``porter``) holds
  the groups as its columns ``proposal``, ``context`` and ``evidence`` (and
  ``every_row``, one constant word so that a query of exclusions alone can be
  written); ``fts5_query`` translates the same syntax into an FTS5 expression, in
  which every word or phrase is a quoted string (so no input is an FTS5 syntax
  error); the rank is ``bm25()`` with the same weights, snippets ``snippet()``.
  Differences from PostgreSQL: Porter's stemmer, not Snowball's; within a quoted
  phrase the words are matched exactly, common words included; accents are
  ignored.

``refresh(ids)`` rewrites the stored search data of some proposals.  Every write
that changes what is searched calls it in its own transaction: ``load_papers``
(``papers.loading.apply``), a proposal's themes and a theme's name
(``services.reference_data``), publishing (``services.updates.publish``: new
public evidence) and editing a cited source in place (``services.sources``; a
published source is never edited: its new version is cited only once an update
citing it is published).  Edits in the Django admin do not refresh it:
``manage.py rebuild_search`` rewrites it all.

``ranked(queryset, q)`` filters proposals to those matching, annotates
``search_rank`` (higher is better, on both databases) and orders by it; pages of
it are read keys first (``is_ranked``, ``tracker.api.pagination.KeysFirstPaginator``); then
``attach_snippets(page, q)`` gives each proposal of one page its
``search_snippet`` in one query.  A snippet marks matches with ``MARK_START`` and
``MARK_END`` and is never HTML: ``snippet_html`` escapes it and marks matches
with ``<mark>``; ``snippet_text`` is plain text with matches between « and ».
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Aggregate,
    Exists,
    Expression,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import Combinable, RawSQL
from django.db.models.functions import Coalesce, Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from evidence.models import Evidence

from .models import Proposal, Section, StatusUpdate, Theme

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

_P = TypeVar("_P", bound=Proposal)
_QS = TypeVar("_QS", bound=QuerySet[Any])

CONFIG = "english"
# Weight of each group in the rank: A (reference, text), B (context), C (evidence).
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2}
MAX_QUERY_LENGTH = 200
# The annotation ``ranked`` gives: higher is better.
RANK = "search_rank"

# Marks around a match in a snippet as the database returns it (control
# characters that no searched text holds), turned into markup only after escaping.
MARK_START = "\x02"
MARK_END = "\x03"
# Between the parts of a group in the text a snippet is taken from.
PART_SEPARATOR = " · "
SNIPPET_WORDS = 30

FTS_TABLE = "policies_proposal_fts"
FTS_COLUMNS = ("proposal", "context", "evidence", "every_row")
FTS_EVERY_ROW = "row"  # the constant word of ``every_row``


# --- What is searched ------------------------------------------------------------


class _JoinedText(Aggregate):
    """The texts of a group of rows joined by spaces (``STRING_AGG``; SQLite's
    ``GROUP_CONCAT``)."""

    function = "STRING_AGG"
    output_field = TextField()

    def __init__(self, expression: Combinable | str) -> None:
        super().__init__(expression, Value(" "))

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> _AsSqlType:
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def _joined(queryset: QuerySet[Any], text: Combinable | str) -> Coalesce:
    """``text`` of every row of ``queryset`` (correlated to a proposal), joined."""
    rows = queryset.order_by().annotate(_one=Value(1)).values("_one")
    return Coalesce(
        Subquery(rows.annotate(_text=_JoinedText(text)).values("_text")[:1]),
        Value(""),
        output_field=TextField(),
    )


def _parts(*parts: Combinable | str) -> Concat:
    separated: list[Combinable | str] = []
    for part in parts:
        if separated:
            separated.append(Value(PART_SEPARATOR))
        separated.append(part)
    return Concat(*separated, output_field=TextField())


def groups() -> dict[str, Expression]:
    """The three weighted groups of a proposal as SQL expressions over its row
    (subqueries only: ``QuerySet.update`` takes them)."""
    section_title = Subquery(
        Section.objects.filter(pk=OuterRef("section_id")).order_by().values("title")
    )
    parent_text = Coalesce(
        Subquery(Proposal.objects.filter(pk=OuterRef("parent_id")).order_by().values("text")),
        Value(""),
        output_field=TextField(),
    )
    themes = _joined(Theme.objects.filter(proposals=OuterRef("pk")), "name")
    citing = StatusUpdate.objects.public().filter(
        proposal=OuterRef(OuterRef("pk")), evidence=OuterRef("pk")
    )
    evidence = _joined(
        Evidence.objects.filter(Exists(citing)),
        Concat("title", Value(" "), "quote", output_field=TextField()),
    )
    return {
        "A": _group_a(),
        "B": _parts("position", section_title, themes, parent_text),
        "C": evidence,
    }


def _group_a() -> Concat:
    """Group A alone (the reference and the text): what most snippets are taken from,
    without building the subqueries of the others."""
    return Concat("reference", Value(" "), "text", output_field=TextField())


def refresh(proposal_ids: Iterable[int]) -> None:
    """Rewrite the stored search data of these proposals from what they are now.

    Call it inside the transaction of the write that changed what they match."""
    ids = sorted(set(proposal_ids))
    if not ids:
        return
    if connection.vendor == "postgresql":
        parts = groups()
        vector = (
            SearchVector(parts["A"], config=CONFIG, weight="A")
            + SearchVector(parts["B"], config=CONFIG, weight="B")
            + SearchVector(parts["C"], config=CONFIG, weight="C")
        )
        Proposal.objects.filter(pk__in=ids).update(search_vector=vector)
    elif connection.vendor == "sqlite":
        _refresh_fts(ids)


def _refresh_fts(ids: list[int]) -> None:
    parts = groups()
    columns = ", ".join(FTS_COLUMNS)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = (
            Proposal.objects.filter(pk__in=chunk)
            .order_by()
            .annotate(_a=parts["A"], _b=parts["B"], _c=parts["C"])
            .values_list("pk", "_a", "_b", "_c")
        )
        values = [(*row, FTS_EVERY_ROW) for row in rows]
        marks = ", ".join("%s" for _ in chunk)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608 - constants and placeholders
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, {columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608 - constants
                values,
            )


def refresh_citing(evidence_ids: Iterable[int]) -> None:
    """Refresh the proposals whose public status updates cite these sources."""
    ids = list(evidence_ids)
    if not ids:
        return
    refresh(
        StatusUpdate.objects.public()
        .filter(evidence__in=ids)
        .values_list("proposal_id", flat=True)
        .distinct()
    )


def refresh_themed(theme_ids: Iterable[int]) -> None:
    """Refresh the proposals that have these themes."""
    refresh(Proposal.objects.filter(themes__in=list(theme_ids)).values_list("pk", flat=True))


def refresh_all() -> None:
    refresh(Proposal.objects.values_list("pk", flat=True))


# --- Reading a query -------------------------------------------------------------


def clean(q: str | None) -> str:
    """The query as read: its first ``MAX_QUERY_LENGTH`` characters, without a
    word cut at the limit."""
    text = (q or "").strip()
    if len(text) <= MAX_QUERY_LENGTH:
        return text
    head = text[: MAX_QUERY_LENGTH + 1]
    if head[-1].isspace():
        return head.strip()
    words = head.rsplit(maxsplit=1)
    return words[0] if len(words) > 1 else head[:MAX_QUERY_LENGTH]


@dataclass
class _Group:
    """Terms joined by AND; a query is its groups joined by OR."""

    include: list[list[str]] = field(default_factory=list)  # each a phrase: its words
    exclude: list[list[str]] = field(default_factory=list)


# PostgreSQL's English stop words (tsearch_data/english.stop, from Snowball):
# ignored in a query, as ``websearch_to_tsquery('english', ...)`` ignores them.
_STOP_WORDS_FILE = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had
    having do does did doing a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how
    all any both each few more most other some such no nor not only own same so than
    too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_WORDS_FILE.split())

_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    """The words of an operand, without the common words at its ends (a stop word
    inside a phrase stays: FTS5 matches a phrase word for word)."""
    words = [w.lower() for w in _WORD.findall(text)]
    while words and words[0] in STOP_WORDS:
        words.pop(0)
    while words and words[-1] in STOP_WORDS:
        words.pop()
    return words


def parse(q: str) -> list[_Group]:
    """Read a query as ``websearch_to_tsquery`` does: groups separated by ``or``,
    each of words or "phrases" that must all match, some excluded with ``-``."""
    text = clean(q)
    groups = [_Group()]
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            operand, quoted, i = text[i + 1 : end], True, end + 1
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] != '"':
                end += 1
            operand, quoted, i = text[i:end], False, end
        if not quoted and not negated and operand.lower() == "or":
            if groups[-1].include or groups[-1].exclude:
                groups.append(_Group())
            continue
        words = _words(operand)
        if words:
            (groups[-1].exclude if negated else groups[-1].include).append(words)
    return [g for g in groups if g.include or g.exclude]


def _phrase(words: Sequence[str]) -> str:
    # Words are letters and digits only, so a quoted string is always well formed.
    return '{proposal context evidence} : "' + " ".join(words) + '"'


def fts5_query(q: str, *, include_only: bool = False) -> str | None:
    """The FTS5 expression of a query (None: nothing to search for).

    ``include_only``: only what a match must contain (for snippets)."""
    alternatives = []
    for group in parse(q):
        if include_only:
            if group.include:
                alternatives.append(" AND ".join(_phrase(p) for p in group.include))
            continue
        wanted = (
            " AND ".join(_phrase(p) for p in group.include)
            if group.include
            else f'every_row : "{FTS_EVERY_ROW}"'
        )
        if group.exclude:
            unwanted = " OR ".join(_phrase(p) for p in group.exclude)
            wanted = f"({wanted}) NOT ({unwanted})"
        alternatives.append(f"({wanted})")
    return " OR ".join(f"({a})" for a in alternatives) or None


# --- Searching -------------------------------------------------------------------


def _query(q: str) -> SearchQuery:
    return SearchQuery(clean(q), search_type="websearch", config=CONFIG)


def ranked(queryset: _QS, q: str) -> _QS:
    """Proposals of ``queryset`` matching ``q``, with ``search_rank`` (higher is
    better), best first (ties: in paper order).  A query with nothing to search
    for (blank, or common words only) matches nothing."""
    if not clean(q):
        return queryset
    if connection.vendor == "sqlite":
        expression = fts5_query(q)
        if expression is None:
            return queryset.none()
        bm25_weights = ", ".join(str(w) for w in (*WEIGHTS.values(), 0.0))
        # A join, so that FTS5 runs the query once for every row: ranking in a
        # subquery per row would repeat it (and bm25's statistics) for each one.
        # Django joins no virtual table, hence ``extra``.
        queryset = queryset.extra(  # noqa: S610 - constants and a parameter
            tables=[FTS_TABLE],
            where=[
                f"{FTS_TABLE} MATCH %s",
                f'{FTS_TABLE}.rowid = "{Proposal._meta.db_table}"."id"',
            ],
            params=[expression],
        ).annotate(**{RANK: RawSQL(f"-bm25({FTS_TABLE}, {bm25_weights})", ())})  # noqa: S611 - constants
    else:
        query = _query(q)
        weights = [0.0, WEIGHTS["C"], WEIGHTS["B"], WEIGHTS["A"]]  # D, C, B, A
        # ``ts_rank`` ranks a query with an exclusion near zero: those are ranked by
        # cover density (``ts_rank_cd``), the others by the cheaper ``ts_rank``.
        excludes = any(group.exclude for group in parse(q))
        rank = SearchRank(F("search_vector"), query, weights=weights, cover_density=excludes)
        queryset = queryset.filter(search_vector=query).annotate(**{RANK: rank})
    return queryset.order_by(f"-{RANK}", "paper_number", "order")


def is_ranked(queryset: QuerySet[Any]) -> bool:
    """Whether ``queryset`` is a search's, ordered by rank (``ranked``): a paginator
    should then read its keys first (``tracker.api.pagination.KeysFirstPaginator``)."""
    return RANK in queryset.query.annotations


def attach_snippets(proposals: Sequence[_P], q: str | None) -> Sequence[_P]:
    """Give each proposal its ``search_snippet``: the passage that matched ``q``
    (or, if none was found, the start of its text); None without a query.  One
    query for the page, none without a query."""
    found = snippets_of([(p.pk, p.reference, p.text) for p in proposals], q)
    for proposal in proposals:
        proposal.search_snippet = found[proposal.pk]
    return proposals


def attach_row_snippets(rows: Sequence[dict[str, Any]], q: str | None) -> Sequence[dict[str, Any]]:
    """``attach_snippets`` for rows of ``selectors.proposal_rows``: each row's
    ``snippet`` (the same value as ``search_snippet``)."""
    found = snippets_of([(row["id"], row["reference"], row["text"]) for row in rows], q)
    for row in rows:
        row["snippet"] = found[row["id"]]
    return rows


def snippets_of(proposals: Sequence[tuple[int, str, str]], q: str | None) -> dict[int, str | None]:
    """The snippet of each proposal, given as (id, reference, text), by id: what
    ``attach_snippets`` attaches.  One query, none without a query."""
    text = clean(q)
    if not text:
        return {pk: None for pk, _, _ in proposals}
    found = _snippets([pk for pk, _, _ in proposals], text) if proposals else {}
    snippets: dict[int, str | None] = {}
    for pk, reference, proposal_text in proposals:
        # Marks of neighbouring words become one, the separators of empty parts
        # go, and the reference is shown anyway.
        snippet = _NEIGHBOURS.sub(r"\1", found.get(pk) or "")
        snippet = _EMPTY_PARTS.sub(PART_SEPARATOR, snippet).strip(" ·")
        snippet = snippet.removeprefix(f"{reference} ")
        if MARK_START not in snippet:
            snippet = Truncator(proposal_text).words(SNIPPET_WORDS)
        snippets[pk] = snippet
    return snippets


_NEIGHBOURS = re.compile(f"{MARK_END}(\\s*){MARK_START}")
_EMPTY_PARTS = re.compile(r"(?:\s+·){2,}\s*")


def _snippets(ids: list[int], q: str) -> dict[int, str]:
    """The passage of each proposal that best matches ``q``, as the database marks
    it (SQLite: only proposals with a passage that matches)."""
    if connection.vendor == "sqlite":
        expression = fts5_query(q, include_only=True)
        if expression is None:
            return {}
        marks = ", ".join("%s" for _ in ids)
        sql = (
            f"SELECT rowid, snippet({FTS_TABLE}, -1, %s, %s, '…', {SNIPPET_WORDS}) "  # noqa: S608 - constants and placeholders
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({marks})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [MARK_START, MARK_END, expression, *ids])
            return dict(cursor.fetchall())

    def headlines(document: Expression, among: list[int]) -> dict[int, str]:
        headline = SearchHeadline(
            document,
            _query(q),
            config=CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=SNIPPET_WORDS,
            min_words=SNIPPET_WORDS // 2,
            max_fragments=1,
            fragment_delimiter="…",
        )
        rows = Proposal.objects.filter(pk__in=among).annotate(_snippet=headline)
        return dict(rows.values_list("pk", "_snippet"))

    # The passage from the proposal's own text where the text matches (most
    # results, and what a reader wants to see); only the others are looked for in
    # the whole document, whose context and evidence cost subqueries.
    found = headlines(_group_a(), ids)
    elsewhere = [pk for pk in ids if MARK_START not in (found.get(pk) or "")]
    if elsewhere:
        parts = groups()
        found |= headlines(_parts(parts["A"], parts["B"], parts["C"]), elsewhere)
    return found


# --- Showing a snippet -----------------------------------------------------------

_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
_STRAY = re.compile(f"[{MARK_START}{MARK_END}]")


def snippet_html(snippet: str | None) -> SafeString:
    """The snippet escaped, each match in ``<mark>``."""
    if not snippet:
        return mark_safe("")  # noqa: S308 - a literal empty string
    marked = _MARKED.sub(r"<mark>\1</mark>", str(escape(snippet)))
    return mark_safe(_STRAY.sub("", marked))  # noqa: S308 - escaped above, marks ours


def snippet_text(snippet: str | None) -> str | None:
    """The snippet as plain text, each match between « and »."""
    if snippet is None:
        return None
    return _STRAY.sub("", _MARKED.sub("«\\1»", snippet))
