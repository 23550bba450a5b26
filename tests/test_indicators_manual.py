"""Figures entered by hand from a cited publication (sources that publish only PDFs)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from evidence.models import Evidence, Indicator, Observation
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator(papers):
    call_command("load_indicators", stdout=StringIO())
    return Indicator.objects.first()


@pytest.fixture
def citation():
    return EvidenceFactory.create(
        kind=Evidence.Kind.OFFICIAL_STATISTICS,
        url="https://example.org/synthetic-manual.pdf",
        published_date=dt.date(2024, 1, 1),
        accessed_date=dt.date(2024, 1, 2),
    )


def enter(target, citation_id, **overrides):
    options = {
        "indicator": target.slug,
        "start": "2023-04-01",
        "end": "2024-03-31",
        "label": "2023/24",
        "value": "1,234",
        "evidence": str(citation_id),
        **overrides,
    }
    argv = [item for key, value in options.items() for item in (f"--{key}", value)]
    out = StringIO()
    call_command("add_observation", *argv, stdout=out)
    return out.getvalue()


def test_a_cited_figure_is_stored_once(indicator, citation):
    assert "1 added" in enter(indicator, citation.pk)
    observation = Observation.objects.get()
    assert observation.value == 1234
    assert observation.release.citation == citation
    assert observation.release.url == citation.url
    assert "0 added" in enter(indicator, citation.pk)
    assert Observation.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"evidence": "999999"}, "no current evidence source"),
        ({"indicator": "no-such-indicator"}, "no indicator"),
        ({"area": "X99"}, "no area"),
        ({"end": "2023-01-01"}, "ends before it starts"),
        ({"start": "last spring"}, "not a date"),
        ({"value": "lots"}, "not a number"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(indicator, citation, overrides, message):
    with pytest.raises(CommandError, match=message):
        enter(indicator, citation.pk, **overrides)
    assert not Observation.objects.exists()
