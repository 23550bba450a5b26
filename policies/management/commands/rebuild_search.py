from django.core.management.base import BaseCommand
from django.db import transaction

from policies import search
from policies.models import Proposal


class Command(BaseCommand):
    help = (
        "Rewrite the full-text search data of every proposal (policies.search). The writes "
        "of the application keep it in step; this repairs it after edits in the Django admin."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            search.refresh_all()
        self.stdout.write(
            self.style.SUCCESS(f"Search data rewritten for {Proposal.objects.count()} proposals.")
        )
