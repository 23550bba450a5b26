"""Template filters that ask ``policies.permissions`` (templates decide nothing)."""

from django import template

from policies import permissions

register = template.Library()


@register.filter
def can_draft(user) -> bool:
    return permissions.can_draft(user)


@register.filter
def can_review(user) -> bool:
    return permissions.can_review(user)


@register.filter
def can_import(user) -> bool:
    return permissions.can_import(user)


@register.filter
def can_view_history(user) -> bool:
    return permissions.can_view_history(user)


@register.filter
def role_label(user) -> str:
    return permissions.ROLE_LABELS.get(permissions.role_of(user) or "", "No role")


@register.filter
def public_author(user) -> str:
    return permissions.public_author_label(user)
