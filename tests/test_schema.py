"""The OpenAPI schema: generated from the code, fully described, docs served
from local assets; throttling of anonymous clients."""

import re
from pathlib import Path
from typing import cast

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from rest_framework.throttling import AnonRateThrottle

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations():
    from drf_spectacular.generators import SchemaGenerator

    from tracker.api.schema import add_error_responses

    generated = add_error_responses(SchemaGenerator().get_schema(request=None, public=True))
    return [
        (f"{method.upper()} {path}", path, method, op)
        for path, ops in generated["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


def pytest_generate_tests(metafunc):
    if "operation" in metafunc.fixturenames:
        import django

        django.setup()
        metafunc.parametrize(
            "path, method, operation",
            [pytest.param(path, method, op, id=name) for name, path, method, op in operations()],
        )


def test_schema_walk_everything_is_described(path, method, operation):
    """Walks every operation of the schema; fails on one without a description."""
    op = operation
    problems = []
    if not (op.get("description") or "").strip() or not (op.get("summary") or "").strip():
        problems.append("no summary or description")
    for param in op.get("parameters", []):
        if not (param.get("description") or "").strip():
            problems.append(f"parameter {param['name']} has no description")
    for status, response in op["responses"].items():
        if not (response.get("description") or "").strip():
            problems.append(f"response {status} has no description")
        if status.startswith(("4", "5")):
            media = response.get("content", {}).values()
            if not any(m.get("examples") for m in media):
                problems.append(f"error {status} has no example")
    if "429" not in op["responses"]:
        problems.append("429 not documented")
    if "{" in path and "404" not in op["responses"]:
        problems.append("404 not documented")
    if method != "get" and not {"401", "403"} <= set(op["responses"]):
        problems.append("401/403 not documented")
    assert problems == []


IF_MATCH_OPERATIONS = {
    "PATCH /api/v1/drafts/{id}/",
    "POST /api/v1/drafts/{id}/submit/",
    "POST /api/v1/drafts/{id}/publish/",
    "POST /api/v1/drafts/{id}/return/",
    "POST /api/v1/status-updates/{id}/corrections/",
    "PATCH /api/v1/sources/{id}/",
    # Editors' reference data (policies/api/reference.py)
    "PATCH /api/v1/reference/themes/{id}/",
    "DELETE /api/v1/reference/themes/{id}/",
    "PATCH /api/v1/reference/links/{id}/",
    "DELETE /api/v1/reference/links/{id}/",
    "PUT /api/v1/reference/proposals/{reference}/themes/",
    "PUT /api/v1/reference/proposals/{reference}/delivery-criteria/",
    "PATCH /api/v1/reference/acting-bodies/{id}/",
    "POST /api/v1/reference/acting-bodies/{id}/merge/",
}


def test_if_match_is_documented_exactly_where_required():
    needing = set()
    for name, _path, _method, op in operations():
        header = [p for p in op.get("parameters", []) if p["in"] == "header"]
        if any(p["name"] == "If-Match" and p.get("required") for p in header):
            needing.add(name)
            assert {"412", "428"} <= set(op["responses"]), name
    assert needing == IF_MATCH_OPERATIONS


def test_write_operations_document_their_own_errors():
    """Each write operation's 403 says who may do it, with an example per case."""
    for name, path, _method, op in operations():
        if not path.startswith(
            ("/api/v1/drafts", "/api/v1/sources", "/api/v1/imports", "/api/v1/reference")
        ):
            continue
        forbidden = op["responses"]["403"]["content"]["application/json"]
        assert forbidden["schema"] == {"$ref": "#/components/schemas/Error"}, name
        messages = {e["value"]["error"]["message"] for e in forbidden["examples"].values()}
        assert messages & {
            "Only campaigners, editors and admins may do this.",
            "Only editors and admins may do this.",
            "You may not edit this source.",
        }, name


def test_the_walk_covers_every_operation(schema):
    walked = {name for name, *_ in operations()}
    served = {
        f"{method.upper()} {path}"
        for path, ops in schema["paths"].items()
        for method in ops
        if method in METHODS
    }
    assert walked == served and len(walked) > 20


def test_schema_covers_the_read_api(schema):
    paths = set(schema["paths"])
    for path in [
        "/api/v1/papers/",
        "/api/v1/proposals/",
        "/api/v1/proposals/{reference}/",
        "/api/v1/status-updates/{id}/",
        "/api/v1/evidence/",
        "/api/v1/changes/",
        "/api/v1/dump/",
    ]:
        assert path in paths
    params = {p["name"] for p in schema["paths"]["/api/v1/proposals/"]["get"]["parameters"]}
    assert {
        "paper",
        "section",
        "theme",
        "status",
        "kind",
        "body",
        "applicability",
        "has_evidence",
        "updated_since",
        "q",
        "ordering",
        "as_at",
        "format",
        "page",
        "page_size",
    } <= params
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]


def test_docs_load_only_local_assets(client):
    # Swagger UI from drf-spectacular-sidecar.  (The sidecar's Redoc page pulls web
    # fonts from Google, so it is not served.)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert assets, "the page references its scripts"
    outside = [a for a in assets if re.match(r"^(https?:)?//", a)]
    assert outside == []
    assert "drf_spectacular_sidecar" in html
    for asset in assets:
        if asset.startswith(settings.STATIC_URL) or asset.startswith("/" + settings.STATIC_URL):
            name = asset.split(settings.STATIC_URL.strip("/") + "/", 1)[1]
            assert finders.find(name), asset


def test_anonymous_throttle_gives_429(api_client, papers):
    rate = cast(dict[str, str], settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])["anon"]
    allowed, _ = AnonRateThrottle().parse_rate(rate)
    assert allowed is not None, rate
    for _ in range(allowed):
        assert api_client.get("/api/v1/themes/").status_code == 200
    response = api_client.get("/api/v1/themes/")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # Another client is not affected.
    assert api_client.get("/api/v1/themes/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_unknown_api_paths_are_json_404s(api_client, papers):
    for url in [
        "/api/v1/no-such-thing/",
        "/api/v1/evidence/1.5e-70/",
        "/api/v1/proposals/?format=xml",
    ]:
        response = api_client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json()["error"]["code"] == "not_found", url


def test_operations_with_query_parameters_document_the_servers_414(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
            assert ("414" in operation["responses"]) == has_query, f"{method} {path}"


SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.yaml"


def test_schema_equals_the_committed_snapshot(tmp_path):
    """The generated OpenAPI document, byte for byte, is the committed one: a move
    of code changes no byte of it, and a deliberate change of the API shows in
    the diff of ``tests/snapshots/openapi.yaml`` (``make schema`` rewrites it).

    The snapshot is generated on SQLite (the embedded default).  Django gives an
    integer field the range of the database's column, so on another backend the
    ``maximum`` (and ``format: int64``) of integer fields differ, and nothing else
    may."""
    import difflib

    from django.core.management import call_command
    from django.db import connection

    out = tmp_path / "openapi.yaml"
    call_command("spectacular", file=str(out))
    if connection.vendor == "sqlite":
        assert out.read_bytes() == SNAPSHOT.read_bytes()
        return
    changed = [
        line[1:].strip()
        for line in difflib.unified_diff(
            SNAPSHOT.read_text().splitlines(), out.read_text().splitlines(), n=0, lineterm=""
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed, "expected the integer ranges of this backend to differ"
    assert all(re.fullmatch(r"maximum: \d+|format: int64", line) for line in changed), changed
