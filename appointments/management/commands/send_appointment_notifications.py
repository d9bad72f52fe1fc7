"""Send the appointment emails that have not gone out yet (safe to run from cron).

Each request is claimed before sending, so two runs at once, or a run while the
website is sending, never send the same email twice.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from appointments.models import AppointmentRequest
from appointments.notifications import appointment_requests_send_pending_notifications


class Command(BaseCommand):
    help = "Retry the front desk and patient emails for appointment requests that have not been sent."

    def handle(self, *args, **options):
        report = appointment_requests_send_pending_notifications()
        self.stdout.write(
            f"Sent {report.front_desk_sent} front desk email(s) and "
            f"{report.patients_sent} patient confirmation(s)."
        )
        if not settings.APPOINTMENTS_NOTIFY_EMAILS:
            waiting = (
                AppointmentRequest.objects.not_spam().filter(front_desk_notified_at__isnull=True).count()
            )
            if waiting:
                self.stderr.write(
                    self.style.WARNING(
                        f"{waiting} request(s) wait for a front desk email, but APPOINTMENTS_NOTIFY_EMAILS is empty."
                    )
                )
        if report.failed:
            for reference, which in report.failed:
                self.stderr.write(f"  Could not send the {which} email for {reference}.")
            raise CommandError(
                f"{len(report.failed)} email(s) failed; they will be tried again on the next run."
            )
