"""OpenAPI descriptions of the import endpoints (``imports.py``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from tracker.api.schema import error

from .. import imports
from . import write_serializers as ws
from .examples import (
    CSRF,
    FORMAT_NOT_FOUND,
    NOT_EDITOR,
)

IMPORT_VIEW = extend_schema_view(
    post=extend_schema(
        summary="Import a CSV of status updates",
        description="Upload a CSV in the template's format (`GET /api/v1/imports/template/`), "
        "as drafts (`mode=draft`) or published at once (`mode=publish`). The whole file is "
        "checked first: one bad row refuses the file (400, line-numbered errors) and "
        "nothing is written. `effective_date` is `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, which "
        "sets the update's date precision; acting bodies are named by name (any case) or "
        "slug, and a name that is neither is refused with its line. Rows already imported are skipped. A long file is imported in "
        "the background: 202 with the job to poll.",
        request={"multipart/form-data": ws.ImportInputSerializer},
        responses={
            201: OpenApiResponse(
                ws.ImportResultSerializer,
                description="Imported; what was written.",
                examples=[
                    OpenApiExample(
                        "imported",
                        value={"created": 3, "skipped": 1, "published": 0, "evidence_created": 2},
                        status_codes=["201"],
                        response_only=True,
                    )
                ],
            ),
            202: OpenApiResponse(
                ws.ImportQueuedSerializer,
                description="Too many rows to import during the request: queued; poll "
                "`status_url`.",
                examples=[
                    OpenApiExample(
                        "queued",
                        value={
                            "job": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                            "status_url": "https://tracker.example.org/api/v1/imports/"
                            "0f1e2d3c4b5a69788796a5b4c3d2e1f0/",
                        },
                        status_codes=["202"],
                        response_only=True,
                    )
                ],
            ),
            400: error(
                400,
                "The file was refused (nothing was written): `fields.file` lists the "
                "problems by line.",
                refused=(
                    "The request was not valid.",
                    {"file": ["line 3: unknown proposal reference '999-9z'."]},
                ),
                no_file=("The request was not valid.", {"file": ["No file was submitted."]}),
            ),
            403: error(403, not_editor=NOT_EDITOR, csrf=CSRF),
            404: FORMAT_NOT_FOUND,
            409: error(
                409,
                "The same file (byte for byte) is being imported now, by anyone, in either "
                "mode; nothing was written. Once that import has finished, importing the "
                "file again creates only what it did not.",
                in_progress="This file is already being imported (alice, as drafts, since "
                "14:02:31). Nothing was written. When that import has finished, importing "
                "the file again creates only what it did not.",
            ),
            413: error(
                413,
                "The file is over the size limit (`TRACKER_IMPORT_MAX_BYTES`, 5 MB by "
                "default); it was not stored. Split it.",
                too_large="The file is larger than 5,242,880 bytes "
                "(TRACKER_IMPORT_MAX_BYTES); split it.",
            ),
            503: error(
                503,
                "The database was busy with another write for too long (SQLite); nothing "
                "was written. Try again in a minute.",
                busy=imports.ImportBusy.message,
            ),
        },
    ),
)

IMPORT_JOB_VIEW = extend_schema_view(
    get=extend_schema(
        summary="Progress of a background import",
        description="The state of an import queued by `POST /api/v1/imports/` (202), for "
        "the editor who started it. Jobs are kept for a limited time.",
        parameters=[
            OpenApiParameter(
                "job_id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The `job` returned by `POST /api/v1/imports/`.",
            )
        ],
        responses={
            200: OpenApiResponse(
                ws.ImportJobSerializer,
                description="The job.",
                examples=[
                    OpenApiExample(
                        "done",
                        value={
                            "id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                            "mode": "draft",
                            "filename": "synthetic-updates.csv",
                            "state": "done",
                            "phase": "done",
                            "done": 600,
                            "total": 600,
                            "errors": [],
                            "result": {
                                "created": 600,
                                "skipped": 0,
                                "published": 0,
                                "evidence_created": 12,
                            },
                        },
                        response_only=True,
                    )
                ],
            ),
            403: error(403, not_editor=NOT_EDITOR),
            404: error(
                404,
                "No such job, a job another user started, or one that expired; also an "
                "unknown `format`.",
                not_found="Not found.",
            ),
        },
    ),
)

IMPORT_TEMPLATE_VIEW = extend_schema_view(
    get=extend_schema(
        summary="The CSV import template",
        description="A CSV file with the header line of the import format and no rows.",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The template (`Content-Disposition: attachment`).",
                examples=[
                    OpenApiExample(
                        "template",
                        value=imports.template_csv(),
                        response_only=True,
                    )
                ],
            ),
            403: error(403, not_editor=NOT_EDITOR),
            404: FORMAT_NOT_FOUND,
        },
    ),
)
