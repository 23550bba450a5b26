"""CSV exports: every list as ``?format=csv``, with the list's own filters.

Any ViewSet gets it by mixing in ``CSVExportMixin`` (before the DRF class)::

    class ObservationViewSet(CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
        csv_columns = [("indicator", "indicator"), ("area", "area.code"), ("value", "value")]

- The list is streamed (``StreamingHttpResponse``), all matching rows, not one
  page: the filtered, ordered queryset is read in chunks of ``csv_chunk_size``
  and each chunk is serialized with the view's own serializer, so a CSV row says
  exactly what the JSON says.  Queries: the list's own per-page queries once per
  chunk (a fixed number for any list up to ``csv_chunk_size`` rows).
- ``csv_columns`` is a list of ``(header, path)``; a path walks the serialized
  JSON: ``"a.b"`` for a nested object, ``"a[].b"`` for each item of a list
  (joined with ``"; "``).  Without it, each top-level field is a column.
- ``prepare_rows(objects)`` is a hook run on each chunk before serializing (the
  same as a page of the JSON list, e.g. attaching current status updates).
- Cells are neutralised against formula injection: a text cell beginning with
  ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``.
  Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.http import StreamingHttpResponse
from rest_framework import renderers
from rest_framework.request import Request
from rest_framework.response import Response

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView
    from rest_framework.mixins import ListModelMixin
    from rest_framework.serializers import Serializer

    class _ListView(ListModelMixin, GenericAPIView[Any]):
        """What ``CSVExportMixin`` is mixed into: a DRF list view (a ``ViewSet``
        or a ``ListAPIView``).  At run time the mixin's base is ``object``."""

        basename: str  # set by the router on a ViewSet; see ``get_csv_filename``

else:
    _ListView = object

_T = TypeVar("_T")

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "


def neutralise(value: str) -> str:
    """Make a text cell inert in spreadsheets (OWASP "CSV injection")."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def cell(value: Any) -> str | int | float | Decimal:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, list):
        if all(not isinstance(item, dict | list) for item in value):
            return neutralise(LIST_SEPARATOR.join("" if v is None else str(v) for v in value))
        return neutralise(json.dumps(value, default=str, separators=(",", ":")))
    if isinstance(value, dict):
        return neutralise(json.dumps(value, default=str, separators=(",", ":")))
    return neutralise(str(value))


def lookup(data: Any, path: str) -> Any:
    """Walk serialized data along ``a.b`` / ``a[].b``; a missing step gives None."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = data.get(head[:-2]) if isinstance(data, dict) else None
        if not items:
            return []
        return [lookup(item, rest) if rest else item for item in items]
    value = data.get(head) if isinstance(data, dict) else None
    if rest and value is not None:
        return lookup(value, rest)
    return value


def csv_row(data: dict[str, Any], columns: Sequence[tuple[str, str]]) -> list[Any]:
    return [cell(lookup(data, path)) for _, path in columns]


class _Echo:
    """A file-like object whose ``write`` hands back the line (Django's streaming CSV recipe)."""

    def write(self, value: str) -> str:
        return value


def stream_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CSVRenderer(renderers.BaseRenderer):
    """Declares ``format=csv`` for content negotiation and renders a single
    object (or a non-streamed list) as CSV.  Lists are streamed by
    ``CSVExportMixin`` instead."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        columns = [(key, key) for key in (rows[0].keys() if rows else [])]
        writer = csv.writer(_Echo())
        lines = [writer.writerow([h for h, _ in columns])]
        lines += [writer.writerow(csv_row(row, columns)) for row in rows]
        return "".join(lines).encode(self.charset)


def batched(iterable: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


class CSVExportMixin(_ListView):
    """``?format=csv`` on ``list``: every matching row, streamed.  See the module doc."""

    csv_columns: Sequence[tuple[str, str]] | None = None
    csv_chunk_size = 1000
    csv_filename: str | None = None

    def get_renderers(self) -> list[renderers.BaseRenderer]:
        found = super().get_renderers()
        if not any(isinstance(r, CSVRenderer) for r in found):
            found.append(CSVRenderer())
        return found

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are always JSON, even when the client asked for CSV.
        request = getattr(self, "request", None)
        renderer = getattr(request, "accepted_renderer", None) if request is not None else None
        if request is not None and renderer is not None and renderer.format == "csv":
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    def prepare_rows(self, objects: list[Any]) -> list[Any]:
        return objects

    def get_csv_columns(self) -> Sequence[tuple[str, str]]:
        if self.csv_columns is not None:
            return self.csv_columns
        # A list's serializer is a (model) ``Serializer``: it has ``fields``.  (``items()``:
        # the stubs say iterating ``BindingDict`` gives fields; it gives their names.)
        serializer = cast("Serializer[Any]", self.get_serializer())
        return [(name, name) for name, _field in serializer.fields.items()]

    def get_csv_filename(self) -> str:
        return self.csv_filename or f"{self.basename}.csv"

    # The stubs give ``list`` a ``Response``; DRF takes any ``HttpResponseBase`` from a
    # handler, and the CSV is streamed.
    def list(  # type: ignore[override]
        self, request: Request, *args: Any, **kwargs: Any
    ) -> Response | StreamingHttpResponse:
        if getattr(request.accepted_renderer, "format", None) != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        columns = self.get_csv_columns()

        def rows() -> Iterator[list[Any]]:
            for chunk in batched(
                queryset.iterator(chunk_size=self.csv_chunk_size), self.csv_chunk_size
            ):
                objects = self.prepare_rows(chunk)
                for data in self.get_serializer(objects, many=True).data:
                    yield csv_row(data, columns)

        return stream_csv([header for header, _ in columns], rows(), self.get_csv_filename())
