"""The project's own table: the data revision."""

from __future__ import annotations

from django.db import models


class DataRevision(models.Model):
    """One row: a number that every write the public can see moves, in the same
    transaction as the write (``tracker.revision.bump``).  Every public ETag and
    the response cache are keyed by it, so nothing is ever invalidated key by key."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="datarevision_single_row"),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
