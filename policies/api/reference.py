"""Editors' reference data through the API: themes, 118→138 links, a proposal's
themes and its delivery criteria, with their history.

The same services as the editorial pages (``policies.services``), so the same
rules and permissions (editors and admins); each change needs ``If-Match`` with
the ETag of the resource as read here (it covers the ``revision`` or
``version`` the service then claims).  Paths sit under ``reference/``, apart
from the public read router's ``themes/``.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from tracker.api.conditional import check_if_match
from tracker.api.filters import refuse_unknown_parameters

from .. import services
from ..models import DeliveryCriteria, Proposal, ProposalLink, Theme
from ..services.criteria import criteria_of
from . import permissions as api_permissions
from . import reference_docs as docs
from . import reference_serializers as rs
from .writes import WriteView

HISTORY_LIMIT = 100
_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _latest_revisions(model: type[Theme] | type[ProposalLink]) -> dict[int, int]:
    """Each row's revision (its latest history record), in one query."""
    rows = model.history.values("id").annotate(latest=Max("history_id"))
    return {row["id"]: row["latest"] for row in rows}


def history_of(model: Any, pk: int) -> list[dict[str, Any]]:
    """Newest first: each history record of ``model`` row ``pk`` with the fields
    that changed since the one before it."""
    records = list(
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    rows = []
    ordered = list(reversed(records))
    for previous, record in pairwise([None, *ordered]):
        changes = []
        if previous is not None:
            m2m = {f.name for f in record.instance_type._meta.many_to_many}
            delta = record.diff_against(previous, excluded_fields=m2m | {"updated_at"})
            changes = [
                {
                    "field": c.field,
                    "old": None if c.old is None else str(c.old),
                    "new": None if c.new is None else str(c.new),
                }
                for c in delta.changes
            ]
        user = record.history_user
        rows.append(
            {
                "history_id": record.history_id,
                "history_date": rs.serializers.DateTimeField().to_representation(
                    record.history_date
                ),
                "history_type": _HISTORY_TYPES.get(record.history_type, record.history_type),
                "user": user.get_username() if user is not None else None,
                "changes": changes,
            }
        )
    return list(reversed(rows))


class ReferenceView(WriteView):
    """Editors only, like the pages (``permissions.can_edit_proposal``)."""

    permission_classes = [api_permissions.IsEditor]


# --- Themes ---------------------------------------------------------------------


def _theme(pk: int) -> Theme:
    return get_object_or_404(Theme, pk=pk)


def _theme_data(theme: Theme) -> dict[str, Any]:
    return rs.theme_data(theme, services.revision_of(theme))


@docs.THEME_LIST_VIEW
class ThemeListView(ReferenceView):
    def get(self, request):
        refuse_unknown_parameters(request, ())
        revisions = _latest_revisions(Theme)
        return Response(
            [rs.theme_data(t, revisions.get(t.pk, 0)) for t in Theme.objects.order_by("name")]
        )

    def post(self, request):
        serializer = rs.ThemeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> Theme:
            with transaction.atomic():
                return services.create_theme(request.user, data=serializer.to_input())

        theme = self.run(create)
        return self.with_etag(_theme_data(theme), status.HTTP_201_CREATED)


@docs.THEME_DETAIL_VIEW
class ThemeDetailView(ReferenceView):
    def get(self, request, pk: int):
        return self.with_etag(_theme_data(_theme(pk)))

    def patch(self, request, pk: int):
        theme = _theme(pk)
        current = _theme_data(theme)
        check_if_match(request, current)
        serializer = rs.ThemeInputSerializer(
            data={
                "slug": theme.slug,
                "name": theme.name,
                "description": theme.description,
                **request.data,
            }
        )
        serializer.is_valid(raise_exception=True)
        self.run(
            lambda: services.update_theme(
                request.user,
                theme=theme,
                expected_revision=current["revision"],
                data=serializer.to_input(),
            )
        )
        return self.with_etag(_theme_data(_theme(pk)))

    def delete(self, request, pk: int):
        theme = _theme(pk)
        current = _theme_data(theme)
        check_if_match(request, current)
        untagged = self.run(
            lambda: services.delete_theme(
                request.user, theme=theme, expected_revision=current["revision"]
            )
        )
        return Response({"deleted": True, "untagged_proposals": untagged})


@docs.THEME_HISTORY_VIEW
class ThemeHistoryView(ReferenceView):
    def get(self, request, pk: int):
        rows = history_of(Theme, pk)
        if not rows:
            raise NotFound("No such theme.")
        return Response(rows)


# --- Links ----------------------------------------------------------------------


def _links():
    return ProposalLink.objects.select_related("from_proposal", "to_proposal")


def _link_data(link: ProposalLink) -> dict[str, Any]:
    return rs.link_data(link, services.revision_of(link))


@docs.LINK_LIST_VIEW
class LinkListView(ReferenceView):
    def get(self, request):
        refuse_unknown_parameters(request, ())
        revisions = _latest_revisions(ProposalLink)
        links = _links().order_by("from_proposal__order", "to_proposal__order", "pk")
        return Response([rs.link_data(link, revisions.get(link.pk, 0)) for link in links])

    def post(self, request):
        serializer = rs.LinkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def create() -> ProposalLink:
            with transaction.atomic():
                return services.create_link(request.user, data=serializer.to_input())

        link = self.run(create)
        return self.with_etag(_link_data(link), status.HTTP_201_CREATED)


@docs.LINK_DETAIL_VIEW
class LinkDetailView(ReferenceView):
    def get(self, request, pk: int):
        return self.with_etag(_link_data(get_object_or_404(_links(), pk=pk)))

    def patch(self, request, pk: int):
        link = get_object_or_404(_links(), pk=pk)
        current = _link_data(link)
        check_if_match(request, current)
        serializer = rs.LinkInputSerializer(
            data={
                "from_proposal": link.from_proposal.reference,
                "to_proposal": link.to_proposal.reference,
                "link_type": link.link_type,
                "note": link.note,
                **request.data,
            }
        )
        serializer.is_valid(raise_exception=True)
        self.run(
            lambda: services.update_link(
                request.user,
                link=link,
                expected_revision=current["revision"],
                data=serializer.to_input(),
            )
        )
        return self.with_etag(_link_data(get_object_or_404(_links(), pk=pk)))

    def delete(self, request, pk: int):
        link = get_object_or_404(_links(), pk=pk)
        current = _link_data(link)
        check_if_match(request, current)
        self.run(
            lambda: services.delete_link(
                request.user, link=link, expected_revision=current["revision"]
            )
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@docs.LINK_HISTORY_VIEW
class LinkHistoryView(ReferenceView):
    def get(self, request, pk: int):
        rows = history_of(ProposalLink, pk)
        if not rows:
            raise NotFound("No such link.")
        return Response(rows)


# --- A proposal's themes and delivery criteria -------------------------------------


def _proposal(reference: str) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("paper"), reference=reference)


def _themes_data(proposal: Proposal) -> dict[str, Any]:
    return {
        "proposal": proposal.reference,
        "themes": sorted(proposal.themes.values_list("slug", flat=True)),
        "version": proposal.version,
    }


@docs.PROPOSAL_THEMES_VIEW
class ProposalThemesView(ReferenceView):
    def get(self, request, reference: str):
        return self.with_etag(_themes_data(_proposal(reference)))

    def put(self, request, reference: str):
        proposal = _proposal(reference)
        current = _themes_data(proposal)
        check_if_match(request, current)
        serializer = rs.ProposalThemesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.run(
            lambda: services.set_proposal_themes(
                request.user,
                proposal=proposal,
                expected_version=current["version"],
                themes=serializer.validated_data["themes"],
            )
        )
        return self.with_etag(_themes_data(_proposal(reference)))


def _criteria_data(proposal: Proposal) -> dict[str, Any]:
    return rs.criteria_data(proposal, criteria_of(proposal))


@docs.CRITERIA_VIEW
class DeliveryCriteriaView(ReferenceView):
    def get(self, request, reference: str):
        return self.with_etag(_criteria_data(_proposal(reference)))

    def put(self, request, reference: str):
        proposal = _proposal(reference)
        current = _criteria_data(proposal)
        check_if_match(request, current)
        serializer = rs.DeliveryCriteriaInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.run(
            lambda: services.set_delivery_criteria(
                request.user,
                proposal=proposal,
                expected_version=current["version"],
                data=serializer.to_input(),
            )
        )
        return self.with_etag(_criteria_data(proposal))


@docs.CRITERIA_HISTORY_VIEW
class DeliveryCriteriaHistoryView(ReferenceView):
    def get(self, request, reference: str):
        criteria = criteria_of(_proposal(reference))
        return Response(history_of(DeliveryCriteria, criteria.pk) if criteria else [])
