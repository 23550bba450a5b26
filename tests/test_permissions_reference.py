"""The permissions matrix for the writes of issue 12's reference data and
notifications: delivery criteria (page and API), themes, links and a proposal's
themes through the API, and the notification settings page, each × anonymous,
no role, campaigner, editor, admin; nothing changes where refused.  Synthetic."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from policies import services
from policies.models import (
    ApiToken,
    DeliveryCriteria,
    NotificationPreference,
    Proposal,
    ProposalLink,
    Theme,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "norole", "campaigner", "editor", "admin"]


def snapshot():
    return (
        sorted(Theme.objects.values_list("pk", "slug", "name", "description")),
        sorted(ProposalLink.objects.values_list("pk", "from_proposal", "to_proposal", "note")),
        sorted(Proposal.themes.through.objects.values_list("proposal", "theme")),
        sorted(DeliveryCriteria.objects.values_list("pk", "version", "delivered")),
        sorted(NotificationPreference.objects.values_list("user", "email_enabled")),
    )


@pytest.fixture
def world(users, papers):
    theme = services.create_theme(
        users["editor2"], data=services.ThemeInput("synthetic-theme", "Synthetic theme")
    )
    taken = set(ProposalLink.objects.values_list("from_proposal", "to_proposal"))
    from_118 = Proposal.objects.get(reference="118-1a")
    free = [
        p for p in Proposal.objects.filter(paper__number=138) if (from_118.pk, p.pk) not in taken
    ]
    link = services.create_link(
        users["editor2"],
        data=services.LinkInput(from_118, free[0], "related", "Synthetic link note."),
    )
    return {"theme": theme, "link": link, "free": free[1].reference}


def expect(campaigner, editor, anonymous) -> dict:
    return {
        "anonymous": anonymous,
        "norole": 403,
        "campaigner": campaigner,
        "editor": editor,
        "admin": editor,
    }


def web_cases(world):
    return {
        "write delivery criteria": (
            "/editorial/proposals/118-2d/criteria/",
            {"delivered": "Synthetic criterion.", "version": 0},
            expect(403, 302, "login"),
        ),
        "turn notifications off": (
            "/accounts/notifications/",
            {},
            expect(302, 302, "login"),
        ),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ["write delivery criteria", "turn notifications off"])
def test_web_write_matrix(world, users, case, role):
    url, data, expected = web_cases(world)[case]
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    before = snapshot()
    response = client.post(url, data)
    want = expected[role]
    if want == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert snapshot() == before
    elif want == 403:
        assert response.status_code == 403
        assert snapshot() == before
    else:
        assert response.status_code == want, response.content[:500]
        assert not response["Location"].startswith("/accounts/login/")
        assert snapshot() != before


@pytest.mark.parametrize("role", ROLES)
def test_forms_need_csrf(world, users, role):
    if role == "anonymous":
        return
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[role])
    before = snapshot()
    for url, data, _ in web_cases(world).values():
        assert client.post(url, data).status_code == 403
    assert snapshot() == before


def api_cases(world):
    theme, link = world["theme"], world["link"]
    t = f"/api/v1/reference/themes/{theme.pk}/"
    ln = f"/api/v1/reference/links/{link.pk}/"
    pt = "/api/v1/reference/proposals/118-2d/themes/"
    dc = "/api/v1/reference/proposals/118-2d/delivery-criteria/"
    ok = expect(403, None, 401)
    return {
        "create theme": (
            "post",
            "/api/v1/reference/themes/",
            {"slug": "synthetic-new", "name": "Synthetic new"},
            None,
            ok | {"editor": 201, "admin": 201},
        ),
        "change theme": (
            "patch",
            t,
            {"name": "Synthetic renamed"},
            t,
            ok | {"editor": 200, "admin": 200},
        ),
        "delete theme": ("delete", t, None, t, ok | {"editor": 200, "admin": 200}),
        "create link": (
            "post",
            "/api/v1/reference/links/",
            {
                "from_proposal": "118-1a",
                "to_proposal": world["free"],
                "link_type": "related",
                "note": "Synthetic note.",
            },
            None,
            ok | {"editor": 201, "admin": 201},
        ),
        "change link": (
            "patch",
            ln,
            {"note": "Synthetic changed."},
            ln,
            ok | {"editor": 200, "admin": 200},
        ),
        "delete link": ("delete", ln, None, ln, ok | {"editor": 204, "admin": 204}),
        "set proposal themes": (
            "put",
            pt,
            {"themes": ["synthetic-theme"]},
            pt,
            ok | {"editor": 200, "admin": 200},
        ),
        "write delivery criteria": (
            "put",
            dc,
            {"delivered": "Synthetic criterion."},
            dc,
            ok | {"editor": 200, "admin": 200},
        ),
    }


API_CASES = [
    "create theme",
    "change theme",
    "delete theme",
    "create link",
    "change link",
    "delete link",
    "set proposal themes",
    "write delivery criteria",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", API_CASES)
def test_api_write_matrix(world, users, case, role):
    method, url, data, etag_url, expected = api_cases(world)[case]
    headers = {}
    if etag_url:
        reader = APIClient()
        reader.force_authenticate(users["admin"])
        headers["HTTP_IF_MATCH"] = reader.get(etag_url)["ETag"]
    client = APIClient()
    if role != "anonymous":
        _, secret = ApiToken.objects.issue(users[role], "synthetic matrix client")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    before = snapshot()
    response = getattr(client, method)(url, data, format="json", **headers)
    assert response.status_code == expected[role], response.content[:500]
    if expected[role] >= 400:
        assert response.json()["error"]["code"] in {"not_authenticated", "permission_denied"}
        assert snapshot() == before
    else:
        assert snapshot() != before


@pytest.mark.parametrize("role", ["anonymous", "norole", "campaigner"])
def test_reference_reads_are_for_editors(world, users, role):
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(users[role])
    for url in (
        "/api/v1/reference/themes/",
        f"/api/v1/reference/themes/{world['theme'].pk}/history/",
        "/api/v1/reference/links/",
        "/api/v1/reference/proposals/118-2d/delivery-criteria/",
        "/api/v1/reference/proposals/118-2d/delivery-criteria/history/",
    ):
        assert client.get(url).status_code in (401, 403), url
