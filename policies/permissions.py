"""Who may do what: every permission decision of the tracker, in one place.

Three roles, held as Django groups (created by migration 0002):

- **campaigner** drafts status updates and evidence, and submits them for review;
- **editor** also reviews (publishes, returns with a comment), corrects published
  updates, versions published evidence, imports CSV files and browses history;
- **admin** also manages users and reference data (Django admin).

A superuser counts as an admin.  Views, API views, services and templates ask
these functions; none of them decides on its own.
"""

from __future__ import annotations

from django.conf import settings

CAMPAIGNER = "campaigner"
EDITOR = "editor"
ADMIN = "admin"
ROLES = (CAMPAIGNER, EDITOR, ADMIN)
_RANK = {None: 0, CAMPAIGNER: 1, EDITOR: 2, ADMIN: 3}

ROLE_LABELS = {CAMPAIGNER: "Campaigner", EDITOR: "Editor", ADMIN: "Administrator"}


def role_of(user) -> str | None:
    """The user's highest role, or None for the public (and users with no role)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    cached = getattr(user, "_tracker_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    role = max(names, key=_RANK.__getitem__, default=None)
    user._tracker_role = role
    return role


def has_role(user, role: str) -> bool:
    return _RANK[role_of(user)] >= _RANK[role]


def is_campaigner(user) -> bool:
    return has_role(user, CAMPAIGNER)


def is_editor(user) -> bool:
    return has_role(user, EDITOR)


def is_admin(user) -> bool:
    return has_role(user, ADMIN)


# --- Status updates -----------------------------------------------------------


def can_draft(user) -> bool:
    return is_campaigner(user)


def can_view_update(user, update) -> bool:
    """The public sees published (and since corrected) updates; drafts only their
    author and editors."""
    if update.state in update.PUBLIC_STATES:
        return True
    return is_editor(user) or (is_campaigner(user) and update.author_id == user.pk)


def can_edit_update(user, update) -> bool:
    """Only unpublished work is edited, by its author or an editor."""
    if update.state not in (update.State.DRAFT, update.State.RETURNED):
        return False
    return is_editor(user) or (is_campaigner(user) and update.author_id == user.pk)


def can_submit(user, update) -> bool:
    return can_edit_update(user, update)


def can_review(user) -> bool:
    return is_editor(user)


def can_publish(user, update) -> bool:
    if not is_editor(user):
        return False
    if update.state not in (update.State.DRAFT, update.State.SUBMITTED):
        return False
    return may_publish_own(user, update)


def may_publish_own(user, update) -> bool:
    """An editor may not publish their own draft unless the team is one person."""
    return update.author_id != user.pk or settings.TRACKER_ALLOW_SELF_PUBLISH


def can_return(user, update) -> bool:
    return is_editor(user) and update.state == update.State.SUBMITTED


def can_correct(user, update) -> bool:
    return is_editor(user) and update.state == update.State.PUBLISHED


# --- Evidence, proposals, import, history ---------------------------------------


def can_add_evidence(user) -> bool:
    return is_campaigner(user)


def can_edit_evidence(user, evidence) -> bool:
    """Unpublished sources: their creator or an editor.  Published ones are never
    edited in place; an editor may make a new version."""
    if evidence.replaced_by_id is not None:
        return False
    if evidence.is_published:
        return is_editor(user)
    return is_editor(user) or (is_campaigner(user) and evidence.created_by_id == user.pk)


def can_edit_proposal(user) -> bool:
    """Themes and links are editors' work; proposal texts come from the data file."""
    return is_editor(user)


def can_import(user) -> bool:
    return is_editor(user)


def can_view_history(user) -> bool:
    return is_editor(user)


def can_manage_tokens(user) -> bool:
    return is_campaigner(user)


def can_revoke_token(user, token) -> bool:
    """A user revokes only their own tokens (admins revoke others' in the admin)."""
    return can_manage_tokens(user) and token.user_id == user.pk


def public_author_label(user) -> str:
    """How an author or reviewer appears to the public: their name only if the
    site says so (``TRACKER_SHOW_AUTHOR_NAMES``), otherwise their role."""
    if user is None:
        return "Former team member"
    if settings.TRACKER_SHOW_AUTHOR_NAMES:
        return user.get_full_name() or user.get_username()
    return ROLE_LABELS.get(role_of(user) or "", "Team member")
