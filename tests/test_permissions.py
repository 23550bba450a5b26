"""The permissions matrix: every write form and API endpoint × anonymous, no
role, campaigner, editor, admin → the expected status, and nothing changed
where refused.  Plus CSRF on the forms and role checks on read-only pages."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from evidence.models import Evidence
from policies import services
from policies.models import ApiToken, Proposal, ProposalLink, StatusUpdate, Theme
from tests.support import make_draft, make_published, make_source
from tests.watch_support import national_release  # watch: status suggestions

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "norole", "campaigner", "editor", "admin"]


def snapshot():
    """Everything a write could change."""
    return (
        sorted(StatusUpdate.objects.values_list("pk", "state", "version", "rationale")),
        sorted(Evidence.objects.values_list("pk", "version", "title", "replaced_by")),
        sorted(ApiToken.objects.values_list("pk", "user", "name", "revoked_at")),
        sorted(Theme.objects.values_list("pk", "slug", "name", "description")),
        sorted(ProposalLink.objects.values_list("pk", "from_proposal", "to_proposal", "note")),
        sorted(Proposal.themes.through.objects.values_list("proposal", "theme")),
        sorted(Proposal.objects.values_list("pk", "version")),
        sorted(TOTPDevice.objects.values_list("pk", "user", "confirmed", "key")),
    )


@pytest.fixture
def world(users, papers):
    """A draft, a submitted update and a published one, all by campaigner2, and
    an unpublished source of theirs."""
    author = users["campaigner2"]
    draft = make_draft(author, "118-2d", 1)
    submitted = make_draft(author, "118-3a", 2)
    services.submit(author, update=submitted, expected_version=submitted.version)
    published = make_published(author, users["editor2"], "118-4f", 3)
    source = make_source(author, 4)
    theme = services.create_theme(
        users["editor2"], data=services.ThemeInput("synthetic-theme", "Synthetic theme")
    )
    taken = set(ProposalLink.objects.values_list("from_proposal", "to_proposal"))
    from_118 = Proposal.objects.get(reference="118-1a")
    to_138 = next(
        p for p in Proposal.objects.filter(paper__number=138) if (from_118.pk, p.pk) not in taken
    )
    link = services.create_link(
        users["editor2"],
        data=services.LinkInput(from_118, to_138, "related", "Synthetic link note."),
    )
    tokens = {
        role: ApiToken.objects.issue(users[role], f"synthetic {role} token")[0]
        for role in ("norole", "campaigner", "campaigner2", "editor", "admin")
    }
    return {
        "draft": draft,
        "submitted": submitted,
        "published": published,
        "source": source,
        "theme": theme,
        "link": link,
        "tokens": tokens,
    }


# One synthetic row, valid for a draft import.
IMPORT_CSV = (
    b"proposal_reference,status,acting_bodies,effective_date,date_precision,rationale,"
    b"source_url,source_title,source_publisher,source_kind,source_published_date,"
    b"source_accessed_date\n"
    b"118-5a,not_assessed,,2021-01-01,day,Synthetic import row,,,,,,\n"
)


def web_expect(campaigner, editor) -> dict:
    """Per role: signed-out visitors go to the sign-in page, a user without a
    role gets 403, an admin gets what an editor gets."""
    return {
        "anonymous": "login",
        "norole": 403,
        "campaigner": campaigner,
        "editor": editor,
        "admin": editor,
    }


def api_expect(campaigner, editor) -> dict:
    """Per role: anonymous 401, no role 403, an admin gets what an editor gets."""
    return {
        "anonymous": 401,
        "norole": 403,
        "campaigner": campaigner,
        "editor": editor,
        "admin": editor,
    }


def web_client(users, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def new_update_form(extra=None):
    data = {
        "status": "in_progress",
        "effective_date": "2021-05-01",
        "date_precision": "day",
        "rationale": "Synthetic rationale from the matrix.",
        "new-TOTAL_FORMS": "1",
        "new-INITIAL_FORMS": "0",
        "new-0-url": "https://example.org/synthetic-matrix",
        "new-0-title": "Synthetic test source (matrix)",
        "new-0-publisher": "Synthetic Publisher",
        "new-0-kind": "other",
        "new-0-published_date": "2020-02-02",
    }
    return data | (extra or {})


# (name, url, data, expected per role); "login" = redirected to the sign-in page.
def web_cases(world):
    draft, submitted, published, source = (
        world["draft"],
        world["submitted"],
        world["published"],
        world["source"],
    )
    theme, link = world["theme"], world["link"]
    editors_only = web_expect(403, 302)
    link_form = {
        "from_proposal": "118-1a",
        "to_proposal": link.to_proposal.reference,
        "link_type": "reworded",
        "note": "Synthetic edited note.",
    }
    return {
        "edit proposal themes": (
            "/editorial/proposals/118-1a/themes/",
            lambda: {
                "themes": [theme.pk],
                "version": Proposal.objects.get(reference="118-1a").version,
            },
            editors_only,
        ),
        "create theme": (
            "/editorial/themes/new/",
            lambda: {"slug": "synthetic-new", "name": "Synthetic new theme"},
            editors_only,
        ),
        "edit theme": (
            f"/editorial/themes/{theme.pk}/edit/",
            lambda: {
                "slug": theme.slug,
                "name": "Synthetic renamed",
                "version": services.revision_of(theme),
            },
            editors_only,
        ),
        "delete theme": (
            f"/editorial/themes/{theme.pk}/delete/",
            lambda: {"version": services.revision_of(theme)},
            editors_only,
        ),
        "create link": (
            "/editorial/links/new/",
            lambda: link_form | {"from_proposal": "118-1b"},
            editors_only,
        ),
        "edit link": (
            f"/editorial/links/{link.pk}/edit/",
            lambda: link_form | {"version": services.revision_of(link)},
            editors_only,
        ),
        "delete link": (
            f"/editorial/links/{link.pk}/delete/",
            lambda: {"version": services.revision_of(link)},
            editors_only,
        ),
        "create draft": (
            "/editorial/proposals/118-1a/new-update/",
            lambda: new_update_form(),
            web_expect(302, 302),
        ),
        "edit someone's draft": (
            f"/editorial/updates/{draft.pk}/edit/",
            lambda: new_update_form({"version": draft.version}),
            web_expect(403, 302),
        ),
        "submit someone's draft": (
            f"/editorial/updates/{draft.pk}/submit/",
            lambda: {"version": draft.version},
            web_expect(404, 302),
        ),
        "publish": (
            f"/editorial/updates/{submitted.pk}/publish/",
            lambda: {"version": submitted.version, "confirm_publish": "yes"},
            web_expect(403, 302),
        ),
        "return": (
            f"/editorial/updates/{submitted.pk}/return/",
            lambda: {"version": submitted.version, "comment": "Synthetic comment."},
            web_expect(403, 302),
        ),
        "correct": (
            f"/editorial/updates/{published.pk}/correct/",
            lambda: new_update_form({"new-0-url": "https://example.org/synthetic-correct"}),
            web_expect(403, 302),
        ),
        "edit someone's source": (
            f"/editorial/evidence/{source.pk}/edit/",
            lambda: {
                "url": source.url,
                "title": "Synthetic retitled",
                "publisher": "Synthetic Publisher",
                "kind": "other",
                "published_date": "2020-01-01",
                "version": source.version,
            },
            web_expect(403, 302),
        ),
        "import": (
            "/editorial/import/",
            lambda: {"mode": "draft", "file": io.BytesIO(IMPORT_CSV)},
            web_expect(403, 200),
        ),
        "create api token": (
            "/accounts/tokens/",
            lambda: {"action": "create", "name": "Synthetic matrix script"},
            web_expect(200, 200),
        ),
        "revoke own api token": (
            "/accounts/tokens/",
            # The signed-in user's own token (anonymous visitors try campaigner's).
            for_role(
                lambda role: {
                    "action": "revoke",
                    "token": world["tokens"].get(role, world["tokens"]["campaigner"]).pk,
                }
            ),
            web_expect(200, 200),
        ),
        "revoke someone's api token": (
            "/accounts/tokens/",
            lambda: {"action": "revoke", "token": world["tokens"]["campaigner2"].pk},
            web_expect(404, 404),
        ),
    }


def for_role(make):
    """Form data that depends on who posts it."""
    make.for_role = True
    return make


def form_data(data, role):
    return data(role) if getattr(data, "for_role", False) else data()


WEB_CASES = [
    "create draft",
    "edit someone's draft",
    "submit someone's draft",
    "publish",
    "return",
    "correct",
    "edit someone's source",
    "import",
    "create api token",
    "revoke own api token",
    "revoke someone's api token",
    "edit proposal themes",
    "create theme",
    "edit theme",
    "delete theme",
    "create link",
    "edit link",
    "delete link",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", WEB_CASES)
def test_web_write_matrix(world, users, case, role):
    url, data, expected = web_cases(world)[case]
    before = snapshot()
    response = web_client(users, role).post(url, form_data(data, role))
    want = expected[role]
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == want, response.content[:500]
        if want == 302:
            assert not response["Location"].startswith("/accounts/login/")
    if want in ("login", 403, 404):
        assert snapshot() == before
    else:
        assert snapshot() != before


def api_client(users, role) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        _, secret = ApiToken.objects.issue(users[role], "synthetic matrix client")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def etag(users, url):
    reader = APIClient()
    reader.force_authenticate(users["admin"])
    response = reader.get(url)
    assert response.status_code == 200, url
    return response["ETag"]


def api_cases(world, users):
    draft, submitted, published, source = (
        world["draft"],
        world["submitted"],
        world["published"],
        world["source"],
    )
    body = {
        "proposal": "118-1a",
        "status": "in_progress",
        "effective_date": "2021-05-01",
        "rationale": "Synthetic API rationale.",
        "new_evidence": [
            {
                "source_url": "https://example.org/synthetic-api",
                "title": "Synthetic test source (API)",
                "publisher": "Synthetic Publisher",
                "kind": "other",
                "published_date": "2020-03-03",
            }
        ],
    }
    d = f"/api/v1/drafts/{draft.pk}/"
    s = f"/api/v1/drafts/{submitted.pk}/"
    csv_file = io.BytesIO(IMPORT_CSV)
    csv_file.name = "synthetic.csv"
    return {
        "create draft": (
            "post",
            "/api/v1/drafts/",
            lambda: body,
            None,
            "json",
            api_expect(201, 201),
        ),
        "change someone's draft": (
            "patch",
            d,
            lambda: {"rationale": "Synthetic change."},
            d,
            "json",
            api_expect(404, 200),
        ),
        "submit someone's draft": (
            "post",
            d + "submit/",
            dict,
            d,
            "json",
            api_expect(404, 200),
        ),
        "publish": (
            "post",
            s + "publish/",
            dict,
            s,
            "json",
            api_expect(403, 200),
        ),
        "return": (
            "post",
            s + "return/",
            lambda: {"comment": "Synthetic."},
            s,
            "json",
            api_expect(403, 200),
        ),
        "correct": (
            "post",
            f"/api/v1/status-updates/{published.pk}/corrections/",
            lambda: {"status": "delivered", "rationale": "Synthetic correction."},
            f"/api/v1/status-updates/{published.pk}/",
            "json",
            api_expect(403, 201),
        ),
        "add source": (
            "post",
            "/api/v1/sources/",
            lambda: body["new_evidence"][0],
            None,
            "json",
            api_expect(201, 201),
        ),
        "change someone's source": (
            "patch",
            f"/api/v1/sources/{source.pk}/",
            lambda: {"title": "Synthetic retitled"},
            f"/api/v1/sources/{source.pk}/",
            "json",
            api_expect(403, 200),
        ),
        "import": (
            "post",
            "/api/v1/imports/",
            lambda: {"file": csv_file, "mode": "draft"},
            None,
            "multipart",
            api_expect(403, 201),
        ),
    }


API_CASES = [
    "create draft",
    "change someone's draft",
    "submit someone's draft",
    "publish",
    "return",
    "correct",
    "add source",
    "change someone's source",
    "import",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", API_CASES)
def test_api_write_matrix(world, users, case, role):
    method, url, data, etag_url, fmt, expected = api_cases(world, users)[case]
    headers = {"HTTP_IF_MATCH": etag(users, etag_url)} if etag_url else {}
    client = api_client(users, role)
    before = snapshot()
    response = getattr(client, method)(url, data(), format=fmt, **headers)
    assert response.status_code == expected[role], response.content[:500]
    if expected[role] >= 400:
        assert response.json()["error"]["code"] in {
            "not_authenticated",
            "permission_denied",
            "not_found",
        }
        assert snapshot() == before
    else:
        assert snapshot() != before


def test_anonymous_write_is_told_how_to_authenticate(world, users):
    response = APIClient().post("/api/v1/drafts/", {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_api_write_without_if_match_is_428(world, users):
    client = api_client(users, "editor")
    before = snapshot()
    response = client.post(f"/api/v1/drafts/{world['submitted'].pk}/publish/", {}, format="json")
    assert response.status_code == 428
    assert snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "/editorial/review/",
        "/editorial/history/",
        "/editorial/import/",
        "/editorial/import/template.csv",
        "/editorial/proposals/118-1a/themes/",
        "/editorial/themes/",
        "/editorial/themes/new/",
        "/editorial/links/",
        "/editorial/links/new/",
    ],
)
def test_editor_pages_refuse_campaigners(world, users, url):
    assert web_client(users, "anonymous").get(url)["Location"].startswith("/accounts/login/")
    assert web_client(users, "campaigner").get(url).status_code == 403
    assert web_client(users, "editor").get(url).status_code == 200


def test_drafts_invisible_to_public_and_other_campaigners(world, users):
    draft = world["draft"]
    assert Client().get(f"/updates/{draft.pk}/").status_code == 404
    assert APIClient().get(f"/api/v1/status-updates/{draft.pk}/").status_code == 404
    assert web_client(users, "campaigner").get(f"/editorial/updates/{draft.pk}/").status_code == 404
    assert (
        web_client(users, "campaigner2").get(f"/editorial/updates/{draft.pk}/").status_code == 200
    )
    assert web_client(users, "editor").get(f"/editorial/updates/{draft.pk}/").status_code == 200
    assert api_client(users, "campaigner").get(f"/api/v1/drafts/{draft.pk}/").status_code == 404
    assert draft.rationale not in Client().get("/proposals/118-2d/").content.decode()


@pytest.mark.parametrize(
    "case",
    [
        "create draft",
        "publish",
        "create api token",
        "revoke own api token",
        "import",
        "edit proposal themes",
        "create theme",
        "edit theme",
        "delete theme",
        "create link",
        "edit link",
        "delete link",
    ],
)
def test_forms_need_csrf(world, users, case):
    url, data, _ = web_cases(world)[case]
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    before = snapshot()
    assert client.post(url, form_data(data, "admin")).status_code == 403
    assert snapshot() == before


def test_session_api_writes_need_csrf(world, users):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["editor"])
    before = snapshot()
    response = client.post(
        "/api/v1/sources/", {"source_url": "https://example.org/x"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert snapshot() == before


# --- Sign-in: two-step sign-in (TOTP) and the code step -------------------------------


def app_code(device: TOTPDevice) -> str:
    """The code the device's authenticator app shows now (django-otp's TOTP)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


# (url, the devices every signed-in role has first: None, unconfirmed or confirmed,
# expected per role).  The code step without a password first sends everyone,
# signed in or not, back to the sign-in page.
TWO_FACTOR_CASES = {
    "enrol two-step sign-in": ("/accounts/two-factor/enrol/", None, web_expect(403, 302)),
    "confirm two-step sign-in": ("/accounts/two-factor/confirm/", False, web_expect(403, 302)),
    "remove two-step sign-in": ("/accounts/two-factor/remove/", True, web_expect(403, 302)),
    "code step without a password": (
        "/accounts/login/code/",
        True,
        dict.fromkeys(ROLES, "login"),
    ),
}


def two_factor_case(users, case, role):
    url, confirmed, expected = TWO_FACTOR_CASES[case]
    devices = {}
    if confirmed is not None:
        devices = {
            name: TOTPDevice.objects.create(
                user=users[name], name="synthetic app", confirmed=confirmed
            )
            for name in ROLES
            if name != "anonymous"
        }
    # Anonymous visitors try the campaigner's code.
    device = devices.get(role, devices.get("campaigner"))
    return url, ({"code": app_code(device)} if device else {}), expected[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", list(TWO_FACTOR_CASES))
def test_two_factor_write_matrix(users, case, role):
    url, data, want = two_factor_case(users, case, role)
    before = snapshot()
    response = web_client(users, role).post(url, data)
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == want, response.content[:500]
        if want == 302:
            assert not response["Location"].startswith("/accounts/login/")
    if want in ("login", 403, 404):
        assert snapshot() == before
    else:
        assert snapshot() != before


@pytest.mark.parametrize("case", list(TWO_FACTOR_CASES))
def test_two_factor_forms_need_csrf(users, case):
    url, data, _ = two_factor_case(users, case, "admin")
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    before = snapshot()
    assert client.post(url, data).status_code == 403
    assert snapshot() == before


# --- Watch: status suggestions and link reports (editors only) ------------------------------
# Each write path of policies/editorial/views/watch.py × every role, with what it may
# change; the matrix's own snapshot() plus the suggestions.


def watch_snapshot():
    from evidence.models import StatusSuggestion

    rows = StatusSuggestion.objects.values_list("pk", "state", "dismiss_reason", "draft")
    return (snapshot(), sorted(rows))


@pytest.fixture
def watched(world, users, indicators):
    """Two synthetic suggestions from one release crossing two links' thresholds:
    one open, one accepted by editor2 (its draft not saved yet)."""
    from evidence import suggestions
    from evidence.models import Indicator, IndicatorLink

    homicide = Indicator.objects.get(slug="homicide")
    for reference in ("138-2e", "138-2f"):
        IndicatorLink.objects.filter(indicator=homicide, proposal__reference=reference).update(
            threshold=95
        )
    national_release(homicide, "matrix-a", {0: 110})
    national_release(homicide, "matrix-b", {1: 90})
    made = {s.link.proposal.reference: s for s in suggestions.suggest_for_indicator(homicide)}
    accepted = made["138-2f"]
    suggestions.accept(accepted, by=users["editor2"], evidence=None)
    return {"open": made["138-2e"], "accepted": accepted}


def watch_cases(watched):
    editors_only = web_expect(403, 302)
    open_one, accepted = watched["open"].pk, watched["accepted"].pk
    return {
        "accept suggestion": (f"/editorial/suggestions/{open_one}/accept/", dict, editors_only),
        "dismiss suggestion": (
            f"/editorial/suggestions/{open_one}/dismiss/",
            lambda: {"reason": "Synthetic reason from the matrix."},
            editors_only,
        ),
        "draft from suggestion": (
            f"/editorial/suggestions/{accepted}/draft/",
            lambda: new_update_form({"new-0-url": "https://example.org/synthetic-suggested"}),
            editors_only,
        ),
    }


WATCH_CASES = ["accept suggestion", "dismiss suggestion", "draft from suggestion"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", WATCH_CASES)
def test_watch_write_matrix(watched, users, case, role):
    url, data, expected = watch_cases(watched)[case]
    before = watch_snapshot()
    response = web_client(users, role).post(url, data())
    want = expected[role]
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == want, response.content[:500]
    if want in ("login", 403):
        assert watch_snapshot() == before
    else:
        assert not response["Location"].startswith("/accounts/login/")
        assert watch_snapshot() != before


@pytest.mark.parametrize("case", WATCH_CASES)
def test_watch_forms_need_csrf(watched, users, case):
    url, data, _ = watch_cases(watched)[case]
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    before = watch_snapshot()
    assert client.post(url, data()).status_code == 403
    assert watch_snapshot() == before


def test_watch_pages_are_for_editors(watched, users):
    pages = [
        "/editorial/link-reports/",
        f"/editorial/suggestions/{watched['open'].pk}/dismiss/",
        f"/editorial/suggestions/{watched['accepted'].pk}/draft/",
    ]
    for url in pages:
        assert web_client(users, "anonymous").get(url)["Location"].startswith("/accounts/login/")
        assert web_client(users, "norole").get(url).status_code == 403
        assert web_client(users, "campaigner").get(url).status_code == 403
        assert web_client(users, "editor").get(url).status_code == 200
        assert web_client(users, "admin").get(url).status_code == 200
    # The queue shows suggestions to editors; campaigners cannot open it at all.
    assert f"suggestion-{watched['open'].pk}" in (
        web_client(users, "editor").get("/editorial/review/").content.decode()
    )
    assert web_client(users, "campaigner").get("/editorial/review/").status_code == 403
