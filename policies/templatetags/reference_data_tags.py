"""Template filters for editors' reference-data links; they ask ``policies.permissions``."""

from django import template

from policies import permissions

register = template.Library()


@register.filter
def can_edit_proposal(user) -> bool:
    return permissions.can_edit_proposal(user)
