"""OpenAPI descriptions of the acting-body endpoints (``acting_bodies.py``)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from tracker.api.schema import IF_MATCH, error, etag_header

from . import acting_bodies_serializers as abs_
from . import reference_serializers as rs
from .examples import CSRF, NOT_EDITOR, STALE

# Every example here is synthetic.
BODY = {
    "id": 12,
    "name": "Synthetic Example Body",
    "slug": "synthetic-example-body",
    "kind": "other",
    "version": 2,
}
BODY_INPUT = {"name": "Synthetic Example Body", "kind": "other"}
MERGED = {"merged": "synthetic-duplicate-body", "moved_updates": 3, "kept": BODY}
HISTORY = [
    {
        "history_id": 88,
        "history_date": "2024-01-05T10:00:00Z",
        "history_type": "changed",
        "user": "synthetic-editor",
        "changes": [
            {"field": "name", "old": "Synthetic Body", "new": "Synthetic Example Body"},
            {"field": "version", "old": "1", "new": "2"},
        ],
    },
]

FORBIDDEN = error(403, not_editor=NOT_EDITOR, csrf=CSRF)
NOT_FOUND = error(404, "No such acting body.", not_found="Not found.")
INVALID = error(
    400,
    name_taken=(
        "The request was not valid.",
        {"name": ["An acting body is already named “Synthetic Example Body”."]},
    ),
    bad_kind=("The request was not valid.", {"kind": ['"rumour" is not a valid choice.']}),
)
MERGE_INVALID = error(
    400,
    unknown=("The request was not valid.", {"into": ["Object with slug=nobody does not exist."]}),
    itself=("The request was not valid.", {"kept": ["Choose another body to keep."]}),
)


def _ok(serializer, description: str, value, code: int = 200):
    return OpenApiResponse(
        serializer,
        description=description,
        examples=[
            OpenApiExample("example", value=value, status_codes=[str(code)], response_only=True)
        ],
    )


def _input(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


LIST_VIEW = extend_schema_view(
    get=extend_schema(
        operation_id="reference_acting_bodies_list",
        summary="Acting bodies, as editors edit them",
        description="Every acting body with its `version` (not paginated). Editors and admins.",
        responses={
            200: _ok(abs_.EditableActingBodySerializer(many=True), "The acting bodies.", [BODY]),
            403: FORBIDDEN,
        },
    ),
    post=extend_schema(
        summary="Add an acting body",
        description="Editors and admins, as on `/editorial/acting-bodies/new/`. A name is "
        "unique whatever its case; a blank slug is made from the name.",
        request=abs_.ActingBodyInputSerializer,
        examples=[_input("body", BODY_INPUT)],
        parameters=[etag_header(201)],
        responses={
            201: _ok(abs_.EditableActingBodySerializer, "The new acting body.", BODY, code=201),
            400: INVALID,
            403: FORBIDDEN,
        },
    ),
)

DETAIL_VIEW = extend_schema_view(
    get=extend_schema(
        summary="One acting body, as editors edit it",
        description="Its `ETag` is the `If-Match` of a change or a merge.",
        parameters=[etag_header(200)],
        responses={
            200: _ok(abs_.EditableActingBodySerializer, "The acting body.", BODY),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    patch=extend_schema(
        summary="Rename an acting body",
        description="Send only the fields that change; the slug stays unless one is sent. "
        "Every status update naming the body shows the new name. Needs `If-Match`.",
        request=abs_.ActingBodyInputSerializer,
        examples=[_input("rename", {"name": "Synthetic Example Body, renamed"})],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: _ok(abs_.EditableActingBodySerializer, "The renamed body (new `version`).", BODY),
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            412: STALE,
        },
    ),
)

MERGE_VIEW = extend_schema_view(
    post=extend_schema(
        summary="Merge an acting body into another",
        description="Every status update naming this body names `into` instead (their own "
        "history is kept), then this body is removed; both bodies' history records the "
        "merge. Needs `If-Match` with this body's ETag.",
        request=abs_.MergeInputSerializer,
        examples=[_input("merge", {"into": "synthetic-example-body"})],
        parameters=[IF_MATCH],
        responses={
            200: _ok(abs_.MergeResultSerializer, "Merged.", MERGED),
            400: MERGE_INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
            412: STALE,
        },
    )
)

HISTORY_VIEW = extend_schema_view(
    get=extend_schema(
        summary="An acting body's history",
        description="Newest first, at most 100 records: who saved, when, and each field "
        "before and after. Kept after the body is merged away.",
        responses={
            200: _ok(rs.HistoryRecordSerializer(many=True), "Its history records.", HISTORY),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
)
