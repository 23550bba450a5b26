"""Settings for the gunicorn that tests/test_faults.py starts: the production settings
(``DJANGO_DEBUG=0``, so ``handler500`` answers, not the debug page), with the plain
static-files storage so that pages render without a collected manifest (the test
does not run ``collectstatic``).  Never used outside those tests."""

from tracker.settings import *  # noqa: F403
from tracker.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
