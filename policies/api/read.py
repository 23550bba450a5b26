"""Read API: papers, sections, themes, proposals, status updates, evidence.

Every read ViewSet here mixes in ``CSVExportMixin`` (``?format=csv`` on lists)
and ``ConditionalGetMixin`` (ETag / Last-Modified / 304 / Cache-Control)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Func, IntegerField, QuerySet, Subquery
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, viewsets
from rest_framework.response import Response

from tracker.api.conditional import ConditionalGetMixin
from tracker.api.exports import CSVExportMixin
from tracker.api.filters import KnownQueryParameters, OrderingFilter
from tracker.api.pagination import KeysFirstPaginator, PageNumberPagination
from tracker.siteurl import site_url

from .. import changes, search, selectors
from ..filters import EvidenceFilter, ProposalFilter, StatusUpdateFilter
from ..models import ActingBody, Section, Theme
from . import read_docs as docs
from . import serializers


class ReadViewSet(CSVExportMixin, ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Base of the public read endpoints: CSV lists, conditional GET, one
    ``Last-Modified`` for the whole dataset."""

    public_read = True  # anonymous answers may be cached (tracker.cache)


@docs.PAPER_VIEW_SET
class PaperViewSet(ReadViewSet):
    serializer_class = serializers.PaperSerializer
    lookup_field = "number"
    lookup_value_regex = r"[0-9]+"
    pagination_class = None
    filter_backends = [KnownQueryParameters]
    csv_columns = [
        (name, name) for name in serializers.PaperSerializer.Meta.fields if name != "sections"
    ] + [("sections", "sections[].number")]

    def get_queryset(self):
        return selectors.paper_queryset()


@docs.SECTION_VIEW_SET
class SectionViewSet(ReadViewSet):
    serializer_class = serializers.SectionSerializer
    queryset = Section.objects.select_related("paper")
    filterset_fields = {"paper__number": ["exact"]}
    ordering_fields = ["order", "number"]


@docs.THEME_VIEW_SET
class ThemeViewSet(ReadViewSet):
    serializer_class = serializers.ThemeSerializer
    queryset = Theme.objects.all()
    lookup_field = "slug"
    ordering_fields = ["name", "slug"]


PROPOSAL_CSV_COLUMNS = [
    ("reference", "reference"),
    ("url", "url"),
    ("html_url", "html_url"),
    ("paper", "paper"),
    ("section", "section.number"),
    ("section_title", "section.title"),
    ("kind", "kind"),
    ("position", "position"),
    ("paragraph", "paragraph"),
    ("argued_in", "argued_in"),
    ("text", "text"),
    ("applicability", "applicability"),
    ("themes", "themes"),
    ("parent", "parent.reference"),
    ("children", "children[].reference"),
    ("links", "links[].proposal.reference"),
    ("status", "current_status.status"),
    ("status_label", "current_status.label"),
    ("status_effective_date", "current_status.effective_date"),
    ("status_date_precision", "current_status.date_precision"),
    ("status_since", "current_status.effective_date_display"),
    ("acting_bodies", "current_status.acting_bodies[].slug"),
    ("status_update", "current_status.update"),
    ("source_lines", "source_lines"),
    ("version", "version"),
    ("updated_at", "updated_at"),
    ("snippet", "snippet"),
]


def _page_bounds(paginator: Paginator, number: Any) -> tuple[int, int, int]:
    number = paginator.validate_number(number)
    bottom = (number - 1) * paginator.per_page
    top = bottom + paginator.per_page
    if top + paginator.orphans >= paginator.count:
        top = paginator.count
    return number, bottom, top


def _rows_in_order(queryset: QuerySet[Any], ids: list[int]) -> list[dict[str, Any]]:
    """The rows (``selectors.proposal_rows``) of these proposals of ``queryset``, in
    the order of ``ids``."""
    rows = {
        row["id"]: row for row in selectors.proposal_rows(queryset.filter(pk__in=ids).order_by())
    }
    return [rows[pk] for pk in ids if pk in rows]


class RowsPaginator(Paginator):
    """Pages of rows (``selectors.proposal_rows``) of a queryset of proposals in one
    query: the page's keys picked from the queryset as filtered and ordered (a
    subquery without the joins, so an index gives the order and the limit applies
    before anything is joined) and the count of the whole queryset beside them (a
    scalar subquery).  The count is asked on its own only when the page is empty
    (past the end) or the queryset is DISTINCT (a theme filter: a count of ids
    would count a proposal once per matching theme)."""

    def __init__(self, object_list: QuerySet[Any], per_page: int | str, *args, **kwargs) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.queryset = object_list

    def page(self, number: Any) -> Page:
        counted = self._counted_rows(number)
        number, bottom, top = _page_bounds(self, number)
        if counted is not None:
            return Page(counted, number, self)
        if bottom == top:
            return Page([], number, self)
        return Page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int, *, counted: bool = False) -> list[dict[str, Any]]:
        keys = self.queryset.prefetch_related(None).values("pk")[bottom:top]
        # The same ORDER BY outside: its keys are unique (the reading order, a
        # reference, or a time then the id), so the page keeps its order.
        rows = selectors.proposal_rows(self.queryset.filter(pk__in=keys))
        if counted:
            everything = self.queryset.prefetch_related(None).order_by()
            count = Func(template="COUNT(*)", output_field=IntegerField())
            total = everything.annotate(_n=count).values("_n")
            rows = rows.annotate(_total=Subquery(total, output_field=IntegerField()))
        return list(rows)

    def _counted_rows(self, number: Any) -> list[dict[str, Any]] | None:
        """The rows of page ``number`` read with the count (which is then known), or
        None when they cannot be: the count is known already, the queryset is
        DISTINCT, the number is not one, the page is empty or takes orphans."""
        if "count" in self.__dict__ or self.queryset.query.distinct:
            return None
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            return None
        if wanted < 1:
            return None
        bottom = (wanted - 1) * self.per_page
        rows = self._rows(bottom, bottom + self.per_page, counted=True)
        if not rows:
            return None  # past the end (or nothing at all): the count is asked
        self.__dict__["count"] = rows[0]["_total"]  # Paginator.count is a cached_property
        for row in rows:
            del row["_total"]
        top = bottom + self.per_page
        if self.orphans and top < self.count <= top + self.orphans:
            return None  # the last rows join this page as its orphans: read it whole
        return rows


class RowsKeysFirstPaginator(KeysFirstPaginator):
    """``KeysFirstPaginator`` giving rows (``selectors.proposal_rows``)."""

    def page(self, number: Any) -> Page:
        number, bottom, top = _page_bounds(self, number)
        ids = [key[0] for key in self.keys[bottom:top]]
        return Page(_rows_in_order(self.queryset, ids), number, self)


@docs.PROPOSAL_VIEW_SET
class ProposalViewSet(ReadViewSet):
    lookup_field = "reference"
    lookup_value_regex = serializers.REFERENCE_PATTERN
    filter_backends = [KnownQueryParameters, DjangoFilterBackend]
    filterset_class = ProposalFilter
    csv_columns = PROPOSAL_CSV_COLUMNS
    csv_filename = "proposals.csv"

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ProposalDetailSerializer
        return serializers.ProposalSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.proposal_detail_queryset()
        return selectors.proposal_queryset()

    def _with_snippets(self, proposals):
        """``q``'s snippet of each (one query; none without ``q``)."""
        return search.attach_snippets(proposals, self.request.query_params.get("q"))

    def prepare_rows(self, objects):
        return self._with_snippets(selectors.attach_listing(objects))

    # A JSON list of proposals read for now is built from rows (``selectors.proposal_rows``:
    # dicts, no model instance); a past date (``as_at``) and CSV read instances.
    _as_rows = False

    def list(self, request, *args, **kwargs):
        fmt = getattr(request.accepted_renderer, "format", None)
        if fmt == "csv" or "as_at" in request.query_params:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        self._as_rows = True
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer_class()(context=self.get_serializer_context())
        if page is None:  # no pagination configured: never the case here, but stay right
            rows = selectors.attach_row_listing(selectors.proposal_rows(queryset))
            page = search.attach_row_snippets(rows, request.query_params.get("q"))
            return Response([serializer.represent_row(row) for row in page])
        return self.get_paginated_response([serializer.represent_row(row) for row in page])

    def filter_queryset(self, queryset):
        # Most lists ask for no filter (only page, page_size, format) or for a search
        # alone: the filter set then filters nothing, or only ranks by ``q``
        # (``filters.ProposalFilter.filter_q``, its form's CharField cleaning the
        # value).  Those skip building the filter set, its copied filters and its
        # form; ``tests/test_api_list_rows.py`` checks both give the filter set's
        # query.  Anything else (and a ``q`` the form would refuse) goes through it.
        params = self.request.query_params
        asked = [name for name in self.filterset_class.base_filters if name in params]
        q = params.get("q", "")
        if asked not in ([], ["q"]) or "\x00" in q:
            return super().filter_queryset(queryset)
        for backend in self.filter_backends:
            if not issubclass(backend, DjangoFilterBackend):
                queryset = backend().filter_queryset(self.request, queryset, self)
        q = q.strip()
        return search.ranked(queryset.all(), q) if q else queryset

    def paginate_queryset(self, queryset):
        paginator = self.paginator
        if isinstance(paginator, PageNumberPagination):
            if search.is_ranked(queryset):
                paginator.django_paginator_class = (
                    RowsKeysFirstPaginator if self._as_rows else KeysFirstPaginator
                )
            elif self._as_rows:
                paginator.django_paginator_class = RowsPaginator
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        if self._as_rows:
            rows = selectors.attach_row_listing(page)
            return search.attach_row_snippets(rows, self.request.query_params.get("q"))
        return self._with_snippets(selectors.attach_listing(page))

    def get_object(self):
        obj = super().get_object()
        selectors.attach_listing([obj], from_history=True)
        self._with_snippets([obj])
        return obj


STATUS_UPDATE_CSV_COLUMNS = [
    ("id", "id"),
    ("url", "url"),
    ("html_url", "html_url"),
    ("proposal", "proposal.reference"),
    ("status", "status"),
    ("status_label", "status_label"),
    ("effective_date", "effective_date"),
    ("date_precision", "date_precision"),
    ("effective_date_display", "effective_date_display"),
    ("acting_bodies", "acting_bodies[].slug"),
    ("rationale", "rationale"),
    ("evidence", "evidence[].url"),
    ("evidence_titles", "evidence[].title"),
    ("state", "state"),
    ("is_corrected", "is_corrected"),
    ("corrects", "corrects.url"),
    ("corrected_by", "corrected_by[].url"),
    ("published_at", "published_at"),
    ("version", "version"),
    ("updated_at", "updated_at"),
]


@docs.STATUS_UPDATE_VIEW_SET
class StatusUpdateViewSet(ReadViewSet):
    serializer_class = serializers.StatusUpdateSerializer
    filter_backends = [KnownQueryParameters, DjangoFilterBackend, OrderingFilter]
    filterset_class = StatusUpdateFilter
    ordering_fields = ["published_at", "effective_date"]
    ordering = ["-published_at", "-pk"]
    csv_columns = STATUS_UPDATE_CSV_COLUMNS
    csv_filename = "status-updates.csv"

    def get_queryset(self):
        return selectors.status_update_queryset()


@docs.EVIDENCE_VIEW_SET
class EvidenceViewSet(ReadViewSet):
    serializer_class = serializers.EvidenceDetailSerializer
    filter_backends = [KnownQueryParameters, DjangoFilterBackend, OrderingFilter]
    filterset_class = EvidenceFilter
    ordering_fields = ["published_date", "title", "updated_at"]
    csv_columns = [
        *((name, name) for name in serializers.EvidenceSerializer.Meta.fields),
        ("cited_by", "cited_by[].url"),
    ]
    csv_filename = "evidence.csv"

    def get_queryset(self):
        return selectors.public_evidence_queryset()


CHANGE_CSV_COLUMNS = [
    ("type", "type"),
    ("at", "at"),
    ("proposal", "proposal.reference"),
    ("proposal_url", "proposal.url"),
    ("status_update", "status_update.url"),
    ("status", "status_update.status"),
    ("effective_date", "status_update.effective_date"),
    ("effective_date_display", "status_update.effective_date_display"),
    ("corrects", "status_update.corrects.url"),
    ("is_corrected", "is_corrected"),
    ("corrected_by", "status_update.corrected_by[].url"),
    ("evidence", "status_update.evidence[].url"),
    ("proposal_version", "proposal_version"),
]


@docs.CHANGES_VIEW
class ChangesView(CSVExportMixin, ConditionalGetMixin, generics.ListAPIView):
    """What changed in a window (``changes.ChangeLog``)."""

    public_read = True  # anonymous answers may be cached (tracker.cache)

    serializer_class = serializers.ChangeSerializer
    filter_backends = [KnownQueryParameters]
    query_parameters = list(serializers.ChangesQuerySerializer().fields)
    csv_columns = CHANGE_CSV_COLUMNS
    csv_filename = "changes.csv"
    basename = "changes"

    def get_queryset(self):
        query = serializers.ChangesQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return changes.ChangeLog(
            **{
                "since": query.validated_data.get("since"),
                "until": query.validated_data.get("until"),
                "paper": query.validated_data.get("paper"),
                "theme": query.validated_data.get("theme"),
                "reference": query.validated_data.get("proposal"),
            }
        )

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


DUMP_SCHEMA_VERSION = 1


@docs.DUMP_VIEW
class DumpView(ConditionalGetMixin, generics.GenericAPIView):
    """The full public dataset as one JSON document."""

    public_read = True  # anonymous answers may be cached (tracker.cache)

    serializer_class = serializers.DumpSerializer
    filter_backends: list = []
    pagination_class = None

    def get_etag_data(self, data):
        return {key: value for key, value in data.items() if key != "generated_at"}

    def get(self, request, *args, **kwargs):
        context = self.get_serializer_context()
        proposals = selectors.attach_listing(
            selectors.proposal_detail_queryset(), from_history=True
        )
        data = {
            "schema_version": DUMP_SCHEMA_VERSION,
            "generated_at": timezone.now(),
            "licence": settings.TRACKER_DATA_LICENCE,
            "source": site_url(),
            "papers": serializers.PaperSerializer(
                selectors.paper_queryset(), many=True, context=context
            ).data,
            "themes": serializers.ThemeSerializer(
                Theme.objects.all(), many=True, context=context
            ).data,
            "acting_bodies": serializers.ActingBodySerializer(
                ActingBody.objects.all(), many=True, context=context
            ).data,
            "proposals": serializers.ProposalDetailSerializer(
                proposals, many=True, context=context
            ).data,
            "evidence": serializers.EvidenceDetailSerializer(
                selectors.public_evidence_queryset(), many=True, context=context
            ).data,
        }
        response = Response(data)
        response["Content-Disposition"] = 'inline; filename="crime-policy-tracker.json"'
        return response
