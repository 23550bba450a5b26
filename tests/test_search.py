"""Ranked full-text search (``policies.search``): the same queries give the same
result sets on SQLite (FTS5) and PostgreSQL (tsvector), through the API and the
proposals page.

Run on PostgreSQL with ``DATABASE_URL=postgres://... pytest tests/test_search.py``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import types

import pytest
from django.db import connection

from policies import search, services
from policies.models import Proposal, Status
from tests.factories import EvidenceFactory, StatusUpdateFactory, publish
from tests.support import make_draft, source_input

pytestmark = pytest.mark.django_db


def found(api_client, q, **params):
    """References the API finds for ``q``, best first (every page)."""
    query: dict[str, object] = {"q": q, "page_size": 100, **params}
    url, references = "/api/v1/proposals/", []
    while url:
        response = api_client.get(url, query)
        assert response.status_code == 200, (q, response.content[:300])
        body = response.json()
        references += [p["reference"] for p in body["results"]]
        url, query = body["next"], {}
    return references


def refs(api_client, q, **params):
    return set(found(api_client, q, **params))


def page_refs(client, q, **params):
    response = client.get("/proposals/", {"q": q, **params})
    assert response.status_code == 200, q
    return re.findall(r'<h2 class="ref"><a href="/proposals/([^/]+)/">', response.content.decode())


def document(proposal: Proposal) -> str:
    """Everything the search reads for a proposal, as the tests see it."""
    parts = [proposal.reference, proposal.text, proposal.position, proposal.section.title]
    parts += [t.name for t in proposal.themes.all()]
    parts += [proposal.parent.text] if proposal.parent else []
    for update in proposal.status_updates.filter(state__in=["published", "corrected"]):
        parts += [f"{e.title} {e.quote}" for e in update.evidence.all()]
    return " ".join(parts)


def containing(pattern: str) -> set[str]:
    word = re.compile(pattern, re.IGNORECASE)
    proposals = Proposal.objects.select_related("section", "parent").prefetch_related("themes")
    return {p.reference for p in proposals if word.search(document(p))}


@pytest.fixture
def evidence_cited(papers):
    """Synthetic public evidence: a zebra in a title (118-2d), a quagga in a quote
    (138-1a), cannabis in a title cited by a proposal whose text never says it
    (118-1a); and an okapi cited only by a draft (not public)."""
    zebra = EvidenceFactory.create(n=1, title="Synthetic zebra crossing review")
    quagga = EvidenceFactory.create(n=2, quote="Synthetic quote about a quagga.")
    cannabis = EvidenceFactory.create(n=3, title="Synthetic cannabis survey")
    okapi = EvidenceFactory.create(n=4, title="Synthetic okapi census")
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[zebra])
    publish("138-1a", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[quagga])
    publish("118-1a", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[cannabis])
    StatusUpdateFactory.create(reference="138-2b", draft=True, evidence=[okapi])


# --- Result sets, the same on both databases ----------------------------------------


def test_stemming_finds_every_form_of_a_word(api_client, papers):
    policing = refs(api_client, "policing")
    assert policing == refs(api_client, "police") == refs(api_client, "Policed")
    assert policing == containing(r"\bpolic(?:e|es|ed|ing)\b")
    assert "118-4f" in policing  # "Replacing Police and Crime Commissioners …"
    drugs = {"118-2a", "118-2b", "118-2c", "118-2d", "118-2e", "138-2g", "138-5.4.6c"}
    assert refs(api_client, "drug") == refs(api_client, "drugs") == drugs
    prisons = {"118-3d", "118-6a", "118-6b", "118-6c", "118-6d", "118-6e"}
    assert refs(api_client, "prison") == refs(api_client, "Prisons") == prisons


def test_every_word_must_match(api_client, papers):
    # 138-5.3.9b matches through its parent's text (138-5i), as 138-5.3.9a does.
    assert refs(api_client, "Victims commissioner") == {
        "138-5.2.4a",
        "138-5.3.9a",
        "138-5.3.9b",
        "138-5i",
    }
    assert refs(api_client, "cannabis zzzznotaword") == set()


def test_quoted_phrase(api_client, papers):
    phrase = refs(api_client, '"police boards"')
    assert phrase == {"118-4f", "138-2.2.5a"}
    assert phrase < refs(api_client, "police boards")
    assert refs(api_client, '"jury trials"') == {"118-5c"}
    # The 5.3.11 pledges match through their parent's text (138-5j).
    assert refs(api_client, '"stop and search"') == {
        "118-4c",
        "118-4d",
        "138-5.3.11a",
        "138-5.3.11b",
        "138-5j",
    }


def test_or_between_alternatives(api_client, papers):
    assert refs(api_client, 'cannabis or "revenge porn"') == {"118-2d", "118-7c", "138-2g"}
    assert refs(api_client, "jury OR restorative") == {"118-1a", "118-3d", "118-5c"}
    # ``or`` at either end, or twice, is only a word between nothing.
    assert refs(api_client, "or jury or or") == {"118-5c"}


def test_minus_excludes(api_client, papers):
    assert refs(api_client, "restorative") == {"118-1a", "118-3d"}
    assert refs(api_client, "restorative -community") == {"118-3d"}
    assert refs(api_client, "cannabis -review") == {"138-2g"}
    assert refs(api_client, '"mental health" -police') == {"138-5.3.5a", "138-5.4.6c"}
    # Exclusions alone: everything without the word.
    every = set(Proposal.objects.values_list("reference", flat=True))
    assert refs(api_client, "-police") == every - refs(api_client, "police")


def test_section_titles_and_theme_names_are_searched(api_client, papers):
    # "To tackle cybercrime by:" is the heading of motion section 7.
    assert refs(api_client, "cybercrime") == {"118-7a", "118-7b", "118-7c", "118-7d", "118-7e"}
    themed = set(
        Proposal.objects.filter(themes__slug="hate-crime").values_list("reference", flat=True)
    )
    assert themed and themed <= refs(api_client, '"hate crime"')


def test_evidence_titles_and_quotes_are_searched(api_client, evidence_cited):
    assert refs(api_client, "zebra") == {"118-2d"}
    assert refs(api_client, "ZEBRAS crossing") == {"118-2d"}
    assert refs(api_client, "quagga") == {"138-1a"}
    assert refs(api_client, "okapi") == set()  # cited by a draft only


def test_text_matches_rank_above_evidence_matches(api_client, evidence_cited):
    ranked = found(api_client, "cannabis")
    assert set(ranked) == {"118-2d", "138-2g", "118-1a"}
    assert ranked[-1] == "118-1a"  # only its evidence says "cannabis"
    # An explicit ordering wins over the rank.
    assert found(api_client, "cannabis", ordering="reference") == ["118-1a", "118-2d", "138-2g"]


def test_the_reference_is_searched_first(api_client, papers):
    assert found(api_client, "118-2d")[0] == "118-2d"


def test_the_page_finds_what_the_api_finds(client, api_client, evidence_cited):
    for q in ["policing", '"police boards"', "jury or restorative", "cannabis -review", "zebra"]:
        assert page_refs(client, q) == found(api_client, q)[:50], q


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        "(",
        ")",
        "*",
        "police*",
        "NEAR",
        "NEAR(police boards)",
        "police NEAR boards",
        "-",
        "--police",
        '-"',
        "or",
        "OR",
        "AND",
        "NOT police",
        '" ( * NEAR - or',
        "{proposal context} : police",
        "every_row : row",
        "row",
        "^police",
        "police:*",
        "a & b | !c",
        "'",
        "\\",
        "%_",
        "the",
        "café résumé",
        "警察 改革",
        "🚓 police",
        "police " * 150,
        "x" * 3000,
    ],
)
def test_odd_input_is_never_an_error(client, api_client, papers, q):
    response = api_client.get("/api/v1/proposals/", {"q": q})
    assert response.status_code == 200
    assert client.get("/proposals/", {"q": q}).status_code == 200
    assert api_client.get("/api/v1/proposals/", {"q": q, "format": "csv"}).status_code == 200


def test_odd_input_results(api_client, papers):
    assert refs(api_client, "the") == set()  # common words only: nothing to search for
    assert refs(api_client, "or") == set()
    assert refs(api_client, '" ( * NEAR - or') == set()
    # The word that fills every row of SQLite's index is not searchable.
    assert refs(api_client, "row") == set()
    assert refs(api_client, "police*") == refs(api_client, "police")
    assert refs(api_client, "(cannabis)") == {"118-2d", "138-2g"}
    # Only the first MAX_QUERY_LENGTH characters are read, and no word cut at the limit.
    assert refs(api_client, "cannabis" + " " * 300 + "zzzznotaword") == {"118-2d", "138-2g"}
    assert refs(api_client, "cannabis " + "x" * 1000) == {"118-2d", "138-2g"}
    assert refs(api_client, "cannabis " * 30 + "zzzznotaword") == {"118-2d", "138-2g"}
    assert search.clean("x" * 1000) == "x" * search.MAX_QUERY_LENGTH


# --- Snippets ------------------------------------------------------------------------


def test_api_snippet_marks_the_match_in_plain_text(api_client, evidence_cited):
    body = api_client.get("/api/v1/proposals/", {"q": '"police boards"'}).json()
    snippets = {p["reference"]: p["snippet"] for p in body["results"]}
    assert "«Police Boards»" in snippets["118-4f"]
    assert "<mark>" not in snippets["118-4f"]
    zebra = api_client.get("/api/v1/proposals/", {"q": "zebra"}).json()["results"][0]
    assert "«zebra»" in zebra["snippet"]
    detail = api_client.get("/api/v1/proposals/118-2d/", {"q": "zebra"}).json()
    assert detail["snippet"] == zebra["snippet"]
    # Without a query there is no snippet.
    assert api_client.get("/api/v1/proposals/118-2d/").json()["snippet"] is None
    assert api_client.get("/api/v1/proposals/").json()["results"][0]["snippet"] is None


def test_snippet_without_a_matched_passage_is_the_start_of_the_text(api_client, papers):
    body = api_client.get("/api/v1/proposals/", {"q": "-police", "page_size": 1}).json()
    item = body["results"][0]
    proposal = Proposal.objects.get(reference=item["reference"])
    assert "«" not in item["snippet"]
    assert proposal.text.startswith(item["snippet"].rstrip("…").split(" ")[0])


def test_snippets_are_escaped_on_the_page(client, api_client, papers):
    odd = EvidenceFactory.create(n=9, title='Costs < 5 & "fair" walrus')
    hostile = EvidenceFactory.create(n=10, title="<img src=x onerror=alert(1)> walrus")
    publish("138-2b", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[odd])
    publish("118-5c", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[hostile])
    html = client.get("/proposals/", {"q": "walrus"}).content.decode()
    assert "Costs &lt; 5 &amp; &quot;fair&quot; <mark>walrus</mark>" in html
    assert "<img" not in html
    results = api_client.get("/api/v1/proposals/", {"q": "walrus"}).json()["results"]
    snippets = {p["reference"]: p["snippet"] for p in results}
    assert 'Costs < 5 & "fair" «walrus»' in snippets["138-2b"]
    assert "«walrus»" in snippets["118-5c"]


def test_snippet_html_never_trusts_the_text():
    raw = f"a <b> {search.MARK_START}c{search.MARK_END} {search.MARK_START}unclosed"
    assert search.snippet_html(raw) == "a &lt;b&gt; <mark>c</mark> unclosed"
    assert search.snippet_text(raw) == "a <b> «c» unclosed"
    assert search.snippet_text(None) is None


def test_the_page_shows_counts_by_paper_and_snippets(client, api_client, papers):
    html = client.get("/proposals/", {"q": '"police boards"'}).content.decode()
    assert (
        "2 proposals matching “&quot;police boards&quot;”: 1 in paper 118, 1 in paper 138" in html
    )
    assert "<mark>Police Boards</mark>" in html
    plain = client.get("/proposals/", {"paper": "118"}).content.decode()
    assert 'class="snippet"' not in plain and "in paper 118" not in plain
    # With filters that join (themes: distinct rows), the counts are of proposals.
    query = {"q": "police", "theme": ["police-accountability", "community-policing"]}
    html = client.get("/proposals/", query).content.decode()
    counted = re.search(r"(\d+) proposals matching “police”: (\d+) in paper 118, (\d+) in", html)
    assert counted is not None
    total, in_118, in_138 = (int(n) for n in counted.groups())
    assert total == in_118 + in_138 == len(refs(api_client, "police", theme=query["theme"]))


# --- Query counts --------------------------------------------------------------------


def count_queries(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(50) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_a_search_costs_one_or_two_queries_more_whatever_the_page(
    client, api_client, evidence_cited, django_assert_max_num_queries
):
    """The ranked keys replace the count (in the API the plain list's count comes
    with its rows, so the keys are one query more there); the snippets are one query
    for the matches whose own text matched, and one more only if some matched
    elsewhere (context or evidence) only (PostgreSQL; SQLite's FTS5 snippets are one
    query)."""
    from django.db import connection

    elsewhere = 2 if connection.vendor == "postgresql" else 1

    def counted(c, url):
        return count_queries(c, url, django_assert_max_num_queries)

    plain = counted(api_client, "/api/v1/proposals/?page_size=5") + 1  # + the keys
    # "police": every match of the first page matches in its own text.
    assert counted(api_client, "/api/v1/proposals/?page_size=5&q=police") == plain + 1
    # "crime" over 100 results: some match only in their context or evidence.
    assert counted(api_client, "/api/v1/proposals/?page_size=100&q=crime") == plain + elsewhere
    detail = counted(api_client, "/api/v1/proposals/118-2d/")
    assert counted(api_client, "/api/v1/proposals/118-2d/?q=zebra") == detail + elsewhere
    page = counted(client, "/proposals/?kind=body")
    assert counted(client, "/proposals/?kind=body&q=police") in (page + 1, page + 2)
    assert counted(client, "/proposals/?q=crime&page=2") in (
        counted(client, "/proposals/?page=2") + 1,
        counted(client, "/proposals/?page=2") + 2,
    )


# --- Kept in step by the writes -------------------------------------------------------


def test_writes_refresh_what_is_searched(api_client, users):
    editor, author = users["editor"], users["campaigner"]
    proposal = Proposal.objects.get(reference="118-5c")
    theme = services.create_theme(editor, data=services.ThemeInput("narwhal", "Narwhal"))
    services.set_proposal_themes(
        editor, proposal=proposal, expected_version=proposal.version, themes=[theme]
    )
    assert refs(api_client, "narwhal") == {"118-5c"}
    renamed = services.ThemeInput("narwhal", "Axolotl")
    services.update_theme(
        editor, theme=theme, expected_revision=services.revision_of(theme), data=renamed
    )
    assert refs(api_client, "axolotl") == {"118-5c"}
    assert refs(api_client, "narwhal") == set()
    # Publishing makes the evidence of the update searchable (a draft's is not).
    draft = make_draft(author, "138-3b", n=7)
    source = draft.evidence.get()
    services.update_evidence(
        author,
        evidence=source,
        expected_version=source.version,
        data=source_input(7, title="Synthetic pangolin report"),
    )
    assert refs(api_client, "pangolin") == set()
    services.submit(author, update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    services.publish(editor, update=draft, expected_version=draft.version)
    assert refs(api_client, "pangolin") == {"138-3b"}


def test_editing_a_cited_source_in_place_refreshes_its_proposals(api_client, users, papers):
    # Sources cited by public updates are frozen when published through the
    # services; one written directly (as the factories do) can still be edited.
    author = users["campaigner"]
    source = EvidenceFactory.create(n=8, title="Synthetic heron study", created_by=author)
    publish("118-6a", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[source])
    assert refs(api_client, "heron") == {"118-6a"}
    services.update_evidence(
        author,
        evidence=source,
        expected_version=source.version,
        data=source_input(8, url=source.url, title="Synthetic egret study"),
    )
    assert refs(api_client, "egret") == {"118-6a"}


def test_loading_the_papers_refreshes_what_is_searched(api_client, papers):
    from policies.papers import loading

    proposal = Proposal.objects.get(reference="118-5c")
    Proposal.objects.filter(pk=proposal.pk).update(text="Synthetic changed text about lemurs.")
    search.refresh([proposal.pk])
    assert refs(api_client, "lemurs") == {"118-5c"}
    loading.load()  # puts the text of the data file back, and the search data with it
    assert refs(api_client, "lemurs") == set()
    assert "118-5c" in refs(api_client, '"jury trials"')


def test_deleting_a_theme_refreshes_its_proposals(api_client, users, papers):
    editor = users["editor"]
    proposal = Proposal.objects.get(reference="118-5c")
    theme = services.create_theme(editor, data=services.ThemeInput("capybara", "Capybara"))
    services.set_proposal_themes(
        editor, proposal=proposal, expected_version=proposal.version, themes=[theme]
    )
    assert refs(api_client, "capybara") == {"118-5c"}
    services.delete_theme(editor, theme=theme, expected_revision=services.revision_of(theme))
    assert refs(api_client, "capybaras") == set()


# --- The migration fills what ``refresh`` keeps -----------------------------------------


def lexemes(vector: str) -> dict[str, str]:
    """Each lexeme of a tsvector with its weights (positions depend on the order
    in which names are aggregated, which SQL leaves open)."""
    found = re.findall(r"'((?:[^']|'')*)':(\S+)", vector)
    return {word: "".join(sorted(set(re.findall("[ABC]", at)) or "D")) for word, at in found}


def stored() -> dict[int, object]:
    if connection.vendor == "postgresql":
        rows = Proposal.objects.values_list("pk", "search_vector")
        return {pk: lexemes(str(vector)) for pk, vector in rows}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid, {', '.join(search.FTS_COLUMNS)} FROM {search.FTS_TABLE}")
        return {row[0]: tuple(sorted(" ".join(row[1:]).split())) for row in cursor.fetchall()}


def test_the_migration_fills_the_same_search_data(evidence_cited):
    search.refresh_all()
    expected = stored()
    migration = importlib.import_module("policies.migrations.0006_proposal_search")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE policies_proposal SET search_vector = NULL")
        else:
            cursor.execute(f"DROP TABLE {search.FTS_TABLE}")
    migration.forwards(None, types.SimpleNamespace(connection=connection))
    assert stored() == expected
    assert len(expected) == Proposal.objects.count()
