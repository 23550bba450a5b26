"""Everything the tracker holds, to one versioned JSON file and back
(``manage.py export_tracker`` / ``manage.py import_tracker``).

The file is one JSON object::

    {"format": "crime-policy-tracker-export", "schema_version": 1,
     "exported_at": "...", "migrations": {"policies": [...], ...},
     "excluded": {"policies.apitoken": "why", ...}, "not_exported": "...",
     "tables": [{"model": "policies.proposal", "count": 130, "rows": [
         {"model": "policies.proposal", "pk": 1, "fields": {...}}, ...]}, ...]}

Rows are Django's own serialization (what ``dumpdata`` writes, one row per line),
so the same field codecs read them back.  Every model of the project's apps is
either in ``EXPORTED`` or in ``EXCLUDED`` with its reason; ``check_classified``
refuses an export otherwise, so a model added later cannot be left out silently.
Many-to-many tables and simple-history's tables are exported as tables, with
their primary keys: links, history and permalinks (``/updates/<id>/``) stay the
same after a restore.

Users are exported without any secret: no password hash, API token, session or
second-factor device.  A restored user has an unusable password until an admin
gives them one.

The export reads one snapshot (on PostgreSQL a repeatable-read, read-only
transaction) and streams rows with ``.iterator()``.  The import reads the whole
file, checks it, refuses a database that already holds data, then writes every
row with its primary key in one transaction (``bulk_create``, so no signal and
no history row is added), checks foreign keys, resets PostgreSQL's sequences,
and rebuilds what is derived: stored current status, search data, the data
revision.

- ``tables``: what is exported or excluded (and why), the fields of each row,
  the migration state;
- ``exporting``: ``export(stream)``;
- ``restoring``: ``read(path)``, ``restore(document)``.
"""

from . import tables
from .exporting import export
from .restoring import read, restore
from .tables import (
    EXCLUDED,
    EXPORTED,
    FORMAT,
    SCHEMA_VERSION,
    SEEDED,
    USER_FIELDS,
    BackupError,
    Progress,
    check_classified,
    project_models,
    unclassified,
)

__all__ = [
    "EXCLUDED",
    "EXPORTED",
    "FORMAT",
    "SCHEMA_VERSION",
    "SEEDED",
    "USER_FIELDS",
    "BackupError",
    "Progress",
    "check_classified",
    "export",
    "project_models",
    "read",
    "restore",
    "tables",
    "unclassified",
]
