"""seed_synthetic: a clearly synthetic paper 199 for benchmarks, never by accident
on a database without the real papers."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from evidence.models import Evidence, Observation, SourceRelease
from policies.management import synthetic
from policies.models import Paper, Proposal, Section, Status, StatusUpdate

pytestmark = pytest.mark.django_db

FAR_FUTURE = dt.date(9999, 12, 31)
SIZES = ["--proposals", "30", "--evidence", "50", "--observations", "20"]


def seed(*extra: str) -> str:
    out = StringIO()
    call_command("seed_synthetic", *SIZES, *extra, stdout=out)
    return out.getvalue()


def synthetic_counts() -> dict[str, int]:
    return {
        "proposals": Proposal.objects.filter(paper__number=199).count(),
        "sections": Section.objects.filter(paper__number=199).count(),
        "updates": StatusUpdate.objects.filter(proposal__paper__number=199).count(),
        "evidence": Evidence.objects.filter(url__startswith=synthetic.URL_PREFIX).count(),
        "releases": SourceRelease.objects.filter(key=synthetic.RELEASE_KEY).count(),
        "observations": Observation.objects.filter(release__key=synthetic.RELEASE_KEY).count(),
    }


def test_creates_what_was_asked(papers, indicators):
    real = Proposal.objects.exclude(paper__number=199).count()
    assert "Synthetic paper 199: 30 proposals" in seed()
    counts = synthetic_counts()
    assert counts["proposals"] == 30
    assert counts["evidence"] == 50
    assert counts["observations"] == 20
    assert counts["sections"] >= 1
    assert counts["updates"] > 0
    assert counts["releases"] >= 1
    # The real papers are untouched; no links; themes from the existing ones.
    assert Proposal.objects.exclude(paper__number=199).count() == real
    ours = Proposal.objects.filter(paper__number=199)
    assert not ours.filter(links_out__isnull=False).exists()
    assert not ours.filter(links_in__isnull=False).exists()
    assert not ours.annotate(n=Count("themes")).filter(n=0).exists()
    # Every source is cited; every assessed published update cites one (the evidence rule).
    assert not Evidence.objects.filter(
        url__startswith=synthetic.URL_PREFIX, status_updates__isnull=True
    ).exists()
    assert not StatusUpdate.objects.filter(
        proposal__paper__number=199, evidence__isnull=True
    ).exists()
    # Each observation's release is of its own indicator.
    for observation in Observation.objects.filter(release__key=synthetic.RELEASE_KEY):
        assert observation.release.indicator_id == observation.indicator_id


def test_every_text_says_it_is_synthetic(papers, indicators):
    seed()
    paper = Paper.objects.get(number=199)
    texts = [paper.title, paper.route_description, paper.source_title, paper.applicability_note]
    texts += Section.objects.filter(paper=paper).values_list("title", flat=True)
    for proposal in Proposal.objects.filter(paper=paper):
        texts += [proposal.text, proposal.position]
        assert proposal.text.startswith(f"Synthetic proposal {proposal.order} for benchmarks only")
    texts += StatusUpdate.objects.filter(proposal__paper=paper).values_list("rationale", flat=True)
    for source in Evidence.objects.filter(url__startswith=synthetic.URL_PREFIX):
        texts += [source.title, source.publisher, source.quote]
        assert source.title.startswith("Synthetic benchmark source ")
        assert source.url.startswith("https://example.org/")
    for release in SourceRelease.objects.filter(key=synthetic.RELEASE_KEY):
        texts.append(release.title)
        assert release.url.startswith("https://example.org/")
    texts += Observation.objects.filter(release__key=synthetic.RELEASE_KEY).values_list(
        "period_label", flat=True
    )
    assert texts
    assert [t for t in texts if "synthetic" not in t.lower()] == []


def test_stored_status_equals_computed(papers, indicators):
    seed()
    stored = {
        p.pk: (p.status, p.current_update_id) for p in Proposal.objects.filter(paper__number=199)
    }
    computed = {
        p.pk: (p.current_status, getattr(p, "as_at_update_id", None))
        for p in Proposal.objects.with_status(as_at=FAR_FUTURE).filter(paper__number=199)
    }
    assert stored == computed
    # The sample is not trivial: some assessed, some not, some with unpublished drafts.
    statuses = {status for status, _ in stored.values()}
    assert Status.NOT_ASSESSED in statuses
    assert len(statuses) > 2
    assert (
        StatusUpdate.objects.filter(proposal__paper__number=199)
        .exclude(state=StatusUpdate.State.PUBLISHED)
        .exists()
    )


def test_refuses_a_database_without_paper_118(papers):
    # A database not made with load_papers (here: paper 118 renamed away, rolled back
    # at the end of the test) is refused, and nothing is written.
    Paper.objects.filter(number=118).update(number=117)
    assert "no paper 118" in (synthetic.refusal() or "")
    with pytest.raises(CommandError, match="no paper 118"):
        seed()
    assert synthetic_counts()["proposals"] == 0
    assert not Paper.objects.filter(number=199).exists()
    # --force overrides.
    assert synthetic.refusal(force=True) is None
    seed("--force")
    assert synthetic_counts()["proposals"] == 30


def test_refuses_a_second_run_unless_replace(papers, indicators):
    seed()
    before = synthetic_counts()
    with pytest.raises(CommandError, match="Paper 199 exists already"):
        seed()
    assert synthetic_counts() == before
    seed("--replace")
    assert synthetic_counts() == before


def test_synthetic_proposals_are_found_by_search(papers, api_client):
    # Bulk creation bypasses the services: the seed refreshes the search data itself.
    seed("--observations", "0")
    response = api_client.get("/api/v1/proposals/", {"q": "synthetic", "paper": "199"})
    assert response.status_code == 200
    assert response.json()["count"] == 30
