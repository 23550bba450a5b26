import django_filters

from tracker.api.filters import KeyedMultipleChoiceFilter

from ..models import Area, Indicator, Observation


class IndicatorFilter(django_filters.FilterSet):
    source = django_filters.MultipleChoiceFilter(
        choices=Indicator.Source.choices, help_text="Source key; repeat for any of several."
    )
    direction = django_filters.ChoiceFilter(choices=Indicator.Direction.choices)
    proposal = django_filters.CharFilter(
        field_name="links__proposal__reference",
        help_text="Proposal reference, e.g. 118-4d: the indicators that speak to it.",
    )

    class Meta:
        model = Indicator
        fields = ["source", "direction", "proposal"]


class ObservationFilter(django_filters.FilterSet):
    indicator = KeyedMultipleChoiceFilter(
        field_name="indicator__slug",
        to_field_name="slug",
        queryset=Indicator.objects.all(),
        help_text="Indicator slug; repeat for any of several.",
    )
    area = KeyedMultipleChoiceFilter(
        field_name="area__code",
        to_field_name="code",
        queryset=Area.objects.all(),
        help_text="Area code (ONS geocode, or E92+W92 for England and Wales); repeatable.",
    )
    period_after = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", help_text="Periods starting on or after."
    )
    period_before = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", help_text="Periods ending on or before."
    )
    current = django_filters.BooleanFilter(
        field_name="is_current",
        help_text="true: only the figure each period stands at now; false: only revised ones.",
    )

    class Meta:
        model = Observation
        fields = ["indicator", "area", "period_after", "period_before", "current"]
