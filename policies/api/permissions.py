"""The API's permission classes: thin DRF wrappers over ``policies.permissions``,
where every decision is made."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions as drf_permissions
from rest_framework.request import Request

from .. import permissions


class IsCampaigner(drf_permissions.BasePermission):
    message = "Only campaigners, editors and admins may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return permissions.is_campaigner(request.user)


class IsEditor(drf_permissions.BasePermission):
    message = "Only editors and admins may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return permissions.is_editor(request.user)
