"""Anonymise appointment requests kept past their retention period: finished ones, and ones left open.

Closed and Spam requests go APPOINTMENTS_RETENTION_DAYS after they were finished;
requests left New, Contacted or Scheduled go APPOINTMENTS_OPEN_RETENTION_DAYS (longer)
after their last status change, so no request keeps a patient's details forever.
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
        "APPOINTMENTS_RETENTION_DAYS (default 365), and those left New, Contacted or Scheduled "
        "for longer than APPOINTMENTS_OPEN_RETENTION_DAYS (default 730)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be anonymised; change nothing."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Override the period for Closed and Spam requests (default: APPOINTMENTS_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--open-days",
            type=int,
            default=None,
            help="Override the period for requests left open (default: APPOINTMENTS_OPEN_RETENTION_DAYS).",
        )

    def handle(self, *args, dry_run=False, days=None, open_days=None, **options):
        days = settings.APPOINTMENTS_RETENTION_DAYS if days is None else days
        open_days = settings.APPOINTMENTS_OPEN_RETENTION_DAYS if open_days is None else open_days
        now = timezone.now()
        requests = AppointmentRequest.objects
        for due, description, period in (
            (
                requests.due_for_anonymising(closed_before=now - timedelta(days=days)),
                "closed or marked spam",
                days,
            ),
            (
                requests.left_open_for_anonymising(unchanged_before=now - timedelta(days=open_days)),
                "left New, Contacted or Scheduled",
                open_days,
            ),
        ):
            count = self._anonymise(due.order_by("pk"), dry_run=dry_run, verbosity=options["verbosity"])
            verb = "Would anonymise" if dry_run else "Anonymised"
            self.stdout.write(
                self.style.SUCCESS(f"{verb} {count} request(s) {description} more than {period} days ago.")
            )

    def _anonymise(self, due, *, dry_run, verbosity):
        verb = "Would anonymise" if dry_run else "Anonymised"
        count = 0
        # A list first: writing while a cursor is open on the same table troubles SQLite.
        for appointment_request in list(due.only("pk", "reference", "status", "status_changed_at")):
            if not dry_run:
                appointment_request_anonymise(appointment_request=appointment_request)
            count += 1
            if verbosity > 1 or dry_run:
                changed = timezone.localtime(appointment_request.status_changed_at)
                self.stdout.write(
                    f"  {verb} {appointment_request.display_reference} "
                    f"({appointment_request.get_status_display()} since {changed:%Y-%m-%d})"
                )
        return count
