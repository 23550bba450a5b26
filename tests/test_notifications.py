"""Emails about drafts: editors when one awaits review, the author when it is
returned or published; once per event, after the transaction commits, never to
someone who turned them off, plain text with absolute links.  All synthetic."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from policies import notifications, services
from policies.models import NotificationPreference
from tests.support import make_draft

pytestmark = pytest.mark.django_db


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def draft(users, papers):
    return make_draft(users["campaigner"], "118-2d", 1)


def submit(users, draft, capture):
    with capture(execute=True):
        services.submit(users["campaigner"], update=draft, expected_version=draft.version)
    draft.refresh_from_db()


def test_submitted_emails_each_editor_once(users, draft, django_capture_on_commit_callbacks):
    submit(users, draft, django_capture_on_commit_callbacks)
    # Editors and the admin, each once; never the campaigners or the user with no role.
    assert recipients() == ["adm@example.org", "edit2@example.org", "edit@example.org"]
    message = mail.outbox[0]
    assert "118-2d" in message.subject
    assert f"/editorial/updates/{draft.pk}/" in message.body
    assert "camp" in message.body  # who submitted


def test_returned_and_published_email_the_author(
    users, draft, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://tracker.example.org"
    submit(users, draft, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.return_to_author(
            users["editor"],
            update=draft,
            expected_version=draft.version,
            comment="Synthetic comment: cite the source.",
        )
    assert recipients() == ["camp@example.org"]
    assert "Synthetic comment: cite the source." in mail.outbox[0].body
    assert f"https://tracker.example.org/editorial/updates/{draft.pk}/" in mail.outbox[0].body
    draft.refresh_from_db()
    submit(users, draft, django_capture_on_commit_callbacks)  # resubmitted
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(users["editor"], update=draft, expected_version=draft.version)
    assert recipients() == ["camp@example.org"]
    assert "published" in mail.outbox[0].subject
    assert f"https://tracker.example.org/updates/{draft.pk}/" in mail.outbox[0].body


def test_nothing_sent_to_whoever_turned_them_off(users, draft, django_capture_on_commit_callbacks):
    notifications.set_wants_email(users["editor"], False)
    NotificationPreference.objects.create(user=users["admin"], email_enabled=True)
    submit(users, draft, django_capture_on_commit_callbacks)
    assert recipients() == ["adm@example.org", "edit2@example.org"]
    notifications.set_wants_email(users["campaigner"], False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(users["editor2"], update=draft, expected_version=draft.version)
    assert mail.outbox == []


def test_nothing_sent_when_the_transaction_rolls_back(
    users, draft, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.submit(users["campaigner"], update=draft, expected_version=draft.version)
        raise RuntimeError("synthetic failure after the submit")
    assert callbacks == []
    assert mail.outbox == []


def test_no_email_to_the_actor_themself(users, papers, django_capture_on_commit_callbacks):
    own = make_draft(users["editor"], "118-3a", 2)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(users["editor"], update=own, expected_version=own.version)
    assert "edit@example.org" not in recipients()
    assert recipients() == ["adm@example.org", "edit2@example.org"]


def test_bodies_are_plain_text_with_what_was_typed_as_is(
    users, draft, django_capture_on_commit_callbacks
):
    submit(users, draft, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    comment = 'Synthetic <script>alert("x")</script> & <b>bold</b>\nSubject: injected'
    with django_capture_on_commit_callbacks(execute=True):
        services.return_to_author(
            users["editor"], update=draft, expected_version=draft.version, comment=comment
        )
    (message,) = mail.outbox
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", [])
    assert comment in message.body  # plain text: nothing to escape, nothing interpreted
    assert "\n" not in message.subject and "injected" not in message.subject
    assert message.extra_headers == {}


def test_page_submit_links_to_the_request_host(
    users, draft, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = ""
    client = Client()
    client.force_login(users["campaigner"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/editorial/updates/{draft.pk}/submit/",
            {"version": draft.version},
            HTTP_HOST="testserver",
        )
    assert response.status_code == 302, response.content[:300]
    assert len(mail.outbox) == 3
    assert f"http://testserver/editorial/updates/{draft.pk}/" in mail.outbox[0].body
    assert "http://testserver/accounts/notifications/" in mail.outbox[0].body


def test_a_failing_backend_never_fails_the_publish(
    users, draft, django_capture_on_commit_callbacks, settings, caplog
):
    submit(users, draft, django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard: nothing listens
    settings.EMAIL_TIMEOUT = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(users["editor"], update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    assert draft.state == "published"
    assert "Notification email not sent" in caplog.text


def test_settings_page_turns_them_off_and_on(users):
    client = Client()
    client.force_login(users["campaigner"])
    page = client.get("/accounts/notifications/")
    assert page.status_code == 200
    assert b'name="email_enabled" checked' in page.content
    assert client.post("/accounts/notifications/", {}).status_code == 302
    assert notifications.wants_email(users["campaigner"]) is False
    assert b"checked" not in client.get("/accounts/notifications/").content
    client.post("/accounts/notifications/", {"email_enabled": "on"})
    assert notifications.wants_email(users["campaigner"]) is True


def test_settings_page_needs_a_role(users):
    assert Client().get("/accounts/notifications/").status_code == 302
    client = Client()
    client.force_login(users["norole"])
    assert client.get("/accounts/notifications/").status_code == 403
    assert client.post("/accounts/notifications/", {}).status_code == 403
    assert not NotificationPreference.objects.exists()
