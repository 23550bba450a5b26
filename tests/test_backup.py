"""Backups that restore: ``export_tracker`` → ``import_tracker`` (policies/backup/),
and ``make backup`` / ``make restore`` (PostgreSQL's own dump).

The round trip runs on whichever database the suite runs on (SQLite by default,
PostgreSQL in CI's second run); the pg_dump test needs PostgreSQL.  The tracker
is emptied with ``flush`` (what a new, migrated database holds: no rows but the
content types and permissions) inside the test's transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from evidence.models import Area, Indicator, PeriodCoverage, RefreshRun
from policies import backup, notifications, search, services
from policies.models import ActingBody, ApiToken, Proposal, ProposalLink, Status, StatusUpdate
from tests import support
from tests.factories import UserFactory, monthly_series
from tests.services import require_postgres
from tracker.models import DataRevision

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
# A word found nowhere in the papers: the title of the scene's cited source.
SEARCH_WORD = "zanzibarquux"
# Exported tables the scene leaves empty (their round trip is not compared row by
# row): the revision (it moves on import, checked apart) and the watch tables,
# still being built.
SCENE_LEAVES_EMPTY = {
    "tracker.datarevision",
    "evidence.statussuggestion",
    "evidence.linkhealth",
    "evidence.linkcheck",
}


# --- The scene: a tracker holding a row in every exported table ---------------------


@pytest.fixture
def tracker(papers, users, indicators):
    """Both papers, users with roles (and one with a permission of its own) and API
    tokens, themes and links edited, drafts, submitted, returned, published and
    corrected updates with acting bodies and evidence, indicators with synthetic
    figures, a refresh run and a coverage statement: every change through the
    services where there is one, so the history rows are the application's."""
    camp, edit, edit2 = users["campaigner"], users["editor"], users["editor2"]
    edit.user_permissions.add(Permission.objects.get(codename="view_proposal"))
    for user in (camp, edit):
        ApiToken.objects.issue(user, "Synthetic script")
    body = ActingBody.objects.create(
        kind=ActingBody.Kind.OTHER, name="Synthetic acting body", slug="synthetic-acting-body"
    )

    theme = services.create_theme(
        edit, data=services.ThemeInput(slug="synthetic-theme", name="Synthetic theme")
    )
    proposal = Proposal.objects.get(reference="118-2d")
    services.set_proposal_themes(
        edit, proposal=proposal, expected_version=proposal.version, themes=[theme]
    )
    services.create_link(
        edit,
        data=services.LinkInput(
            from_proposal=Proposal.objects.get(reference="118-1a"),
            to_proposal=Proposal.objects.get(reference="138-1a"),
            link_type=ProposalLink.LinkType.RELATED,
            note="Synthetic link for the backup test",
        ),
    )
    services.set_delivery_criteria(
        edit,
        proposal=proposal,
        expected_version=0,
        data=services.CriteriaInput(delivered="Synthetic criterion for the backup test"),
    )
    notifications.set_wants_email(camp, False)

    cited = services.get_or_create_evidence(
        camp, data=support.source_input(1, title=f"Synthetic backup source {SEARCH_WORD}")
    )[0]
    data = services.UpdateInput(
        status=Status.IN_PROGRESS,
        effective_date=dt.date(2021, 5, 1),
        rationale="Synthetic rationale: published, then corrected.",
        acting_bodies=[body],
        evidence=[cited],
    )
    published = services.create_draft(camp, proposal=proposal, data=data)
    services.submit(camp, update=published, expected_version=published.version)
    services.publish(edit, update=published, expected_version=published.version)
    published.refresh_from_db()
    correction = services.start_correction(
        edit2,
        original=published,
        data=services.UpdateInput(
            status=Status.PARTLY_DELIVERED,
            effective_date=dt.date(2022, 3, 1),
            rationale="Synthetic rationale: the correction, long enough.",
            evidence=[cited],
        ),
    )
    services.publish(edit, update=correction, expected_version=correction.version)

    support.make_draft(camp, reference="138-1a", n=2)
    submitted = support.make_draft(camp, reference="138-1b", n=3)
    services.submit(camp, update=submitted, expected_version=submitted.version)
    returned = support.make_draft(camp, reference="138-1c", n=4)
    services.submit(camp, update=returned, expected_version=returned.version)
    services.return_to_author(
        edit, update=returned, expected_version=returned.version, comment="Synthetic comment"
    )

    indicator = Indicator.objects.order_by("pk").first()
    assert indicator is not None
    figures = monthly_series(indicator, 3)
    started = timezone.now()
    RefreshRun.objects.create(
        indicator=indicator,
        started_at=started,
        finished_at=started,
        outcome=RefreshRun.Outcome.SUCCESS,
        rows_read=3,
        rows_added=3,
    )
    PeriodCoverage.objects.create(
        indicator=indicator,
        period_start=figures[0].period_start,
        period_end=figures[0].period_end,
        period_label=figures[0].period_label,
        forces_expected=43,
        forces_reporting=42,
        missing=[Area.objects.filter(kind=Area.Kind.FORCE).order_by("code")[0].code],
        release=figures[0].release,
        recorded_at=started,
    )
    return {"published": published, "correction": correction}


def snapshot() -> dict[str, Any]:
    """Every exported table, read with the ORM (not with the backup's own codec):
    each row's primary key and every column but the derived search data; users by
    what is exported of them, with their groups and permissions by name."""
    rows: dict[str, Any] = {}
    for label in backup.EXPORTED:
        model = apps.get_model(label)
        if label == "auth.user":
            users = User.objects.order_by("pk").prefetch_related("groups", "user_permissions")
            rows[label] = [
                (
                    *(getattr(u, name) for name in ("pk", *backup.USER_FIELDS[:-2])),
                    sorted(g.name for g in u.groups.all()),
                    sorted(p.codename for p in u.user_permissions.all()),
                )
                for u in users
            ]
        elif label == "auth.group":
            rows[label] = sorted(
                (g.name, sorted(p.codename for p in g.permissions.all()))
                for g in Group.objects.all()
            )
        elif label != "tracker.datarevision":
            names = [f.attname for f in model._meta.concrete_fields if f.name != "search_vector"]
            rows[label] = list(model._default_manager.order_by("pk").values_list(*names))
    return rows


def held() -> dict[str, int]:
    """Rows of every table the import writes or refuses to write over."""
    return {
        label: apps.get_model(label)._default_manager.count()
        for label in [*backup.EXPORTED, *backup.EXCLUDED]
        if label not in backup.SEEDED
    }


def empty_database() -> None:
    """What an operator restores into: a migrated database without data."""
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with foreign-key checks still pending in this
        # transaction: run them now.
        connection.check_constraints()
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        # SQLite's search table is no model: flush leaves it.
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {search.FTS_TABLE}")
    assert not any(held().values())


def export(path: Path) -> dict[str, Any]:
    call_command("export_tracker", output=path, no_progress=True, stdout=io.StringIO())
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def restore(path: Path) -> str:
    out = io.StringIO()
    call_command("import_tracker", path, no_progress=True, stdout=out)
    return out.getvalue()


def found(word: str) -> list[str]:
    return [p.reference for p in search.ranked(Proposal.objects.all(), word)]


# --- What the export covers ---------------------------------------------------------


def test_every_model_of_the_project_is_exported_or_excluded_with_a_reason():
    """A model added later fails here until it is exported or excluded with a reason."""
    assert backup.unclassified() == []
    assert not set(backup.EXPORTED) & set(backup.EXCLUDED)
    assert all(len(reason) > 30 for reason in backup.EXCLUDED.values())
    project = {model._meta.label_lower for model in backup.project_models()}
    assert project <= {*backup.EXPORTED, *backup.EXCLUDED}
    # Many-to-many and history tables are among them.
    assert {"policies.proposal_themes", "policies.historicalstatusupdate_evidence"} <= project


def test_an_unclassified_model_stops_the_export(monkeypatch, tmp_path):
    monkeypatch.setattr(backup.tables, "EXCLUDED", {})
    path = tmp_path / "export.json"
    with pytest.raises(CommandError, match="policies.apitoken"):
        call_command("export_tracker", output=path, no_progress=True, stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []  # no file, no partial one


def test_the_export_is_one_versioned_file_with_every_table(tracker, tmp_path):
    document = export(tmp_path / "export.json")
    assert document["format"] == backup.FORMAT
    assert document["schema_version"] == backup.SCHEMA_VERSION
    assert dt.datetime.fromisoformat(document["exported_at"]) <= timezone.now()
    assert "0001_initial" in document["migrations"]["policies"]
    tables = {table["model"]: table for table in document["tables"]}
    assert list(tables) == list(backup.EXPORTED)
    for label, table in tables.items():
        assert table["count"] == len(table["rows"])
        if label not in SCENE_LEAVES_EMPTY:
            # The scene holds a row of every exported table, so every one is compared.
            assert table["rows"], f"the scene has no row of {label}"
    drafts = [r for r in tables["policies.statusupdate"]["rows"] if r["fields"]["state"] == "draft"]
    assert drafts and tables["policies.historicalstatusupdate"]["rows"]


def test_the_export_holds_no_secret(tracker, users, client, tmp_path):
    token, secret = ApiToken.objects.issue(users["editor"], "Synthetic script 2")
    client.force_login(users["editor"])
    path = tmp_path / "export.json"
    export(path)
    text = path.read_text()
    for user in User.objects.all():
        assert user.password and user.password not in text
    assert secret not in text and token.key_hash not in text
    assert client.session.session_key not in text
    rows = next(t["rows"] for t in json.loads(text)["tables"] if t["model"] == "auth.user")
    assert rows and all(set(r["fields"]) == set(backup.USER_FIELDS) for r in rows)


def test_export_streams_to_standard_output(tracker):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_tracker", no_progress=True, stdout=out, stderr=err)
    document = json.loads(out.getvalue())
    assert document["format"] == backup.FORMAT
    assert "Exported" in err.getvalue()


# --- The round trip -----------------------------------------------------------------


def test_round_trip_restores_every_row_and_history_entry(tracker, client, tmp_path):
    before = snapshot()
    revision_before = DataRevision.objects.get(pk=1).number
    history = StatusUpdate.history.model
    last_history_id = history.objects.order_by("-history_id")[0].history_id
    assert found(SEARCH_WORD) == ["118-2d"]
    first = export(tmp_path / "export.json")

    empty_database()
    assert found(SEARCH_WORD) == []
    report = restore(tmp_path / "export.json")

    after = snapshot()
    assert list(after) == list(before)
    for label in before:
        assert after[label] == before[label], f"{label} differs after the round trip"
    # ... and the same again through the file: a second export is the first one.
    second = export(tmp_path / "again.json")
    for table, again in zip(first["tables"], second["tables"], strict=True):
        if table["model"] != "tracker.datarevision":
            assert again == table, f"{table['model']} differs in the second export"

    # No secret came back: nobody can sign in until an admin sets a password.
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert ApiToken.objects.count() == 0
    assert "changepassword" in report

    # Derived data is right: stored status, search, and a revision that moved on.
    proposal = Proposal.objects.get(reference="118-2d")
    assert proposal.status == Status.PARTLY_DELIVERED
    assert proposal.current_update_id == tracker["correction"].pk
    assert found(SEARCH_WORD) == ["118-2d"]
    assert DataRevision.objects.get(pk=1).number > revision_before

    # Permalinks still point at the same updates.
    for update in (tracker["published"], tracker["correction"]):
        response = client.get(f"/updates/{update.pk}/")
        assert response.status_code == 200
        assert update.rationale in response.content.decode()

    # New rows get new keys (PostgreSQL's sequences were reset; flush restarted them).
    newest = StatusUpdate.objects.order_by("-pk")[0].pk
    user = UserFactory.create(username="synthetic-after-restore", role="campaigner")
    assert user.pk > max(row[0] for row in before["auth.user"])
    draft = support.make_draft(user, reference="118-3a", n=9)
    assert draft.pk > newest
    assert (
        history.objects.filter(id=draft.pk).order_by("history_id")[0].history_id > last_history_id
    )


def test_users_keep_their_roles_and_flags(tracker, users, tmp_path):
    export(tmp_path / "export.json")
    empty_database()
    restore(tmp_path / "export.json")
    editor = User.objects.get(username="edit")
    assert editor.pk == users["editor"].pk
    assert editor.email == users["editor"].email
    assert list(editor.groups.values_list("name", flat=True)) == ["editor"]
    assert editor.has_perm("policies.view_proposal")
    assert editor.last_login is None
    admin = User.objects.get(username="adm")
    assert list(admin.groups.values_list("name", flat=True)) == ["admin"]


# --- Refusals -----------------------------------------------------------------------


def test_import_refuses_a_database_that_holds_data(tracker, tmp_path):
    export(tmp_path / "export.json")
    before, counts = snapshot(), held()
    with pytest.raises(CommandError, match="already holds data"):
        restore(tmp_path / "export.json")
    assert held() == counts
    assert snapshot() == before


def _table(document: dict[str, Any], label: str) -> dict[str, Any]:
    return next(t for t in document["tables"] if t["model"] == label)


def _set_field(label: str, field: str, value: Any):
    def damage(document: dict[str, Any]) -> None:
        _table(document, label)["rows"][-1]["fields"][field] = value

    return damage


def _drop_row(document: dict[str, Any]) -> None:
    _table(document, "evidence.observation")["rows"].pop()


def _duplicate_row(document: dict[str, Any]) -> None:
    table = _table(document, "policies.theme")
    table["rows"].append(dict(table["rows"][0]))
    table["count"] += 1


def _huge_key(document: dict[str, Any]) -> None:
    _table(document, "policies.theme")["rows"][-1]["pk"] = 2**70


def _future_migration(document: dict[str, Any]) -> None:
    document["migrations"]["policies"].append("9999_synthetic_future")


def _unknown_field(document: dict[str, Any]) -> None:
    _table(document, "policies.proposal")["rows"][0]["fields"]["synthetic_unknown"] = 1


def _missing_table(document: dict[str, Any]) -> None:
    document["tables"] = [t for t in document["tables"] if t["model"] != "policies.paper"]


# Each damage, and what the refusal says.  Those after the first few reach the
# rows: they prove that a refusal half-way through the writes leaves nothing.
DAMAGES: list[tuple[str, Any, str]] = [
    ("not JSON (truncated)", lambda text: text[: len(text) // 2], "is not a JSON export"),
    ("not an object", lambda text: "[]", "not a tracker export"),
    ("another format", lambda d: d.update(format="synthetic-other"), "not a tracker export"),
    ("a later version", lambda d: d.update(schema_version=2), "format version 2"),
    ("a version as text", lambda d: d.update(schema_version="1"), "format version '1'"),
    ("another migration state", _future_migration, "9999_synthetic_future"),
    ("a table missing", _missing_table, "lacks the tables policies.paper"),
    ("a row missing", _drop_row, "evidence.observation is damaged"),
    ("an unknown field", _unknown_field, "synthetic_unknown"),
    (
        "an impossible date",
        _set_field("policies.statusupdate", "effective_date", "2021-13-45"),
        "rows were refused",
    ),
    (
        "a key to nothing",
        _set_field("policies.statusupdate", "proposal", 99_999_999),
        "rows were refused",
    ),
    ("a primary key twice", _duplicate_row, "rows were refused"),
    ("a primary key past 64 bits", _huge_key, "rows were refused"),
]


def test_import_refuses_a_damaged_file_and_changes_nothing(tracker, tmp_path):
    path = tmp_path / "export.json"
    text = json.dumps(export(path))
    empty_database()
    revision_before = DataRevision.objects.filter(pk=1).first()
    for name, damage, message in DAMAGES:
        damaged = tmp_path / "damaged.json"
        if name.startswith("not "):
            damaged.write_text(damage(text))
        else:
            document = json.loads(text)
            damage(document)
            damaged.write_text(json.dumps(document))
        with pytest.raises(CommandError, match="nothing was changed") as refusal:
            restore(damaged)
        assert message in str(refusal.value), f"{name}: {refusal.value}"
        assert not any(held().values()), f"{name}: rows were left behind"
        assert DataRevision.objects.filter(pk=1).first() == revision_before, name
    # The undamaged file still goes in: the refusals left the database as it was.
    restore(path)
    assert Proposal.objects.exists()


def test_a_refused_import_exits_non_zero(tmp_path):
    """The command as an operator runs it: a message and exit status 1."""
    damaged = tmp_path / "damaged.json"
    damaged.write_text('{"format": "crime-policy-tracker-export", "schema_version": 99}')
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_DEBUG="1", SQLITE_PATH=str(tmp_path / "unused.sqlite3"))
    result = subprocess.run(
        [sys.executable, "manage.py", "import_tracker", str(damaged)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "was not imported, nothing was changed" in result.stderr
    assert "format version 99" in result.stderr


# --- PostgreSQL ---------------------------------------------------------------------


def test_round_trip_on_postgresql_rebuilds_search_vectors(tracker, tmp_path):
    """On PostgreSQL the search data is a column: the import rebuilds it, the same."""
    require_postgres()
    vectors = dict(Proposal.objects.values_list("pk", "search_vector"))
    assert all(vectors.values())
    export(tmp_path / "export.json")
    empty_database()
    restore(tmp_path / "export.json")
    assert dict(Proposal.objects.values_list("pk", "search_vector")) == vectors


def _url(name: str) -> str:
    settings = connection.settings_dict
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return (
        f"postgresql://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"
    )


def _counts(url: str) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: db.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]  # type: ignore[index]
            for table in tables
        }


def _make(target: str, url: str, file: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        ["make", "-s", target, f"FILE={file}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # pg_dump, another session, reads what is committed
def test_make_backup_and_restore_on_postgresql(papers, tmp_path):
    """``make backup`` dumps the test database (both papers, committed); ``make restore`` puts it into a throwaway database, and again over
    that database once changed: every table's rows, and the rows themselves, as
    dumped."""
    require_postgres()
    import psycopg
    from psycopg import sql

    name = connection.settings_dict["NAME"]
    source = _url(name)
    throwaway = f"{name}_restored"  # beside the test database: each run has its own
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(throwaway)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(throwaway)))
    target = _url(throwaway)
    dump = tmp_path / "tracker.dump"
    try:
        backed_up = _make("backup", source, dump)
        assert backed_up.returncode == 0, backed_up.stderr
        assert dump.exists() and not Path(f"{dump}.partial").exists()
        expected = _counts(source)
        assert expected["policies_proposal"] > 100

        restored = _make("restore", target, dump)
        assert restored.returncode == 0, restored.stderr
        assert _counts(target) == expected
        query = "SELECT id, reference, text FROM policies_proposal ORDER BY id"
        with psycopg.connect(source) as db:
            proposals = db.execute(query).fetchall()
        with psycopg.connect(target) as db:
            assert db.execute(query).fetchall() == proposals
            # Changed after the backup: a restore puts it back as it was.
            db.execute("DELETE FROM policies_proposallink")
            db.execute("UPDATE policies_proposal SET text = 'Synthetic damage'")

        again = _make("restore", target, dump)
        assert again.returncode == 0, again.stderr
        assert _counts(target) == expected
        with psycopg.connect(target) as db:
            assert db.execute(query).fetchall() == proposals

        not_a_dump = tmp_path / "not-a-dump.dump"
        not_a_dump.write_text("synthetic, not a dump")
        refused = _make("restore", target, not_a_dump)
        assert refused.returncode != 0 and "not a pg_dump archive" in refused.stderr
        assert _counts(target) == expected
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(throwaway))
            )


def test_make_backup_refuses_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    for target in ("backup", "restore"):
        result = subprocess.run(
            ["make", "-s", target, f"FILE={tmp_path / 'x.dump'}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert "export_tracker" in result.stderr
    assert list(tmp_path.iterdir()) == []
