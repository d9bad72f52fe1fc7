"""Anonymise appointment requests closed (or marked spam) longer ago than the retention period.

Keeps the reference, dates, status and the non-identifying answers for
statistics; removes the name, contact details, free text and staff notes, from
the request and from its history. Each purge is recorded in the history.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from appointments.models import AppointmentRequest
from appointments.workflow import appointment_request_anonymise


class Command(BaseCommand):
    help = (
        "Anonymise appointment requests that have been Closed or Spam for longer than "
        "APPOINTMENTS_RETENTION_DAYS (default 365)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be anonymised; change nothing."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Override the retention period for this run (default: APPOINTMENTS_RETENTION_DAYS).",
        )

    def handle(self, *args, dry_run=False, days=None, **options):
        days = settings.APPOINTMENTS_RETENTION_DAYS if days is None else days
        closed_before = timezone.now() - timedelta(days=days)
        due = AppointmentRequest.objects.due_for_anonymising(closed_before=closed_before).order_by("pk")
        verb = "Would anonymise" if dry_run else "Anonymised"
        count = 0
        # A list first: writing while a cursor is open on the same table troubles SQLite.
        for appointment_request in list(due.only("pk", "reference", "status", "status_changed_at")):
            if not dry_run:
                appointment_request_anonymise(appointment_request=appointment_request)
            count += 1
            if options["verbosity"] > 1 or dry_run:
                changed = timezone.localtime(appointment_request.status_changed_at)
                self.stdout.write(
                    f"  {verb} {appointment_request.display_reference} "
                    f"({appointment_request.get_status_display()} since {changed:%Y-%m-%d})"
                )
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {count} request(s) closed or marked spam more than {days} days ago.")
        )
