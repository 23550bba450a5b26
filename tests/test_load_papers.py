"""load_papers: idempotent, never touches status history, refuses bad files."""

import datetime as dt
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from policies.models import Paper, Proposal, ProposalLink, Section, Status, StatusUpdate, Theme
from policies.papers import dataset
from tests.factories import StatusUpdateFactory, UserFactory
from tests.support import record_history_as

pytestmark = pytest.mark.django_db

MODELS = [Paper, Section, Proposal, Theme, ProposalLink, StatusUpdate, Proposal.history.model]


def counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_counts_per_paper(papers):
    assert Proposal.objects.filter(paper__number=118).count() == 39
    kinds = {
        k: Proposal.objects.filter(paper__number=138, kind=k).count() for k in Proposal.Kind.values
    }
    assert kinds == {"summary": 29, "headline": 5, "body": 40, "motion": 0}
    assert ProposalLink.objects.count() == 26


def test_second_run_changes_nothing(papers):
    before = counts()
    out = StringIO()
    call_command("load_papers", "--no-progress", stdout=out)
    assert counts() == before
    assert "already up to date" in out.getvalue()


def test_changed_text_updates_proposal_and_keeps_status_history(papers, tmp_path):
    proposal = Proposal.objects.get(reference="118-1a")
    update = StatusUpdateFactory.create(
        reference="118-1a", status=Status.IN_PROGRESS, effective_date=dt.date(2020, 1, 1)
    )
    raw = yaml.safe_load(dataset.DATA_FILE.read_text())
    for section in raw["papers"][0]["sections"]:
        for prop in section["proposals"]:
            if prop["ref"] == "118-1a":
                prop["text"] = prop["text"] + " Extra words."
                prop["repairs"] = []
    changed = tmp_path / "papers.yaml"
    changed.write_text(yaml.safe_dump(raw, allow_unicode=True))
    # The text no longer occurs in the source, so the file is refused whole.
    with pytest.raises(CommandError, match="118-1a: text not found"):
        call_command("load_papers", "--no-progress", "--file", str(changed))
    proposal.refresh_from_db()
    assert not proposal.text.endswith("Extra words.")

    # A change that the source supports (here, a shorter verbatim cut) is applied.
    raw_ok = yaml.safe_load(dataset.DATA_FILE.read_text())
    original = proposal.text
    for section in raw_ok["papers"][0]["sections"]:
        for prop in section["proposals"]:
            if prop["ref"] == "118-1a":
                prop["text"] = original.rsplit(" ", 2)[0]
    changed.write_text(yaml.safe_dump(raw_ok, allow_unicode=True))
    before = counts()
    call_command("load_papers", "--no-progress", "--file", str(changed), stdout=StringIO())
    proposal.refresh_from_db()
    assert proposal.text == original.rsplit(" ", 2)[0]
    assert proposal.version == 2
    assert StatusUpdate.objects.filter(pk=update.pk, status=Status.IN_PROGRESS).exists()
    after = counts()
    assert after["Proposal"] == before["Proposal"]
    assert after["StatusUpdate"] == before["StatusUpdate"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda raw: raw.update(schema_version=99), "schema_version must be 1"),
        (
            lambda raw: raw["papers"][0]["sections"][0]["proposals"][0].update(kind="wish"),
            "'kind' is 'wish'",
        ),
        (
            lambda raw: raw["papers"][0]["sections"][0]["proposals"][0].update(themes=["nope"]),
            "unknown theme 'nope'",
        ),
        (
            lambda raw: raw["papers"][0]["sections"][0]["proposals"][1].update(ref="118-1a"),
            "reference used twice",
        ),
        (
            lambda raw: raw["links"].append(
                {"from": "118-1a", "to": "138-99z", "type": "related", "note": "x"}
            ),
            "unknown proposal '138-99z'",
        ),
        (lambda raw: raw["papers"][0]["sections"][0]["proposals"][0].pop("text"), "missing 'text'"),
        (
            lambda raw: raw["links"][0].update(note="A note far too long. " * 20),
            "'note' is longer than 300 characters",
        ),
        (
            lambda raw: raw["links"][0].update(curation=["not", "text"]),
            "'curation' must be text",
        ),
        (
            lambda raw: raw["declined"]["links"].append(
                {"from": raw["links"][0]["from"], "to": raw["links"][0]["to"], "reason": "x"}
            ),
            "declined and linked",
        ),
        (
            lambda raw: raw["declined"]["links"].append({"from": "118-1a", "to": "138-2a"}),
            "missing 'reason'",
        ),
        (
            lambda raw: raw["declined"]["pledges"].append(
                {
                    "paper": 138,
                    "paragraph": "2.2.2",
                    "text": "Words not in the paper.",
                    "reason": "x",
                }
            ),
            "declined pledge 2.2.2: text not found",
        ),
    ],
)
def test_malformed_file_names_problem_and_changes_nothing(papers, tmp_path, mutate, message):
    raw = yaml.safe_load(dataset.DATA_FILE.read_text())
    mutate(raw)
    bad = tmp_path / "papers.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True))
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_papers", "--no-progress", "--file", str(bad))
    assert message in str(excinfo.value)
    assert "nothing was loaded" in str(excinfo.value)
    assert counts() == before


def test_not_yaml_is_refused(papers, tmp_path):
    bad = tmp_path / "papers.yaml"
    bad.write_text("papers: [unclosed\n")
    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("load_papers", "--no-progress", "--file", str(bad))


def test_every_proposal_starts_not_assessed(papers):
    assert not StatusUpdate.objects.exists()
    statuses = set(Proposal.objects.with_status().values_list("current_status", flat=True))
    assert statuses == {Status.NOT_ASSESSED}


def test_summary_proposals_point_at_the_summary_not_the_chapter_box(papers):
    from policies.papers import sourcetext

    source = (dataset.SOURCES_DIR / "policy-paper-138-united-against-crime.txt").read_text()
    summary = sourcetext.heading_line(source, dataset.SUMMARY_HEADING)
    assert summary > 300
    for proposal in Proposal.objects.filter(kind=Proposal.Kind.SUMMARY):
        assert proposal.source_line_start is not None, proposal.reference
        assert proposal.source_line_start > summary, proposal.reference
    body = Proposal.objects.get(reference="138-2.2.4a")
    assert body.source_line_start is not None and body.source_line_end is not None
    assert 0 < body.source_line_start <= body.source_line_end < summary


def test_reload_keeps_what_editors_changed(papers):
    """The data file seeds themes and links; an editor's later work wins over it."""
    from policies import services

    editor = UserFactory.create(username="reload-editor", role="editor")
    proposal = Proposal.objects.get(reference="118-2d")
    only = Theme.objects.exclude(pk__in=proposal.themes.all()).first()
    assert only is not None
    services.set_proposal_themes(
        editor, proposal=proposal, expected_version=proposal.version, themes=[only]
    )
    theme = Theme.objects.get(slug="drugs")
    theme.name = "Drugs and alcohol (edited)"
    record_history_as(theme, editor)
    theme.save()
    link = ProposalLink.objects.get(
        from_proposal__reference="118-4f", to_proposal__reference="138-2.2.5a"
    )
    record_history_as(link, editor)
    link.delete()
    untouched = Proposal.objects.get(reference="118-1a")
    seeded = set(untouched.themes.values_list("slug", flat=True))

    call_command("load_papers", "--no-progress", stdout=StringIO())

    assert list(Proposal.objects.get(reference="118-2d").themes.all()) == [only]
    assert Theme.objects.get(slug="drugs").name == "Drugs and alcohol (edited)"
    assert not ProposalLink.objects.filter(
        from_proposal__reference="118-4f", to_proposal__reference="138-2.2.5a"
    ).exists()
    assert set(untouched.themes.values_list("slug", flat=True)) == seeded


def test_moving_proposals_down_the_reading_order_is_not_an_edit(papers, tmp_path):
    """Adding a proposal shifts the reading order (``order``) of every later one;
    that is not an edit of theirs: no new version and nothing in the change log."""
    from policies.changes import Change, ChangeLog

    raw = yaml.safe_load(dataset.DATA_FILE.read_text())
    paper_138 = next(p for p in raw["papers"] if p["number"] == 138)
    section_2 = next(s for s in paper_138["sections"] if s["number"] == "2")
    # Loading never deletes: leaving one early proposal out of the file moves
    # every later one up by one, as inserting one moves them down.
    section_2["proposals"] = [p for p in section_2["proposals"] if p["ref"] != "138-2.2.5b"]
    shifted = tmp_path / "papers.yaml"
    shifted.write_text(yaml.safe_dump(raw, allow_unicode=True))
    later = Proposal.objects.get(reference="138-5.4.7a")
    before = (later.order, later.version)

    call_command("load_papers", "--no-progress", "--file", str(shifted), stdout=StringIO())

    later.refresh_from_db()
    assert (later.order, later.version) == (before[0] - 1, before[1])
    assert Proposal.objects.filter(version__gt=1).count() == 0
    edits = [c for c in ChangeLog().iterator() if c.type == Change.PROPOSAL_EDITED]
    assert edits == []
