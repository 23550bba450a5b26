from django.conf import settings
from django.http import HttpRequest

from .siteurl import site_url


def site(request: HttpRequest) -> dict[str, str]:
    """Values every page needs: the canonical site address, the data licence and
    where to report an error (empty when this copy has published no address)."""
    return {
        "SITE_URL": site_url(),
        "DATA_LICENCE": settings.TRACKER_DATA_LICENCE,
        "CONTACT_EMAIL": settings.TRACKER_CONTACT_EMAIL,
    }
