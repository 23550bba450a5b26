"""Filter classes the apps' filter sets share."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.STR)
class KeyedMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Rows matched by a readable key (slug, code, reference), repeatable; a string
    in the schema.  A subclass, so django-filter's own class is left as it is."""
