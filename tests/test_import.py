"""CSV bulk import: a good file, one bad row among many, a wrong header, a
non-UTF-8 file, an unknown reference, the same file twice, several sources
per update, the background task with progress, the command and the API.
Then the one validation path: rows checked by the services' rules (lengths, NUL,
schemes, dates) on both databases; a background job that always ends and deletes
its upload; the size limit before anything is stored; the same file claimed while
it is imported (409); a locked database (503)."""

from __future__ import annotations

import csv
import importlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from evidence.models import Evidence
from policies import imports
from policies.models import ApiToken, ImportClaim, Proposal, StatusUpdate
from tests.support import make_source

pytestmark = pytest.mark.django_db

HEADER = imports.TEMPLATE_HEADER


def row(reference, status="in_progress", n=1, rationale=None, **overrides):
    values = {
        "proposal_reference": reference,
        "status": status,
        "acting_bodies": "UK Government;Parliament",
        "effective_date": "2021-05-01",
        "date_precision": "month",
        "rationale": rationale or f"Synthetic import rationale for {reference}, long enough.",
        "source_url": f"https://example.org/synthetic-import-{n}",
        "source_title": f"Synthetic test source {n}",
        "source_publisher": "Synthetic Publisher",
        "source_kind": "government_publication",
        "source_published_date": "2021-04-01",
        "source_accessed_date": "2024-01-01",
    }
    return values | overrides


# A row with no source: every source column blank.
NO_SOURCE = dict.fromkeys(
    [
        "source_url",
        "source_title",
        "source_publisher",
        "source_kind",
        "source_published_date",
        "source_accessed_date",
    ],
    "",
)


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def good_rows(count=40):
    refs = list(Proposal.objects.order_by("pk").values_list("reference", flat=True)[:count])
    return [row(ref, n=i) for i, ref in enumerate(refs)]


def state():
    return (StatusUpdate.objects.count(), Evidence.objects.count())


def test_template_header_is_the_documented_one():
    assert imports.template_csv().splitlines()[0].split(",") == HEADER


def test_good_file_creates_drafts_in_one_go(users, papers):
    raw = csv_bytes(good_rows(40))
    result = imports.import_file(users["editor"], raw=raw, mode="draft")
    assert result.created == 40 and result.skipped == 0 and result.evidence_created == 40
    updates = StatusUpdate.objects.all()
    assert updates.count() == 40
    assert {u.state for u in updates} == {StatusUpdate.State.DRAFT}
    one = updates.get(proposal__reference=good_rows(1)[0]["proposal_reference"])
    assert one.date_precision == "month" and one.author == users["editor"]
    assert {b.name for b in one.acting_bodies.all()} == {"UK Government", "Parliament"}
    assert one.history.first().history_user == users["editor"]


def test_one_bad_row_among_many_rejects_the_file_naming_the_line(users, papers):
    rows = good_rows(40)
    rows[24]["effective_date"] = "31/05/2021"  # line 26: header is line 1
    before = state()
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_file(users["editor"], raw=csv_bytes(rows), mode="draft")
    assert rejected.value.errors == [
        "line 26: effective_date '31/05/2021' is not a date like 2023, 2023-03 or 2023-03-01."
    ]
    assert state() == before


def test_wrong_header(users, papers):
    header = [c if c != "source_title" else "title" for c in HEADER]
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_file(users["editor"], raw=csv_bytes([], header=header), mode="draft")
    (error,) = rejected.value.errors
    assert error.startswith("line 1: wrong header (missing source_title; unknown 'title')")
    assert state() == (0, 0)


def test_non_utf8_file(users, papers):
    rows = good_rows(3)
    rows[1]["rationale"] = "Synthetic rationale with a pound sign £5"
    raw = csv_bytes(rows, encoding="cp1252")
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_file(users["editor"], raw=raw, mode="draft")
    assert rejected.value.errors[0].startswith("line 3: the file is not UTF-8 (byte 0xa3)")
    assert state() == (0, 0)


def test_unknown_reference(users, papers):
    rows = good_rows(3) + [row("118-9z", n=99)]
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_file(users["editor"], raw=csv_bytes(rows), mode="draft")
    assert rejected.value.errors == ["line 5: unknown proposal reference '118-9z'."]
    assert state() == (0, 0)


def test_same_file_twice_creates_no_duplicates(users, papers):
    raw = csv_bytes(good_rows(10))
    first = imports.import_file(users["editor"], raw=raw, mode="draft")
    second = imports.import_file(users["editor"], raw=raw, mode="draft")
    assert (first.created, second.created, second.skipped) == (10, 0, 10)
    assert second.evidence_created == 0
    assert state() == (10, 10)


def test_several_sources_per_update_and_reuse_by_url(users, papers):
    existing = make_source(users["campaigner"], 7)
    rows = [
        row("118-2d", n=1),
        row("118-2d", n=7, source_url=existing.url),  # same update: a 2nd source, reused
        row("118-3a", status="not_assessed", n=0, **NO_SOURCE),
    ]
    result = imports.import_file(users["editor"], raw=csv_bytes(rows), mode="draft")
    assert result.created == 2 and result.evidence_created == 1
    update = StatusUpdate.objects.get(proposal__reference="118-2d")
    assert existing in update.evidence.all() and update.evidence.count() == 2
    assert StatusUpdate.objects.get(proposal__reference="118-3a").evidence.count() == 0


def test_status_without_source_is_refused_with_line(users, papers):
    rows = [row("118-2d", **NO_SOURCE)]
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_file(users["editor"], raw=csv_bytes(rows), mode="draft")
    assert rejected.value.errors[0].startswith(
        "line 2: status 'in_progress' needs at least one source"
    )


def test_publish_mode_follows_the_self_publish_rule(users, papers):
    raw = csv_bytes(good_rows(3))
    with pytest.raises(imports.ImportRejected, match="TRACKER_ALLOW_SELF_PUBLISH"):
        imports.import_file(users["editor"], raw=raw, mode="publish")
    assert state() == (0, 0)
    with override_settings(TRACKER_ALLOW_SELF_PUBLISH=True):
        result = imports.import_file(users["editor"], raw=raw, mode="publish")
    assert result.published == 3
    assert StatusUpdate.objects.public().count() == 3
    assert Evidence.objects.filter(is_published=True).count() == 3


def test_campaigners_cannot_import(users, papers):
    from policies import services

    with pytest.raises(services.NotPermitted):
        imports.import_file(users["campaigner"], raw=csv_bytes(good_rows(2)), mode="draft")
    assert state() == (0, 0)


def test_web_upload_shows_line_numbered_errors(users, papers, client):
    client.force_login(users["editor"])
    rows = good_rows(5) + [row("118-9z", n=50)]
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "synthetic-bad.csv"
    response = client.post("/editorial/import/", {"file": upload, "mode": "draft"})
    assert response.status_code == 400
    assert "line 7: unknown proposal reference &#x27;118-9z&#x27;." in response.content.decode()
    assert state() == (0, 0)


@override_settings(TRACKER_IMPORT_BACKGROUND_ROWS=5)
def test_large_file_runs_in_background_with_progress(
    users, papers, client, django_capture_on_commit_callbacks
):
    client.force_login(users["editor"])
    upload = io.BytesIO(csv_bytes(good_rows(20)))
    upload.name = "synthetic-large.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/editorial/import/", {"file": upload, "mode": "draft"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "done" in page.content.decode() and "20 created" in page.content.decode()
    assert StatusUpdate.objects.count() == 20
    # Someone else cannot see the job.
    client.force_login(users["editor2"])
    assert client.get(response["Location"]).status_code == 404


def test_management_command(users, papers, tmp_path, capsys):
    path = tmp_path / "synthetic-updates.csv"
    path.write_bytes(csv_bytes(good_rows(4)))
    call_command("import_status_updates", str(path), "--user", "edit", "--no-progress")
    assert "4 created" in capsys.readouterr().out
    bad = tmp_path / "synthetic-bad.csv"
    bad.write_bytes(csv_bytes([row("118-9z")]))
    with pytest.raises(CommandError, match="line 2: unknown proposal reference"):
        call_command("import_status_updates", str(bad), "--user", "edit", "--no-progress")
    assert StatusUpdate.objects.count() == 4


def test_api_import(users, papers):
    client = APIClient()
    _, secret = ApiToken.objects.issue(users["editor"], "synthetic import client")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    upload = io.BytesIO(csv_bytes(good_rows(3) + [row("118-9z", n=9)]))
    upload.name = "synthetic.csv"
    response = client.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] == [
        "line 5: unknown proposal reference '118-9z'."
    ]
    upload = io.BytesIO(csv_bytes(good_rows(3)))
    upload.name = "synthetic.csv"
    response = client.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 201 and response.json()["created"] == 3
    template = client.get("/api/v1/imports/template/").content.decode()
    assert template.splitlines()[0].split(",") == HEADER


# --- One validation path: each row meets the rules of the forms and the API -----------

BAD_ROWS = {
    # column: (bad value, what the message says)
    "nul-title": ({"source_title": "Synthetic\x00title"}, "source_title: Null characters"),
    "long-title": ({"source_title": "t" * 501}, "source_title: Ensure this value has at most 500"),
    "long-publisher": (
        {"source_publisher": "p" * 301},
        "source_publisher: Ensure this value has at most 300",
    ),
    "long-url": (
        {"source_url": "https://example.org/" + "u" * 981},
        "source_url: Ensure this value has at most 1000",
    ),
    "ftp-url": ({"source_url": "ftp://example.org/synthetic"}, "source_url: Give a full http"),
    "nul-rationale": ({"rationale": "Synthetic\x00rationale"}, "rationale: Null characters"),
    "nul-reference": ({"proposal_reference": "118-2d\x00"}, "unknown proposal reference"),
    "nul-body": ({"acting_bodies": "Parliament\x00"}, "is not a known acting body"),
    "future-date": ({"effective_date": "2999-01-01"}, "effective_date: The date it happened"),
    "bad-kind": ({"source_kind": "rumour"}, "source_kind: Unknown kind 'rumour'"),
    "bad-status": ({"status": "finished"}, "status: Unknown status 'finished'; one of"),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_a_bad_row_is_refused_with_its_line_on_any_database(case, users, papers):
    """On PostgreSQL NUL and over-long values used to be a 500 (the database refused
    them mid-import); on SQLite they were stored.  Now the row is refused first."""
    overrides, said = BAD_ROWS[case]
    rows = good_rows(3)
    rows[1] |= overrides  # line 3
    before = state()
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_file(users["editor"], raw=csv_bytes(rows), mode="draft")
    assert any(e.startswith("line 3: ") and said in e for e in rejected.value.errors), (
        rejected.value.errors
    )
    assert state() == before


@pytest.mark.parametrize(
    "field, value",
    [("title", "t" * 501), ("publisher", "p" * 301), ("source_url", "https://e.org/" + "u" * 990)],
)
def test_the_api_refuses_what_the_import_refuses(field, value, users, papers):
    """The same limits on the API (the model's), so a row refused by one is refused by both."""
    client = APIClient()
    client.force_authenticate(users["editor"])
    body = {
        "source_url": "https://example.org/synthetic-api-1",
        "title": "Synthetic test source",
        "publisher": "Synthetic Publisher",
        "kind": "government_publication",
        "published_date": "2021-04-01",
    } | {field: value}
    response = client.post("/api/v1/sources/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Evidence.objects.count() == 0


def test_the_evidence_form_uses_the_services_check(users, papers, client):
    client.force_login(users["campaigner"])
    response = client.post(
        "/editorial/proposals/118-2d/new-update/",
        {
            "status": "in_progress",
            "effective_date": "2021-05-01",
            "date_precision": "day",
            "rationale": "Synthetic rationale.",
            "new-TOTAL_FORMS": "1",
            "new-INITIAL_FORMS": "0",
            "new-0-url": "ftp://example.org/synthetic",
            "new-0-title": "Synthetic test source",
            "new-0-publisher": "Synthetic Publisher",
            "new-0-kind": "government_publication",
            "new-0-published_date": "2021-04-01",
        },
    )
    assert response.status_code == 400
    assert "Give a full http:// or https:// address." in response.content.decode()
    assert state() == (0, 0)


# --- The background job ends, whatever happens ----------------------------------------


def run_in_background(raw, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = imports.start_or_run(user, raw=raw, mode="draft", filename="synthetic.csv")
    assert isinstance(outcome, imports.Queued)
    return outcome.job_id


def job_of(job_id) -> dict:
    job = imports.job_state(job_id)
    assert job is not None
    return job


def imported(outcome) -> imports.ImportResult:
    """The result of an import that ran during the call (not queued)."""
    assert isinstance(outcome, imports.ImportResult)
    return outcome


def stored_file(job_id):
    from django.core.cache import cache

    return cache.get(f"tracker:import:{job_id}:file")


@override_settings(TRACKER_IMPORT_BACKGROUND_ROWS=5)
def test_a_bad_row_fails_the_background_job_and_deletes_the_upload(
    users, papers, django_capture_on_commit_callbacks
):
    rows = good_rows(20)
    rows[18]["source_title"] = "t" * 501  # line 20, near the end (it was "running 19/20")
    job_id = run_in_background(csv_bytes(rows), users["editor"], django_capture_on_commit_callbacks)
    job = job_of(job_id)
    assert job["state"] == "failed"
    assert job["errors"][0].startswith("line 20: source_title: Ensure this value has at most 500")
    assert stored_file(job_id) is None
    assert state() == (0, 0)
    assert not ImportClaim.objects.exists()


@override_settings(TRACKER_IMPORT_BACKGROUND_ROWS=5)
def test_an_unexpected_error_fails_the_job_with_its_message(
    users, papers, django_capture_on_commit_callbacks, monkeypatch
):
    from policies.imports import jobs

    def crash(*args, **kwargs):
        raise RuntimeError("synthetic failure in the middle of writing")

    monkeypatch.setattr(jobs, "apply", crash)
    job_id = run_in_background(
        csv_bytes(good_rows(20)), users["editor"], django_capture_on_commit_callbacks
    )
    job = job_of(job_id)
    assert job["state"] == "failed"
    (error,) = job["errors"]
    assert "RuntimeError: synthetic failure in the middle of writing" in error
    assert stored_file(job_id) is None
    assert not ImportClaim.objects.exists()
    assert state() == (0, 0)


@override_settings(TRACKER_IMPORT_BACKGROUND_ROWS=5)
def test_a_job_that_succeeds_deletes_its_upload_and_claim(
    users, papers, django_capture_on_commit_callbacks
):
    job_id = run_in_background(
        csv_bytes(good_rows(20)), users["editor"], django_capture_on_commit_callbacks
    )
    assert job_of(job_id)["state"] == "done"
    assert stored_file(job_id) is None
    assert not ImportClaim.objects.exists()


# --- The size limit applies before anything is stored ---------------------------------


@override_settings(TRACKER_IMPORT_MAX_BYTES=1000)
def test_read_upload_refuses_at_the_limit_plus_one_byte():
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert len(imports.read_upload(SimpleUploadedFile("ok.csv", b"x" * 1000))) == 1000
    with pytest.raises(imports.ImportTooLarge):
        imports.read_upload(SimpleUploadedFile("big.csv", b"x" * 1001))

    class Unsized(SimpleUploadedFile):
        size = None  # type: ignore[assignment]  # a stream of unknown size: counted as read

    with pytest.raises(imports.ImportTooLarge):
        imports.read_upload(Unsized("big.csv", b"x" * 1001))


def test_an_oversized_import_is_a_413_and_nothing_is_stored(users, papers, client, monkeypatch):
    from policies.imports import jobs

    def stored(*args, **kwargs):
        raise AssertionError("the file was stored")

    monkeypatch.setattr(jobs, "start_import_job", stored)
    big = csv_bytes(good_rows(3)) + b"\n" * (5 * 1024 * 1024)  # past 5 MB, many "rows"
    api = APIClient()
    api.force_authenticate(users["editor"])
    upload = io.BytesIO(big)
    upload.name = "synthetic-big.csv"
    response = api.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and "TRACKER_IMPORT_MAX_BYTES" in error["message"]

    client.force_login(users["editor"])
    upload = io.BytesIO(big)
    upload.name = "synthetic-big.csv"
    page = client.post("/editorial/import/", {"file": upload, "mode": "draft"})
    assert page.status_code == 413
    assert page.context["form"].errors["file"][0].startswith("The file is larger than")
    assert state() == (0, 0)
    assert not ImportClaim.objects.exists()


# --- The same file twice at once (sequential here; threads in test_import_concurrency) -


def test_the_same_file_while_it_is_being_imported_is_refused(users, papers, monkeypatch):
    # The module (``policies.imports.apply`` the name is the function).
    apply_module = importlib.import_module("policies.imports.apply")

    raw = csv_bytes(good_rows(10))
    original = apply_module.apply
    second: dict = {}

    def apply_and_meanwhile_import_again(*args, **kwargs):
        # The first import is under way: the same bytes again, as another editor publishing.
        try:
            imports.start_or_run(users["editor2"], raw=raw, mode="publish")
        except imports.ImportInProgress as exc:
            second["refused"] = exc.message
        return original(*args, **kwargs)

    monkeypatch.setattr(apply_module, "apply", apply_and_meanwhile_import_again)
    first = imported(imports.start_or_run(users["editor"], raw=raw, mode="draft"))
    assert first.created == 10
    assert second["refused"].startswith("This file is already being imported (edit, as drafts,")
    assert StatusUpdate.objects.count() == 10
    assert not ImportClaim.objects.exists()  # released: the file may be imported again
    monkeypatch.setattr(apply_module, "apply", original)
    again = imported(imports.start_or_run(users["editor2"], raw=raw, mode="draft"))
    assert (again.created, again.skipped) == (0, 10)


def hold_claim(raw, user):
    from policies.imports import claims

    return claims.claim(raw, actor=user, mode="draft")


def test_a_claimed_file_is_a_409_on_the_api_and_the_page(users, papers, client):
    raw = csv_bytes(good_rows(3))
    hold_claim(raw, users["editor2"])
    api = APIClient()
    api.force_authenticate(users["editor"])
    upload = io.BytesIO(raw)
    upload.name = "synthetic.csv"
    response = api.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"].startswith("This file is already being imported (edit2, as drafts")

    client.force_login(users["editor"])
    upload = io.BytesIO(raw)
    upload.name = "synthetic.csv"
    page = client.post("/editorial/import/", {"file": upload, "mode": "draft"})
    assert page.status_code == 409
    assert "This file is already being imported" in page.content.decode()
    assert state() == (0, 0)
    # Another file is not held up.
    other = imported(
        imports.start_or_run(users["editor"], raw=csv_bytes(good_rows(2)), mode="draft")
    )
    assert other.created == 2


def test_a_claim_left_by_a_dead_process_is_taken_over(users, papers, settings):
    import datetime as dt

    from django.utils import timezone

    raw = csv_bytes(good_rows(3))
    held = hold_claim(raw, users["editor2"])
    ImportClaim.objects.filter(pk=held.pk).update(
        claimed_at=timezone.now() - dt.timedelta(seconds=settings.TRACKER_IMPORT_CLAIM_TIMEOUT + 1)
    )
    assert imported(imports.start_or_run(users["editor"], raw=raw, mode="draft")).created == 3
    assert not ImportClaim.objects.exists()


def test_a_refused_file_releases_its_claim(users, papers):
    raw = csv_bytes([row("118-9z")])
    for _ in range(2):  # the second attempt is refused for the file, not for a claim
        with pytest.raises(imports.ImportRejected, match="unknown proposal reference"):
            imports.start_or_run(users["editor"], raw=raw, mode="draft")
    assert not ImportClaim.objects.exists()


def test_a_locked_database_is_a_503_with_a_message_not_a_500(users, papers, client, monkeypatch):
    """SQLite lets one writer in at a time: an import that finds the database locked
    (past its wait) is told so; the real race runs in test_import_concurrency."""
    from django.db import OperationalError

    from policies.imports import jobs

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(jobs, "import_file", locked)
    api = APIClient()
    api.force_authenticate(users["editor"])
    upload = io.BytesIO(csv_bytes(good_rows(3)))
    upload.name = "synthetic.csv"
    response = api.post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "unavailable" and "Another import" in error["message"]
    client.force_login(users["editor"])
    upload = io.BytesIO(csv_bytes(good_rows(3)))
    upload.name = "synthetic.csv"
    page = client.post("/editorial/import/", {"file": upload, "mode": "draft"})
    assert page.status_code == 503 and "Another import" in page.content.decode()
    assert not ImportClaim.objects.exists()


def test_the_command_claims_the_file_too(users, papers, tmp_path):
    path = tmp_path / "synthetic-updates.csv"
    path.write_bytes(csv_bytes(good_rows(4)))
    held = hold_claim(path.read_bytes(), users["editor2"])
    with pytest.raises(CommandError, match="This file is already being imported"):
        call_command("import_status_updates", str(path), "--user", "edit", "--no-progress")
    assert state() == (0, 0)
    ImportClaim.objects.filter(pk=held.pk).delete()
    call_command("import_status_updates", str(path), "--user", "edit", "--no-progress")
    assert StatusUpdate.objects.count() == 4
    assert not ImportClaim.objects.exists()
