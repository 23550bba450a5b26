"""Figures that suggest a status: thresholds on indicator links, the suggestion a
crossing release creates (exactly one), and the editors' accept (a pre-filled
draft, nothing published) and dismiss (the reason kept).  Every figure and
release is synthetic."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from evidence import suggestions
from evidence.models import (
    Evidence,
    Indicator,
    IndicatorLink,
    Observation,
    SourceRelease,
    StatusSuggestion,
)
from evidence.tasks import refresh_indicator
from policies.models import Proposal, StatusUpdate
from tests.payloads.server import mount_prc
from tests.watch_support import mount_prc_edition3, national_release

pytestmark = pytest.mark.django_db


def watch(slug: str, reference: str, threshold, **fields) -> IndicatorLink:
    link = IndicatorLink.objects.get(indicator__slug=slug, proposal__reference=reference)
    link.threshold = Decimal(str(threshold))
    for name, value in fields.items():
        setattr(link, name, value)
    link.save()
    return link


@pytest.fixture
def homicide(indicators) -> Indicator:
    """A real indicator definition (lower is progress); its figures here are synthetic."""
    return Indicator.objects.get(slug="homicide")


def suggest(indicator: Indicator) -> list[StatusSuggestion]:
    return suggestions.suggest_for_indicator(indicator)


# --- When a release crosses the threshold ----------------------------------------------------


def test_a_release_crossing_a_level_threshold_suggests_exactly_once(homicide):
    link = watch("homicide", "138-2e", 95)
    national_release(homicide, "a", {0: 110, 1: 100})
    assert suggest(homicide) == []
    crossing = national_release(homicide, "b", {2: 90})
    made = suggest(homicide)
    assert len(made) == 1
    suggestion = made[0]
    assert (suggestion.link, suggestion.release) == (link, crossing)
    assert (suggestion.measure, suggestion.measure_before) == (Decimal("90"), Decimal("100"))
    assert suggestion.observation.period_label == "2024-03"
    assert (suggestion.direction, suggestion.basis, suggestion.threshold) == (
        "down",
        "level",
        Decimal("95"),
    )
    # The same release again (a second refresh, the task run twice): nothing new.
    assert suggest(homicide) == [] and suggest(homicide) == []
    # A later release still past the threshold did not move it past: nothing new.
    national_release(homicide, "c", {3: 85})
    assert suggest(homicide) == []
    assert StatusSuggestion.objects.count() == 1


def test_moving_back_and_past_again_suggests_again(homicide):
    watch("homicide", "138-2e", 95)
    national_release(homicide, "a", {0: 90})
    national_release(homicide, "b", {1: 99})
    assert len(suggest(homicide)) == 0
    national_release(homicide, "c", {2: 94})
    assert len(suggest(homicide)) == 1


def test_a_change_basis_counts_the_move_in_the_direction_of_progress(indicators):
    indicator = Indicator.objects.get(slug="section-60-searches")
    assert indicator.direction == "neither"  # the link says what progress is
    watch(
        "section-60-searches",
        "118-4d",
        10,
        progress_direction="down",
        threshold_basis="change",
        threshold_periods=2,
    )
    national_release(indicator, "a", {0: 120, 1: 115, 2: 111})  # a fall of 9 over 2
    assert suggest(indicator) == []
    national_release(indicator, "b", {3: 104})  # a fall of 11 from 115
    (suggestion,) = suggest(indicator)
    assert suggestion.measure == Decimal("11") and suggestion.measure_before == Decimal("9")
    compared = suggestion.compared_with
    assert compared is not None
    assert (compared.value, compared.period_label) == (Decimal("115"), "2024-02")
    assert suggestion.periods == 2


def test_a_rise_is_no_progress_when_down_is(indicators):
    indicator = Indicator.objects.get(slug="section-60-searches")
    watch(
        "section-60-searches",
        "118-4d",
        5,
        progress_direction="down",
        threshold_basis="change",
        threshold_periods=1,
    )
    national_release(indicator, "a", {0: 100})
    national_release(indicator, "b", {1: 120})
    assert suggest(indicator) == []


def test_no_direction_of_progress_means_no_suggestion(indicators):
    indicator = Indicator.objects.get(slug="section-60-searches")
    watch("section-60-searches", "118-4d", 1)  # "context only", and the link says nothing
    national_release(indicator, "a", {0: 100})
    assert suggest(indicator) == []


def test_force_figures_never_trigger(homicide):
    watch("homicide", "138-2e", 95)
    national_release(homicide, "a", {0: 10}, area="E23000032")  # one force: Kent
    assert suggest(homicide) == []


def test_a_first_release_already_past_suggests(homicide):
    """Before it there was no figure, which counts as not passing."""
    watch("homicide", "138-2e", 95)
    national_release(homicide, "a", {0: 50})
    (suggestion,) = suggest(homicide)
    assert suggestion.measure_before is None


def test_a_change_threshold_must_be_positive_and_over_periods(homicide):
    from django.db import IntegrityError, transaction

    link = IndicatorLink.objects.get(indicator=homicide, proposal__reference="138-2e")
    for threshold, periods in ((Decimal("5"), None), (Decimal("-5"), 1)):
        link.threshold, link.threshold_basis, link.threshold_periods = threshold, "change", periods
        with pytest.raises(IntegrityError), transaction.atomic():
            link.save()


def test_the_refresh_task_creates_the_suggestion_once(homicide, payloads, tmp_path):
    """Through the refresh's Celery task (eager here; test_watch_worker.py runs a
    real worker): the synthetic table's third edition has fewer homicides."""
    assert refresh_indicator.delay("homicide").get()["suggestions"] == 0
    national = Observation.objects.filter(indicator=homicide, area__code="E92+W92")
    latest = national.latest("period_start")
    # Lower is progress: one below the latest national figure now.
    link = watch("homicide", "138-2e", latest.value - 1)
    assert refresh_indicator.delay("homicide").get()["suggestions"] == 0
    mount_prc(payloads, edition=2)  # revises an older quarter: the latest is unchanged
    assert refresh_indicator.delay("homicide").get()["suggestions"] == 0
    mount_prc_edition3(payloads, tmp_path)
    assert refresh_indicator.delay("homicide").get()["suggestions"] == 1
    assert refresh_indicator.delay("homicide").get()["suggestions"] == 0
    (suggestion,) = StatusSuggestion.objects.all()
    newest = SourceRelease.objects.filter(indicator=homicide).latest("retrieved_at")
    assert newest.url.endswith("-010724.ods")
    assert (suggestion.link, suggestion.release) == (link, newest)
    assert suggestion.observation.period_start == latest.period_start
    assert suggestion.measure < latest.value - 1 and suggestion.measure_before == latest.value


# --- The editors' side ---------------------------------------------------------------------------


@pytest.fixture
def suggestion(homicide) -> StatusSuggestion:
    watch("homicide", "138-2e", 95)
    national_release(homicide, "a", {0: 110, 1: 100})
    national_release(homicide, "b", {2: 90})
    (made,) = suggest(homicide)
    return made


def editor(users, who="editor") -> Client:
    client = Client()
    client.force_login(users[who])
    return client


def test_the_queue_shows_the_figures_and_the_releases_behind_them(suggestion, users):
    html = editor(users).get("/editorial/review/").content.decode()
    assert 'id="suggestion-' in html
    assert 'href="/indicators/homicide/"' in html
    assert "https://example.org/synthetic-release/b.ods" in html  # the release
    # A level threshold compares with no earlier figure: only the crossing release is named.
    assert "https://example.org/synthetic-release/a.ods" not in html
    assert ">90 for 2024-03" in html
    assert "at or below 95" in html and "it was 100 before this release" in html
    assert html.count('name="csrfmiddlewaretoken"') >= 2  # accept and dismiss forms


def test_accept_prefills_a_draft_and_publishes_nothing(suggestion, users):
    proposal = Proposal.objects.get(reference="138-2e")
    status_before = proposal.status
    client = editor(users)
    response = client.post(f"/editorial/suggestions/{suggestion.pk}/accept/")
    assert response.status_code == 302
    assert response["Location"] == f"/editorial/suggestions/{suggestion.pk}/draft/"
    suggestion.refresh_from_db()
    assert suggestion.state == "accepted" and suggestion.decided_by == users["editor"]
    source = suggestion.evidence
    release = suggestion.release
    assert (source.kind, source.title, source.url, source.publisher) == (
        Evidence.Kind.OFFICIAL_STATISTICS,
        release.title,
        release.url,
        "Home Office",
    )
    assert source.published_date == release.published_at.date()
    assert StatusUpdate.objects.count() == 0  # nothing drafted, nothing published yet

    form = client.get(response["Location"]).content.decode()
    assert suggestions.TEMPLATE_MARK in form
    assert re.search(
        rf'<input type="checkbox" name="evidence" value="{source.pk}"[^>]* checked>', form
    )
    assert "90 for 2024-03" in form

    # The template as given is refused: the editor must say why, in their words.
    data = {
        "status": "in_progress",
        "effective_date": "2024-03-31",
        "date_precision": "day",
        "rationale": suggestions.rationale_template(suggestion),
        "evidence": [source.pk],
        "new-TOTAL_FORMS": "0",
        "new-INITIAL_FORMS": "0",
    }
    refused = client.post(response["Location"], data)
    assert refused.status_code == 400 and "Edit the rationale" in refused.content.decode()
    assert StatusUpdate.objects.count() == 0

    data["rationale"] = "Synthetic rationale written by the editor about the synthetic figures."
    saved = client.post(response["Location"], data)
    draft = StatusUpdate.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/editorial/updates/{draft.pk}/"
    assert draft.state == StatusUpdate.State.DRAFT and draft.author == users["editor"]
    assert list(draft.evidence.all()) == [source]
    suggestion.refresh_from_db()
    assert suggestion.draft == draft
    proposal.refresh_from_db()
    assert proposal.status == status_before
    # The draft page now leads to the draft; a second accept changes nothing.
    assert client.get(response["Location"])["Location"] == f"/editorial/updates/{draft.pk}/"
    client.post(f"/editorial/suggestions/{suggestion.pk}/accept/")
    assert StatusUpdate.objects.count() == 1


def test_a_release_without_a_date_prefills_the_source_for_the_editor(homicide, users):
    watch("homicide", "138-2e", 95)
    national_release(homicide, "undated", {0: 90}, published=False)
    (suggestion,) = suggest(homicide)
    client = editor(users)
    client.post(f"/editorial/suggestions/{suggestion.pk}/accept/")
    suggestion.refresh_from_db()
    assert suggestion.state == "accepted" and suggestion.evidence is None
    form = client.get(f"/editorial/suggestions/{suggestion.pk}/draft/").content.decode()
    assert 'value="https://example.org/synthetic-release/undated.ods"' in form
    assert 'value="Synthetic test release undated"' in form
    assert "gives no publication date" in form


def test_dismiss_needs_a_reason_and_keeps_it(suggestion, users):
    client = editor(users)
    url = f"/editorial/suggestions/{suggestion.pk}/dismiss/"
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 400
    suggestion.refresh_from_db()
    assert suggestion.state == "open"
    response = client.post(url, {"reason": "Synthetic: a change in recording practice."})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == "dismissed"
    assert suggestion.dismiss_reason == "Synthetic: a change in recording practice."
    assert suggestion.decided_by == users["editor"] and suggestion.decided_at is not None
    # Decided: gone from the queue, and it cannot be accepted now.
    assert f"suggestion-{suggestion.pk}" not in client.get("/editorial/review/").content.decode()
    client.post(f"/editorial/suggestions/{suggestion.pk}/accept/")
    suggestion.refresh_from_db()
    assert suggestion.state == "dismissed" and suggestion.evidence is None


def test_a_dismissal_without_a_reason_is_refused_by_the_database(suggestion):
    from django.db import IntegrityError, transaction

    suggestion.state = "dismissed"
    with pytest.raises(IntegrityError), transaction.atomic():
        suggestion.save()


def test_the_rationale_template_cites_the_figures(suggestion):
    text = suggestions.rationale_template(suggestion)
    assert text.startswith(suggestions.TEMPLATE_MARK)
    assert "90 for 2024-03" in text
    assert "Synthetic test release b <https://example.org/synthetic-release/b.ods>" in text
    assert "Threshold set for 138-2e: the latest national figure at or below 95" in text


def test_the_queue_query_count_does_not_grow(homicide, users, django_assert_max_num_queries):
    watch("homicide", "138-2e", 95)
    watch("homicide", "138-2f", 95)
    national_release(homicide, "a", {0: 90})
    suggest(homicide)
    client = editor(users)
    with django_assert_max_num_queries(50) as few:
        client.get("/editorial/review/")
    national_release(homicide, "b", {1: 99})
    national_release(homicide, "c", {2: 80})
    assert len(suggest(homicide)) == 2
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/editorial/review/")


def test_dates_in_the_suggestion_are_the_releases(suggestion):
    citation = suggestions.release_citation(suggestion)
    assert citation["published_date"] == dt.date(2024, 6, 1)
    assert citation["accessed_date"] == suggestion.release.retrieved_at.date()
