"""Restore a file written by ``export_tracker`` into an empty database.

    python manage.py migrate && python manage.py import_tracker tracker-export.json

The database must have been migrated to the same state as the exporting one and
hold no data yet (run it before ``load_papers``).  Everything is written in one
transaction, with the exported primary keys; any refusal changes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from policies import backup


class Command(BaseCommand):
    help = (
        "Restore a file written by export_tracker into an empty, migrated database "
        "(same migration state), keeping every primary key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The export to restore.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        hide = True if options["no_progress"] else None  # None: shown on a terminal only

        def progress(label: str, rows: Iterable[Any], count: int) -> Iterable[Any]:
            return tqdm(rows, total=count, desc=label, unit="row", disable=hide, file=sys.stderr)

        try:
            counts = backup.restore(backup.read(str(path)), progress=progress)
        except backup.BackupError as exc:
            raise CommandError(f"{path} was not imported, nothing was changed: {exc}") from exc
        users = counts.get("auth.user", 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {sum(counts.values())} rows of {len(counts)} tables from {path}."
            )
        )
        self.stdout.write(
            f"No password was exported: {users} {'user' if users == 1 else 'users'} cannot "
            "sign in until an admin gives each a new password (manage.py changepassword NAME); "
            "API tokens must be made again at /accounts/tokens/."
        )
