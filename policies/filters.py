"""Filters shared by the API lists and the HTML pages (same names in both).

``ProposalFilter`` takes ``selectors.proposal_queryset()``; ``as_at`` is applied
first, so ``status`` and ``body`` then filter on the status as it stood that day.
Its ``q`` is ``policies.search`` (ranked full-text search); the evidence list's
``q`` is a plain word search (``matching_every_term``).
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import django_filters
from django import forms
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from evidence.models import Evidence
from tracker.api.filters import IsoDateTimeFilter, KeyedMultipleChoiceFilter

from . import search
from .models import (
    ActingBody,
    Paper,
    Proposal,
    ProposalQuerySet,
    Status,
    StatusUpdate,
    StatusUpdateQuerySet,
    Theme,
)

if TYPE_CHECKING:
    from .models import ProposalWithStatus

    # What ``ProposalFilter``'s methods filter: proposals with their status annotated.
    _Proposals: TypeAlias = ProposalQuerySet[ProposalWithStatus]

MAX_SEARCH_TERMS = 12


# Sorting by status puts delivery first and "not yet assessed" last.
STATUS_SORT_ORDER = [
    Status.DELIVERED,
    Status.PARTLY_DELIVERED,
    Status.IN_PROGRESS,
    Status.NO_PROGRESS,
    Status.CONTRARY,
    Status.OVERTAKEN,
    Status.NOT_ASSESSED,
]
# What ``ordering`` takes.  ``changed``: when the proposal last changed as
# ``updated_since`` sees it (its text, or a published status update or correction).
# ``relevance``: best match first (only with ``q``; a search's default order).
PROPOSAL_ORDERINGS = {
    "paper": ("paper_number", "order"),
    "-paper": ("-paper_number", "-order"),
    "reference": ("reference",),
    "-reference": ("-reference",),
    "updated_at": ("updated_at", "pk"),
    "-updated_at": ("-updated_at", "-pk"),
    "changed": ("last_changed", "paper_number", "order"),
    "-changed": ("-last_changed", "paper_number", "order"),
    "status": ("status_rank", "paper_number", "order"),
    "-status": ("-status_rank", "paper_number", "order"),
    "relevance": (),
}
# Orderings that need an annotation (added only when sorting by them).
ORDERING_ANNOTATIONS = {"changed": "last_changed", "status": "status_rank"}
# A section given with its paper, as the proposals page's menu does: "118-5".
PAPER_SECTION = re.compile(r"^(?P<paper>\d+)-(?P<section>[^-\s]+)$")


def _last_changed() -> Greatest:
    """When a proposal last changed: the later of its text's ``updated_at`` and
    the latest publication or change of its public status updates."""
    updates = (
        StatusUpdate.objects.public()
        .filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(latest=Max(Greatest("published_at", "updated_at")))
        .values("latest")
    )
    return Greatest("updated_at", Coalesce(Subquery(updates), F("updated_at")))


def _status_rank() -> Case:
    return Case(
        *(When(current_status=s, then=Value(i)) for i, s in enumerate(STATUS_SORT_ORDER)),
        default=Value(len(STATUS_SORT_ORDER)),
        output_field=IntegerField(),
    )


class ProposalFilterForm(forms.Form):
    """Checks across fields: a section is one section (never §5 of both papers), and
    ``relevance`` needs a search."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        section, paper = data.get("section"), data.get("paper")
        if section:
            found = PAPER_SECTION.match(section)
            if found is None and paper is None:
                self.add_error(
                    "section",
                    f"Section numbers start again in each paper: choose a paper for "
                    f"§{section}, or give it with its paper (118-{section} or 138-{section}).",
                )
            elif found is not None and paper is not None and int(found["paper"]) != paper:
                self.add_error(
                    "section",
                    f"Section {section} is in paper {found['paper']}, but only paper "
                    f"{paper:g} is chosen: choose both papers, or a section of paper {paper:g}.",
                )
        if data.get("ordering") == "relevance" and not search.clean(data.get("q")):
            self.add_error("ordering", "Sorting by relevance needs a search (q).")
        return data


def search_terms(value: str) -> list[str]:
    """Split an evidence search into terms: words, or "quoted phrases"; every term must match.

    An unbalanced quote is not an error: the text is then split on spaces.
    """
    try:
        terms = shlex.split(value)
    except ValueError:
        terms = value.replace('"', " ").split()
    return [term for term in (t.strip() for t in terms) if term][:MAX_SEARCH_TERMS]


def matching_every_term(value: str, term_query: Callable[[str], Q]) -> Q | None:
    """AND of ``term_query(term)`` over the search's terms; None when there are none."""
    terms = search_terms(value)
    if not terms:
        return None
    combined = Q()
    for term in terms:
        combined &= term_query(term)
    return combined


def _public_updates_of_proposal() -> StatusUpdateQuerySet:
    return StatusUpdate.objects.public().filter(proposal=OuterRef("pk"))


class ProposalFilter(django_filters.FilterSet):
    as_at = django_filters.DateFilter(
        method="filter_as_at",
        help_text="YYYY-MM-DD: give each proposal's status as it stood on that date (the "
        "published update with the latest effective date not after it).",
    )
    paper = django_filters.NumberFilter(
        field_name="paper_number", help_text="Paper number: 118 or 138."
    )
    section = django_filters.CharFilter(
        method="filter_section",
        help_text="One section: with its paper (118-2), or its number (2) with `paper`. "
        "A number without `paper`, or a section of another paper than `paper`, is a 400.",
    )
    theme = KeyedMultipleChoiceFilter(
        field_name="themes__slug",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        help_text="Theme slug; repeat for any of several.",
    )
    status = django_filters.MultipleChoiceFilter(
        field_name="current_status",
        choices=Status.choices,
        help_text="Current delivery status key (or as at `as_at`); repeat for any of several.",
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Proposal.Kind.choices, help_text="Kind of proposal; repeat for any of several."
    )
    body = KeyedMultipleChoiceFilter(
        method="filter_body",
        to_field_name="slug",
        queryset=ActingBody.objects.all(),
        help_text="Acting body slug (e.g. uk-government): proposals whose current status "
        "update names that body; repeat for any of several.",
    )
    applicability = django_filters.MultipleChoiceFilter(
        choices=Proposal.Applicability.choices, help_text="Where the proposal applies."
    )
    has_evidence = django_filters.BooleanFilter(
        method="filter_has_evidence",
        help_text="true: only proposals with a published status update citing evidence; "
        "false: only those without.",
    )
    updated_since = IsoDateTimeFilter(
        method="filter_updated_since",
        help_text="ISO 8601 date or date-time: proposals whose text changed, or that got a "
        "published status update or correction, at or after this time.",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        help_text="Full-text search, ranked, in web search syntax: words (each must match; "
        'English stemming, so "policing" finds "police"; common words such as "the" are '
        'ignored), "quoted phrases", `or` between alternatives, `-word` to exclude. It '
        "searches the reference and text first, then the position, section title, theme "
        "names and parent proposal's text, then the titles and quotes of evidence cited by "
        "published updates. Results come best first unless `ordering` is given. Only the "
        f"first {search.MAX_QUERY_LENGTH} characters are read.",
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=[(key, key) for key in PROPOSAL_ORDERINGS],
        empty_label=None,
        help_text="Sort order: paper (the default: paper, then position in it), reference, "
        "updated_at (the text last changed), changed (the proposal last changed: its text, "
        "or a published status update or correction), status (delivered first, not yet "
        "assessed last), or relevance (best match first: the default with `q`, and only "
        "with it); prefix with - to reverse (not relevance).",
    )

    class Meta:
        model = Proposal
        form = ProposalFilterForm
        fields = [
            "as_at",
            "paper",
            "section",
            "theme",
            "status",
            "kind",
            "body",
            "applicability",
            "has_evidence",
            "updated_since",
            "q",
            "ordering",
        ]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # as_at re-annotates the status before status/body filter on it; ordering last.
        data = dict(self.form.cleaned_data)
        as_at = data.pop("as_at", None)
        ordering = data.pop("ordering", None)
        if as_at:
            # This filter set takes proposals (``selectors.proposal_queryset()``);
            # django-filter types its querysets as any model's.
            queryset = cast("ProposalQuerySet[Proposal]", queryset).with_status(as_at=as_at)
        for name, value in data.items():
            queryset = self.filters[name].filter(queryset, value)
        if ordering and PROPOSAL_ORDERINGS[ordering]:
            annotation = ORDERING_ANNOTATIONS.get(ordering.lstrip("-"))
            if annotation == "last_changed":
                queryset = queryset.annotate(last_changed=_last_changed())
            elif annotation == "status_rank":
                queryset = queryset.annotate(status_rank=_status_rank())
            queryset = queryset.order_by(*PROPOSAL_ORDERINGS[ordering])
        return queryset

    def filter_as_at(
        self, queryset: ProposalQuerySet[Proposal], name: str, value: dt.date
    ) -> _Proposals:
        return queryset.with_status(as_at=value)

    def filter_body(self, queryset: _Proposals, name: str, value: list[ActingBody]) -> _Proposals:
        if not value:
            return queryset
        updates = StatusUpdate.objects.filter(acting_bodies__in=value).values("pk")
        # The update that stands: the stored one, or the one of the as_at day.
        dated = "as_at_update_id" in queryset.query.annotations
        return queryset.filter(**{f"{'as_at' if dated else 'current'}_update_id__in": updates})

    def filter_has_evidence(self, queryset: _Proposals, name: str, value: bool) -> _Proposals:
        if value is None:
            return queryset
        cited = Exists(_public_updates_of_proposal().filter(evidence__isnull=False))
        return queryset.filter(cited if value else ~cited)

    def filter_updated_since(
        self, queryset: _Proposals, name: str, value: dt.datetime
    ) -> _Proposals:
        touched = _public_updates_of_proposal().filter(
            Q(published_at__gte=value) | Q(updated_at__gte=value)
        )
        return queryset.filter(Q(updated_at__gte=value) | Exists(touched))

    def filter_q(self, queryset: _Proposals, name: str, value: str) -> _Proposals:
        # Ranked, best first; an explicit ``ordering`` is applied after (filter_queryset).
        return search.ranked(queryset, value)

    def filter_section(self, queryset: _Proposals, name: str, value: str) -> _Proposals:
        # The form refused a bare number without a paper and a paper that disagrees.
        found = PAPER_SECTION.match(value)
        if found is None:
            return queryset.filter(section__number=value)
        return queryset.filter(paper_number=int(found["paper"]), section__number=found["section"])

    def filter_ordering(self, queryset: _Proposals, name: str, value: str) -> _Proposals:
        # Applied last, by ``filter_queryset``; here for the schema and the form only.
        return queryset

    @property
    def qs(self) -> QuerySet[Any]:
        # ManyToMany theme filters can duplicate rows.
        return super().qs.distinct() if self.form.cleaned_data.get("theme") else super().qs


class StatusUpdateFilter(django_filters.FilterSet):
    proposal = django_filters.CharFilter(
        field_name="proposal__reference", help_text="Proposal reference, e.g. 118-2d."
    )
    paper = django_filters.ModelChoiceFilter(
        field_name="proposal__paper",
        to_field_name="number",
        queryset=Paper.objects.all(),
        help_text="Paper number: 118 or 138.",
    )
    theme = KeyedMultipleChoiceFilter(
        field_name="proposal__themes__slug",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        help_text="Theme slug of the proposal; repeat for any of several.",
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text="Status the update records; repeat for several."
    )
    state = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in StatusUpdate.PUBLIC_STATES],
        help_text="published, or corrected (superseded by a correction).",
    )
    body = KeyedMultipleChoiceFilter(
        field_name="acting_bodies__slug",
        to_field_name="slug",
        queryset=ActingBody.objects.all(),
        help_text="Acting body slug; repeat for any of several.",
    )
    has_evidence = django_filters.BooleanFilter(
        field_name="evidence",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: only updates citing evidence; false: only those citing none.",
    )
    updated_since = IsoDateTimeFilter(
        method="filter_updated_since",
        help_text="ISO 8601 date or date-time: updates published or changed (e.g. marked "
        "corrected) at or after this time.",
    )

    class Meta:
        model = StatusUpdate
        fields = ["proposal", "paper", "theme", "status", "state", "body", "has_evidence"]

    def filter_updated_since(
        self, queryset: StatusUpdateQuerySet, name: str, value: dt.datetime
    ) -> StatusUpdateQuerySet:
        return queryset.filter(Q(published_at__gte=value) | Q(updated_at__gte=value))

    @property
    def qs(self) -> QuerySet[Any]:
        data = self.form.cleaned_data
        many = data.get("theme") or data.get("body") or data.get("has_evidence") is not None
        return super().qs.distinct() if many else super().qs


class EvidenceFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=Evidence.Kind.choices, help_text="Kind of source; repeat for any of several."
    )
    proposal = django_filters.CharFilter(
        method="filter_proposal",
        help_text="Proposal reference: evidence cited by its published status updates.",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text='Free text, case-insensitive. Every word (or "quoted phrase") must match '
        "the title, publisher or quote.",
    )
    updated_since = IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="ISO 8601 date or date-time: evidence recorded or changed at or after it.",
    )

    class Meta:
        model = Evidence
        fields = ["kind", "proposal", "q", "updated_since"]

    def filter_proposal(
        self, queryset: QuerySet[Evidence], name: str, value: str
    ) -> QuerySet[Evidence]:
        cites = StatusUpdate.objects.public().filter(
            evidence=OuterRef("pk"), proposal__reference=value
        )
        return queryset.filter(Exists(cites))

    def filter_q(self, queryset: QuerySet[Evidence], name: str, value: str) -> QuerySet[Evidence]:
        condition = matching_every_term(
            value,
            lambda term: (
                Q(title__icontains=term) | Q(publisher__icontains=term) | Q(quote__icontains=term)
            ),
        )
        return queryset if condition is None else queryset.filter(condition)
