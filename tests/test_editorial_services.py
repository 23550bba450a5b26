"""The rules of drafting, review, publishing, corrections and evidence, at the
service layer (the forms and the API come through the same functions)."""

import datetime as dt

import pytest
from django.test import override_settings

from evidence.models import Evidence
from policies import services
from policies.models import Proposal, Status, StatusUpdate
from tests.support import (
    RATIONALE,
    make_draft,
    make_published,
    make_source,
    source_input,
    update_input,
)

pytestmark = pytest.mark.django_db


def test_status_other_than_not_assessed_needs_evidence(users, papers):
    proposal = Proposal.objects.get(reference="118-2d")
    with pytest.raises(services.RuleViolation, match="evidence"):
        services.create_draft(users["campaigner"], proposal=proposal, data=update_input([]))
    assert not StatusUpdate.objects.exists()
    draft = services.create_draft(
        users["campaigner"], proposal=proposal, data=update_input([], status=Status.NOT_ASSESSED)
    )
    assert draft.state == StatusUpdate.State.DRAFT


def test_incomplete_source_is_refused(users, papers):
    with pytest.raises(services.RuleViolation) as refused:
        services.get_or_create_evidence(users["campaigner"], data=source_input(1, publisher=""))
    assert "publisher" in refused.value.fields
    assert not Evidence.objects.exists()


def test_same_url_is_reused_not_duplicated(users, papers):
    first, created = services.get_or_create_evidence(users["campaigner"], data=source_input(1))
    again, created_again = services.get_or_create_evidence(
        users["campaigner2"],
        data=source_input(1, title="Synthetic other title", url=" " + first.url),
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert Evidence.objects.count() == 1


def test_publish_is_one_step_and_freezes_evidence(users, papers):
    draft = make_draft(users["campaigner"])
    services.submit(users["campaigner"], update=draft, expected_version=draft.version)
    services.publish(users["editor"], update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    assert draft.state == StatusUpdate.State.PUBLISHED
    assert draft.published_at is not None and draft.reviewed_by == users["editor"]
    assert all(e.is_published for e in draft.evidence.all())
    current = Proposal.objects.with_status().get(reference="118-2d")
    assert current.current_status == Status.IN_PROGRESS


def test_editor_cannot_publish_own_draft_unless_allowed(users, papers):
    draft = make_draft(users["editor"])
    with pytest.raises(services.NotPermitted, match="another editor"):
        services.publish(users["editor"], update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    assert draft.state == StatusUpdate.State.DRAFT
    with override_settings(TRACKER_ALLOW_SELF_PUBLISH=True):
        services.publish(users["editor"], update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    assert draft.state == StatusUpdate.State.PUBLISHED


def test_campaigner_cannot_publish(users, papers):
    draft = make_draft(users["campaigner"])
    with pytest.raises(services.NotPermitted):
        services.publish(users["campaigner2"], update=draft, expected_version=draft.version)


def test_return_with_comment_then_author_edits(users, papers):
    draft = make_draft(users["campaigner"])
    services.submit(users["campaigner"], update=draft, expected_version=draft.version)
    with pytest.raises(services.RuleViolation):
        services.return_to_author(
            users["editor"], update=draft, expected_version=draft.version, comment="  "
        )
    services.return_to_author(
        users["editor"],
        update=draft,
        expected_version=draft.version,
        comment="Cite the Act itself.",
    )
    draft.refresh_from_db()
    assert draft.state == StatusUpdate.State.RETURNED
    assert draft.review_comment == "Cite the Act itself."
    services.update_draft(
        users["campaigner"],
        update=draft,
        expected_version=draft.version,
        data=update_input(draft.evidence.all(), rationale="Better."),
    )
    draft.refresh_from_db()
    assert draft.rationale == "Better."


def test_published_update_is_never_edited_in_place(users, papers):
    published = make_published(users["campaigner"], users["editor"])
    with pytest.raises(services.NotPermitted):
        services.update_draft(
            users["editor"],
            update=published,
            expected_version=published.version,
            data=update_input([]),
        )
    published.refresh_from_db()
    assert published.rationale == RATIONALE


def test_correction_supersedes_and_original_stays_marked(users, papers):
    original = make_published(users["campaigner"], users["editor"])
    correction = services.start_correction(
        users["editor"],
        original=original,
        data=update_input(
            original.evidence.all(),
            status=Status.DELIVERED,
            rationale="Synthetic correction, long enough for the drafting rules.",
        ),
    )
    original.refresh_from_db()
    assert original.state == StatusUpdate.State.PUBLISHED  # until the correction is published
    services.publish(users["editor2"], update=correction, expected_version=correction.version)
    original.refresh_from_db()
    correction.refresh_from_db()
    assert original.state == StatusUpdate.State.CORRECTED
    assert correction.corrects == original and correction.state == StatusUpdate.State.PUBLISHED
    assert set(StatusUpdate.objects.public()) == {original, correction}
    current = Proposal.objects.with_status().get(reference="118-2d")
    assert current.current_status == Status.DELIVERED


def test_campaigner_proposes_a_correction_only_as_a_draft(users, papers):
    original = make_published(users["campaigner"], users["editor"])
    proposed = services.start_correction(
        users["campaigner"], original=original, data=update_input(original.evidence.all())
    )
    assert proposed.state == StatusUpdate.State.DRAFT and proposed.corrects == original
    with pytest.raises(services.NotPermitted):
        services.publish(users["campaigner"], update=proposed, expected_version=proposed.version)
    original.refresh_from_db()
    assert original.state == StatusUpdate.State.PUBLISHED


def test_stale_save_is_refused_with_what_changed(users, papers):
    draft = make_draft(users["campaigner"])
    base = draft.version
    services.update_draft(
        users["editor"],
        update=draft,
        expected_version=base,
        data=update_input(draft.evidence.all(), rationale="Editor's words."),
    )
    stale = StatusUpdate.objects.get(pk=draft.pk)
    with pytest.raises(services.StaleVersion) as refused:
        services.update_draft(
            users["campaigner"],
            update=stale,
            expected_version=base,
            data=update_input(draft.evidence.all(), rationale="Mine."),
        )
    assert [c.field for c in refused.value.changes] == ["rationale"]
    assert refused.value.changes[0].old == RATIONALE
    assert refused.value.changes[0].new == "Editor's words."
    assert "rationale" in refused.value.message
    draft.refresh_from_db()
    assert draft.rationale == "Editor's words."


def test_published_evidence_gets_a_new_version(users, papers):
    published = make_published(users["campaigner"], users["editor"])
    old = published.evidence.get()
    with pytest.raises(services.NotPermitted):
        services.update_evidence(
            users["campaigner"],
            evidence=old,
            expected_version=old.version,
            data=source_input(1, title="x"),
        )
    new = services.update_evidence(
        users["editor"],
        evidence=old,
        expected_version=old.version,
        data=source_input(1, title="Synthetic test source, revised"),
    )
    old.refresh_from_db()
    assert new.pk != old.pk and old.replaced_by == new
    assert old.title == "Synthetic test source 1"  # frozen
    assert new.url == old.url and new.version == old.version + 1
    assert list(published.evidence.all()) == [old]  # the update still cites what it cited
    assert services.current_evidence_for_url(old.url) == new


def test_unpublished_evidence_is_edited_in_place_by_its_creator_only(users, papers):
    source = make_source(users["campaigner"])
    with pytest.raises(services.NotPermitted):
        services.update_evidence(
            users["campaigner2"],
            evidence=source,
            expected_version=source.version,
            data=source_input(1, title="x"),
        )
    services.update_evidence(
        users["campaigner"],
        evidence=source,
        expected_version=source.version,
        data=source_input(1, title="Synthetic fixed"),
    )
    source.refresh_from_db()
    assert source.title == "Synthetic fixed" and Evidence.objects.count() == 1


def test_history_records_who_and_before_after(users, papers):
    draft = make_draft(users["campaigner"])
    services.update_draft(
        users["editor"],
        update=draft,
        expected_version=draft.version,
        data=update_input(draft.evidence.all(), rationale="Changed."),
    )
    latest, *_ = draft.history.order_by("-history_date", "-history_id")
    assert latest.history_user == users["editor"]
    first = draft.history.filter(rationale=RATIONALE).earliest("history_date")
    assert first.history_user == users["campaigner"]
    delta = latest.diff_against(first, excluded_fields=["acting_bodies", "evidence", "updated_at"])
    assert {c.field for c in delta.changes} == {"rationale", "version"}


def test_future_date_refused(users, papers):
    proposal = Proposal.objects.get(reference="118-2d")
    data = update_input([make_source(users["campaigner"])])
    data.effective_date = dt.date.today() + dt.timedelta(days=30)
    with pytest.raises(services.RuleViolation):
        services.create_draft(users["campaigner"], proposal=proposal, data=data)
