"""Writing the file: one snapshot, streamed table by table."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import IO, Any

from django.core.serializers import json as json_serializer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .tables import (
    BATCH,
    EXCLUDED,
    EXPORTED,
    FORMAT,
    NOT_EXPORTED,
    SCHEMA_VERSION,
    Progress,
    check_classified,
    migration_state,
    queryset,
    row_fields,
)


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds (ECMA-262's format); a backup
    keeps every microsecond, or a restored row would not be the row exported."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class _RowSerializer(json_serializer.Serializer):
    """Django's JSON serializer with one row per line: the file stays readable
    and diffable without indenting every field."""

    def end_object(self, obj: models.Model) -> None:
        if not self.first:
            self.stream.write(",")
        self.stream.write("\n")
        json.dump(self.get_dump_object(obj), self.stream, **self.json_kwargs)
        self._current = None


def export(stream: IO[str], *, progress: Progress | None = None) -> dict[str, int]:
    """Write everything to ``stream``; return the number of rows of each table."""
    check_classified()
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            # One consistent state across every table, taking no lock.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        counts = {label: queryset(label).count() for label in EXPORTED}
        header = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "exported_at": timezone.now().isoformat(),
            "migrations": migration_state(),
            "excluded": EXCLUDED,
            "not_exported": NOT_EXPORTED,
        }
        stream.write("{\n")
        for key, value in header.items():
            stream.write(f"{json.dumps(key)}: {json.dumps(value)},\n")
        stream.write('"tables": [')
        for index, label in enumerate(EXPORTED):
            stream.write(",\n" if index else "\n")
            stream.write(f'{{"model": {json.dumps(label)}, "count": {counts[label]}, "rows": ')
            rows: Iterable[Any] = queryset(label).iterator(chunk_size=BATCH)
            if progress is not None:
                rows = progress(label, rows, counts[label])
            _RowSerializer().serialize(
                rows,
                stream=stream,
                fields=row_fields(label),
                use_natural_foreign_keys=label in ("auth.user", "auth.group"),
                use_natural_primary_keys=label == "auth.group",
                cls=_ExactEncoder,
            )
            stream.write("}")
        stream.write("\n]}\n")
    return counts
