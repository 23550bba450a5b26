"""``/api/v1/``: what the API offers, with one example request for each endpoint.

JSON for API clients, a page in the site's design for a browser (``Accept:
text/html``).  ``tests/test_api_root.py`` checks that every operation of the
OpenAPI schema is listed here and that every example answers 200.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evidence.models import Evidence, Indicator, Observation
from tracker.siteurl import site_url

from ..models import Section, StatusUpdate


@dataclass(frozen=True)
class Endpoint:
    path: str  # as in the schema, e.g. /api/v1/proposals/{reference}/
    description: str
    example: str  # a request that answers 200 on the two papers' data
    methods: tuple[str, ...] = ("GET",)
    needs_token: bool = False


READ = [
    Endpoint(
        "/api/v1/papers/", "The two policy papers, their sections and sources.", "/api/v1/papers/"
    ),
    Endpoint("/api/v1/papers/{number}/", "One paper.", "/api/v1/papers/138/"),
    Endpoint(
        "/api/v1/sections/", "Every section of both papers.", "/api/v1/sections/?paper__number=118"
    ),
    Endpoint("/api/v1/sections/{id}/", "One section.", ""),
    Endpoint(
        "/api/v1/themes/", "Themes that group proposals across the papers.", "/api/v1/themes/"
    ),
    Endpoint("/api/v1/themes/{slug}/", "One theme.", "/api/v1/themes/stop-and-search/"),
    Endpoint(
        "/api/v1/proposals/",
        "Every proposal with its current status: filter by paper, section, theme, status, "
        "kind, acting body, applicability, evidence or date; search with q; as_at for the "
        "status on a past date; format=csv for a spreadsheet.",
        "/api/v1/proposals/?paper=138&kind=summary&q=police",
    ),
    Endpoint(
        "/api/v1/proposals/{reference}/",
        "One proposal: its verbatim text, status history, evidence and links to the other paper.",
        "/api/v1/proposals/118-2d/",
    ),
    Endpoint(
        "/api/v1/status-updates/",
        "Published assessments (and corrected ones, marked), newest first.",
        "/api/v1/status-updates/?paper=118",
    ),
    Endpoint("/api/v1/status-updates/{id}/", "One published assessment (its permalink).", ""),
    Endpoint("/api/v1/evidence/", "The sources assessments cite.", "/api/v1/evidence/"),
    Endpoint("/api/v1/evidence/{id}/", "One source.", ""),
    Endpoint(
        "/api/v1/indicators/", "Official statistics linked to proposals.", "/api/v1/indicators/"
    ),
    Endpoint("/api/v1/indicators/{slug}/", "One indicator with its latest figures.", ""),
    Endpoint("/api/v1/observations/", "Every figure of every indicator.", "/api/v1/observations/"),
    Endpoint("/api/v1/observations/{id}/", "One figure.", ""),
    Endpoint(
        "/api/v1/changes/",
        "What changed: publications, corrections and edited proposals, newest first.",
        "/api/v1/changes/?paper=118",
    ),
    Endpoint(
        "/api/v1/dump/",
        "Everything public in one JSON document, with its licence.",
        "/api/v1/dump/",
    ),
]

WRITE = [
    Endpoint(
        "/api/v1/drafts/",
        "Campaigners' draft assessments: list your own, create one.",
        "",
        ("GET", "POST"),
        True,
    ),
    Endpoint(
        "/api/v1/drafts/{id}/",
        "One draft: read, change (If-Match), delete.",
        "",
        ("GET", "PATCH", "DELETE"),
        True,
    ),
    Endpoint("/api/v1/drafts/{id}/submit/", "Submit a draft for review.", "", ("POST",), True),
    Endpoint(
        "/api/v1/drafts/{id}/publish/", "Editors: publish a submitted draft.", "", ("POST",), True
    ),
    Endpoint(
        "/api/v1/drafts/{id}/return/",
        "Editors: return a draft with a comment.",
        "",
        ("POST",),
        True,
    ),
    Endpoint(
        "/api/v1/status-updates/{id}/corrections/",
        "Editors: correct a published assessment.",
        "",
        ("POST",),
        True,
    ),
    Endpoint(
        "/api/v1/sources/", "Add a source to the evidence library.", "", ("GET", "POST"), True
    ),
    Endpoint("/api/v1/sources/{id}/", "One source you may edit.", "", ("GET", "PATCH"), True),
    Endpoint("/api/v1/imports/", "Import status updates from a CSV file.", "", ("POST",), True),
    Endpoint("/api/v1/imports/template/", "The CSV import template.", "", ("GET",), True),
    Endpoint(
        "/api/v1/imports/{job_id}/", "The progress of a background import.", "", ("GET",), True
    ),
    # Editors' reference data (``reference.py``).
    Endpoint(
        "/api/v1/reference/themes/", "Editors: themes; create one.", "", ("GET", "POST"), True
    ),
    Endpoint(
        "/api/v1/reference/themes/{id}/",
        "Editors: one theme: read, change, delete (If-Match).",
        "",
        ("GET", "PATCH", "DELETE"),
        True,
    ),
    Endpoint(
        "/api/v1/reference/themes/{id}/history/", "Editors: a theme's history.", "", ("GET",), True
    ),
    Endpoint(
        "/api/v1/reference/links/", "Editors: 118→138 links; create one.", "", ("GET", "POST"), True
    ),
    Endpoint(
        "/api/v1/reference/links/{id}/",
        "Editors: one link: read, change, delete (If-Match).",
        "",
        ("GET", "PATCH", "DELETE"),
        True,
    ),
    Endpoint(
        "/api/v1/reference/links/{id}/history/", "Editors: a link's history.", "", ("GET",), True
    ),
    Endpoint(
        "/api/v1/reference/proposals/{reference}/themes/",
        "Editors: a proposal's themes: read, set (If-Match).",
        "",
        ("GET", "PUT"),
        True,
    ),
    Endpoint(
        "/api/v1/reference/proposals/{reference}/delivery-criteria/",
        "Editors: a proposal's delivery criteria: read, write (If-Match).",
        "",
        ("GET", "PUT"),
        True,
    ),
    Endpoint(
        "/api/v1/reference/proposals/{reference}/delivery-criteria/history/",
        "Editors: the history of a proposal's delivery criteria.",
        "",
        ("GET",),
        True,
    ),
    # Acting bodies (``acting_bodies.py``).
    Endpoint(
        "/api/v1/reference/acting-bodies/",
        "Editors: acting bodies; add one.",
        "",
        ("GET", "POST"),
        True,
    ),
    Endpoint(
        "/api/v1/reference/acting-bodies/{id}/",
        "Editors: one acting body: read, rename (If-Match).",
        "",
        ("GET", "PATCH"),
        True,
    ),
    Endpoint(
        "/api/v1/reference/acting-bodies/{id}/merge/",
        "Editors: merge an acting body into another (If-Match).",
        "",
        ("POST",),
        True,
    ),
    Endpoint(
        "/api/v1/reference/acting-bodies/{id}/history/",
        "Editors: an acting body's history.",
        "",
        ("GET",),
        True,
    ),
]

DOCS = [
    Endpoint("/api/v1/docs/", "Interactive documentation (Swagger UI).", "/api/v1/docs/"),
    Endpoint("/api/v1/schema/", "The OpenAPI 3 schema (YAML; ?format=json).", "/api/v1/schema/"),
]

FEEDS = [
    Endpoint("/feeds/changes.atom", "Atom: every change.", "/feeds/changes.atom"),
    Endpoint(
        "/feeds/papers/{number}.atom", "Atom: changes to one paper.", "/feeds/papers/138.atom"
    ),
    Endpoint(
        "/feeds/themes/{slug}.atom",
        "Atom: changes within one theme.",
        "/feeds/themes/stop-and-search.atom",
    ),
    Endpoint(
        "/feeds/proposals/{reference}.atom",
        "Atom: changes to one proposal.",
        "/feeds/proposals/118-2d.atom",
    ),
]

GROUPS = [
    ("read", "Read (no account needed)", READ),
    ("write", "Write (an API token: Authorization: Token …)", WRITE),
    ("docs", "Documentation", DOCS),
    ("feeds", "Feeds", FEEDS),
]


def _identifiers() -> dict[str, str | None]:
    """Examples for the paths that take a database id: the first such row, if any
    (one query each; the page is cached with the data revision)."""
    first = {
        "/api/v1/sections/{id}/": Section.objects.order_by("pk").values_list("pk", flat=True),
        "/api/v1/status-updates/{id}/": StatusUpdate.objects.public()
        .order_by("pk")
        .values_list("pk", flat=True),
        "/api/v1/evidence/{id}/": Evidence.objects.order_by("pk").values_list("pk", flat=True),
        "/api/v1/indicators/{slug}/": Indicator.objects.order_by("pk").values_list(
            "slug", flat=True
        ),
        "/api/v1/observations/{id}/": Observation.objects.order_by("pk").values_list(
            "pk", flat=True
        ),
    }
    found: dict[str, str | None] = {}
    for path, rows in first.items():
        value = rows.first()
        found[path] = (
            None
            if value is None
            else path.replace(path[path.index("{") : path.index("}") + 1], str(value))
        )
    return found


def _entry(endpoint: Endpoint, identifiers: dict[str, str | None]) -> dict[str, Any]:
    base = site_url()
    entry = asdict(endpoint)
    entry["methods"] = list(endpoint.methods)
    example = endpoint.example or identifiers.get(endpoint.path)
    entry["example"] = base + example if example else None
    return entry


@extend_schema(exclude=True)
class APIRootView(APIView):
    """The API's front page."""

    public_read = True  # anonymous answers may be cached (tracker.cache)
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, TemplateHTMLRenderer]
    template_name = "api/root.html"

    def get(self, request: Request) -> Response:
        identifiers = _identifiers()
        groups = [
            {"key": key, "title": title, "endpoints": [_entry(e, identifiers) for e in endpoints]}
            for key, title, endpoints in GROUPS
        ]
        data = {
            "name": "Crime policy commitment tracker API",
            "version": "v1",
            "documentation": site_url() + "/api/v1/docs/",
            "groups": groups,
        }
        return Response(data)
