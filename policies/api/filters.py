"""Filters shared by the API lists and the HTML pages (same names in both)."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..models import Proposal, Status, Theme


class ProposalFilter(django_filters.FilterSet):
    paper = django_filters.NumberFilter(
        field_name="paper__number", help_text="Paper number: 118 or 138."
    )
    section = django_filters.CharFilter(
        field_name="section__number",
        help_text="Section number within its paper (e.g. 2); combine with paper.",
    )
    theme = extend_schema_field(OpenApiTypes.STR)(django_filters.ModelMultipleChoiceFilter)(
        field_name="themes__slug",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        help_text="Theme slug; repeat for any of several.",
    )
    status = django_filters.MultipleChoiceFilter(
        field_name="current_status",
        choices=Status.choices,
        help_text="Current delivery status key; repeat for any of several.",
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Proposal.Kind.choices, help_text="Kind of proposal; repeat for any of several."
    )
    applicability = django_filters.MultipleChoiceFilter(
        choices=Proposal.Applicability.choices, help_text="Where the proposal applies."
    )

    class Meta:
        model = Proposal
        fields = ["paper", "section", "theme", "status", "kind", "applicability"]

    @property
    def qs(self):
        # ManyToMany theme filters can duplicate rows.
        return super().qs.distinct() if self.form.cleaned_data.get("theme") else super().qs
