"""The clinic's working days (no weekends, public holidays or closure days): when a request is overdue, when to call again."""

import functools
from datetime import datetime, time, timedelta

import holidays
from django.conf import settings
from django.utils import timezone

SATURDAY = 5
# A year of days off in a row would be a mistake in the closure days; stop looking there.
LONGEST_CLOSURE = 400
# When the front desk's morning and afternoon calls start, and where the day divides.
MORNING_STARTS = time(9)
AFTERNOON_STARTS = time(13)
NOON = time(12)


@functools.cache
def public_holidays(state):
    """US federal holidays, and the state's own (years filled in as they are asked about)."""
    return holidays.country_holidays("US", subdiv=state)


class WorkingCalendar:
    """Which days the clinic works: Monday to Friday, except public holidays and the
    closure days staff entered."""

    def __init__(self, *, closed_dates=(), state=None):
        self.closed_dates = frozenset(closed_dates)
        self.holidays = public_holidays(state)

    def is_working_day(self, day):
        return day.weekday() < SATURDAY and day not in self.holidays and day not in self.closed_dates

    def next_working_day(self, day):
        """The first working day after `day`."""
        for offset in range(1, LONGEST_CLOSURE):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        return day + timedelta(days=1)

    def previous_working_day(self, day):
        """The last working day before `day`."""
        for offset in range(1, LONGEST_CLOSURE):
            candidate = day - timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        return day - timedelta(days=1)

    def reply_due_at(self, received_at):
        """The moment a request received at `received_at` has waited one working day.

        An arrival on a day off starts counting at midnight of the next working day; the
        deadline is the same time of day on the working day after the arrival's (Friday
        3 pm is due Monday 3 pm; Wednesday 3 pm before Thanksgiving is due Friday 3 pm).
        """
        start = timezone.localtime(received_at)
        if not self.is_working_day(start.date()):
            return _at(self.next_working_day(self.next_working_day(start.date())), time.min)
        return _at(self.next_working_day(start.date()), start.time())

    def overdue_cutoff(self, now):
        """The latest arrival that is overdue at `now` (requests received at or before it).

        The inverse of reply_due_at, so the admin can filter in SQL:
        received_at <= overdue_cutoff(now)  <=>  reply_due_at(received_at) <= now.
        """
        now = timezone.localtime(now)
        today = now.date()
        if self.is_working_day(today):
            return _at(self.previous_working_day(today), now.time())
        # On a day off, only what fell due by the end of the last working day: whatever
        # arrived during the working day before it.
        last_working_day = self.previous_working_day(today)
        return _at(self.previous_working_day(last_working_day) + timedelta(days=1), time.min) - timedelta(
            microseconds=1
        )

    def next_call_at(self, after, best_time="any"):
        """When to try a patient again after `after`: the start of the next working
        morning or afternoon, whichever the patient said suits them (either, for "any")."""
        starts = {"morning": [MORNING_STARTS], "afternoon": [AFTERNOON_STARTS]}.get(
            best_time, [MORNING_STARTS, AFTERNOON_STARTS]
        )
        after = timezone.localtime(after)
        day = after.date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
        while True:
            for start in starts:
                moment = _at(day, start)
                if moment > after:
                    return moment
            day = self.next_working_day(day)


def _at(day, moment):
    return timezone.make_aware(datetime.combine(day, moment))


def is_morning(now):
    return timezone.localtime(now).time() < NOON


def working_calendar():
    """The calendar as it stands now: the state's holidays and the closure days in the
    database (one query)."""
    from appointments.models import ClosureDay  # the models use this module too

    return WorkingCalendar(
        closed_dates=ClosureDay.objects.values_list("date", flat=True),
        state=settings.APPOINTMENTS_HOLIDAY_STATE,
    )


def reply_due_at(received_at, calendar=None):
    return (calendar or working_calendar()).reply_due_at(received_at)


def overdue_cutoff(now, calendar=None):
    return (calendar or working_calendar()).overdue_cutoff(now)
