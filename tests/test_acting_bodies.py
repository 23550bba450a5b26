"""Acting bodies as reference data: add, rename and merge through the pages and
the API, with history, version claims (If-Match: 412 when stale), merges that
move every status update, the permissions matrix of every new write path, and
CSRF on the pages.  Every body and update here is synthetic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from policies import services
from policies.models import ActingBody, Proposal, Status, StatusUpdate
from policies.papers import loading
from tests.support import make_source

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "norole", "campaigner", "editor", "admin"]


RATIONALE = "Synthetic rationale, long enough for the drafting rule of the tracker."


def make_draft(author, reference="118-2d", n=1) -> StatusUpdate:
    return services.create_draft(
        author,
        proposal=Proposal.objects.get(reference=reference),
        data=services.UpdateInput(
            status=Status.IN_PROGRESS,
            effective_date=dt.date(2021, 5, 1),
            rationale=RATIONALE,
            evidence=[make_source(author, n)],
        ),
    )


def make_published(author, editor, reference, n) -> StatusUpdate:
    draft = make_draft(author, reference, n)
    services.submit(author, update=draft, expected_version=draft.version)
    services.publish(editor, update=draft, expected_version=draft.version)
    draft.refresh_from_db()
    return draft


def body(editor, name="Synthetic Body One", kind="other") -> ActingBody:
    return services.create_acting_body(editor, data=services.ActingBodyInput(name=name, kind=kind))


def web(users, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def api(users, role) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(users[role])
    return client


def snapshot():
    return (
        sorted(ActingBody.objects.values_list("pk", "name", "slug", "kind", "version")),
        sorted(
            StatusUpdate.acting_bodies.through.objects.values_list("statusupdate", "actingbody")
        ),
    )


# --- Services ----------------------------------------------------------------------


def test_add_rename_keep_slug_and_history(users, papers):
    editor = users["editor"]
    added = body(editor)
    assert added.slug == "synthetic-body-one" and added.version == 1
    renamed = services.update_acting_body(
        editor,
        body=added,
        expected_version=1,
        data=services.ActingBodyInput(name="Synthetic Body Renamed", kind="other"),
    )
    assert renamed.name == "Synthetic Body Renamed"
    assert renamed.slug == "synthetic-body-one"  # a rename keeps the slug
    assert renamed.version == 2
    records = list(added.history.order_by("history_id"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert records[-1].name == "Synthetic Body Renamed" and records[-1].history_user == editor


def test_stale_rename_is_refused_naming_the_change(users, papers):
    added = body(users["editor"])
    services.update_acting_body(
        users["editor"],
        body=added,
        expected_version=1,
        data=services.ActingBodyInput(name="Synthetic First Rename", kind="other"),
    )
    with pytest.raises(services.StaleVersion) as stale:
        services.update_acting_body(
            users["editor2"],
            body=ActingBody.objects.get(pk=added.pk),
            expected_version=1,
            data=services.ActingBodyInput(name="Synthetic Second Rename", kind="other"),
        )
    assert any(c.field == "name" for c in stale.value.changes)
    assert ActingBody.objects.get(pk=added.pk).name == "Synthetic First Rename"


def test_name_is_unique_whatever_its_case(users, papers):
    body(users["editor"], "Synthetic Body One")
    with pytest.raises(services.RuleViolation) as refused:
        body(users["editor"], "SYNTHETIC body one")
    assert "name" in refused.value.fields


def test_merge_moves_every_update_and_keeps_history(users, papers):
    editor = users["editor"]
    merged, kept = body(editor, "Synthetic Duplicate"), body(editor, "Synthetic Kept")
    both = make_draft(users["campaigner"], "118-2d", 1)
    both.acting_bodies.set([merged, kept])
    only = make_published(users["campaigner"], users["editor2"], "118-3a", 2)
    only.acting_bodies.set([merged])
    before = {u.pk: u.version for u in StatusUpdate.objects.all()}
    merged_pk = merged.pk
    moved = services.merge_acting_bodies(
        editor, merged=merged, merged_version=1, kept=kept, kept_version=1
    )
    assert moved == 2
    assert not ActingBody.objects.filter(pk=merged_pk).exists()
    assert list(both.acting_bodies.all()) == [kept]
    assert list(only.acting_bodies.all()) == [kept]
    # The updates themselves are not edited (a published one never is).
    assert {u.pk: u.version for u in StatusUpdate.objects.all()} == before
    gone = ActingBody.history.filter(id=merged_pk).order_by("-history_id").first()
    assert gone.history_type == "-" and "Synthetic Kept" in gone.history_change_reason
    assert kept.history.order_by("-history_id").first().history_change_reason.startswith("merged")
    assert ActingBody.objects.get(pk=kept.pk).version == 2


def test_merge_into_itself_or_stale_is_refused(users, papers):
    one = body(users["editor"])
    with pytest.raises(services.RuleViolation):
        services.merge_acting_bodies(
            users["editor"], merged=one, merged_version=1, kept=one, kept_version=1
        )
    other = body(users["editor"], "Synthetic Other")
    with pytest.raises(services.StaleVersion):
        services.merge_acting_bodies(
            users["editor"], merged=one, merged_version=7, kept=other, kept_version=1
        )
    assert ActingBody.objects.filter(pk=one.pk).exists()


# --- Pages -------------------------------------------------------------------------


def test_pages_add_rename_merge(users, papers, django_assert_num_queries):
    client = web(users, "editor")
    response = client.post(
        "/editorial/acting-bodies/new/", {"name": "Synthetic Page Body", "kind": "other"}
    )
    assert response.status_code == 302
    added = ActingBody.objects.get(name="Synthetic Page Body")
    response = client.post(
        f"/editorial/acting-bodies/{added.pk}/edit/",
        {"name": "Synthetic Page Body Renamed", "kind": "other", "version": 1},
    )
    assert response.status_code == 302
    # A stale version: a conflict (409), nothing saved.
    response = client.post(
        f"/editorial/acting-bodies/{added.pk}/edit/",
        {"name": "Synthetic Lost Rename", "kind": "other", "version": 1},
    )
    assert response.status_code == 409
    assert ActingBody.objects.get(pk=added.pk).name == "Synthetic Page Body Renamed"
    kept = ActingBody.objects.exclude(pk=added.pk).earliest("pk")
    draft = make_draft(users["campaigner"], "118-2d", 1)
    draft.acting_bodies.set([added])
    response = client.post(
        f"/editorial/acting-bodies/{added.pk}/merge/", {"kept": kept.pk, "version": 2}
    )
    assert response.status_code == 302
    assert list(draft.acting_bodies.all()) == [kept]
    listing = client.get("/editorial/acting-bodies/")
    assert listing.status_code == 200 and kept.name in listing.content.decode()
    assert client.get(f"/editorial/history/actingbody/{added.pk}/").status_code == 200
    # The list's query count does not grow with the bodies (session, user, role, the list).
    for n in range(3):
        body(users["editor"], f"Synthetic Extra {n}")
    with django_assert_num_queries(4):
        client.get("/editorial/acting-bodies/")


def test_page_errors_are_4xx_never_500(users, papers):
    client = web(users, "editor")
    assert (
        client.post("/editorial/acting-bodies/new/", {"name": "", "kind": "x"}).status_code == 400
    )
    one = body(users["editor"])
    assert (
        client.post(f"/editorial/acting-bodies/{one.pk}/merge/", {"kept": one.pk, "version": 1})
    ).status_code == 400
    assert (
        client.post(f"/editorial/acting-bodies/{one.pk}/merge/", {"kept": "x\x00", "version": 1})
    ).status_code == 400
    assert client.get("/editorial/acting-bodies/999999/edit/").status_code == 404


@pytest.mark.parametrize("path", ["new/", "{pk}/edit/", "{pk}/merge/"])
def test_csrf_on_the_pages(users, papers, path):
    one, other = body(users["editor"]), body(users["editor"], "Synthetic Other")
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["editor"])
    before = snapshot()
    data = {"name": "Synthetic CSRF", "kind": "other", "version": 1, "kept": other.pk}
    response = client.post("/editorial/acting-bodies/" + path.format(pk=one.pk), data)
    assert response.status_code == 403
    assert snapshot() == before


# --- API ---------------------------------------------------------------------------


def test_api_add_rename_merge_history(users, papers):
    client = api(users, "editor")
    created = client.post(
        "/api/v1/reference/acting-bodies/",
        {"name": "Synthetic Api Body", "kind": "other"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk, etag = created.json()["id"], created["ETag"]
    url = f"/api/v1/reference/acting-bodies/{pk}/"
    assert client.patch(url, {"name": "Synthetic No If-Match"}, format="json").status_code == 428
    renamed = client.patch(
        url, {"name": "Synthetic Api Renamed"}, format="json", HTTP_IF_MATCH=etag
    )
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    stale = client.patch(url, {"name": "Synthetic Stale"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert ActingBody.objects.get(pk=pk).name == "Synthetic Api Renamed"
    kept = body(users["editor"], "Synthetic Api Kept")
    draft = make_draft(users["campaigner"], "118-2d", 1)
    draft.acting_bodies.set([pk])
    merge = client.post(url + "merge/", {"into": kept.slug}, format="json", HTTP_IF_MATCH=etag)
    assert merge.status_code == 412  # stale ETag
    merge = client.post(
        url + "merge/", {"into": kept.slug}, format="json", HTTP_IF_MATCH=renamed["ETag"]
    )
    assert merge.status_code == 200, merge.content
    assert merge.json()["moved_updates"] == 1
    assert list(draft.acting_bodies.all()) == [kept]
    history = client.get(url + "history/").json()
    assert [h["history_type"] for h in history] == ["deleted", "changed", "created"]
    listing = client.get("/api/v1/reference/acting-bodies/").json()
    assert kept.slug in {b["slug"] for b in listing}
    assert client.get("/api/v1/reference/acting-bodies/?x=1").status_code == 400
    bad = client.post(
        "/api/v1/reference/acting-bodies/", {"name": "", "kind": "rumour"}, format="json"
    )
    assert bad.status_code == 400


def test_api_merge_unknown_target_is_400(users, papers):
    one = body(users["editor"])
    client = api(users, "editor")
    etag = client.get(f"/api/v1/reference/acting-bodies/{one.pk}/")["ETag"]
    response = client.post(
        f"/api/v1/reference/acting-bodies/{one.pk}/merge/",
        {"into": "synthetic-nobody"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 400


# --- The permissions matrix: every new write path × role ------------------------

EDITORS_ONLY_WEB = {
    "anonymous": "login",
    "norole": 403,
    "campaigner": 403,
    "editor": 302,
    "admin": 302,
}
EDITORS_ONLY_API = {"anonymous": 401, "norole": 403, "campaigner": 403}


def _web_cases(one, other):
    return {
        "add": (
            "/editorial/acting-bodies/new/",
            {"name": "Synthetic Matrix Body", "kind": "other"},
        ),
        "rename": (
            f"/editorial/acting-bodies/{one.pk}/edit/",
            {"name": "Synthetic Matrix Rename", "kind": "other", "version": 1},
        ),
        "merge": (f"/editorial/acting-bodies/{one.pk}/merge/", {"kept": other.pk, "version": 1}),
        "submit all": ("/editorial/import/submit-all/", {"updates": ["{draft}"]}),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ["add", "rename", "merge", "submit all"])
def test_matrix_pages(users, papers, role, case):
    one, other = body(users["editor2"]), body(users["editor2"], "Synthetic Other")
    draft = make_draft(users["editor2"], "118-2d", 1)
    url, data = _web_cases(one, other)[case]
    if case == "submit all":
        data = {"updates": [draft.pk]}
    before = snapshot(), draft.state
    response = web(users, role).post(url, data)
    expected = EDITORS_ONLY_WEB[role]
    if expected == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected, response.content[:500]
    draft.refresh_from_db()
    if expected != 302:
        assert (snapshot(), draft.state) == before
    elif case == "submit all":
        assert draft.state == StatusUpdate.State.SUBMITTED
    else:
        assert snapshot() != before[0]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ["add", "rename", "merge"])
def test_matrix_api(users, papers, role, case):
    one, other = body(users["editor2"]), body(users["editor2"], "Synthetic Other")
    etag = api(users, "editor2").get(f"/api/v1/reference/acting-bodies/{one.pk}/")["ETag"]
    client = api(users, role)
    before = snapshot()
    if case == "add":
        response = client.post(
            "/api/v1/reference/acting-bodies/",
            {"name": "Synthetic Matrix Body", "kind": "other"},
            format="json",
        )
        ok = 201
    elif case == "rename":
        response = client.patch(
            f"/api/v1/reference/acting-bodies/{one.pk}/",
            {"name": "Synthetic Matrix Rename"},
            format="json",
            HTTP_IF_MATCH=etag,
        )
        ok = 200
    else:
        response = client.post(
            f"/api/v1/reference/acting-bodies/{one.pk}/merge/",
            {"into": other.slug},
            format="json",
            HTTP_IF_MATCH=etag,
        )
        ok = 200
    expected = EDITORS_ONLY_API.get(role, ok)
    assert response.status_code == expected, response.content[:500]
    if expected == ok:
        assert snapshot() != before
    else:
        assert snapshot() == before


def test_reloading_the_papers_keeps_an_editors_rename_and_merge(users, papers):
    editor = users["editor"]
    uk = ActingBody.objects.get(slug="uk-government")
    services.update_acting_body(
        editor,
        body=uk,
        expected_version=uk.version,
        data=services.ActingBodyInput(name="Synthetic Renamed Government", kind=uk.kind),
    )
    parliament = ActingBody.objects.get(slug="parliament")
    kept = body(editor, "Synthetic Kept Parliament", "parliament")
    services.merge_acting_bodies(
        editor, merged=parliament, merged_version=parliament.version, kept=kept, kept_version=1
    )
    loading.load()
    assert ActingBody.objects.get(slug="uk-government").name == "Synthetic Renamed Government"
    assert not ActingBody.objects.filter(name__in=["UK Government", "Parliament"]).exists()
