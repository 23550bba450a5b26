"""OpenAPI descriptions of the sources endpoints (``sources.py``)."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from tracker.api.schema import IF_MATCH, error, etag_header

from . import write_serializers as ws
from .examples import (
    CSRF,
    FORMAT_NOT_FOUND,
    NO_ROLE,
    SOURCE_EXAMPLE,
    SOURCE_INPUT_EXAMPLE,
    SOURCE_INVALID,
    SOURCE_NOT_FOUND,
    STALE,
)
from .serializers import EvidenceSerializer

SOURCE_LIST_VIEW = extend_schema_view(
    post=extend_schema(
        summary="Add a source to the library",
        description="Add an evidence source; it stays unpublished until an update citing "
        "it is published. A URL the library already has is not duplicated: the existing "
        "source is returned with 200.",
        request=ws.EvidenceInputSerializer,
        examples=[
            OpenApiExample(
                "source",
                summary="A synthetic source",
                value=SOURCE_INPUT_EXAMPLE,
                request_only=True,
            )
        ],
        parameters=[etag_header(200, 201)],
        responses={
            200: OpenApiResponse(
                EvidenceSerializer,
                description="The library already had this URL: that source, unchanged.",
                examples=[
                    OpenApiExample(
                        "existing", value=SOURCE_EXAMPLE, status_codes=["200"], response_only=True
                    )
                ],
            ),
            201: OpenApiResponse(
                EvidenceSerializer,
                description="The new source.",
                examples=[
                    OpenApiExample(
                        "created", value=SOURCE_EXAMPLE, status_codes=["201"], response_only=True
                    )
                ],
            ),
            400: SOURCE_INVALID,
            403: error(403, no_role=NO_ROLE, csrf=CSRF),
            404: FORMAT_NOT_FOUND,
        },
    ),
)

SOURCE_DETAIL_VIEW = extend_schema_view(
    get=extend_schema(
        summary="One source, published or not",
        description="Any source of the library, as the team sees it. Its `ETag` (or that "
        "of the public `GET /api/v1/evidence/{id}/`) is the `If-Match` of a change.",
        parameters=[etag_header(200)],
        responses={
            200: OpenApiResponse(
                EvidenceSerializer,
                description="The source.",
                examples=[OpenApiExample("source", value=SOURCE_EXAMPLE, response_only=True)],
            ),
            403: error(403, no_role=NO_ROLE),
            404: SOURCE_NOT_FOUND,
        },
    ),
    patch=extend_schema(
        summary="Change a source",
        description="Send only the fields that change. An unpublished source is changed "
        "in place (its creator or an editor; 200). A published source is never edited: an "
        "editor's change makes a new version that replaces it (201, the old one names it in "
        "`replaced_by`). Needs `If-Match` with the `ETag` of `GET /api/v1/sources/{id}/` or "
        "of the public `GET /api/v1/evidence/{id}/`.",
        request=ws.EvidenceInputSerializer,
        examples=[
            OpenApiExample(
                "change",
                summary="Correct the title",
                value={"title": "Synthetic example source, corrected title"},
                request_only=True,
            )
        ],
        parameters=[IF_MATCH, etag_header(200, 201)],
        responses={
            200: OpenApiResponse(
                EvidenceSerializer,
                description="The unpublished source, changed in place.",
                examples=[
                    OpenApiExample(
                        "changed",
                        value=SOURCE_EXAMPLE
                        | {"title": "Synthetic example source, corrected title", "version": 2},
                        status_codes=["200"],
                        response_only=True,
                    )
                ],
            ),
            201: OpenApiResponse(
                EvidenceSerializer,
                description="A published source: the new version that replaces it.",
                examples=[
                    OpenApiExample(
                        "new_version",
                        value=SOURCE_EXAMPLE
                        | {
                            "id": 8,
                            "url": "https://tracker.example.org/api/v1/evidence/8/",
                            "html_url": "https://tracker.example.org/evidence/8/",
                            "title": "Synthetic example source, corrected title",
                            "is_published": True,
                        },
                        status_codes=["201"],
                        response_only=True,
                    )
                ],
            ),
            400: SOURCE_INVALID,
            403: error(
                403,
                not_yours="You may not edit this source.",
                replaced_meanwhile="This source was published or replaced meanwhile.",
                csrf=CSRF,
            ),
            404: SOURCE_NOT_FOUND,
            412: STALE,
        },
    ),
)
