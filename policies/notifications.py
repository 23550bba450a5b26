"""Emails about drafts: editors when one awaits review, its author when it is
returned or published.

Each service (``services.submit``, ``return_to_author``, ``publish``) calls one
function here inside its transaction; the email goes once the transaction
commits (``transaction.on_commit``), so a write that rolls back sends nothing
and each event sends once.  Sent inline, not through Celery: the project sends
no other mail from tasks, a message is small, and a queue that is down must not
fail a publish.  A backend that fails is logged and never fails the write (it
has committed already).  Bodies are plain text (no HTML part, so nothing typed
into a draft can become markup); links are absolute, on ``SITE_URL`` or else
the request's own address (``tracker.siteurl``).  A user turns the emails off
with a ``NotificationPreference`` (no row: on).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from tracker.siteurl import site_url

from . import permissions
from .models import NotificationPreference, StatusUpdate

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Crime policy tracker] "


def wants_email(user: User) -> bool:
    """The user's choice (on unless they turned it off)."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.email_enabled


def set_wants_email(user: User, enabled: bool) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_enabled": enabled}
    )
    return preference


def _receiving(users: Iterable[User] | Q) -> list[User]:
    queryset = User.objects.filter(is_active=True).exclude(email="")
    queryset = (
        queryset.filter(users)
        if isinstance(users, Q)
        else queryset.filter(pk__in=[u.pk for u in users])
    )
    chosen = queryset.exclude(notification_preference__email_enabled=False)
    return list(chosen.distinct().order_by("pk"))


def _editors() -> Q:
    return Q(is_superuser=True) | Q(groups__name__in=(permissions.EDITOR, permissions.ADMIN))


def _one_line(text: str) -> str:
    """A header value: never a line break (Django refuses one; this never sends one)."""
    return " ".join(text.split())


def _send(recipients: list[User], subject: str, body: str, base: str) -> None:
    if not recipients:
        return
    footer = (
        "\n\n--\nYou receive this as a member of the tracker's team. Turn these emails "
        f"off: {base}{reverse('notification-settings')}\n"
    )
    messages = [
        EmailMessage(
            subject=_one_line(SUBJECT_PREFIX + subject),
            body=body + footer,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        for user in recipients
    ]
    try:
        get_connection().send_messages(messages)
    except Exception:  # any backend's failure: the write has committed, log it
        logger.exception("Notification email not sent: %s", subject)


Sender = Callable[[StatusUpdate, "int | None", str], None]


def _after_commit(send: Sender, update_id: int, actor_id: int | None) -> None:
    """Schedule ``send(update, actor_id, base)`` for when the transaction commits,
    with the site address read now (inside the request)."""
    base = site_url()

    def run() -> None:
        update = (
            StatusUpdate.objects.select_related("proposal", "author", "reviewed_by")
            .filter(pk=update_id)
            .first()
        )
        if update is None:
            return
        send(update, actor_id, base)

    transaction.on_commit(run)


def _update_lines(update: StatusUpdate) -> str:
    return (
        f"Proposal: {update.proposal.reference}\n"
        f"Status: {update.get_status_display()} ({update.when})\n"
    )


def _submitted(update: StatusUpdate, actor_id: int | None, base: str) -> None:
    editors = [u for u in _receiving(_editors()) if u.pk != actor_id]
    author = update.author.get_username() if update.author else "a former team member"
    body = (
        f"A status update for proposal {update.proposal.reference} awaits review.\n\n"
        f"{_update_lines(update)}Submitted by: {author}\n\n"
        f"Review it: {base}{reverse('update-review', args=[update.pk])}"
    )
    _send(editors, f"{update.proposal.reference}: a draft awaits review", body, base)


def _to_author(update: StatusUpdate, actor_id: int | None) -> list[User]:
    if update.author is None or update.author_id == actor_id:
        return []
    return _receiving([update.author])


def _returned(update: StatusUpdate, actor_id: int | None, base: str) -> None:
    body = (
        f"Your status update for proposal {update.proposal.reference} was returned "
        "to you with this comment:\n\n"
        f"{update.review_comment}\n\n{_update_lines(update)}\n"
        f"Change and resubmit it: {base}{reverse('update-review', args=[update.pk])}"
    )
    _send(
        _to_author(update, actor_id),
        f"{update.proposal.reference}: your draft was returned",
        body,
        base,
    )


def _published(update: StatusUpdate, actor_id: int | None, base: str) -> None:
    body = (
        f"Your status update for proposal {update.proposal.reference} was published.\n\n"
        f"{_update_lines(update)}\n"
        f"Its permalink: {base}{update.get_absolute_url()}"
    )
    _send(
        _to_author(update, actor_id),
        f"{update.proposal.reference}: your update was published",
        body,
        base,
    )


def draft_submitted(update: StatusUpdate, actor: User) -> None:
    _after_commit(_submitted, update.pk, actor.pk)


def draft_returned(update: StatusUpdate, actor: User) -> None:
    _after_commit(_returned, update.pk, actor.pk)


def update_published(update: StatusUpdate, actor: User) -> None:
    _after_commit(_published, update.pk, actor.pk)
