"""Synthetic examples and error cases of the write API's OpenAPI schema, shared by
the ``*_docs`` modules."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
)

from tracker.api.schema import error

SOURCE_EXAMPLE = {
    "id": 7,
    "url": "https://tracker.example.org/api/v1/evidence/7/",
    "html_url": "https://tracker.example.org/evidence/7/",
    "kind": "other",
    "title": "Synthetic example source",
    "publisher": "Synthetic publisher",
    "source_url": "https://example.org/synthetic/source",
    "published_date": "2020-01-01",
    "accessed_date": "2024-01-01",
    "archived_url": "",
    "quote": "",
    "page": "",
    "is_published": False,
    "replaced_by": None,
    "version": 1,
    "created_at": "2024-01-02T10:00:00Z",
    "updated_at": "2024-01-02T10:00:00Z",
}
DRAFT_EXAMPLE = {
    "id": 42,
    "url": "https://tracker.example.org/api/v1/status-updates/42/",
    "html_url": "https://tracker.example.org/updates/42/",
    "proposal": {
        "reference": "118-1a",
        "url": "https://tracker.example.org/api/v1/proposals/118-1a/",
        "html_url": "https://tracker.example.org/proposals/118-1a/",
    },
    "status": "in_progress",
    "status_label": "In progress",
    "status_definition": "A body able to deliver it has taken a concrete, public step "
    "towards it (a bill, a funded programme, a pilot, a consultation on its substance), "
    "but it is not yet in effect.",
    "effective_date": "2021-01-01",
    "date_precision": "day",
    "acting_bodies": [
        {
            "slug": "college-of-policing",
            "name": "College of Policing",
            "kind": "college_of_policing",
        }
    ],
    "rationale": "Synthetic example rationale.",
    "evidence": [SOURCE_EXAMPLE],
    "state": "draft",
    "is_corrected": False,
    "corrects": None,
    "corrected_by": [],
    "published_at": None,
    "author": "synthetic-campaigner",
    "version": 1,
    "updated_at": "2024-01-02T10:00:00Z",
    "reviewed_by": None,
    "review_comment": "",
    "submitted_at": None,
}
SOURCE_INPUT_EXAMPLE = {
    "source_url": "https://example.org/synthetic/source",
    "title": "Synthetic example source",
    "publisher": "Synthetic publisher",
    "kind": "other",
    "published_date": "2020-01-01",
    "accessed_date": "2024-01-01",
}


def draft_example(name: str, summary: str, **changes) -> OpenApiExample:
    return OpenApiExample(name, summary=summary, value=DRAFT_EXAMPLE | changes, response_only=True)


DRAFT_INPUT = OpenApiExample(
    "new_draft",
    summary="A draft citing one library source and adding another",
    value={
        "proposal": "118-1a",
        "status": "in_progress",
        "effective_date": "2021-01-01",
        "date_precision": "day",
        "rationale": "Synthetic example rationale.",
        "acting_bodies": ["college-of-policing"],
        "evidence": [7],
        "new_evidence": [SOURCE_INPUT_EXAMPLE | {"source_url": "https://example.org/synthetic/2"}],
    },
    request_only=True,
)
CHANGE_INPUT = OpenApiExample(
    "change",
    summary="Change only what you send",
    value={"status": "partly_delivered", "rationale": "Synthetic example rationale, revised."},
    request_only=True,
)
UPDATE_INVALID = error(
    400,
    missing_fields=(
        "The request was not valid.",
        {"effective_date": ["This field is required."], "rationale": ["This field is required."]},
    ),
    unknown_status=(
        "The request was not valid.",
        {"status": ['"finished" is not a valid choice.']},
    ),
    unknown_proposal=(
        "The request was not valid.",
        {"proposal": ["Object with reference=999-9z does not exist."]},
    ),
    future_date=(
        "The request was not valid.",
        {"effective_date": ["The date it happened cannot be in the future."]},
    ),
    no_source=("The request was not valid.", {"evidence": ["Add at least one source."]}),
)
SOURCE_INVALID = error(
    400,
    bad_url=(
        "The request was not valid.",
        {"source_url": ["Enter a valid URL."], "title": ["This field is required."]},
    ),
)
NO_ROLE = "Only campaigners, editors and admins may do this."
NOT_EDITOR = "Only editors and admins may do this."
CSRF = "CSRF Failed: CSRF token missing."  # session clients only; a token needs none
DRAFT_NOT_FOUND = error(
    404,
    "No such status update, or an unpublished one that is neither yours nor (for an "
    "editor) anyone's; also an unknown `format`.",
    not_found="No StatusUpdate matches the given query.",
)
SOURCE_NOT_FOUND = error(
    404,
    "No such source; also an unknown `format`.",
    not_found="No Evidence matches the given query.",
)
FORMAT_NOT_FOUND = error(
    404,
    "Only for an unknown `format` query parameter.",
    unknown_format="Not found.",
)
STALE = error(
    412,
    "The `If-Match` ETag is not the current one, or the service found a "
    "newer version while saving: someone changed it since you read it. Nothing was "
    "saved; GET it again and reapply your change.",
    changed_since_read="The resource changed since you read it; fetch it again and reapply.",
    changed_while_saving="Someone else saved this since you opened it (your version 2, now "
    "version 3); they changed status. Nothing of yours was saved: review their changes and "
    "save again. status: in_progress → delivered",
)
