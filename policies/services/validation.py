"""What a value must be to be stored, read from the model field that stores it.

One function for every write: the services call it (so the forms and the API,
which write through them, meet it), and the CSV import calls the services'
checks built on it for each row before anything is written.  The limits are the
model's own (``max_length``), so no caller keeps a copy that could drift; what
the databases refuse (NUL in PostgreSQL's text, strings longer than the column
there while SQLite stores them) is refused here first, with the same words on
both backends.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

# Evidence is cited by address: a browser must be able to open it.
URL_SCHEMES = ["http", "https"]
_url_validator = URLValidator(schemes=URL_SCHEMES)


def max_length(model: type[models.Model], name: str) -> int:
    """The stored length limit of ``model.name``, for forms and serializers to declare."""
    field = model._meta.get_field(name)
    limit = getattr(field, "max_length", None)
    if limit is None:
        raise ValueError(f"{model.__name__}.{name} has no max_length")
    return int(limit)


def text_problems(field: models.Field[Any, Any], value: str) -> list[str]:
    """Why ``value`` cannot be stored in ``field``, in words; empty if it can."""
    problems = []
    if "\x00" in value:
        problems.append("Null characters are not allowed.")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        problems.append("Surrogate characters are not allowed.")
    limit = getattr(field, "max_length", None)
    if limit is not None and len(value) > limit:
        problems.append(f"Ensure this value has at most {limit} characters (it has {len(value)}).")
    if isinstance(field, models.URLField) and value and not problems:
        try:
            _url_validator(value)
        except ValidationError:
            problems.append("Give a full http:// or https:// address.")
    return problems


def field_problems(model: type[models.Model], values: dict[str, Any]) -> dict[str, list[str]]:
    """``text_problems`` of each text value, keyed by field name (only those with any)."""
    found: dict[str, list[str]] = {}
    for name, value in values.items():
        if isinstance(value, str):
            problems = text_problems(model._meta.get_field(name), value)  # type: ignore[arg-type]
            if problems:
                found[name] = problems
    return found
