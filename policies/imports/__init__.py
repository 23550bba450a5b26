"""CSV import of status updates: ``parse`` reads and checks a whole file,
``apply`` writes it, ``jobs`` runs long files in the background.  Pages, the API
and the management command use this module's names (``imports.start_or_run``).
"""

from .apply import ImportResult, apply, import_file, submit_all
from .claims import ImportInProgress, claimed
from .jobs import ImportBusy, Queued, job_state, start_import_job, start_or_run
from .parse import (
    BODY_SEPARATOR,
    DATE_FORMATS,
    EXAMPLE_ROW,
    MODES,
    SOURCE_COLUMNS,
    TEMPLATE_HEADER,
    UPDATE_COLUMNS,
    ImportRejected,
    ImportTooLarge,
    ParsedUpdate,
    count_rows,
    decode,
    parse,
    read_upload,
    template_csv,
)
from .values import AllowedValues, allowed_values, allowed_values_csv

__all__ = [
    "AllowedValues",
    "BODY_SEPARATOR",
    "DATE_FORMATS",
    "EXAMPLE_ROW",
    "MODES",
    "SOURCE_COLUMNS",
    "TEMPLATE_HEADER",
    "UPDATE_COLUMNS",
    "ImportBusy",
    "ImportInProgress",
    "ImportRejected",
    "ImportResult",
    "ImportTooLarge",
    "ParsedUpdate",
    "Queued",
    "allowed_values",
    "allowed_values_csv",
    "apply",
    "claimed",
    "count_rows",
    "decode",
    "import_file",
    "job_state",
    "parse",
    "read_upload",
    "start_import_job",
    "start_or_run",
    "submit_all",
    "template_csv",
]
