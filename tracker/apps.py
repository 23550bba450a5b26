from django.apps import AppConfig


class TrackerConfig(AppConfig):
    """The project package as an app: it owns the data revision's table."""

    name = "tracker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from . import checks, revision

        del checks  # imported for its @register

        def admin_changed_something(sender: type, **kwargs: object) -> None:
            # Every add, change and delete in the admin writes a LogEntry in the
            # same transaction as the change: the public may see it, so it moves
            # the revision like any service's write.
            revision.bump()

        post_save.connect(admin_changed_something, sender=LogEntry, weak=False)
