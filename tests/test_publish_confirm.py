"""Publishing with a second look (issue 12): the review page's Publish opens a
confirmation page showing exactly what becomes public; only a POST carrying the
confirmation field and the version publishes.  The review queue shows each
draft's changes against the proposal's current public status.  All data is
synthetic (example.org)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from policies import services
from policies.models import ActingBody, DatePrecision, Proposal, Status, StatusUpdate
from tests.support import make_draft, make_published, make_source, update_input

pytestmark = pytest.mark.django_db


def submitted(author, reference="118-2d", n=1, **kwargs) -> StatusUpdate:
    draft = make_draft(author, reference, n, **kwargs)
    services.submit(author, update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    return draft


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_review_page_links_to_the_confirmation_not_a_one_click_publish(users, papers):
    update = submitted(users["campaigner"])
    page = as_user(users["editor"]).get(f"/editorial/updates/{update.pk}/").content.decode()
    assert f'href="/editorial/updates/{update.pk}/publish/"' in page
    assert f'action="/editorial/updates/{update.pk}/publish/"' not in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"confirm_publish": "no"},
        {"confirm_publish": ""},
        {"version": "VERSION"},
        {"version": "VERSION", "confirm_publish": "on"},
    ],
    ids=["nothing", "no", "blank", "version-only", "wrong-value"],
)
def test_a_post_without_the_confirmation_changes_nothing(users, papers, data):
    update = submitted(users["campaigner"])
    before = (update.state, update.version, update.published_at)
    client = as_user(users["editor"])
    body = {k: (str(update.version) if v == "VERSION" else v) for k, v in data.items()}
    response = client.post(f"/editorial/updates/{update.pk}/publish/", body)
    assert response.status_code == 302
    assert response["Location"] == f"/editorial/updates/{update.pk}/publish/"
    update.refresh_from_db()
    assert (update.state, update.version, update.published_at) == before
    assert Proposal.objects.get(reference="118-2d").status == Status.NOT_ASSESSED
    assert "Nothing was published" in client.get(response["Location"]).content.decode()


def test_the_confirmation_publishes_the_version_shown(users, papers):
    update = submitted(users["campaigner"])
    client = as_user(users["editor"])
    response = client.post(
        f"/editorial/updates/{update.pk}/publish/",
        {"version": update.version, "confirm_publish": "yes"},
    )
    assert response.status_code == 302 and response["Location"] == "/editorial/review/"
    update.refresh_from_db()
    assert update.state == StatusUpdate.State.PUBLISHED
    assert Proposal.objects.get(reference="118-2d").status == Status.IN_PROGRESS


def test_a_stale_version_is_refused_even_when_confirmed(users, papers):
    update = submitted(users["campaigner"])
    response = as_user(users["editor"]).post(
        f"/editorial/updates/{update.pk}/publish/",
        {"version": update.version - 1, "confirm_publish": "yes"},
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == StatusUpdate.State.SUBMITTED


def test_the_confirmation_page_shows_what_becomes_public(users, papers):
    body = ActingBody.objects.order_by("pk")[0]
    proposal = Proposal.objects.get(reference="118-2d")
    source, _ = services.get_or_create_evidence(
        users["campaigner"],
        data=services.EvidenceInput(
            url="https://example.org/synthetic-confirm",
            title="Synthetic confirmation source",
            publisher="Synthetic Publisher",
            kind="other",
            published_date=dt.date(2023, 2, 1),
            quote="Synthetic quoted words.",
            page="7",
        ),
    )
    data = update_input([source])
    data.effective_date = dt.date(2023, 3, 1)
    data.date_precision = DatePrecision.MONTH
    data.acting_bodies = [body]
    draft = services.create_draft(users["campaigner"], proposal=proposal, data=data)
    services.submit(users["campaigner"], update=draft, expected_version=draft.version)
    page = as_user(users["editor"]).get(f"/editorial/updates/{draft.pk}/publish/")
    assert page.status_code == 200
    html = page.content.decode()
    # The status line as the public page draws it (policies/_status.html).
    assert '<span class="status status-in_progress">In progress</span> since March 2023' in html
    assert body.name in html
    assert "known to the month" in html
    assert "Synthetic confirmation source" in html and "Synthetic quoted words." in html
    assert "page 7" in html
    assert 'name="confirm_publish" value="yes"' in html
    assert f'name="version" value="{draft.version}"' in html
    assert "2023-03-01" not in html  # never the raw date


def test_the_author_cannot_confirm_their_own(users, papers):
    update = submitted(users["editor"])
    html = as_user(users["editor"]).get(f"/editorial/updates/{update.pk}/publish/", follow=True)
    assert "another editor must publish it" in html.content.decode()
    assert 'name="confirm_publish"' not in html.content.decode()


def test_an_incomplete_draft_shows_why_and_no_confirmation(users, papers):
    draft = make_draft(users["campaigner"], rationale="test")
    html = as_user(users["editor"]).get(f"/editorial/updates/{draft.pk}/publish/")
    text = html.content.decode()
    assert "at least" in text and 'name="confirm_publish"' not in text


@pytest.mark.parametrize("role", ["campaigner", "norole"])
def test_only_editors_open_the_confirmation(users, papers, role):
    update = submitted(users["campaigner"])
    response = as_user(users[role]).get(f"/editorial/updates/{update.pk}/publish/")
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()


def test_the_queue_shows_each_drafts_changes_against_the_public_status(users, papers):
    public = make_published(users["campaigner"], users["editor"], n=1)
    body = ActingBody.objects.order_by("pk")[0]
    new_source = make_source(users["campaigner"], 2)
    data = update_input([new_source], status=Status.DELIVERED)
    data.acting_bodies = [body]
    draft = services.create_draft(users["campaigner2"], proposal=public.proposal, data=data)
    services.submit(users["campaigner2"], update=draft, expected_version=draft.version)
    first_ever = submitted(users["campaigner"], reference="118-1a", n=3)
    html = as_user(users["editor2"]).get("/editorial/review/").content.decode()
    item = html.split(f'id="queue-{draft.pk}"')[1].split("</section>")[0]
    assert "<del>In progress</del> → <ins>Delivered</ins>" in item
    assert f"<ins>+ {body.name}</ins>" in item
    assert "<ins>+ Synthetic test source 2 (Synthetic Publisher)</ins>" in item
    assert "<del>− Synthetic test source 1 (Synthetic Publisher)</del>" in item
    other = html.split(f'id="queue-{first_ever.pk}"')[1].split("</section>")[0]
    assert "no public assessment yet" in other


def test_the_queue_query_count_does_not_grow(users, papers, django_assert_max_num_queries):
    client = as_user(users["editor"])

    def count() -> int:
        with django_assert_max_num_queries(100) as captured:
            assert client.get("/editorial/review/").status_code == 200
        return len(captured)

    submitted(users["campaigner"], reference="118-1a", n=1)
    one = count()
    for n, reference in enumerate(["118-1b", "118-2d", "118-3a"], start=2):
        submitted(users["campaigner"], reference=reference, n=n)
    assert count() == one
