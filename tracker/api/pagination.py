from django.conf import settings
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}``; ``page_size`` up to the configured maximum."""

    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_description = (
        f"Number of results per page (1 to {settings.API_MAX_PAGE_SIZE}; "
        f"default {settings.API_PAGE_SIZE})."
    )
