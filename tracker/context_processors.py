from django.conf import settings
from django.http import HttpRequest

from .siteurl import site_url


def site(request: HttpRequest) -> dict[str, str]:
    """Values every page needs: the canonical site address and the data licence."""
    return {"SITE_URL": site_url(), "DATA_LICENCE": settings.TRACKER_DATA_LICENCE}
