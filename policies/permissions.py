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

from typing import TYPE_CHECKING, TypeAlias, TypeGuard

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account

if TYPE_CHECKING:
    from evidence.models import Evidence

    from .models import ApiToken, StatusUpdate

# Whoever acts: what ``request.user`` is (the tracker keeps Django's own user
# model).  A predicate below that needs a role returns ``TypeGuard[Account]``:
# only a signed-in account holds a role, so after it a service may store the
# actor as an author, reviewer or creator.
User: TypeAlias = Account | AnonymousUser

CAMPAIGNER = "campaigner"
EDITOR = "editor"
ADMIN = "admin"
ROLES = (CAMPAIGNER, EDITOR, ADMIN)
_RANK = {None: 0, CAMPAIGNER: 1, EDITOR: 2, ADMIN: 3}

ROLE_LABELS = {CAMPAIGNER: "Campaigner", EDITOR: "Editor", ADMIN: "Administrator"}

# Where ``role_of`` keeps a user's role on the user object (see ``remember_role``).
_ROLE_CACHE = "_tracker_role"


def role_of(user: User | None) -> str | None:
    """The user's highest role, or None for the public (and users with no role)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    if hasattr(user, _ROLE_CACHE):
        cached: str | None = getattr(user, _ROLE_CACHE)
        return cached
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    role = max(names, key=_RANK.__getitem__, default=None)
    remember_role(user, role)
    return role


def remember_role(user: User, role: str | None) -> None:
    """Keep ``user``'s role on the object, so ``role_of`` asks no more; a query
    that read the role with the row (``selectors.status_update_queryset``) hands
    it over this way.  The attribute is the object's own, set by name: the user
    model declares no such field."""
    setattr(user, _ROLE_CACHE, role)


def has_role(user: User | None, role: str) -> TypeGuard[Account]:
    return _RANK[role_of(user)] >= _RANK[role]


def is_campaigner(user: User) -> TypeGuard[Account]:
    return has_role(user, CAMPAIGNER)


def is_editor(user: User) -> TypeGuard[Account]:
    return has_role(user, EDITOR)


def is_admin(user: User) -> TypeGuard[Account]:
    return has_role(user, ADMIN)


# --- Status updates -----------------------------------------------------------


def can_draft(user: User) -> TypeGuard[Account]:
    return is_campaigner(user)


def can_view_update(user: User, update: StatusUpdate) -> bool:
    """The public sees published (and since corrected) updates; drafts only their
    author and editors."""
    if update.state in update.PUBLIC_STATES:
        return True
    return is_editor(user) or (is_campaigner(user) and update.author_id == user.pk)


def can_edit_update(user: User, update: StatusUpdate) -> TypeGuard[Account]:
    """Only unpublished work is edited, by its author or an editor."""
    if update.state not in (update.State.DRAFT, update.State.RETURNED):
        return False
    return is_editor(user) or (is_campaigner(user) and update.author_id == user.pk)


def can_submit(user: User, update: StatusUpdate) -> TypeGuard[Account]:
    return can_edit_update(user, update)


def can_review(user: User) -> TypeGuard[Account]:
    return is_editor(user)


def can_publish(user: User, update: StatusUpdate) -> TypeGuard[Account]:
    if not is_editor(user):
        return False
    if update.state not in (update.State.DRAFT, update.State.SUBMITTED):
        return False
    return may_publish_own(user, update)


def may_publish_own(user: User, update: StatusUpdate) -> bool:
    """An editor may not publish their own draft unless the team is one person."""
    return update.author_id != user.pk or settings.TRACKER_ALLOW_SELF_PUBLISH


def can_return(user: User, update: StatusUpdate) -> TypeGuard[Account]:
    return is_editor(user) and update.state == update.State.SUBMITTED


def can_correct(user: User, update: StatusUpdate) -> TypeGuard[Account]:
    return is_editor(user) and update.state == update.State.PUBLISHED


def can_propose_correction(user: User, update: StatusUpdate) -> TypeGuard[Account]:
    """A campaigner drafts a correction for an editor; publishing it corrects."""
    return can_draft(user) and update.state == update.State.PUBLISHED


# --- Evidence, proposals, import, history ---------------------------------------


def can_add_evidence(user: User) -> TypeGuard[Account]:
    return is_campaigner(user)


def can_edit_evidence(user: User, evidence: Evidence) -> TypeGuard[Account]:
    """Unpublished sources: their creator or an editor.  Published ones are never
    edited in place; an editor may make a new version."""
    if evidence.replaced_by_id is not None:
        return False
    if evidence.is_published:
        return is_editor(user)
    return is_editor(user) or (is_campaigner(user) and evidence.created_by_id == user.pk)


def can_edit_proposal(user: User) -> TypeGuard[Account]:
    """Themes and links are editors' work; proposal texts come from the data file."""
    return is_editor(user)


def can_import(user: User) -> TypeGuard[Account]:
    return is_editor(user)


def can_view_history(user: User) -> TypeGuard[Account]:
    return is_editor(user)


def can_manage_tokens(user: User) -> TypeGuard[Account]:
    return is_campaigner(user)


def can_set_notifications(user: User) -> TypeGuard[Account]:
    """Team members (campaigners and up) are emailed about drafts; each chooses."""
    return is_campaigner(user)


def can_revoke_token(user: User, token: ApiToken) -> TypeGuard[Account]:
    """A user revokes only their own tokens (admins revoke others' in the admin)."""
    return can_manage_tokens(user) and token.user_id == user.pk


def public_author_label(user: Account | None) -> str:
    """How an author or reviewer appears to the public: their name only if the
    site says so (``TRACKER_SHOW_AUTHOR_NAMES``), otherwise their role."""
    if user is None:
        return "Former team member"
    if settings.TRACKER_SHOW_AUTHOR_NAMES:
        return user.get_full_name() or user.get_username()
    return ROLE_LABELS.get(role_of(user) or "", "Team member")
