from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}``; ``page_size`` up to the configured maximum."""

    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_description = (
        f"Number of results per page (1 to {settings.API_MAX_PAGE_SIZE}; "
        f"default {settings.API_PAGE_SIZE})."
    )


class KeysFirstPaginator(Paginator):
    """Pages of a queryset whose ORDER BY is costly for every matching row (a
    ranked search): one narrow query reads the keys of every match in order,
    which gives the count too, then only one page's rows are fetched whole.

    The plain paginator would count (one scan) and then sort the wide, joined
    rows of every match to keep 25 of them.  ``key_fields`` are read with the
    primary key (first), e.g. to count matches by some column without another
    query (``keys``)."""

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int | str,
        *args: Any,
        key_fields: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.queryset: QuerySet[Any] = object_list
        self.key_fields = key_fields

    @cached_property
    def keys(self) -> list[tuple[Any, ...]]:
        """The primary key and ``key_fields`` of every match, in the queryset's order."""
        keys = self.queryset.prefetch_related(None).values_list("pk", *self.key_fields)
        return list(keys)

    @cached_property
    def count(self) -> int:
        return len(self.keys)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        wanted = [key[0] for key in self.keys[bottom:top]]
        # The page's rows, whole: the same filters, no ORDER BY (the keys have the order).
        rows = {row.pk: row for row in self.queryset.filter(pk__in=wanted).order_by()}
        return Page([rows[pk] for pk in wanted if pk in rows], number, self)
