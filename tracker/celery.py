"""The Celery application.

Without ``REDIS_URL`` tasks run eagerly, in the web process; with it they go
to a real worker, and ``celery beat`` enqueues the indicator refreshes.
"""

import os

from celery import Celery

from evidence.schedule import indicator_beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# One beat entry per indicator, read from evidence/data/indicators.yaml.
app.conf.beat_schedule = indicator_beat_schedule()
