"""The comparison of paper 118 with paper 138: which 118 proposals paper 138 took up.

One rule decides it (``ProposalLink.TAKEN_UP_TYPES``): a link carried over,
reworded, strengthened or weakened means 138 took the 118 proposal up; a
"related" link only points to a loosely connected proposal, so it neither hides
a 118 proposal from "Not revisited: still party policy" nor a 138 proposal from
"New in paper 138".  The page, its selector and the link values the API and the
proposal pages show all answer from that rule.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from policies import services
from policies.models import LinkedProposal, Proposal, ProposalLink, ProposalRef, Status
from policies.site import selectors as site_selectors
from policies.site.textdiff import MAX_CHANGED, word_diff
from tests.factories import publish

pytestmark = pytest.mark.django_db

TAKING_UP = {"carried_over", "reworded", "strengthened", "weakened"}


def _section(html: str, start: str, end: str | None) -> str:
    tail = html[html.index(f'id="{start}"') :]
    return tail[: tail.index(f'id="{end}"')] if end else tail


def _page(client) -> tuple[set[str], set[str]]:
    """The references listed under "Not revisited" (118) and "New in 138" (138)."""
    html = client.get(reverse("comparison")).content.decode()
    not_revisited = _section(html, "not-revisited", "new-in-138")
    new = _section(html, "new-in-138", None)
    # Only the item headings: a listed proposal may also name what it loosely relates to.
    item = r'<a class="ref" href="/proposals/({paper}-[^/]+)/"'
    return (
        set(re.findall(item.format(paper="118"), not_revisited)),
        set(re.findall(item.format(paper="138"), new)),
    )


def _selector() -> tuple[set[str], set[str]]:
    found = site_selectors.comparison()
    return (
        {row.proposal.reference for row in found.not_revisited},
        {row.proposal.reference for row in found.new_in_138},
    )


def test_the_rule_is_one_set_of_link_types():
    assert set(ProposalLink.TAKEN_UP_TYPES) == TAKING_UP
    for link_type in ProposalLink.LinkType.values:
        expected = link_type in TAKING_UP
        assert ProposalLink(link_type=link_type).takes_up is expected, link_type
        seen = LinkedProposal("to_138", link_type, "Synthetic note.", ProposalRef("138-2a"))
        assert seen.takes_up is expected, link_type


def test_related_link_leaves_118_proposal_not_revisited_and_reworded_does_not(
    client, papers, users
):
    old = Proposal.objects.get(reference="118-1a")
    new = Proposal.objects.get(reference="138-5.2.4a")
    assert not old.links_out.exists() and not new.links_in.exists()
    editor = users["editor"]

    link = services.create_link(
        editor,
        data=services.LinkInput(old, new, "related", "Synthetic test link, loosely related."),
    )
    for not_revisited, new_in_138 in (_selector(), _page(client)):
        assert "118-1a" in not_revisited
        assert "138-5.2.4a" in new_in_138

    services.update_link(
        editor,
        link=link,
        expected_revision=services.revision_of(link),
        data=services.LinkInput(old, new, "reworded", "Synthetic test link, reworded."),
    )
    for not_revisited, new_in_138 in (_selector(), _page(client)):
        assert "118-1a" not in not_revisited
        assert "138-5.2.4a" not in new_in_138


@pytest.mark.parametrize("link_type", sorted(TAKING_UP))
def test_every_taking_up_type_counts(papers, users, link_type):
    old = Proposal.objects.get(reference="118-1a")
    new = Proposal.objects.get(reference="138-5.2.4a")
    services.create_link(
        users["editor"],
        data=services.LinkInput(old, new, link_type, "Synthetic test link."),
    )
    not_revisited, new_in_138 = _selector()
    assert "118-1a" not in not_revisited and "138-5.2.4a" not in new_in_138


def test_loaded_links_sorted_by_the_rule(client, papers):
    old = Proposal.objects.filter(paper__number=118)
    taken = set(
        ProposalLink.objects.filter(link_type__in=ProposalLink.TAKEN_UP_TYPES).values_list(
            "from_proposal__reference", flat=True
        )
    )
    expected_not_revisited = set(old.values_list("reference", flat=True)) - taken
    not_revisited, new_in_138 = _page(client)
    assert not_revisited == expected_not_revisited == _selector()[0]
    # Only loosely related in 138: not taken up.
    for reference in ("118-1b", "118-1e", "118-2e", "118-3f", "118-7e", "118-4i", "118-6b"):
        assert reference in not_revisited, reference
    # Carried over, reworded, strengthened: taken up.
    for reference in ("118-3b", "118-4f", "118-2c", "118-2d", "118-3c", "118-4g"):
        assert reference not in not_revisited, reference
    # 138 proposals that only relate loosely to 118 are new in 138.
    for reference in ("138-2d", "138-2.2.6a", "138-5j", "138-5.3.10a", "138-5.3.10b"):
        assert reference in new_in_138, reference
    for reference in ("138-2g", "138-2.2.4a", "138-2.2.5a", "138-3c", "138-5.3.8a"):
        assert reference not in new_in_138, reference
    assert new_in_138 == _selector()[1]


def test_page_counts_and_loose_relations(client, papers):
    html = client.get(reverse("comparison")).content.decode()
    found = site_selectors.comparison()
    assert (
        found.count_118 == 39
        and found.count_138 == Proposal.objects.filter(paper__number=138).count()
    )
    assert f"{found.linked_118} are taken up in paper 138" in html
    assert found.linked_118 + len(found.not_revisited) == 39
    # A 118 proposal listed as not revisited names what it loosely relates to.
    row = next(r for r in found.not_revisited if r.proposal.reference == "118-7e")
    assert [p.reference for p in row.related] == ["138-2.2.6a"]
    section = _section(html, "not-revisited", "new-in-138")
    item = section[section.index('href="/proposals/118-7e/"') :]
    item = item[: item.index("</li>")]
    assert 'href="/proposals/138-2.2.6a/"' in item


def test_api_reflects_the_revised_links(api_client, papers):
    def links(reference: str) -> dict[str, str]:
        body = api_client.get(f"/api/v1/proposals/{reference}/").json()
        return {link["proposal"]["reference"]: link["link_type"] for link in body["links"]}

    assert links("118-1e") == {"138-1d": "related", "138-2b": "related", "138-2d": "related"}
    assert links("118-7e") == {"138-2.2.6a": "related"}
    assert links("118-6b") == {"138-5.3.10b": "related"}
    assert links("118-2d") == {"138-2g": "strengthened"}
    assert links("138-2d") == {"118-1e": "related"}


def test_the_api_says_which_links_take_a_proposal_up(api_client, papers):
    """Journalists read the same rule as the comparison page, per link."""
    links = api_client.get("/api/v1/proposals/118-1e/").json()["links"]
    assert links
    for link in links:
        assert link["takes_up"] is (link["link_type"] in ProposalLink.TAKEN_UP_TYPES)
    by_target = {link["proposal"]["reference"]: link for link in links}
    assert by_target["138-2d"]["link_type"] == "related"
    assert by_target["138-2d"]["takes_up"] is False
    reworded = api_client.get("/api/v1/proposals/?paper=118&page_size=100").json()["results"]
    flags = [link["takes_up"] for p in reworded for link in p["links"]]
    assert True in flags and False in flags


# --- The word diff (policies.site.textdiff) and both sides' status ---------------------


def test_diff_ignores_case_and_punctuation():
    diff = word_diff(
        "Abolish Police Boards, and reform them.", "abolish police boards and reform them"
    )
    assert diff.same_words and not diff.side_by_side
    assert "<del>" not in diff.old_html and "<ins>" not in diff.new_html
    # A dash alone, or moved punctuation, is not a change either.
    assert word_diff("We will – of course – act", "We will, of course, act").same_words


def test_diff_marks_changed_words_escaped():
    diff = word_diff(
        "Give <Police> Boards more powers over budgets",
        "Give <police> boards fewer powers over budgets",
    )
    assert not diff.side_by_side and diff.changed_percent == 14  # 2 of 14 words
    assert diff.old_html == "Give &lt;Police&gt; Boards <del>more </del>powers over budgets"
    assert diff.new_html == "Give &lt;police&gt; boards <ins>fewer </ins>powers over budgets"
    # Punctuation between two changed words stays inside the run; at its edge, outside.
    joined = word_diff("keep a, b keep", "keep c, d keep")
    assert joined.old_html == "keep <del>a, b </del>keep"


def test_diff_falls_back_to_side_by_side_when_most_words_differ():
    diff = word_diff("Create a <national> crime agency now", "Fund youth services in every town")
    assert diff.side_by_side and diff.changed > MAX_CHANGED
    assert diff.old_html == "Create a &lt;national&gt; crime agency now"
    assert "<del>" not in diff.old_html and "<ins>" not in diff.new_html
    # Exactly half changed is still marked; just over half is not.
    assert not word_diff("a b c d", "a b x y").side_by_side
    assert word_diff("a b c d", "a x y z").side_by_side


def _pair_block(html: str, old_ref: str, new_ref: str) -> str:
    start = html.index(f'<a href="/proposals/{old_ref}/">{old_ref}</a>')
    start = html.rindex('<div class="pair">', 0, start)
    ends = [html.find(end, start + 1) for end in ('<div class="pair">', "</section>")]
    block = html[start : min(end for end in ends if end > 0)]
    assert f'href="/proposals/{new_ref}/"' in block
    return block


def test_page_ignores_case_only_rewording_and_shows_both_statuses(client, papers, users):
    link = ProposalLink.objects.filter(link_type="reworded").select_related(
        "from_proposal", "to_proposal"
    )[0]
    old, new = link.from_proposal, link.to_proposal
    # Synthetic: the 138 text made the 118 text in other case and punctuation.
    Proposal.objects.filter(pk=new.pk).update(text=old.text.upper().replace(",", ""))
    publish(old.reference, Status.DELIVERED, dt.date(2023, 3, 1))
    publish(new.reference, Status.IN_PROGRESS, dt.date(2024, 1, 1))
    html = client.get(reverse("comparison")).content.decode()
    block = _pair_block(html, old.reference, new.reference)
    assert "<del>" not in block and "<ins>" not in block
    assert "Same words: the two texts differ only in case or punctuation." in block
    assert '<span class="status status-delivered">Delivered</span>' in block
    assert '<span class="status status-in_progress">In progress</span>' in block
    assert "<strong>Taken up</strong> by paper 138: reworded." in block


def test_page_shows_a_mostly_changed_pair_side_by_side(client, papers):
    link = ProposalLink.objects.filter(link_type="reworded").select_related(
        "from_proposal", "to_proposal"
    )[0]
    old, new = link.from_proposal, link.to_proposal
    Proposal.objects.filter(pk=new.pk).update(text="Synthetic text sharing no word whatsoever.")
    html = client.get(reverse("comparison")).content.decode()
    block = _pair_block(html, old.reference, new.reference)
    assert "so the two texts are shown side by side without marks" in block
    assert "<del>" not in block and "<ins>" not in block
    assert "Synthetic text sharing no word whatsoever." in block


def test_page_says_related_only_and_not_revisited(client, papers):
    html = client.get(reverse("comparison")).content.decode()
    block = _pair_block(html, "118-7e", "138-2.2.6a")
    assert "<strong>Related only</strong>: paper 138 does not take 118-7e up." in block
    assert "<del>" not in block  # no diff for a loose relation
    assert "Not revisited: still party policy" in _section(html, "not-revisited", "new-in-138")
    assert 'class="status status-not_assessed"' in _section(html, "not-revisited", "new-in-138")
