"""Write everything the tracker holds to one versioned JSON file.

    python manage.py export_tracker --output tracker-export.json

Without ``--output`` the JSON goes to standard output.  What is in the file and
what is not (no secret): ``policies/backup/`` and the README's "Operations:
backups".  ``import_tracker`` reads it back into an empty database.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from policies import backup


class _Out:
    """Standard output without the newline Django's ``OutputWrapper`` adds to each write."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command

    def write(self, text: str) -> int:
        self.command.stdout.write(text, ending="")
        return len(text)


class Command(BaseCommand):
    help = (
        "Write everything the tracker holds (papers, proposals, status updates with drafts "
        "and history, evidence, indicators, observations, users without secrets) to one "
        "versioned JSON file, for import_tracker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", type=Path, help="File to write (default: stdout).")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path | None = options["output"]
        hide = True if options["no_progress"] else None  # None: shown on a terminal only

        def progress(label: str, rows: Iterable[Any], count: int) -> Iterable[Any]:
            return tqdm(rows, total=count, desc=label, unit="row", disable=hide, file=sys.stderr)

        try:
            if output is None:
                counts = backup.export(_Out(self), progress=progress)  # type: ignore[arg-type]
                report = self.stderr
            else:
                counts = self._to_file(output, progress)
                report = self.stdout
        except backup.BackupError as exc:
            raise CommandError(f"Nothing was exported: {exc}") from exc
        where = "standard output" if output is None else str(output)
        report.write(
            self.style.SUCCESS(
                f"Exported {sum(counts.values())} rows of {len(counts)} tables to {where}."
            )
        )
        report.write(
            "No password, API token, session or second factor is in it: after a restore, "
            "users need a new password from an admin and make new API tokens."
        )

    def _to_file(self, output: Path, progress: backup.Progress) -> dict[str, int]:
        # Written beside it, then renamed: a failed export never leaves a file that
        # looks complete.
        partial = output.with_name(output.name + ".partial")
        try:
            with open(partial, "w", encoding="utf-8", newline="\n") as stream:
                counts = backup.export(stream, progress=progress)
            os.replace(partial, output)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return counts
