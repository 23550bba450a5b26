"""Input that cannot match is a 4xx, never a 500, on both databases.

* a path with NUL, broken UTF-8 or an id beyond 64 bits: 404 (JSON under /api/);
* a query or form parameter with NUL, or a date-time out of range: 400;
* API bodies: non-object JSON, nesting deeper than ``tracker.api.parsers.MAX_DEPTH``,
  NUL or lone surrogates anywhere, bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE``:
  400/413 in the API's error shape;
* every API list: an unknown query parameter or ``ordering`` is a 400 naming it.

Run under PostgreSQL (``DATABASE_URL``) too: NUL is what PostgreSQL refuses, and
integers or date-times out of range are what SQLite refuses.
"""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from evidence.models import Evidence
from policies.models import ActingBody, ApiToken, ProposalLink, StatusUpdate, Theme
from tests.support import make_source

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999"  # past 2**63 - 1


@pytest.fixture
def editor_api(users):
    client = APIClient()
    _, secret = ApiToken.objects.issue(users["editor"], "synthetic bad-input client")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]


# --- Paths ----------------------------------------------------------------------------

PAGE_PATHS_404 = [
    "/proposals/%00/",
    "/proposals/118-2d%00/",
    "/feeds/proposals/%00.atom",
    "/feeds/themes/%00.atom",
    "/proposals/%ED%A0%80/",  # an encoded surrogate: not UTF-8
    "/proposals/%FF/",
    "/proposals/%0A/",
    f"/updates/{BIG}/",
    f"/editorial/updates/{BIG}/",
    f"/editorial/evidence/{BIG}/edit/",
    f"/editorial/history/proposal/{BIG}/",
]
API_PATHS_404 = [
    "/api/v1/themes/%00/",
    "/api/v1/proposals/%00/",
    "/api/v1/proposals/118-2d%00/",
    "/api/v1/evidence/%00/",
    "/api/v1/imports/%00/",
    "/api/v1/sources/%0A%02%3B%C2%B3/",  # found by schemathesis: a newline, an HTML 404
    "/api/v1/proposals/%0A/",
    "/api/v1/themes/%ED%A0%80/",
    "/api/v1/proposals/%FF/",
    f"/api/v1/status-updates/{BIG}/",
    f"/api/v1/sections/{BIG}/",
    f"/api/v1/evidence/{BIG}/",
    f"/api/v1/drafts/{BIG}/",
    f"/api/v1/sources/{BIG}/",
    f"/api/v1/observations/{BIG}/",
]


@pytest.mark.parametrize("path", PAGE_PATHS_404)
def test_a_page_path_that_cannot_match_is_a_404(path, client, users, papers):
    client.force_login(users["editor"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", API_PATHS_404)
def test_an_api_path_that_cannot_match_is_a_json_404(path, editor_api, papers):
    response = editor_api.get(path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- Query parameters -----------------------------------------------------------------

FAR_DATES = [
    "9999-12-31T23:59:59-14:00",  # past year 9999 in UTC
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
]


@pytest.mark.parametrize("value", FAR_DATES)
@pytest.mark.parametrize(
    "path", ["/api/v1/proposals/", "/api/v1/status-updates/", "/api/v1/evidence/"]
)
def test_updated_since_out_of_range_is_a_400(path, value, api_client, papers):
    response = api_client.get(path, {"updated_since": value})
    # +14:00 at the end of year 9999 is still inside it (09:59 UTC): a valid, empty answer.
    if value.startswith("9999") and value.endswith("+14:00"):
        assert response.status_code == 200
        assert response.json()["count"] == 0
        return
    assert response.status_code == 400
    assert "updated_since" in error_of(response)["fields"]


@pytest.mark.parametrize("name", ["since", "until"])
def test_changes_window_out_of_range_is_a_400(name, api_client, papers):
    response = api_client.get("/api/v1/changes/", {name: FAR_DATES[0]})
    assert response.status_code == 400
    assert name in error_of(response)["fields"]


def test_updated_since_out_of_range_on_the_proposals_page(client, papers):
    response = client.get("/proposals/", {"updated_since": FAR_DATES[0]})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/proposals/?q=%00",
        "/api/v1/proposals/?section=%00",
        "/api/v1/status-updates/?proposal=%00",
        "/api/v1/changes/?proposal=%00",
        "/api/v1/proposals/?format=json&%00=1",
        "/api/v1/status-updates/?ordering=%00",
    ],
)
def test_nul_in_an_api_query_is_a_json_400(path, api_client, papers):
    response = api_client.get(path)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


@pytest.mark.parametrize("path", ["/proposals/?q=%00", "/proposals/?theme=%00", "/evidence/?q=%00"])
def test_nul_in_a_page_query_is_a_400(path, client, papers):
    assert client.get(path).status_code == 400


# --- Form bodies (pages) ----------------------------------------------------------------


def test_token_revoke_with_a_non_ascii_digit_is_refused(client, users):
    client.force_login(users["editor"])
    token, _ = ApiToken.objects.issue(users["editor"], "synthetic token")
    for value in ("²", BIG, "-1", ""):
        response = client.post("/accounts/tokens/", {"action": "revoke", "token": value})
        assert 400 <= response.status_code < 500, value
    token.refresh_from_db()
    assert token.revoked_at is None


def test_nul_in_a_token_name_is_a_400(client, users):
    client.force_login(users["editor"])
    response = client.post("/accounts/tokens/", {"action": "create", "name": "synthetic\x00"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_nul_in_a_link_form_proposal_is_a_400(client, users, papers):
    client.force_login(users["editor"])
    before = ProposalLink.objects.count()
    response = client.post(
        "/editorial/links/new/",
        {
            "from_proposal": "118-2d\x00",
            "to_proposal": "138-2a",
            "link_type": "carried",
            "note": "n",
        },
    )
    assert response.status_code == 400
    assert ProposalLink.objects.count() == before


def test_nul_in_a_theme_form_is_a_400(client, users):
    client.force_login(users["editor"])
    response = client.post("/editorial/themes/new/", {"slug": "synthetic", "name": "a\x00b"})
    assert response.status_code == 400
    assert not Theme.objects.filter(slug="synthetic").exists()


def test_ids_beyond_64_bits_in_a_form_are_refused(client, users, papers):
    client.force_login(users["campaigner"])
    response = client.post(
        "/editorial/proposals/118-2d/new-update/",
        {
            "status": "not_assessed",
            "effective_date": "2020-01-01",
            "date_precision": "day",
            "rationale": "Synthetic rationale.",
            "evidence": [BIG],
            "acting_bodies": [BIG],
            "version": BIG,
            "new-TOTAL_FORMS": "0",
            "new-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert not StatusUpdate.objects.exists()


def test_a_version_beyond_64_bits_in_a_form_is_refused(client, users, papers):
    source = make_source(users["campaigner"], 1)
    client.force_login(users["campaigner"])
    response = client.post(
        f"/editorial/evidence/{source.pk}/edit/",
        {
            "url": source.url,
            "title": "Synthetic test source, edited",
            "publisher": source.publisher,
            "kind": source.kind,
            "published_date": "2020-01-01",
            "version": BIG,
        },
    )
    assert 400 <= response.status_code < 500
    source.refresh_from_db()
    assert source.title == "Synthetic test source 1"


# --- API bodies -------------------------------------------------------------------------


def draft_body(**overrides):
    return {
        "proposal": "118-2d",
        "status": "not_assessed",
        "effective_date": "2020-01-01",
        "rationale": "Synthetic rationale.",
    } | overrides


def nested(depth: int) -> list:
    value: list = ["synthetic"]
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,
        '{"a":' * 5000 + "1" + "}" * 5000,
        json.dumps(draft_body(extra=nested(34))),
    ],
    ids=["deep-list", "deep-object", "34-levels"],
)
def test_deeply_nested_json_is_a_400(body, editor_api, papers):
    response = editor_api.post("/api/v1/drafts/", body, content_type="application/json")
    assert response.status_code == 400
    assert "deep" in error_of(response)["message"]
    assert not StatusUpdate.objects.exists()


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null"])
def test_a_non_object_json_body_is_a_400(body, editor_api, users, papers):
    source = make_source(users["editor"], 1)
    etag = editor_api.get(f"/api/v1/sources/{source.pk}/")["ETag"]
    response = editor_api.patch(
        f"/api/v1/sources/{source.pk}/", body, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    assert "object" in error_of(response)["message"]
    response = editor_api.post("/api/v1/drafts/", body, content_type="application/json")
    assert response.status_code == 400
    source.refresh_from_db()
    assert source.version == 1


@pytest.mark.parametrize(
    "body",
    [
        draft_body(proposal="118-2d\x00"),
        draft_body(acting_bodies=["uk-government\x00"]),
        draft_body(rationale="Synthetic\x00"),
        draft_body(evidence=[BIG]),
        draft_body(evidence=[int(BIG)]),
        draft_body(**{"key\x00": 1}),
    ],
    ids=["reference", "body", "rationale", "big-id-string", "big-id", "key"],
)
def test_bad_values_in_a_draft_body_are_a_400(body, editor_api, papers):
    response = editor_api.post("/api/v1/drafts/", body, format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
    assert not StatusUpdate.objects.exists()


def test_a_lone_surrogate_in_json_is_a_400(editor_api, papers):
    body = '{"proposal": "118-2d", "status": "not_assessed", "effective_date": "2020-01-01", '
    body += '"rationale": "Synthetic", "acting_bodies": ["\\ud800"]}'
    response = editor_api.post("/api/v1/drafts/", body, content_type="application/json")
    assert response.status_code == 400
    assert not StatusUpdate.objects.exists()


def test_nul_in_a_multipart_api_field_is_a_400(editor_api, papers):
    upload = io.BytesIO(b"synthetic")
    upload.name = "synthetic.csv"
    response = editor_api.post(
        "/api/v1/imports/", {"file": upload, "mode": "draft\x00"}, format="multipart"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
@pytest.mark.parametrize("kind", ["json", "form", "multipart"])
def test_an_oversized_api_body_answers_the_json_error_shape(kind, editor_api, papers):
    big = "x" * 20_000
    if kind == "json":
        response = editor_api.post(
            "/api/v1/drafts/",
            json.dumps(draft_body(rationale=big)),
            content_type="application/json",
        )
    elif kind == "form":
        response = editor_api.post(
            "/api/v1/drafts/", f"rationale={big}", content_type="application/x-www-form-urlencoded"
        )
    else:
        response = editor_api.post("/api/v1/drafts/", draft_body(rationale=big), format="multipart")
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert not StatusUpdate.objects.exists()


def test_a_list_body_patching_a_source_changes_nothing(editor_api, users):
    source = make_source(users["editor"], 1)
    etag = editor_api.get(f"/api/v1/sources/{source.pk}/")["ETag"]
    response = editor_api.patch(
        f"/api/v1/sources/{source.pk}/", ["title"], format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    assert Evidence.objects.get(pk=source.pk).title == "Synthetic test source 1"


def test_nul_in_an_acting_body_slug_is_a_400_and_bodies_are_unchanged(editor_api, papers):
    before = ActingBody.objects.count()
    response = editor_api.post("/api/v1/drafts/", draft_body(acting_bodies=["\x00"]), format="json")
    assert response.status_code == 400
    assert ActingBody.objects.count() == before


# --- Query parameters of API lists: one rule ---------------------------------------------

LISTS = [
    "/api/v1/papers/",
    "/api/v1/sections/",
    "/api/v1/themes/",
    "/api/v1/proposals/",
    "/api/v1/status-updates/",
    "/api/v1/evidence/",
    "/api/v1/changes/",
    "/api/v1/indicators/",
    "/api/v1/observations/",
]


@pytest.mark.parametrize("path", LISTS)
def test_an_unknown_query_parameter_is_a_400_naming_it(path, api_client, papers):
    response = api_client.get(path, {"colour": "red"})
    assert response.status_code == 400
    error = error_of(response)
    assert "colour" in error["fields"]
    (message,) = error["fields"]["colour"]
    assert "format" in message and "page" in message  # the accepted ones are listed


@pytest.mark.parametrize("path", LISTS)
def test_format_page_and_page_size_are_always_accepted(path, api_client, papers):
    response = api_client.get(path, {"format": "json", "page": "1", "page_size": "5"})
    assert response.status_code == 200


def test_the_drafts_list_refuses_unknown_parameters_too(editor_api):
    response = editor_api.get("/api/v1/drafts/", {"colour": "red"})
    assert response.status_code == 400
    assert "colour" in error_of(response)["fields"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/proposals/",
        "/api/v1/status-updates/",
        "/api/v1/evidence/",
        "/api/v1/themes/",
        "/api/v1/observations/",
    ],
)
def test_an_unknown_ordering_is_a_400_everywhere(path, api_client, papers):
    response = api_client.get(path, {"ordering": "colour"})
    assert response.status_code == 400
    assert "ordering" in error_of(response)["fields"]


def test_a_known_ordering_and_known_filters_still_work(api_client, papers):
    assert (
        api_client.get("/api/v1/status-updates/", {"ordering": "-effective_date"}).status_code
        == 200
    )
    assert (
        api_client.get("/api/v1/evidence/", {"ordering": "title,-published_date"}).status_code
        == 200
    )
    assert (
        api_client.get("/api/v1/proposals/", {"paper": "118", "ordering": "-reference"}).status_code
        == 200
    )
    response = api_client.get("/api/v1/changes/", {"since": "2020-01-01", "format": "csv"})
    assert response.status_code == 200


def test_the_proposals_page_ignores_unknown_parameters(client, papers):
    # Pages are for people following links (utm_source and the like): not refused.
    assert client.get("/proposals/", {"utm_source": "synthetic"}).status_code == 200


@pytest.mark.parametrize("path", ["/editorial/import/", "/api/v1/imports/", "/accounts/tokens/"])
def test_a_malformed_multipart_body_is_a_400(path, client, users, papers):
    client.force_login(users["editor"])
    response = client.generic(
        "POST", path, b"--x\r\nnot a part", content_type="multipart/form-data; boundary="
    )
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert error_of(response)["code"] == "invalid"


def test_the_proposals_pages_json_link_carries_only_what_the_api_takes(client, api_client, papers):
    page = client.get("/proposals/", {"paper": "118", "utm_source": "synthetic", "page": "1"})
    assert page.status_code == 200
    link = next(
        href
        for href in re.findall(r'href="([^"]+)"', page.content.decode())
        if href.startswith("/api/v1/proposals/")
    )
    assert "utm_source" not in link and "paper=118" in link
    assert api_client.get(html.unescape(link)).status_code == 200
