from django.conf import settings


def site(request):
    """Values every page needs: the canonical site address and the data licence."""
    return {"SITE_URL": settings.SITE_URL, "DATA_LICENCE": settings.TRACKER_DATA_LICENCE}
