"""OpenAPI descriptions of the reference data endpoints (``reference.py``)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from tracker.api.schema import IF_MATCH, error, etag_header

from . import reference_serializers as rs
from .examples import CSRF, NOT_EDITOR, STALE

# Every example here is synthetic.
THEME = {
    "id": 7,
    "slug": "synthetic-theme",
    "name": "Synthetic theme",
    "description": "A synthetic example theme.",
    "revision": 412,
}
LINK = {
    "id": 31,
    "from_proposal": "118-1a",
    "to_proposal": "138-1a",
    "link_type": "related",
    "note": "Synthetic example note.",
    "revision": 518,
}
PROPOSAL_THEMES = {"proposal": "118-2d", "themes": ["synthetic-theme"], "version": 3}
CRITERIA = {
    "proposal": "118-2d",
    "delivered": "Synthetic example: what would count as delivered.",
    "partly_delivered": "Synthetic example: what would count as partly delivered.",
    "contrary": "",
    "version": 2,
    "updated_at": "2024-01-05T10:00:00Z",
}
HISTORY = [
    {
        "history_id": 518,
        "history_date": "2024-01-05T10:00:00Z",
        "history_type": "changed",
        "user": "synthetic-editor",
        "changes": [
            {"field": "note", "old": "Synthetic old note.", "new": "Synthetic example note."}
        ],
    },
    {
        "history_id": 517,
        "history_date": "2024-01-04T09:00:00Z",
        "history_type": "created",
        "user": "synthetic-editor",
        "changes": [],
    },
]

FORBIDDEN = error(403, not_editor=NOT_EDITOR, csrf=CSRF)
NOT_FOUND = error(404, "No such theme, link or proposal.", not_found="Not found.")
THEME_INVALID = error(
    400,
    bad_slug=(
        "The request was not valid.",
        {"slug": ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.']},
    ),
    slug_taken=(
        "The request was not valid.",
        {"slug": ["Another theme already has the slug “policing”."]},
    ),
)
LINK_INVALID = error(
    400,
    wrong_paper=(
        "The request was not valid.",
        {"to_proposal": ["Object with reference=118-2d does not exist."]},
    ),
    already_linked=(
        "The request was not valid.",
        {"to_proposal": ["118-1a is already linked to 138-1a; edit that link instead."]},
    ),
)
CRITERIA_INVALID = error(
    400,
    too_long=(
        "The request was not valid.",
        {"delivered": ["Ensure this field has no more than 2000 characters."]},
    ),
)


def _ok(serializer, description: str, value, name: str = "example", code: int = 200):
    return OpenApiResponse(
        serializer,
        description=description,
        examples=[OpenApiExample(name, value=value, status_codes=[str(code)], response_only=True)],
    )


def _input(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


THEME_INPUT = {k: THEME[k] for k in ("slug", "name", "description")}

THEME_LIST_VIEW = extend_schema_view(
    get=extend_schema(
        operation_id="reference_themes_list",
        summary="Themes, as editors edit them",
        description="Every theme with its `revision` (not paginated). Editors and admins. "
        "The public list is `/api/v1/themes/`.",
        responses={
            200: _ok(rs.EditableThemeSerializer(many=True), "The themes.", [THEME]),
            403: FORBIDDEN,
        },
    ),
    post=extend_schema(
        summary="Create a theme",
        description="Editors and admins, as on `/editorial/themes/new/`.",
        request=rs.ThemeInputSerializer,
        examples=[_input("theme", THEME_INPUT)],
        parameters=[etag_header(201)],
        responses={
            201: _ok(rs.EditableThemeSerializer, "The new theme.", THEME, code=201),
            400: THEME_INVALID,
            403: FORBIDDEN,
        },
    ),
)

THEME_DETAIL_VIEW = extend_schema_view(
    get=extend_schema(
        summary="One theme, as editors edit it",
        description="Its `ETag` is the `If-Match` of a change or deletion.",
        parameters=[etag_header(200)],
        responses={
            200: _ok(rs.EditableThemeSerializer, "The theme.", THEME),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    patch=extend_schema(
        summary="Change a theme",
        description="Send only the fields that change. Changing the slug changes the "
        "theme's public address (`?theme=`). Needs `If-Match`.",
        request=rs.ThemeInputSerializer,
        examples=[_input("rename", {"name": "Synthetic theme, renamed"})],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: _ok(rs.EditableThemeSerializer, "The changed theme (new `revision`).", THEME),
            400: THEME_INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            412: STALE,
        },
    ),
    delete=extend_schema(
        summary="Delete a theme",
        description="Takes it off every proposal that has it (each gets a new version and a "
        "history record), then deletes it. Needs `If-Match`.",
        parameters=[IF_MATCH],
        responses={
            200: OpenApiResponse(
                description="Deleted; how many proposals it was taken off.",
                examples=[
                    OpenApiExample(
                        "deleted",
                        value={"deleted": True, "untagged_proposals": 2},
                        response_only=True,
                    )
                ],
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
            412: STALE,
        },
    ),
)

_HISTORY_DESCRIPTION = (
    "Newest first, at most 100 records: who saved, when, and each field before and after."
)

THEME_HISTORY_VIEW = extend_schema_view(
    get=extend_schema(
        summary="A theme's history",
        description=_HISTORY_DESCRIPTION + " Kept after the theme is deleted.",
        responses={
            200: _ok(rs.HistoryRecordSerializer(many=True), "Its history records.", HISTORY),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
)

LINK_INPUT = {k: LINK[k] for k in ("from_proposal", "to_proposal", "link_type", "note")}

LINK_LIST_VIEW = extend_schema_view(
    get=extend_schema(
        operation_id="reference_links_list",
        summary="118→138 links, as editors edit them",
        description="Every link with its `revision` (not paginated). Editors and admins. "
        "The public sees links on each proposal (`links`).",
        responses={
            200: _ok(rs.EditableLinkSerializer(many=True), "The links.", [LINK]),
            403: FORBIDDEN,
        },
    ),
    post=extend_schema(
        summary="Link a 118 proposal to a 138 proposal",
        description="How paper 138 treated a proposal of paper 118 (one link per pair; the "
        "note is one line). Editors and admins, as on `/editorial/links/new/`.",
        request=rs.LinkInputSerializer,
        examples=[_input("link", LINK_INPUT)],
        parameters=[etag_header(201)],
        responses={
            201: _ok(rs.EditableLinkSerializer, "The new link.", LINK, code=201),
            400: LINK_INVALID,
            403: FORBIDDEN,
        },
    ),
)

LINK_DETAIL_VIEW = extend_schema_view(
    get=extend_schema(
        summary="One link, as editors edit it",
        description="Its `ETag` is the `If-Match` of a change or deletion.",
        parameters=[etag_header(200)],
        responses={
            200: _ok(rs.EditableLinkSerializer, "The link.", LINK),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    patch=extend_schema(
        summary="Change a link",
        description="Send only the fields that change. Needs `If-Match`.",
        request=rs.LinkInputSerializer,
        examples=[_input("retype", {"link_type": "carried_over"})],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: _ok(rs.EditableLinkSerializer, "The changed link (new `revision`).", LINK),
            400: LINK_INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            412: STALE,
        },
    ),
    delete=extend_schema(
        summary="Delete a link",
        description="Needs `If-Match`. Its history stays.",
        parameters=[IF_MATCH],
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND, 412: STALE},
    ),
)

LINK_HISTORY_VIEW = extend_schema_view(
    get=extend_schema(
        summary="A link's history",
        description=_HISTORY_DESCRIPTION + " Kept after the link is deleted.",
        responses={
            200: _ok(rs.HistoryRecordSerializer(many=True), "Its history records.", HISTORY),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
)

PROPOSAL_THEMES_VIEW = extend_schema_view(
    get=extend_schema(
        summary="A proposal's themes",
        description="The themes (by slug) and the proposal's `version`; the `ETag` is the "
        "`If-Match` of a change.",
        parameters=[etag_header(200)],
        responses={
            200: _ok(rs.ProposalThemesSerializer, "The proposal's themes.", PROPOSAL_THEMES),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    put=extend_schema(
        summary="Set a proposal's themes",
        description="Replace the proposal's themes with those named (an empty list takes "
        "them all off). Its text is never editable. Needs `If-Match`.",
        request=rs.ProposalThemesInputSerializer,
        examples=[_input("themes", {"themes": ["synthetic-theme"]})],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: _ok(rs.ProposalThemesSerializer, "The proposal's themes now.", PROPOSAL_THEMES),
            400: error(
                400,
                unknown_theme=(
                    "The request was not valid.",
                    {"themes": ["Object with slug=no-such-theme does not exist."]},
                ),
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
            412: STALE,
        },
    ),
)

CRITERIA_VIEW = extend_schema_view(
    get=extend_schema(
        summary="A proposal's delivery criteria, as editors edit them",
        description="What would count as delivered, partly delivered or action contrary "
        "(`version` 0 and empty texts: none written yet). The public reads them in "
        "`/api/v1/proposals/{reference}/` (`delivery_criteria`).",
        parameters=[etag_header(200)],
        responses={
            200: _ok(rs.DeliveryCriteriaSerializer, "The criteria.", CRITERIA),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    put=extend_schema(
        summary="Write a proposal's delivery criteria",
        description="Replace the three texts (one left out is empty; all empty shows none). "
        "Editors and admins, as on `/editorial/proposals/{reference}/criteria/`. Needs "
        "`If-Match`, also for the first write.",
        request=rs.DeliveryCriteriaInputSerializer,
        examples=[_input("criteria", {k: CRITERIA[k] for k in ("delivered", "partly_delivered")})],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: _ok(rs.DeliveryCriteriaSerializer, "The criteria now (new `version`).", CRITERIA),
            400: CRITERIA_INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            412: STALE,
        },
    ),
)

CRITERIA_HISTORY_VIEW = extend_schema_view(
    get=extend_schema(
        summary="The history of a proposal's delivery criteria",
        description=_HISTORY_DESCRIPTION + " Empty while none were written.",
        responses={
            200: _ok(rs.HistoryRecordSerializer(many=True), "Its history records.", HISTORY),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
)
