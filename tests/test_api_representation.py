"""The fast paths of the proposal serializers and of ``last_modified`` give
exactly what DRF's generic machinery, ``reverse()`` and the ORM give."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from rest_framework import serializers as drf
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from evidence.models import Evidence
from policies import selectors
from policies.api.serializers import (
    ActingBodySerializer,
    Permalinks,
    ProposalDetailSerializer,
    ProposalSerializer,
    StatusUpdateSerializer,
)
from policies.models import ActingBody, Status, StatusUpdate
from tests.factories import EvidenceFactory, StatusUpdateFactory

pytestmark = pytest.mark.django_db


def publish(reference, status, day, corrects=None):
    return StatusUpdateFactory.create(
        reference=reference,
        status=status,
        effective_date=day,
        date_precision="month",
        corrects=corrects,
        acting_bodies=ActingBody.objects.all()[:2],
    )


@pytest.fixture
def assessed(papers):
    source = EvidenceFactory.create(
        n=1,
        kind=Evidence.Kind.choices[0][0],
        published_date=dt.date(2020, 1, 2),
        accessed_date=dt.date(2021, 1, 2),
        is_published=True,
    )
    first = publish("118-2d", Status.NO_PROGRESS, dt.date(2019, 3, 1))
    first.evidence.set([source])
    second = publish("118-2d", Status.IN_PROGRESS, dt.date(2022, 3, 1), corrects=first)
    StatusUpdate.objects.filter(pk=first.pk).update(state=StatusUpdate.State.CORRECTED)
    second.evidence.set([source])
    publish("138-5g", Status.DELIVERED, dt.date(2021, 1, 1))
    return papers


def request():
    return Request(RequestFactory().get("/"))


def absolute(req, path):
    return req.build_absolute_uri(path)


@pytest.mark.parametrize("serializer_class", [ProposalSerializer, ProposalDetailSerializer])
def test_representation_is_drfs_generic_one(assessed, serializer_class):
    req = request()
    proposals = selectors.attach_current_updates(selectors.proposal_detail_queryset())
    serializer = serializer_class(context={"request": req})
    renderer = JSONRenderer()
    for proposal in proposals:
        fast = serializer.to_representation(proposal)
        generic = drf.Serializer.to_representation(serializer, proposal)
        assert list(fast) == list(serializer.fields) == list(generic)
        assert renderer.render(fast) == renderer.render(generic), proposal.reference


def test_urls_and_nested_parts_are_what_reverse_and_drf_give(assessed):
    req = request()
    proposals = selectors.attach_current_updates(selectors.proposal_detail_queryset())
    data = ProposalDetailSerializer(proposals, many=True, context={"request": req}).data
    checked_status = 0
    for proposal, item in zip(proposals, data, strict=True):
        api = reverse("api:proposal-detail", args=[proposal.reference])
        assert item["url"] == absolute(req, api)
        assert item["html_url"] == absolute(req, proposal.get_absolute_url())
        for child, ref in zip(proposal.children.all(), item["children"], strict=True):
            assert ref["url"] == absolute(
                req, reverse("api:proposal-detail", args=[child.reference])
            )
        update = proposal.current_update
        current = item["current_status"]
        if update is None:
            assert current["acting_bodies"] == [] and current["update"] is None
            continue
        checked_status += 1
        assert (
            current["acting_bodies"]
            == ActingBodySerializer(update.acting_bodies.all(), many=True).data
        )
        assert current["update"] == absolute(
            req, reverse("api:statusupdate-detail", args=[update.pk])
        )
        history = StatusUpdateSerializer(
            proposal.public_updates,  # type: ignore[attr-defined]  # Prefetch(to_attr=...) in selectors
            many=True,
            context={"request": req},
        ).data
        assert item["status_history"] == history
        for entry in item["status_history"]:
            assert entry["url"] == absolute(
                req, reverse("api:statusupdate-detail", args=[entry["id"]])
            )
            assert entry["html_url"] == absolute(
                req, reverse("status-update-detail", kwargs={"pk": entry["id"]})
            )
    assert checked_status == 2


def test_current_update_from_history_is_the_queried_one(assessed, django_assert_num_queries):
    queried = selectors.attach_current_updates(selectors.proposal_detail_queryset())
    proposals = list(selectors.proposal_detail_queryset())
    with django_assert_num_queries(0):
        selectors.attach_current_updates(proposals, from_history=True)
    found = 0
    for mine, theirs in zip(proposals, queried, strict=True):
        assert (mine.current_update and mine.current_update.pk) == (
            theirs.current_update and theirs.current_update.pk
        )
        if mine.current_update:
            found += 1
            assert theirs.current_update is not None
            assert list(mine.current_update.acting_bodies.all()) == list(
                theirs.current_update.acting_bodies.all()
            )
    assert found == 2


def test_permalinks_fall_back_to_reverse_outside_the_simple_form(papers):
    req = request()
    links = Permalinks(req)
    assert links("proposal-detail", "118-2d") == absolute(req, "/proposals/118-2d/")
    odd = "synthetic ref"  # not a reference: reverse() quotes it
    assert links("proposal-detail", odd) == absolute(
        req, reverse("proposal-detail", kwargs={"reference": odd})
    )
    with pytest.raises(NoReverseMatch):
        links("api:proposal-detail", "not-a-reference")
    assert Permalinks(None)("api:statusupdate-detail", 7) == reverse(
        "api:statusupdate-detail", args=[7]
    )
