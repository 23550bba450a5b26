"""``/api/v1/`` lists every endpoint of the OpenAPI schema, the docs, the schema, the
dump and the feeds, each example answering 200; JSON for clients, a page for browsers."""

import datetime as dt

import pytest
import yaml

from evidence.models import Indicator
from policies.models import Status
from tests.factories import EvidenceFactory, ObservationFactory, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(papers):
    from django.core.management import call_command

    call_command("load_indicators", verbosity=0)
    ObservationFactory.create(indicator=Indicator.objects.first())
    source = EvidenceFactory.create(n=1)
    return publish("118-2d", Status.IN_PROGRESS, dt.date(2021, 1, 1), evidence=[source])


def listed(client):
    response = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    return {e["path"]: e for g in body["groups"] for e in g["endpoints"]}, body


def test_every_schema_operation_is_listed(client, data):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    endpoints, _ = listed(client)
    for path, operations in schema["paths"].items():
        assert path in endpoints, f"{path} is not on /api/v1/"
        methods = {m.upper() for m in operations if m in {"get", "post", "patch", "put", "delete"}}
        assert methods <= set(endpoints[path]["methods"]) | {"PUT"}, (path, methods)
    for extra in ("/api/v1/docs/", "/api/v1/schema/", "/api/v1/dump/", "/feeds/changes.atom"):
        assert extra in endpoints


def test_every_example_answers(client, data):
    endpoints, body = listed(client)
    reads = [e for e in endpoints.values() if not e["needs_token"]]
    assert all(e["example"] for e in reads), [e["path"] for e in reads if not e["example"]]
    for endpoint in reads:
        url = endpoint["example"].removeprefix("http://testserver")
        assert not url.startswith("http"), url
        assert client.get(url).status_code == 200, url
    assert body["documentation"] == "http://testserver/api/v1/docs/"


def test_a_browser_gets_a_page_in_the_site_design(client, data):
    response = client.get("/api/v1/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<h1>The tracker&#x27;s API</h1>" in html or "<h1>The tracker's API</h1>" in html
    assert 'href="http://testserver/api/v1/proposals/118-2d/"' in html
    assert "/static/" in html  # the site's stylesheet, not DRF's browsable page
    assert "rest_framework" not in html
