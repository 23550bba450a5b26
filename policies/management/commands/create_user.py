"""Create a user with a role and print a one-time password.

    python manage.py create_user alice --role campaigner --email alice@example.org

No account exists by default.  The password printed is for the first sign-in
only: signing in with it leads straight to choosing a new one.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from policies import permissions


class Command(BaseCommand):
    help = "Create a user with a role (campaigner, editor or admin) and print a one-time password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=permissions.ROLES, required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help="Display name (first and last).")

    @transaction.atomic
    def handle(self, username, role, email, name, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user called {username!r} already exists.")
        password = secrets.token_urlsafe(12)
        first, _, last = name.partition(" ")
        user = User.objects.create_user(
            username=username, email=email, password=password, first_name=first, last_name=last
        )
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
        if role == permissions.ADMIN:
            # Admins manage users and reference data in the Django admin.
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        self.stdout.write(f"Created {role} {username!r}.")
        self.stdout.write(f"One-time password: {password}")
        self.stdout.write("It must be replaced at the first sign-in.")
