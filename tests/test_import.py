"""CSV bulk import: a good file, one bad row among many, a wrong header, a
non-UTF-8 file, an unknown reference, the same file twice, several sources
per update, the background task with progress, the command and the API."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from evidence.models import Evidence
from policies import imports
from policies.models import ApiToken, Proposal, StatusUpdate
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
        "rationale": rationale or f"Synthetic import rationale for {reference}.",
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
    assert imports.template_csv().strip().split(",") == HEADER


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
        "line 26: effective_date '31/05/2021' is not a date like 2021-05-31."
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
    assert client.get("/api/v1/imports/template/").content.decode().strip().split(",") == HEADER
