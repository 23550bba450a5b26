"""OpenAPI descriptions of the drafts endpoints (``drafts.py``)."""

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
    CHANGE_INPUT,
    CSRF,
    DRAFT_INPUT,
    DRAFT_NOT_FOUND,
    FORMAT_NOT_FOUND,
    NO_ROLE,
    NOT_EDITOR,
    STALE,
    UPDATE_INVALID,
    draft_example,
)

DRAFT_LIST_VIEW = extend_schema_view(
    get=extend_schema(
        operation_id="drafts_list",
        summary="List unpublished status updates",
        description="Drafts, updates awaiting review and updates returned to their author, "
        "most recently changed first (not paginated). A campaigner sees their own; editors "
        "and admins see everyone's. Published updates are read at `/api/v1/status-updates/`.",
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer(many=True),
                description="The unpublished updates you may see.",
                examples=[draft_example("drafts", "One draft")],
            ),
            403: error(403, no_role=NO_ROLE),
            404: FORMAT_NOT_FOUND,
        },
    ),
    post=extend_schema(
        summary="Draft a status update",
        description="Start a draft judgement of one proposal (`proposal` is required). "
        "`evidence` cites sources of the library by id; `new_evidence` adds sources on the "
        "spot (a URL the library already has is reused). The draft is yours until you "
        "submit it; keep the `ETag` for your next change.",
        request=ws.DraftInputSerializer,
        examples=[DRAFT_INPUT],
        parameters=[etag_header(201)],
        responses={
            201: OpenApiResponse(
                ws.DraftSerializer,
                description="The draft, as `GET /api/v1/drafts/{id}/` shows it.",
                examples=[draft_example("created", "The new draft")],
            ),
            400: UPDATE_INVALID,
            403: error(403, no_role=NO_ROLE, csrf=CSRF),
            404: FORMAT_NOT_FOUND,
        },
    ),
)

DRAFT_DETAIL_VIEW = extend_schema_view(
    get=extend_schema(
        summary="One status update, in any state",
        description="An update as its author and editors see it: an unpublished one only "
        "by its author or an editor, a published one by any team member. Its `ETag` is "
        "the `If-Match` of a change, submit, publish or return.",
        parameters=[etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The update.",
                examples=[draft_example("draft", "A draft")],
            ),
            403: error(403, no_role=NO_ROLE),
            404: DRAFT_NOT_FOUND,
        },
    ),
    patch=extend_schema(
        summary="Change a draft",
        description="Change a draft or a returned update (its author or an editor); send "
        "only the fields that change. `proposal` cannot change. Needs `If-Match` with the "
        "`ETag` of `GET /api/v1/drafts/{id}/`.",
        request=ws.DraftInputSerializer,
        examples=[CHANGE_INPUT],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The changed draft (new `version`, new `ETag`).",
                examples=[draft_example("changed", "The changed draft", status="partly_delivered")],
            ),
            400: UPDATE_INVALID,
            403: error(
                403,
                no_role=NO_ROLE,
                not_yours="Only the author or an editor may edit an unpublished update.",
                no_longer_a_draft="This update was submitted or published meanwhile.",
                csrf=CSRF,
            ),
            404: DRAFT_NOT_FOUND,
            412: STALE,
        },
    ),
)

DRAFT_SUBMIT_VIEW = extend_schema_view(
    post=extend_schema(
        summary="Submit a draft for review",
        description="The author (or an editor) hands a draft or returned update to the "
        "editors; it can no longer be changed unless returned. No body. Needs `If-Match` "
        "with the `ETag` of `GET /api/v1/drafts/{id}/`.",
        request=None,
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The update, now awaiting review.",
                examples=[
                    draft_example(
                        "submitted",
                        "Awaiting review",
                        state="submitted",
                        version=2,
                        submitted_at="2024-01-03T09:00:00Z",
                    )
                ],
            ),
            400: error(
                400,
                "A status other than not_assessed needs at least one complete source.",
                no_source=(
                    "The request was not valid.",
                    {"evidence": ["Add at least one source."]},
                ),
            ),
            403: error(
                403,
                no_role=NO_ROLE,
                not_yours="Only the author or an editor may submit this update.",
                already_submitted="This update was submitted or published meanwhile.",
                csrf=CSRF,
            ),
            404: DRAFT_NOT_FOUND,
            412: STALE,
        },
    )
)

DRAFT_PUBLISH_VIEW = extend_schema_view(
    post=extend_schema(
        summary="Publish an update",
        description="An editor publishes a draft or an update awaiting review: it becomes "
        "the public record (`/api/v1/status-updates/{id}/`) and, if it is a correction, "
        "marks the update it corrects as corrected. An editor may not publish their own "
        "update unless the site allows it (a one-person team). No body. Needs `If-Match` "
        "with the `ETag` of `GET /api/v1/drafts/{id}/`.",
        request=None,
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The published update.",
                examples=[
                    draft_example(
                        "published",
                        "Published",
                        state="published",
                        version=3,
                        published_at="2024-01-04T12:00:00Z",
                        reviewed_by="synthetic-editor",
                    )
                ],
            ),
            400: error(
                400,
                "Not publishable: the update is not a draft or awaiting review, has no "
                "complete source, or the update it corrects was corrected meanwhile.",
                wrong_state=(
                    "The request was not valid.",
                    {
                        "non_field_errors": [
                            "Only a draft or an update awaiting review can be published."
                        ]
                    },
                ),
                already_corrected=(
                    "The request was not valid.",
                    {"non_field_errors": ["The update this corrects has already been corrected."]},
                ),
            ),
            403: error(
                403,
                not_editor=NOT_EDITOR,
                own_update="You wrote this update: another editor must publish it "
                "(TRACKER_ALLOW_SELF_PUBLISH allows it for one-person teams).",
                csrf=CSRF,
            ),
            404: DRAFT_NOT_FOUND,
            412: STALE,
        },
    )
)

DRAFT_RETURN_VIEW = extend_schema_view(
    post=extend_schema(
        summary="Return an update to its author",
        description="An editor sends an update awaiting review back to its author with a "
        "comment saying what needs changing; the author can then change and resubmit it. "
        "Needs `If-Match` with the `ETag` of `GET /api/v1/drafts/{id}/`.",
        request=ws.ReturnInputSerializer,
        examples=[
            OpenApiExample(
                "comment",
                summary="What needs changing",
                value={"comment": "Synthetic example comment: cite the source for the date."},
                request_only=True,
            )
        ],
        parameters=[IF_MATCH, etag_header(200)],
        responses={
            200: OpenApiResponse(
                ws.DraftSerializer,
                description="The update, returned to its author.",
                examples=[
                    draft_example(
                        "returned",
                        "Returned",
                        state="returned",
                        version=3,
                        reviewed_by="synthetic-editor",
                        review_comment="Synthetic example comment: cite the source for the date.",
                    )
                ],
            ),
            400: error(
                400,
                no_comment=("The request was not valid.", {"comment": ["This field is required."]}),
            ),
            403: error(
                403,
                not_editor=NOT_EDITOR,
                not_awaiting_review="Only editors may return a submitted update.",
                reviewed_meanwhile="This update is no longer awaiting review.",
                csrf=CSRF,
            ),
            404: DRAFT_NOT_FOUND,
            412: STALE,
        },
    )
)

CORRECTION_VIEW = extend_schema_view(
    post=extend_schema(
        summary="Correct a published update",
        description="An editor starts a correction of a published update: a new draft of "
        "the same proposal, pre-filled from the original and changed by what you send "
        "(`proposal` must stay the same). Publishing it marks the original corrected; both "
        "stay public. Needs `If-Match` with the `ETag` of the public "
        "`GET /api/v1/status-updates/{id}/`.",
        request=ws.DraftInputSerializer,
        examples=[CHANGE_INPUT],
        parameters=[IF_MATCH, etag_header(201)],
        responses={
            201: OpenApiResponse(
                ws.DraftSerializer,
                description="The correction, a draft (`corrects` names the original).",
                examples=[
                    draft_example(
                        "correction",
                        "A correction draft",
                        id=43,
                        status="partly_delivered",
                        corrects={
                            "id": 42,
                            "url": "https://tracker.example.org/api/v1/status-updates/42/",
                            "html_url": "https://tracker.example.org/updates/42/",
                        },
                        author="synthetic-editor",
                    )
                ],
            ),
            400: UPDATE_INVALID,
            403: error(
                403,
                not_editor=NOT_EDITOR,
                already_corrected="Only editors may correct a published update.",
                csrf=CSRF,
            ),
            404: error(
                404,
                "No such published update (drafts are corrected by changing them); also an "
                "unknown `format`.",
                not_found="No StatusUpdate matches the given query.",
            ),
            412: STALE,
        },
    ),
)
