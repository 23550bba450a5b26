"""Editors edit themes and links: a proposal's themes (guarded by its version),
themes and 118→138 links (guarded by their latest history record).  Stale saves
are refused naming what changed, history records who and before/after, link
rules give clear form errors, theme names are escaped on public pages, and the
editors' lists have pinned query counts."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies import services
from policies.models import Proposal, ProposalLink, Theme
from tests.services import require_postgres


def _theme(slug: str, name: str) -> Theme:
    return Theme.objects.create(slug=slug, name=name)


def _themes_form(themes, version):
    return {"themes": [t.pk for t in themes], "version": version}


@pytest.mark.django_db
def test_proposal_themes_two_saves_from_same_version_conflict_names_change(users, papers, client):
    proposal = Proposal.objects.get(reference="118-2d")
    kept = list(proposal.themes.all())
    editors = _theme("synthetic-editors", "Synthetic Editors' Theme")
    other = _theme("synthetic-other", "Synthetic Other Theme")
    base = proposal.version
    url = "/editorial/proposals/118-2d/themes/"

    client.force_login(users["editor"])
    assert client.post(url, _themes_form([*kept, editors], base)).status_code == 302
    client.force_login(users["editor2"])
    response = client.post(url, _themes_form([other], base))

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this" in page and "they changed themes" in page
    assert "Synthetic Editors&#x27; Theme" in page  # the change, by name
    proposal.refresh_from_db()
    assert set(proposal.themes.all()) == {*kept, editors}  # the first save is intact
    assert proposal.version == base + 1
    # What the second editor chose is still selected, on the current version.
    assert f'value="{other.pk}" id="id_themes_' in page
    assert f'name="version" value="{proposal.version}"' in page
    checked = [line for line in page.splitlines() if "checked" in line and "themes" in line]
    assert any(f'value="{other.pk}"' in line for line in checked)
    # Saving again from the current version is deliberate and goes through.
    assert client.post(url, _themes_form([other], proposal.version)).status_code == 302
    assert list(Proposal.objects.get(pk=proposal.pk).themes.all()) == [other]


@pytest.mark.django_db
def test_themes_change_is_one_history_record_with_who_and_before_after(users, papers, client):
    proposal = Proposal.objects.get(reference="118-2d")
    before_names = sorted(t.name for t in proposal.themes.all())
    added = _theme("synthetic-added", "Synthetic Added Theme")
    records_before = proposal.history.count()
    services.set_proposal_themes(
        users["editor"],
        proposal=proposal,
        expected_version=proposal.version,
        themes=[*proposal.themes.all(), added],
    )
    assert proposal.history.count() == records_before + 1
    record = proposal.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == users["editor"]
    assert record.version == proposal.version
    assert set(record.themes.values_list("theme_id", flat=True)) >= {added.pk}
    previous = record.prev_record
    assert added.pk not in set(previous.themes.values_list("theme_id", flat=True))
    assert proposal.text == previous.text  # the text is not touched

    client.force_login(users["editor2"])
    page = client.get(f"/editorial/history/proposal/{proposal.pk}/").content.decode()
    assert "by edit" in page
    row = next(r for r in page.split("<tr>") if r.startswith("<td>themes</td>"))
    before_cell, after_cell = row.split("</td><td>")[1:3]
    assert "Synthetic Added Theme" not in before_cell and "Synthetic Added Theme" in after_cell
    for name in before_names:
        assert name.replace("'", "&#x27;") in before_cell


@pytest.mark.django_db
def test_saving_the_same_themes_writes_nothing(users, papers):
    proposal = Proposal.objects.get(reference="118-2d")
    version, records = proposal.version, proposal.history.count()
    services.set_proposal_themes(
        users["editor"], proposal=proposal, expected_version=version, themes=proposal.themes.all()
    )
    proposal.refresh_from_db()
    assert proposal.version == version and proposal.history.count() == records


@pytest.mark.django_db
def test_campaigner_cannot_change_themes_through_the_service(users, papers):
    proposal = Proposal.objects.get(reference="118-2d")
    with pytest.raises(services.NotPermitted):
        services.set_proposal_themes(
            users["campaigner"], proposal=proposal, expected_version=proposal.version, themes=[]
        )
    assert proposal.themes.exists()


@pytest.mark.django_db
def test_theme_edit_two_saves_from_same_revision_conflict(users, papers, client):
    theme = services.create_theme(
        users["editor"], data=services.ThemeInput("synthetic-t", "Synthetic Original")
    )
    url = f"/editorial/themes/{theme.pk}/edit/"
    revision = services.revision_of(theme)
    client.force_login(users["editor"])
    first = {"slug": "synthetic-t", "name": "Synthetic First", "version": revision}
    assert client.post(url, first).status_code == 302
    client.force_login(users["editor2"])
    second = {"slug": "synthetic-t", "name": "Synthetic Second", "version": revision}
    response = client.post(url, second)
    assert response.status_code == 409
    page = response.content.decode()
    assert "they changed name" in page
    assert "Synthetic Original" in page and "Synthetic First" in page
    assert 'value="Synthetic Second"' in page  # what they typed is kept
    theme.refresh_from_db()
    assert theme.name == "Synthetic First"
    assert f'name="version" value="{services.revision_of(theme)}"' in page


@pytest.mark.django_db
def test_theme_and_link_history_record_who_and_before_after(users, papers, client):
    theme = services.create_theme(
        users["editor"], data=services.ThemeInput("synthetic-h", "Synthetic Before")
    )
    services.update_theme(
        users["editor2"],
        theme=theme,
        expected_revision=services.revision_of(theme),
        data=services.ThemeInput("synthetic-h", "Synthetic After"),
    )
    created, changed = theme.history.order_by("history_date", "history_id")
    assert (created.history_user, created.name) == (users["editor"], "Synthetic Before")
    assert (changed.history_user, changed.name) == (users["editor2"], "Synthetic After")

    link = ProposalLink.objects.first()
    assert link is not None
    services.delete_link(users["editor"], link=link, expected_revision=services.revision_of(link))
    deleted = ProposalLink.history.filter(id=link.pk).order_by("-history_id").first()
    assert deleted.history_type == "-" and deleted.history_user == users["editor"]
    assert not ProposalLink.objects.filter(pk=link.pk).exists()

    client.force_login(users["admin"])
    page = client.get(f"/editorial/history/theme/{theme.pk}/").content.decode()
    assert "by edit2" in page and "Synthetic Before" in page and "Synthetic After" in page
    index = client.get("/editorial/history/").content.decode()
    assert f"theme {theme.pk}" in index and f"link {link.pk}" in index


@pytest.mark.django_db
def test_deleting_a_theme_takes_it_off_proposals_with_history(users, papers, client):
    proposal = Proposal.objects.get(reference="118-2d")
    theme = proposal.themes.first()
    assert theme is not None
    version = proposal.version
    client.force_login(users["editor"])
    response = client.post(
        f"/editorial/themes/{theme.pk}/delete/", {"version": services.revision_of(theme)}
    )
    assert response.status_code == 302
    assert not Theme.objects.filter(pk=theme.pk).exists()
    proposal.refresh_from_db()
    assert proposal.version == version + 1
    record = proposal.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == users["editor"]
    assert theme.pk in set(record.prev_record.themes.values_list("theme_id", flat=True))
    assert theme.pk not in set(record.themes.values_list("theme_id", flat=True))


def _link_form(**overrides):
    return {
        "from_proposal": "118-1a",
        "to_proposal": "138-1a",
        "link_type": "related",
        "note": "Synthetic note.",
    } | overrides


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"from_proposal": "138-2a"}, "from_proposal", "Choose a proposal of paper 118"),
        ({"to_proposal": "118-2d"}, "to_proposal", "Choose a proposal of paper 138"),
        ({"from_proposal": "nonsense"}, "from_proposal", "Choose a proposal of paper 118"),
        ({"note": "Synthetic line one\nline two"}, "note", "The note is one line."),
        ({"note": ""}, "note", "This field is required."),
        ({"link_type": "invented"}, "link_type", "Select a valid choice"),
    ],
)
def test_link_form_errors_are_clear_and_change_nothing(
    users, papers, client, overrides, field, message
):
    before = list(ProposalLink.objects.values_list("pk", "from_proposal", "to_proposal", "note"))
    client.force_login(users["editor"])
    response = client.post("/editorial/links/new/", _link_form(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    after = list(ProposalLink.objects.values_list("pk", "from_proposal", "to_proposal", "note"))
    assert after == before


@pytest.mark.django_db
def test_link_pair_is_unique_with_a_clear_error(users, papers, client):
    existing = ProposalLink.objects.select_related("from_proposal", "to_proposal").first()
    assert existing is not None
    count = ProposalLink.objects.count()
    client.force_login(users["editor"])
    response = client.post(
        "/editorial/links/new/",
        _link_form(
            from_proposal=existing.from_proposal.reference,
            to_proposal=existing.to_proposal.reference,
        ),
    )
    assert response.status_code == 400
    assert "is already linked to" in " ".join(response.context["form"].errors["to_proposal"])
    assert ProposalLink.objects.count() == count


@pytest.mark.django_db
def test_link_service_enforces_papers_whatever_the_caller(users, papers):
    wrong = services.LinkInput(
        Proposal.objects.get(reference="138-1a"),
        Proposal.objects.get(reference="118-1a"),
        "related",
        "Synthetic.",
    )
    with pytest.raises(services.RuleViolation) as refused:
        services.create_link(users["editor"], data=wrong)
    assert set(refused.value.fields) == {"from_proposal", "to_proposal"}


@pytest.mark.django_db
def test_user_entered_theme_name_and_link_note_are_escaped_on_public_pages(users, papers, client):
    hostile = '<script>alert("synthetic")</script>'
    client.force_login(users["editor"])
    assert (
        client.post("/editorial/themes/new/", {"slug": "synthetic-x", "name": hostile}).status_code
        == 302
    )
    theme = Theme.objects.get(slug="synthetic-x")
    proposal = Proposal.objects.get(reference="118-1a")
    form = _themes_form([*proposal.themes.all(), theme], proposal.version)
    assert client.post("/editorial/proposals/118-1a/themes/", form).status_code == 302
    link = ProposalLink.objects.filter(from_proposal__reference="118-1a").first() or (
        ProposalLink.objects.first()
    )
    assert link is not None
    services.update_link(
        users["editor"],
        link=link,
        expected_revision=services.revision_of(link),
        data=services.LinkInput(link.from_proposal, link.to_proposal, link.link_type, hostile),
    )
    client.logout()
    escaped = "&lt;script&gt;alert(&quot;synthetic&quot;)&lt;/script&gt;"
    for url in ("/proposals/118-1a/", "/proposals/", link.from_proposal.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page, url
    assert escaped in client.get("/proposals/118-1a/").content.decode()
    assert escaped in client.get(link.from_proposal.get_absolute_url()).content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/editorial/themes/", "/editorial/links/"])
def test_editor_list_query_counts_do_not_grow_with_rows(users, papers, client, url):
    client.force_login(users["editor"])
    few = _queries(client, url)
    targets = list(Proposal.objects.filter(paper__number=138))
    for i in range(5):
        _theme(f"synthetic-q{i}", f"Synthetic Q{i}")
        services.create_link(
            users["editor"],
            data=services.LinkInput(
                Proposal.objects.get(reference="118-7e"),
                targets[-(i + 1)],
                "related",
                "Synthetic.",
            ),
        )
    assert _queries(client, url) == few


@pytest.mark.django_db
def test_editor_sees_theme_and_link_actions_and_campaigner_does_not(users, papers, client):
    client.force_login(users["editor"])
    page = client.get("/proposals/118-1a/").content.decode()
    assert (
        "/editorial/proposals/118-1a/themes/" in page
        and "/editorial/links/new/?from=118-1a" in page
    )
    assert 'href="/editorial/themes/"' in page and 'href="/editorial/links/"' in page
    client.force_login(users["campaigner"])
    page = client.get("/proposals/118-1a/").content.decode()
    assert "/editorial/proposals/118-1a/themes/" not in page
    assert 'href="/editorial/themes/"' not in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_theme_edits_in_threads_on_postgres(users, papers):
    require_postgres()
    theme = services.create_theme(
        users["editor"], data=services.ThemeInput("synthetic-race", "Synthetic Race")
    )
    revision = services.revision_of(theme)
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, name):
        try:
            barrier.wait()
            services.update_theme(
                user,
                theme=Theme.objects.get(pk=theme.pk),
                expected_revision=revision,
                data=services.ThemeInput("synthetic-race", name),
            )
            outcomes.append("saved")
        except services.StaleRevision:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(users["editor"], "Synthetic A")),
        threading.Thread(target=save, args=(users["editor2"], "Synthetic B")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "stale"]
    theme.refresh_from_db()
    assert theme.name in {"Synthetic A", "Synthetic B"}
    assert theme.history.count() == 2
