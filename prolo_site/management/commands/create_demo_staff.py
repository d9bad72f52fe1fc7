"""Create the demo staff accounts once, with passwords generated now and shown once.

No password is ever stored in the code or printed twice: on later runs the
command only says the accounts exist and how to set a new password.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# username -> (group, is_superuser, what the account is for)
DEMO_STAFF = {
    "frontdesk": ("Front desk", False, "works through appointment requests"),
    "editor": ("Editors", False, "keeps the guide's articles up to date"),
    "clinicadmin": (None, True, "everything, including clinic details and staff accounts"),
}


class Command(BaseCommand):
    help = "Create the demo staff accounts (front desk, editor, administrator) if missing."

    def handle(self, *args, **options):
        user_model = get_user_model()
        created, existing = [], []
        with transaction.atomic():
            for username, (group_name, is_superuser, purpose) in DEMO_STAFF.items():
                if user_model.objects.filter(username=username).exists():
                    existing.append(username)
                    continue
                password = secrets.token_urlsafe(12)
                user = user_model.objects.create_user(
                    username=username, password=password, is_staff=True, is_superuser=is_superuser
                )
                if group_name:
                    try:
                        user.groups.add(Group.objects.get(name=group_name))
                    except Group.DoesNotExist as error:
                        raise CommandError(
                            f"Group {group_name!r} is missing: run `manage.py migrate`."
                        ) from error
                created.append((username, password, purpose))

        login_url = f"{settings.SITE_URL}/{settings.ADMIN_URL}"
        self.stdout.write(f"Staff log in at {login_url}")
        if created:
            self.stdout.write(
                self.style.WARNING("New demo accounts. The passwords are shown only this once:")
            )
            for username, password, purpose in created:
                self.stdout.write(f"  username {username:<12} password {password}   ({purpose})")
        if existing:
            self.stdout.write(
                f"  Existing accounts: {', '.join(existing)} (their passwords were shown when they were made)."
            )
        self.stdout.write("  Forgotten a password? Run: make staff-password STAFF=frontdesk")
