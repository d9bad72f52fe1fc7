"""The safety net for the appointment emails (run it from cron): queue any left without a task.

The worker (`manage.py db_worker`) sends the emails and retries them itself. This
command only queues the emails of requests that have none waiting, for instance
after tasks were lost, and fails (exit 1) when the worker seems to be down, so
cron's mail tells someone. A refused address is not an outage: it is given up on
and shown to the front desk, and never makes this command fail.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from appointments.models import AppointmentRequest
from appointments.notifications import appointment_requests_queue_unsent_notifications
from prolo_site.task_queue import task_queue_health


class Command(BaseCommand):
    help = "Queue the appointment emails that have no task waiting; fail when the worker seems down."

    def handle(self, *args, **options):
        queued = appointment_requests_queue_unsent_notifications()
        self.stdout.write(f"Queued the emails of {queued} request(s) that had no task waiting.")
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
        health = task_queue_health()
        if health["worker_down"]:
            raise CommandError(
                f"{health['ready']} task(s) wait to run, the oldest for {health['oldest_ready_seconds']} s: "
                "is the worker (`manage.py db_worker`) running?"
            )
