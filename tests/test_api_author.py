"""The public author of a status update: ``permissions.public_author_label`` (the
role, or the name where ``TRACKER_SHOW_AUTHOR_NAMES``), at no query per row."""

import datetime as dt

import pytest

from policies import permissions
from policies.models import Status
from tests.factories import StatusUpdateFactory, UserFactory

pytestmark = pytest.mark.django_db


def authored(reference, author, day=dt.date(2021, 1, 1)):
    return StatusUpdateFactory.create(
        reference=reference, status=Status.IN_PROGRESS, effective_date=day, author=author
    )


@pytest.fixture
def team(papers):
    return {
        "campaigner": UserFactory.create(
            username="synthetic-campaigner", role=permissions.CAMPAIGNER, first_name="Cam"
        ),
        # Both groups: the highest role is the one shown.
        "editor": UserFactory.create(
            username="synthetic-editor",
            role=[permissions.CAMPAIGNER, permissions.EDITOR],
            first_name="Edi",
        ),
        "admin": UserFactory.create(username="synthetic-admin", is_superuser=True),
        "nobody": UserFactory.create(username="synthetic-no-role"),
    }


def labels(api_client):
    rows = api_client.get("/api/v1/status-updates/?page_size=100").json()["results"]
    return {row["proposal"]["reference"]: row["author"] for row in rows}


def test_public_author_is_the_role_by_default(api_client, team, settings):
    settings.TRACKER_SHOW_AUTHOR_NAMES = False
    authored("118-1a", team["campaigner"])
    authored("118-1b", team["editor"])
    authored("118-1c", team["admin"])
    authored("118-1d", team["nobody"])
    authored("118-1e", None)
    assert labels(api_client) == {
        "118-1a": "Campaigner",
        "118-1b": "Editor",
        "118-1c": "Administrator",
        "118-1d": "Team member",
        "118-1e": "Former team member",
    }
    # The same label wherever the update appears.
    update = authored("118-2a", team["editor"])
    assert api_client.get(f"/api/v1/status-updates/{update.pk}/").json()["author"] == "Editor"
    history = api_client.get("/api/v1/proposals/118-2a/").json()["status_history"]
    assert [row["author"] for row in history] == ["Editor"]
    body = api_client.get("/api/v1/status-updates/?page_size=100").content.decode()
    for user in team.values():
        assert user.username not in body


def test_public_author_is_the_name_when_the_site_shows_names(api_client, team, settings):
    settings.TRACKER_SHOW_AUTHOR_NAMES = True
    authored("118-1a", team["campaigner"])
    authored("118-1b", team["editor"])
    authored("118-1c", team["admin"])
    authored("118-1e", None)
    assert labels(api_client) == {
        "118-1a": "Cam",
        "118-1b": "Edi",
        "118-1c": "synthetic-admin",  # no full name: the username
        "118-1e": "Former team member",
    }


@pytest.mark.parametrize("show_names", [False, True])
def test_author_costs_no_query_per_row(
    api_client, team, settings, show_names, django_assert_num_queries
):
    settings.TRACKER_SHOW_AUTHOR_NAMES = show_names
    authored("118-1a", team["campaigner"])
    with django_assert_num_queries(5) as few:
        api_client.get("/api/v1/status-updates/")
    authors = [team["campaigner"], team["editor"], team["admin"], team["nobody"]]
    for i, reference in enumerate(["118-2a", "118-2b", "118-2c", "118-2d", "118-3a", "118-3b"]):
        authored(reference, authors[i % len(authors)])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(labels(api_client)) == 7
