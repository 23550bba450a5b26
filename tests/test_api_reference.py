"""Editors' reference data through the API: themes, 118→138 links and a
proposal's themes, through the same services as the pages, with If-Match (412
when stale, 428 without), history rows naming the user, and 400 on bad input.
Every theme, link and note here is synthetic."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from policies.models import Proposal, ProposalLink, Theme

pytestmark = pytest.mark.django_db

THEMES = "/api/v1/reference/themes/"
LINKS = "/api/v1/reference/links/"


@pytest.fixture
def editor(users, papers) -> APIClient:
    client = APIClient()
    client.force_authenticate(users["editor"])
    return client


def free_pair() -> tuple[str, str]:
    taken = set(
        ProposalLink.objects.values_list("from_proposal__reference", "to_proposal__reference")
    )
    for to in Proposal.objects.filter(paper__number=138).order_by("order"):
        if ("118-1a", to.reference) not in taken:
            return "118-1a", to.reference
    raise AssertionError("no free pair")


def test_theme_create_change_delete_with_history(editor, users):
    created = editor.post(
        THEMES,
        {"slug": "synthetic-theme", "name": "Synthetic theme", "description": "Synthetic."},
        format="json",
    )
    assert created.status_code == 201, created.content
    theme = created.json()
    url = f"{THEMES}{theme['id']}/"
    assert editor.get(url)["ETag"] == created["ETag"]
    assert any(t["slug"] == "synthetic-theme" for t in editor.get(THEMES).json())

    assert editor.patch(url, {"name": "Renamed"}, format="json").status_code == 428
    changed = editor.patch(
        url, {"name": "Synthetic theme, renamed"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "Synthetic theme, renamed"
    assert changed.json()["slug"] == "synthetic-theme"  # left out: kept
    assert changed.json()["revision"] != theme["revision"]

    stale = editor.patch(url, {"name": "Late"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert stale.status_code == 412
    assert Theme.objects.get(pk=theme["id"]).name == "Synthetic theme, renamed"

    # Tag a proposal through the API, then delete the theme: it is taken off.
    assignment = "/api/v1/reference/proposals/118-2d/themes/"
    before = editor.get(assignment)
    slugs = before.json()["themes"] + ["synthetic-theme"]
    put = editor.put(assignment, {"themes": slugs}, format="json", HTTP_IF_MATCH=before["ETag"])
    assert put.status_code == 200, put.content
    assert "synthetic-theme" in put.json()["themes"]
    assert put.json()["version"] == before.json()["version"] + 1

    current = editor.get(url)["ETag"]
    assert editor.delete(url, HTTP_IF_MATCH=created["ETag"]).status_code == 412
    deleted = editor.delete(url, HTTP_IF_MATCH=current)
    assert deleted.status_code == 200
    assert deleted.json() == {"deleted": True, "untagged_proposals": 1}
    assert not Theme.objects.filter(pk=theme["id"]).exists()
    assert editor.get(url).status_code == 404

    history = editor.get(url + "history/").json()
    assert [(r["history_type"], r["user"]) for r in history] == [
        ("deleted", "edit"),
        ("changed", "edit"),
        ("created", "edit"),
    ]
    renamed = {c["field"]: (c["old"], c["new"]) for c in history[1]["changes"]}
    assert renamed == {"name": ("Synthetic theme", "Synthetic theme, renamed")}
    proposal = Proposal.objects.get(reference="118-2d")
    assert proposal.history.first().history_user == users["editor"]


def test_proposal_themes_stale_and_unknown(editor):
    url = "/api/v1/reference/proposals/118-2d/themes/"
    first = editor.get(url)
    ok = editor.put(url, {"themes": []}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert ok.status_code == 200
    assert first.json()["themes"], "118-2d is expected to have themes in the shipped data"
    stale = editor.put(
        url, {"themes": ["stop-and-search"]}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert stale.status_code == 412
    unknown = editor.put(
        url, {"themes": ["no-such-theme"]}, format="json", HTTP_IF_MATCH=ok["ETag"]
    )
    assert unknown.status_code == 400
    assert "themes" in unknown.json()["error"]["fields"]
    assert editor.get("/api/v1/reference/proposals/999-9z/themes/").status_code == 404


def test_link_create_change_delete_with_history(editor):
    from_ref, to_ref = free_pair()
    body = {
        "from_proposal": from_ref,
        "to_proposal": to_ref,
        "link_type": "related",
        "note": "Synthetic link note.",
    }
    created = editor.post(LINKS, body, format="json")
    assert created.status_code == 201, created.content
    link = created.json()
    assert (link["from_proposal"], link["to_proposal"]) == (from_ref, to_ref)
    url = f"{LINKS}{link['id']}/"
    assert editor.post(LINKS, body, format="json").status_code == 400  # the pair is taken

    changed = editor.patch(
        url, {"link_type": "carried_over"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["link_type"] == "carried_over"
    assert changed.json()["note"] == "Synthetic link note."
    stale = editor.delete(url, HTTP_IF_MATCH=created["ETag"])
    assert stale.status_code == 412
    assert editor.delete(url, HTTP_IF_MATCH=changed["ETag"]).status_code == 204
    assert not ProposalLink.objects.filter(pk=link["id"]).exists()
    history = editor.get(url + "history/").json()
    assert [r["history_type"] for r in history] == ["deleted", "changed", "created"]
    assert history[1]["changes"] == [
        {"field": "link_type", "old": "related", "new": "carried_over"}
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"slug": "not a slug", "name": "Synthetic"},
        {"slug": "synthetic-x"},
        {"slug": "synthetic-x", "name": "x" * 500},
        {"slug": "synthetic-x", "name": "Synthetic\x00"},
        {"slug": "synthetic-x", "name": "  "},
        {"slug": ["synthetic-x"], "name": "Synthetic"},
    ],
)
def test_bad_theme_input_is_400(editor, body):
    before = Theme.objects.count()
    response = editor.post(THEMES, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert Theme.objects.count() == before


@pytest.mark.parametrize(
    "change",
    [
        {"from_proposal": "138-1a"},  # wrong paper
        {"to_proposal": "118-2d"},
        {"to_proposal": "999-9z"},
        {"link_type": "finished"},
        {"note": ""},
        {"note": "two\nlines"},
        {"note": "x" * 301},
    ],
)
def test_bad_link_input_is_400(editor, change):
    from_ref, to_ref = free_pair()
    body = {
        "from_proposal": from_ref,
        "to_proposal": to_ref,
        "link_type": "related",
        "note": "Synthetic link note.",
    }
    before = ProposalLink.objects.count()
    response = editor.post(LINKS, body | change, format="json")
    assert response.status_code == 400, response.content
    assert ProposalLink.objects.count() == before


def test_lists_refuse_unknown_parameters_and_pin_queries(editor, django_assert_num_queries):
    assert editor.get(THEMES + "?slug=x").status_code == 400
    editor.get(THEMES)
    with django_assert_num_queries(2):  # themes, their revisions
        assert editor.get(THEMES).status_code == 200
    with django_assert_num_queries(2):  # links with both proposals, their revisions
        assert editor.get(LINKS).status_code == 200


def test_history_of_nothing_is_404(editor):
    assert editor.get(f"{THEMES}999999/history/").status_code == 404
    assert editor.get(f"{LINKS}999999/history/").status_code == 404
