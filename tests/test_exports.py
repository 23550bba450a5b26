"""CSV exports: same filters as the JSON, header and rows equal to it, streamed,
formula cells neutralised, errors still JSON."""

import csv
import datetime as dt
import io

import pytest

from policies.api.read import PROPOSAL_CSV_COLUMNS, STATUS_UPDATE_CSV_COLUMNS
from policies.models import ActingBody, Proposal, Status
from tests.factories import EvidenceFactory, correct, publish
from tracker.api.exports import cell, lookup, neutralise

pytestmark = pytest.mark.django_db


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def all_json(client, url):
    results = []
    while url:
        body = client.get(url).json()
        results += body["results"]
        url = body["next"]
    return results


def as_text(value):
    value = cell(value)
    return value if isinstance(value, str) else str(value)


def test_proposals_csv_equals_json(api_client, papers):
    uk = ActingBody.objects.get(name="UK Government")
    publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), bodies=[uk])
    query = "paper=118&applicability=federal"
    rows = read_csv(api_client.get(f"/api/v1/proposals/?{query}&format=csv"))
    header, body = rows[0], rows[1:]
    assert header == [name for name, _ in PROPOSAL_CSV_COLUMNS]
    expected = all_json(api_client, f"/api/v1/proposals/?{query}")
    assert len(body) == len(expected) == 6
    for row, item in zip(body, expected, strict=True):
        assert row == [as_text(lookup(item, path)) for _, path in PROPOSAL_CSV_COLUMNS]
    by_ref = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert by_ref["118-2d"]["status"] == "in_progress"
    assert by_ref["118-2d"]["acting_bodies"] == uk.slug


def test_csv_is_every_row_not_one_page(api_client, papers):
    rows = read_csv(api_client.get("/api/v1/proposals/?format=csv&page_size=5"))
    assert len(rows) - 1 == Proposal.objects.count() == 113


def test_formula_cells_are_neutralised(api_client, papers):
    source = EvidenceFactory.create(
        n=1, title='=HYPERLINK("https://example.org")', publisher="@synthetic"
    )
    update = publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[source])
    update.rationale = "+1 synthetic rationale"
    update.save()
    rows = read_csv(api_client.get("/api/v1/evidence/?format=csv"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["title"] == '\'=HYPERLINK("https://example.org")'
    assert record["publisher"] == "'@synthetic"
    updates = read_csv(api_client.get("/api/v1/status-updates/?format=csv"))
    assert updates[0] == [name for name, _ in STATUS_UPDATE_CSV_COLUMNS]
    record = dict(zip(updates[0], updates[1], strict=True))
    assert record["rationale"] == "'+1 synthetic rationale"
    assert record["evidence_titles"] == '\'=HYPERLINK("https://example.org")'


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("=1+1", "'=1+1"),
        ("-2", "'-2"),
        ("+x", "'+x"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
    ],
)
def test_neutralise(raw, expected):
    assert neutralise(raw) == expected


def test_numbers_stay_numbers():
    assert cell(-3) == -3 and cell(None) == "" and cell(True) == "true"
    assert cell(["a", "b"]) == "a; b"


def test_corrected_updates_in_csv(api_client, papers):
    original = publish("118-3a", Status.DELIVERED, dt.date(2020, 6, 1))
    correction = correct(original, Status.NO_PROGRESS)
    rows = read_csv(api_client.get("/api/v1/status-updates/?format=csv"))
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_id[str(original.pk)]["is_corrected"] == "true"
    assert by_id[str(original.pk)]["corrected_by"].endswith(f"/status-updates/{correction.pk}/")
    assert by_id[str(correction.pk)]["corrects"].endswith(f"/status-updates/{original.pk}/")


@pytest.mark.parametrize(
    "url", ["/api/v1/papers/", "/api/v1/sections/", "/api/v1/themes/", "/api/v1/evidence/"]
)
def test_every_list_has_csv(api_client, papers, url):
    rows = read_csv(api_client.get(f"{url}?format=csv"))
    json_body = api_client.get(url).json()
    count = len(json_body) if isinstance(json_body, list) else json_body["count"]
    assert len(rows) - 1 == count


def test_csv_with_bad_filter_is_a_json_400(api_client, papers):
    response = api_client.get("/api/v1/proposals/?format=csv&status=finished")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "invalid"


def test_csv_query_count_is_constant(api_client, papers, django_assert_num_queries):
    for proposal in Proposal.objects.all()[:3]:
        publish(proposal.reference, Status.IN_PROGRESS, dt.date(2021, 1, 1))
    with django_assert_num_queries(4) as few:
        b"".join(api_client.get("/api/v1/proposals/?format=csv&paper=118").streaming_content)
    for proposal in Proposal.objects.all()[3:60]:
        publish(proposal.reference, Status.IN_PROGRESS, dt.date(2021, 1, 1))
    with django_assert_num_queries(len(few.captured_queries)):
        b"".join(api_client.get("/api/v1/proposals/?format=csv").streaming_content)
