"""When a new request becomes overdue: one business day (Monday to Friday) after it arrived."""

from datetime import datetime, time, timedelta

from django.utils import timezone

SATURDAY = 5


def _is_weekend(day):
    return day.weekday() >= SATURDAY


def reply_due_at(received_at):
    """The moment a request received at `received_at` has waited one business day.

    A weekend arrival starts counting on Monday morning; a deadline that lands on a
    weekend moves to Monday at the same time (Friday 3 pm is due Monday 3 pm).
    """
    start = timezone.localtime(received_at)
    while _is_weekend(start):
        start = timezone.make_aware(datetime.combine(start.date() + timedelta(days=1), time.min))
    due = start + timedelta(days=1)
    while _is_weekend(due):
        due += timedelta(days=1)
    return due


def overdue_cutoff(now):
    """The latest arrival time that is overdue at `now` (requests received at or before it).

    The inverse of reply_due_at, so the admin can filter in SQL:
    received_at <= overdue_cutoff(now)  <=>  reply_due_at(received_at) <= now.
    """
    now = timezone.localtime(now)
    if _is_weekend(now):
        # Only requests that fell due by Friday midnight; everything from Friday on waits for Monday.
        friday = now.date() - timedelta(days=now.weekday() - 4)
        return timezone.make_aware(datetime.combine(friday, time.min)) - timedelta(microseconds=1)
    cutoff = now - timedelta(days=1)
    while _is_weekend(cutoff):
        cutoff -= timedelta(days=1)
    return cutoff
