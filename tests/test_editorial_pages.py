"""Accounts and editorial pages: sign-in with rate limiting, the one-time
password, password reset by email, API tokens, drafts and the review queue,
history, escaping and pinned query counts."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from policies import services
from policies.models import ApiToken, Proposal
from tests.factories import PASSWORD
from tests.support import RATIONALE, make_draft, make_published, update_input

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(users, client):
    response = client.post("/accounts/login/", {"username": "camp", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    page = client.get("/editorial/drafts/").content.decode()
    assert "My drafts" in page and "Sign out" in page
    assert client.get("/accounts/logout/").status_code == 405  # sign-out is a POST (CSRF)
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited(users, client, settings):
    settings.TRACKER_LOGIN_RATE = "5/m"
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "camp", "password": "wrong"})
        assert response.status_code == 200
    blocked = client.post("/accounts/login/", {"username": "camp", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    # The limit is per username too: another address cannot keep guessing.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert (
        other.post("/accounts/login/", {"username": "camp", "password": PASSWORD}).status_code
        == 429
    )


def test_create_user_prints_one_time_password_and_first_sign_in_changes_it(db, client, capsys):
    call_command(
        "create_user", "synthetic-alice", "--role", "campaigner", "--email", "alice@example.org"
    )
    out = capsys.readouterr().out
    printed = re.search(r"One-time password: (\S+)", out)
    assert printed is not None, out
    password = printed.group(1)
    response = client.post(
        "/accounts/login/", {"username": "synthetic-alice", "password": password}
    )
    assert response["Location"] == "/accounts/password/change/"
    client.post(
        "/accounts/password/change/",
        {"old_password": password, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    client.post("/accounts/logout/")
    assert client.login(username="synthetic-alice", password=PASSWORD)
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "synthetic-alice", "--role", "editor")


def test_no_account_exists_by_default(db):
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


def test_password_reset_by_email(users, client):
    response = client.post("/accounts/password/reset/", {"email": "camp@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    sent = re.search(r"http://testserver(/accounts/password/reset/\S+/)", str(message.body))
    assert sent is not None, message.body
    link = sent.group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new = "synthetic-New-passw0rd"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert Client().login(username="camp", password=new)


def test_api_token_create_use_revoke(users, client):
    client.force_login(users["campaigner"])
    page = client.post(
        "/accounts/tokens/", {"action": "create", "name": "Synthetic laptop script"}
    ).content.decode()
    shown = re.search(r'id="new-token">([0-9a-f]+)<', page)
    assert shown is not None
    key = shown.group(1)
    listing = client.get("/accounts/tokens/").content.decode()
    assert key not in listing  # shown once
    assert "Synthetic laptop script" in listing and f"{key[:8]}…" in listing
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/drafts/").status_code == 200
    token = ApiToken.objects.get(user=users["campaigner"])
    client.post("/accounts/tokens/", {"action": "revoke", "token": token.pk})
    assert api.get("/api/v1/drafts/").status_code == 401


def test_returned_draft_shows_why_in_my_drafts(users, papers, client):
    draft = make_draft(users["campaigner"])
    services.submit(users["campaigner"], update=draft, expected_version=draft.version)
    services.return_to_author(
        users["editor"],
        update=draft,
        expected_version=draft.version,
        comment="Synthetic: cite the Act.",
    )
    client.force_login(users["campaigner"])
    page = client.get("/editorial/drafts/").content.decode()
    assert "Returned to author" in page and "Synthetic: cite the Act." in page


def test_draft_form_creates_draft_with_new_evidence_then_submit(users, papers, client):
    client.force_login(users["campaigner"])
    assert "Draft a status update" in client.get("/proposals/118-2d/").content.decode()
    assert "Draft a status update" not in Client().get("/proposals/118-2d/").content.decode()
    data = {
        "status": "partly_delivered",
        "effective_date": "2022-03-01",
        "date_precision": "month",
        "rationale": "Synthetic <script>alert(1)</script> rationale.",
        "new-TOTAL_FORMS": "2",
        "new-INITIAL_FORMS": "0",
        "new-0-url": "https://example.org/synthetic-form",
        "new-0-title": "Synthetic test source (form)",
        "new-0-publisher": "Synthetic Publisher",
        "new-0-kind": "other",
        "new-0-published_date": "2022-02-02",
    }
    response = client.post("/editorial/proposals/118-2d/new-update/", data)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    update = Proposal.objects.get(reference="118-2d").status_updates.get()
    assert update.evidence.get().title == "Synthetic test source (form)"
    client.post(f"/editorial/updates/{update.pk}/submit/", {"version": update.version})
    update.refresh_from_db()
    assert update.state == "submitted"


def test_draft_form_without_evidence_is_refused(users, papers, client):
    client.force_login(users["campaigner"])
    data = {
        "status": "delivered",
        "effective_date": "2022-03-01",
        "date_precision": "day",
        "rationale": "Synthetic.",
        "new-TOTAL_FORMS": "2",
        "new-INITIAL_FORMS": "0",
    }
    response = client.post("/editorial/proposals/118-2d/new-update/", data)
    assert response.status_code == 400
    assert "Evidence is required" in response.content.decode()
    assert not Proposal.objects.get(reference="118-2d").status_updates.exists()


def test_history_pages_show_who_and_before_after(users, papers, client):
    draft = make_draft(users["campaigner"])
    services.update_draft(
        users["editor"],
        update=draft,
        expected_version=draft.version,
        data=update_input(draft.evidence.all(), rationale="Synthetic after."),
    )
    client.force_login(users["editor2"])
    index = client.get("/editorial/history/").content.decode()
    assert f"statusupdate {draft.pk}" in index
    page = client.get(f"/editorial/history/statusupdate/{draft.pk}/").content.decode()
    assert "by edit" in page and "by camp" in page
    assert RATIONALE in page and "Synthetic after." in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/editorial/review/", "/editorial/drafts/"])
def test_query_counts_do_not_grow_with_rows(users, papers, client, url):
    client.force_login(users["editor"])
    refs = list(Proposal.objects.values_list("reference", flat=True)[:12])
    for i, ref in enumerate(refs[:3]):
        d = make_draft(users["editor"] if "drafts" in url else users["campaigner"], ref, i)
        assert d.author is not None
        services.submit(d.author, update=d, expected_version=d.version)
    few = _queries(client, url)
    for i, ref in enumerate(refs[3:], start=3):
        d = make_draft(users["editor"] if "drafts" in url else users["campaigner"], ref, i)
        assert d.author is not None
        services.submit(d.author, update=d, expected_version=d.version)
    assert _queries(client, url) == few


def test_api_draft_list_query_count_is_pinned(users, papers, django_assert_max_num_queries):
    client = APIClient()
    client.force_authenticate(users["editor"])
    for i, ref in enumerate(Proposal.objects.values_list("reference", flat=True)[:10]):
        make_draft(users["campaigner"], ref, i)
    with django_assert_max_num_queries(10):
        body = client.get("/api/v1/drafts/").json()
    assert len(body) == 10


def test_public_author_label_follows_setting(users, papers, settings):
    from policies.permissions import public_author_label

    published = make_published(users["campaigner"], users["editor"])
    settings.TRACKER_SHOW_AUTHOR_NAMES = False
    assert public_author_label(published.author) == "Campaigner"
    settings.TRACKER_SHOW_AUTHOR_NAMES = True
    assert public_author_label(published.author) == "camp"
