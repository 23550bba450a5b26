"""Filter classes and filter backends the apps' API lists share.

One rule for the query parameters of every API list (and detail), so that a
typo is never mistaken for "no filter":

* a parameter the endpoint does not take is a 400 naming it and listing those it
  takes (``KnownQueryParameters``: the filter set's names, ``ordering``, the
  view's own ``query_parameters``, and always ``format``, ``page``, ``page_size``);
* an unknown ``ordering`` term is a 400 listing the valid ones (``OrderingFilter``).

Both are in ``REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]``; a view that sets its own
``filter_backends`` lists ``KnownQueryParameters`` first.  Pages are not held to
it: people arrive at them from links that carry tracking parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

# Taken by every list: the renderer (``format``) and pagination.
ALWAYS_ACCEPTED = ("format", "page", "page_size")


@extend_schema_field(OpenApiTypes.STR)
class KeyedMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Rows matched by a readable key (slug, code, reference), repeatable; a string
    in the schema.  A subclass, so django-filter's own class is left as it is."""


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time that the databases can compare: one whose UTC value
    is inside years 1 to 9999 (``9999-12-31T23:59:59-14:00`` is not; SQLite's
    adapter would raise ``OverflowError`` converting it)."""

    def to_python(self, value: Any) -> dt.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        try:
            result.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(
                "This date-time is out of range (before year 1 or after year 9999 in UTC).",
                code="out_of_range",
            ) from None
        return result


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


def _filterset_names(
    backend: DjangoFilterBackend, view: Any, queryset: QuerySet[Any] | None
) -> Iterable[str]:
    if queryset is None:
        return ()
    filterset_class = backend.get_filterset_class(view, queryset)
    return filterset_class.base_filters.keys() if filterset_class else ()


def accepted_parameters(view: Any, queryset: QuerySet[Any] | None = None) -> list[str]:
    """The query parameters ``view`` takes, in a stable order."""
    names: list[str] = []
    for backend_class in getattr(view, "filter_backends", ()):
        backend = backend_class()
        if isinstance(backend, DjangoFilterBackend):
            names += _filterset_names(backend, view, queryset)
        elif isinstance(backend, filters.OrderingFilter):
            names.append(backend.ordering_param)
        elif isinstance(backend, filters.SearchFilter):
            names.append(backend.search_param)
    names += getattr(view, "query_parameters", ())
    names += ALWAYS_ACCEPTED
    return list(dict.fromkeys(names))


def refuse_unknown_parameters(request: Request, accepted: Iterable[str]) -> None:
    """A 400 naming each query parameter not in ``accepted`` (plus ``ALWAYS_ACCEPTED``)."""
    taken = list(dict.fromkeys([*accepted, *ALWAYS_ACCEPTED]))
    unknown = [name for name in request.query_params if name not in taken]
    if unknown:
        message = f"Unknown query parameter. This endpoint takes: {', '.join(taken)}."
        raise ValidationError({name: [message] for name in unknown})


class KnownQueryParameters(filters.BaseFilterBackend):
    """Refuses (400) a query parameter the view does not take; filters nothing."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        refuse_unknown_parameters(request, accepted_parameters(view, queryset))
        return queryset


class OrderingFilter(filters.OrderingFilter):
    """DRF's, but an unknown term is a 400 listing the valid ones instead of being
    dropped in silence."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        terms = [term.strip() for term in params.split(",") if term.strip()]
        valid = self.remove_invalid_fields(queryset, terms, view, request)
        unknown = [term for term in terms if term not in valid]
        if unknown:
            names = [
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            ]
            choices = ", ".join(f"{name}, -{name}" for name in names)
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Unknown ordering {', '.join(unknown)}; one of: {choices} "
                        "(comma-separated for several)."
                    ]
                }
            )
        return valid or self.get_default_ordering(view)
