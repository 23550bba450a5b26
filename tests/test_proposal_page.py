"""The proposal page's heading says what the proposal is, and its citation reads
cleanly whatever the source's position looks like ("4 d)" used to end "(4 d))")."""

import re
from html import unescape

import pytest

from policies.models import Proposal

pytestmark = pytest.mark.django_db


def _page(client, reference):
    return client.get(f"/proposals/{reference}/").content.decode()


def _first(pattern, text):
    found = re.search(pattern, text, re.S)
    assert found is not None, pattern
    return unescape(found.group(1))


def test_the_heading_names_the_proposal_and_its_first_words(client, papers):
    proposal = Proposal.objects.get(reference="118-4d")
    heading = _first(r"<h1>(.*?)</h1>", _page(client, "118-4d"))
    first_words = " ".join(proposal.text.split()[:5])
    assert heading.startswith("Proposal 118-4d: ")
    assert first_words in heading


def test_the_citation_has_no_doubled_parenthesis(client, papers):
    for proposal in Proposal.objects.filter(reference__in=["118-4d", "118-1a"]):
        assert proposal.position.endswith(")")  # the case that used to read "(4 d))"
        citation = _first(r'<p id="citation">(.*?)</p>', _page(client, proposal.reference))
        assert "))" not in citation
        assert f"proposal {proposal.reference}, {proposal.position}." in citation
