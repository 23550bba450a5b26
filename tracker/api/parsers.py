"""Request body parsers of the API: what a body may be before any view reads it.

DRF's parsers accept any JSON value at any depth and any text in form fields.
Here, once for every write endpoint:

* a JSON body is an object (``{...}``): every endpoint takes named fields, so a
  list, string or number is a 400 instead of a ``TypeError`` deep in a view;
* nesting deeper than ``MAX_DEPTH`` is a 400 (no endpoint nests more than three
  levels; Python's parser would otherwise recurse until ``RecursionError``);
* no key or string anywhere in the body, JSON or form, holds NUL (PostgreSQL's
  text cannot) or a lone surrogate (not encodable as UTF-8).

Each refusal is a ``ParseError``: the API's error shape (``tracker.api.errors``),
code ``invalid``, with a message saying what was wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def _bad_character(text: str) -> str | None:
    """What in ``text`` no database can store, in words; None if nothing."""
    if "\x00" in text:
        return "a NUL character"
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return "a lone surrogate (not UTF-8)"
    return None


def _strings(value: Any, depth: int = 1) -> Iterator[tuple[str, int]]:
    """Every key and string in a parsed JSON value with its depth, without recursion."""
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            yield item, level
        elif isinstance(item, dict):
            for key, child in item.items():
                yield key, level
                stack.append((child, level + 1))
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
        else:
            yield "", level


def check_json(data: Any) -> Any:
    """``data`` as parsed, or ``ParseError`` saying why it is not acceptable."""
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "null"
        raise ParseError(f"The JSON body must be an object ({{...}}), not a {kind}.")
    for text, level in _strings(data):
        if level > MAX_DEPTH:
            raise ParseError(f"The JSON body is nested too deep (more than {MAX_DEPTH} levels).")
        problem = _bad_character(text)
        if problem:
            raise ParseError(f"The JSON body contains {problem}, which is not allowed.")
    return data


def check_fields(data: Mapping[str, Any]) -> None:
    """Form fields (a ``QueryDict``): names and values free of NUL and surrogates."""
    items = data.lists() if hasattr(data, "lists") else ((k, [v]) for k, v in data.items())
    for key, values in items:
        for text in [key, *(v for v in values if isinstance(v, str))]:
            problem = _bad_character(text)
            if problem:
                raise ParseError(f"The field {key!r} contains {problem}, which is not allowed.")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        # ``json`` raises it cleanly (``Py_EnterRecursiveCall``) long before the stack
        # is at risk: cheaper than scanning every body for brackets first.
        except RecursionError:
            raise ParseError(
                f"The JSON body is nested too deep (more than {MAX_DEPTH} levels)."
            ) from None
        return check_json(data)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_fields(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        check_fields(parsed.data)
        return parsed
