"""Imports that finish the job: the template's example row and the list of allowed
values; YYYY / YYYY-MM / YYYY-MM-DD dates setting the precision; acting bodies by
name (any case) or slug, an unknown one named with its line and nothing stored;
links to every created draft; "submit all" into the review queue; imported drafts
in the importer's "my drafts"; bad files still a 4xx.  All rows are synthetic."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from rest_framework.test import APIClient

from evidence.models import Evidence
from policies import imports, services
from policies.models import ActingBody, StatusUpdate

pytestmark = pytest.mark.django_db

HEADER = imports.TEMPLATE_HEADER
RATIONALE = "Synthetic import rationale, long enough for the drafting rule of the tracker."


def row(reference, n, **overrides):
    values = {
        "proposal_reference": reference,
        "status": "in_progress",
        "acting_bodies": "UK Government",
        "effective_date": "2023-03",
        "date_precision": "",
        "rationale": f"{RATIONALE} ({reference})",
        "source_url": f"https://example.org/synthetic-finish-{n}",
        "source_title": f"Synthetic finish source {n}",
        "source_publisher": "Synthetic Publisher",
        "source_kind": "government_publication",
        "source_published_date": "2023-03-01",
        "source_accessed_date": "2024-01-01",
    }
    return values | overrides


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def three(**overrides):
    return [row(ref, n, **overrides) for n, ref in enumerate(["118-2d", "118-3a", "118-4f"])]


def state():
    return (StatusUpdate.objects.count(), Evidence.objects.count(), ActingBody.objects.count())


def editor_client(users) -> Client:
    client = Client()
    client.force_login(users["editor"])
    return client


def upload(client, raw: bytes, mode="draft"):
    return client.post(
        "/editorial/import/", {"mode": mode, "file": io.BytesIO(raw), "name": "synthetic.csv"}
    )


# --- Template and allowed values ------------------------------------------------------


def test_template_has_a_commented_example_row_the_parser_skips(users, papers):
    text = imports.template_csv()
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == HEADER and len(lines) == 2
    example = dict(zip(HEADER, lines[1], strict=True))
    assert example["proposal_reference"].startswith("#")
    assert "EXAMPLE" in example["proposal_reference"]
    assert example["source_url"].startswith("https://example.org/")
    # The template alone is a file with no rows: the example is skipped, not imported.
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.parse(text)
    assert rejected.value.errors == ["line 2: the file has a header but no rows."]


def test_values_page_lists_statuses_kinds_bodies_and_date_formats(users, papers):
    services.create_acting_body(
        users["editor"], data=services.ActingBodyInput(name="Synthetic <Values> Body", kind="other")
    )
    client = editor_client(users)
    page = client.get("/editorial/import/").content.decode()
    assert 'href="/editorial/import/values/"' in page
    response = client.get("/editorial/import/values/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "in_progress",
        "not_assessed",
        "government_publication",
        "official_statistics",
        "YYYY-MM",
        "YYYY-MM-DD",
        "UK Government",
        "uk-government",
        "Synthetic &lt;Values&gt; Body",
    ):
        assert text in html, text
    values_csv = client.get("/editorial/import/values.csv")
    assert values_csv.status_code == 200
    rows = list(csv.reader(io.StringIO(values_csv.content.decode())))
    assert ["acting_bodies", "UK Government", "slug: uk-government"] in rows
    assert any(r[:2] == ["effective_date", "YYYY"] for r in rows)


def test_values_page_query_count_does_not_grow(users, papers, django_assert_num_queries):
    client = editor_client(users)
    client.get("/editorial/import/values/")
    with django_assert_num_queries(4):  # session, user, role, the bodies
        client.get("/editorial/import/values/")
    for n in range(5):
        services.create_acting_body(
            users["editor"], data=services.ActingBodyInput(name=f"Synthetic Q {n}", kind="other")
        )
    with django_assert_num_queries(4):
        client.get("/editorial/import/values/")


@pytest.mark.parametrize("role, code", [("campaigner", 403), ("norole", 403), ("editor", 200)])
def test_values_pages_are_for_importers(users, papers, role, code):
    client = Client()
    client.force_login(users[role])
    assert client.get("/editorial/import/values/").status_code == code
    assert client.get("/editorial/import/values.csv").status_code == code


# --- Dates and bodies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, day, precision",
    [
        ("2023", dt.date(2023, 1, 1), "year"),
        ("2023-03", dt.date(2023, 3, 1), "month"),
        ("2023-03-17", dt.date(2023, 3, 17), "day"),
    ],
)
def test_the_date_form_sets_the_precision(users, papers, written, day, precision):
    result = imports.import_file(
        users["editor"], raw=csv_bytes([row("118-2d", 1, effective_date=written)]), mode="draft"
    )
    update = StatusUpdate.objects.get(pk=result.update_ids[0])
    assert (update.effective_date, update.date_precision) == (day, precision)


def test_a_precision_that_contradicts_the_date_is_refused(users, papers):
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.parse(csv_bytes([row("118-2d", 1, date_precision="day")]).decode())
    assert rejected.value.errors[0].startswith("line 2: effective_date '2023-03'")


@pytest.mark.parametrize("bad", ["2023-13", "23-03", "2023-3", "March 2023", "2023-02-30"])
def test_a_bad_date_is_named_with_its_line(users, papers, bad):
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.parse(csv_bytes([row("118-2d", 1, effective_date=bad)]).decode())
    assert rejected.value.errors == [
        f"line 2: effective_date {bad!r} is not a date like 2023, 2023-03 or 2023-03-01."
    ]


def test_an_unknown_body_is_named_with_its_line_and_nothing_is_stored(users, papers):
    rows = three()
    rows[1]["acting_bodies"] = "UK Government;Home Office"  # line 3
    before = state()
    with pytest.raises(imports.ImportRejected) as rejected:
        imports.import_file(users["editor"], raw=csv_bytes(rows), mode="draft")
    assert rejected.value.errors == [
        "line 3: “Home Office” is not a known acting body; use a name or slug from the "
        "list of allowed values, or an editor can add it to the acting bodies."
    ]
    assert state() == before
    # On the page: the same words, and where to add the body.
    response = upload(editor_client(users), csv_bytes(rows))
    html = response.content.decode()
    assert response.status_code == 400
    assert "“Home Office” is not a known acting body" in html and "line 3" in html
    assert 'href="/editorial/acting-bodies/new/"' in html
    assert state() == before


def test_bodies_by_slug_and_by_name_in_any_case(users, papers):
    rows = three()
    rows[0]["acting_bodies"] = "uk-government"
    rows[1]["acting_bodies"] = "uk government; PARLIAMENT"
    rows[2]["acting_bodies"] = "UK-GOVERNMENT"
    result = imports.import_file(users["editor"], raw=csv_bytes(rows), mode="draft")
    bodies = [
        sorted(b.slug for b in StatusUpdate.objects.get(pk=pk).acting_bodies.all())
        for pk in result.update_ids
    ]
    assert bodies == [["uk-government"], ["parliament", "uk-government"], ["uk-government"]]


def test_the_api_import_uses_the_same_rules(users, papers):
    client = APIClient()
    client.force_authenticate(users["editor"])
    rows = three()
    rows[2]["acting_bodies"] = "Home Office"
    response = client.post(
        "/api/v1/imports/",
        {"file": io.BytesIO(csv_bytes(rows)), "mode": "draft"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "line 4: “Home Office” is not a known acting body" in response.content.decode()
    rows[2]["acting_bodies"] = "uk-government"
    ok = client.post(
        "/api/v1/imports/",
        {"file": io.BytesIO(csv_bytes(rows)), "mode": "draft"},
        format="multipart",
    )
    assert ok.status_code == 201, ok.content
    assert set(StatusUpdate.objects.values_list("date_precision", flat=True)) == {"month"}


# --- After the import: links, submit all, my drafts ---------------------------------------


def test_links_submit_all_review_queue_and_my_drafts(users, papers):
    client = editor_client(users)
    response = upload(client, csv_bytes(three()))
    assert response.status_code == 200, response.content.decode()[:2000]
    html = response.content.decode()
    drafts = list(StatusUpdate.objects.order_by("pk"))
    assert len(drafts) == 3
    for draft in drafts:
        assert f'href="/editorial/updates/{draft.pk}/"' in html
        assert f'name="updates" value="{draft.pk}"' in html
    assert "March 2023" in html  # dates through the precision-aware formatter
    assert "Submit all for review" in html
    # Imported drafts are the importer's drafts.
    mine = client.get("/editorial/drafts/").content.decode()
    assert all(f"/editorial/updates/{d.pk}/" in mine for d in drafts)
    response = client.post("/editorial/import/submit-all/", {"updates": [d.pk for d in drafts]})
    assert response.status_code == 302 and response["Location"] == "/editorial/review/"
    assert set(StatusUpdate.objects.values_list("state", flat=True)) == {"submitted"}
    queue = Client()
    queue.force_login(users["editor2"])
    page = queue.get("/editorial/review/").content.decode()
    assert all(f"/editorial/updates/{d.pk}/" in page for d in drafts)
    # Again: nothing left to submit, nothing changes.
    client.post("/editorial/import/submit-all/", {"updates": [d.pk for d in drafts]})
    assert StatusUpdate.objects.filter(state="submitted").count() == 3


def test_submit_all_is_one_transaction(users, papers):
    imports.import_file(users["editor"], raw=csv_bytes(three()), mode="draft")
    ids = list(StatusUpdate.objects.order_by("pk").values_list("pk", flat=True))
    # Someone else's draft among them that the importer may submit is fine; one the
    # rules refuse (a rationale too short now) refuses them all.
    StatusUpdate.objects.filter(pk=ids[-1]).update(rationale="short")
    response = editor_client(users).post("/editorial/import/submit-all/", {"updates": ids})
    assert response.status_code == 302
    assert set(StatusUpdate.objects.values_list("state", flat=True)) == {"draft"}


@pytest.mark.parametrize(
    "data", [{}, {"updates": ["x"]}, {"updates": ["1\x00"]}, {"updates": [str(2**64)]}]
)
def test_submit_all_bad_input_is_400(users, papers, data):
    response = editor_client(users).post("/editorial/import/submit-all/", data)
    assert response.status_code == 400


def test_submit_all_is_post_only(users, papers):
    assert editor_client(users).get("/editorial/import/submit-all/").status_code == 405


# --- Bad files are still a 4xx ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"\xff\xfe\x00bad bytes", b"\x00\x01\x02", ",".join(HEADER).encode() + b"\n"],
    ids=["empty", "not-utf8", "nul", "header-only"],
)
def test_malformed_or_empty_files_are_4xx(users, papers, raw):
    before = state()
    response = upload(editor_client(users), raw)
    assert 400 <= response.status_code < 500
    assert state() == before
