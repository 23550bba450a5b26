"""OpenAPI descriptions of the read endpoints (``read.py``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from tracker.api.schema import DETAIL_FORMAT_PARAMETER, FORMAT_PARAMETER, path_parameter

from . import serializers

THEME_PARAMETER = OpenApiParameter(
    "theme", OpenApiTypes.STR, many=True, description="Theme slug; repeat for any of several."
)


BODY_PARAMETER = OpenApiParameter(
    "body",
    OpenApiTypes.STR,
    many=True,
    description="Acting body slug (e.g. uk-government); repeat for any of several.",
)


AS_AT_PARAMETER = OpenApiParameter(
    "as_at",
    OpenApiTypes.DATE,
    description="YYYY-MM-DD: the status as it stood on that date.",
)


PAPER_VIEW_SET = extend_schema_view(
    list=extend_schema(
        summary="List the papers",
        description="Both policy papers with their sections.",
        parameters=[FORMAT_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One paper",
        description="A paper by its number (118 or 138).",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("number", OpenApiTypes.INT, "Paper number: 118 or 138."),
        ],
    ),
)


SECTION_VIEW_SET = extend_schema_view(
    list=extend_schema(
        summary="List sections",
        description="Chapters of 138 and numbered headings of motion F13, in order.",
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter(
                "paper__number", OpenApiTypes.INT, description="Paper number: 118 or 138."
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One section",
        description="A section by id.",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("id", OpenApiTypes.INT, "Numeric id of the section."),
        ],
    ),
)


THEME_VIEW_SET = extend_schema_view(
    list=extend_schema(
        summary="List themes", description="Cross-paper topics.", parameters=[FORMAT_PARAMETER]
    ),
    retrieve=extend_schema(
        summary="One theme",
        description="A theme by slug.",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("slug", OpenApiTypes.STR, "Theme slug, e.g. as in a proposal's themes."),
        ],
    ),
)


PROPOSAL_VIEW_SET = extend_schema_view(
    list=extend_schema(
        summary="List proposals",
        description="Every proposal of both papers, filterable, with its current status "
        "(or its status on `as_at`).",
        parameters=[FORMAT_PARAMETER, THEME_PARAMETER, BODY_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One proposal",
        description="A proposal by its stable reference, e.g. 118-2d, with its status "
        "history (corrected updates included, marked) and the evidence it cites.",
        parameters=[
            AS_AT_PARAMETER,
            DETAIL_FORMAT_PARAMETER,
            path_parameter(
                "reference", OpenApiTypes.STR, "Stable citation key, e.g. 118-2d or 138-2.2.5a."
            ),
        ],
    ),
)


STATUS_UPDATE_VIEW_SET = extend_schema_view(
    list=extend_schema(
        summary="List status updates",
        description="Published status updates, newest published first. Updates later "
        "corrected stay listed with state `corrected` and `corrected_by`; drafts and "
        "updates under review are never shown.",
        parameters=[FORMAT_PARAMETER, THEME_PARAMETER, BODY_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One status update",
        description="The permanent, citable record of one published status update.",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("id", OpenApiTypes.INT, "Numeric id of the status update."),
        ],
    ),
)


EVIDENCE_VIEW_SET = extend_schema_view(
    list=extend_schema(
        summary="List evidence",
        description="Sources cited by published status updates, newest first.",
        parameters=[FORMAT_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One piece of evidence",
        description="A source by id, with the published status updates that cite it.",
        parameters=[
            DETAIL_FORMAT_PARAMETER,
            path_parameter("id", OpenApiTypes.INT, "Numeric id of the evidence."),
        ],
    ),
)


CHANGES_VIEW = extend_schema_view(
    get=extend_schema(
        summary="What changed",
        description="Published status updates, corrections (each naming the update it "
        "corrects; the corrected update stays listed with `is_corrected`) and edited "
        "proposals, newest first, in the window `since` ≤ time < `until`.",
        parameters=[serializers.ChangesQuerySerializer, FORMAT_PARAMETER],
    ),
)


DUMP_VIEW = extend_schema_view(
    get=extend_schema(
        summary="The whole dataset",
        description="Every paper, theme, acting body, proposal (with its status history) "
        "and piece of public evidence, with the licence notice, a generated-at stamp and "
        "the version of this document's layout (`schema_version`).",
        responses=serializers.DumpSerializer,
    ),
)
