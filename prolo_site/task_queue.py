"""The task queue's health: how many tasks are due and how long the oldest has waited."""

from datetime import timedelta

from django.db.models import Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

# A task due for longer than this means no worker is running. Patients can still
# send requests (their emails wait in the queue), so it is reported, never a 503.
WORKER_DOWN_AFTER = timedelta(minutes=10)


def task_queue_health(now=None):
    """{"ready": tasks due now, "oldest_ready_seconds": how long the oldest has been
    due (0 when none), "worker_down": whether that is longer than WORKER_DOWN_AFTER}."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    # A task is due from when it was queued, or from its run_after when deferred.
    due_since = [
        ready.filter(run_after=get_date_max()).aggregate(since=Min("enqueued_at"))["since"],
        ready.exclude(run_after=get_date_max()).aggregate(since=Min("run_after"))["since"],
    ]
    oldest = min((since for since in due_since if since), default=None)
    age = max(0, int((now - oldest).total_seconds())) if oldest else 0
    return {
        "ready": ready.count(),
        "oldest_ready_seconds": age,
        "worker_down": oldest is not None and now - oldest > WORKER_DOWN_AFTER,
    }
