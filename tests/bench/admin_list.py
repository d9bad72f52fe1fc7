"""The front desk's request list in the admin: time and queries at 100 and at 50,000 requests.

Makes a fresh SQLite database with production settings, a front-desk user (the
"Front desk" group, not a superuser) and appointment requests inserted with
bulk_create (statuses, areas, providers and assignees mixed, received over two
years). Then, in this process through Django's test Client, logged in as that
user, it renders the first page of the admin list (the working view: every
status but spam, in the admin's own order) several times and prints the median
time and the number of SQL queries (CaptureQueriesContext), first with 100
requests and again with 50,000; then four searches a front desk types among the
50,000 (the last four digits, a number as written, a name, an email address).

Targets (issues 6 and 13): the same number of queries at 100 and at 50,000, and
the first page of 50,000, and each search, in under 300 ms.

    python tests/bench/admin_list.py [--rows 50000] [--repeat 7]
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import servers
from tests.bench import support
from tests.helpers import SITE_VARIABLE_PREFIXES

NAME = "admin_list"
TIME_TARGET_MS = 300


def configure_django(folder):
    for key in [key for key in os.environ if key.startswith(SITE_VARIABLE_PREFIXES)]:
        del os.environ[key]
    os.environ.update(
        servers.production_env(
            DATABASE_URL=f"sqlite:///{Path(folder) / 'admin-bench.sqlite3'}",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,testserver",
            DJANGO_SETTINGS_MODULE="prolo_site.settings",
        )
    )
    import django

    django.setup()


def reference(number):
    from appointments.models import REFERENCE_ALPHABET, REFERENCE_LENGTH

    digits = []
    for _ in range(REFERENCE_LENGTH):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        digits.append(REFERENCE_ALPHABET[digit])
    return "".join(reversed(digits))


def add_requests(start, count, *, staff, provider):
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from appointments.models import AppointmentRequest

    Status = AppointmentRequest.Status
    statuses = [Status.CLOSED] * 6 + [Status.SCHEDULED, Status.CONTACTED, Status.NEW, Status.SPAM]
    areas = list(AppointmentRequest.Area.values)
    now = timezone.now()
    two_years = timedelta(days=730).total_seconds()
    rows = []
    for number in range(start, start + count):
        status = statuses[number % len(statuses)]
        received = now - timedelta(seconds=two_years * (1 - number / (start + count)))
        rows.append(
            AppointmentRequest(
                reference=reference(number),
                received_at=received,
                status_changed_at=received,
                name=f"Patient {number}",
                email=f"patient{number}@example.com",
                phone="+17575550100" if number % 3 == 0 else "",
                contact_method=AppointmentRequest.ContactMethod.EMAIL,
                patient_type=AppointmentRequest.PatientType.NEW,
                visit_type=AppointmentRequest.VisitType.values[number % 3],
                preferred_provider=provider if number % 2 else None,
                areas=",".join(sorted({areas[number % len(areas)], areas[(number // 7) % len(areas)]})),
                message="I would like to talk about my knee.",
                acknowledged_not_emergency=True,
                status=status,
                close_reason=AppointmentRequest.CloseReason.OTHER if status == Status.CLOSED else "",
                assigned_to=staff if number % 4 == 0 else None,
            )
        )
    for row in rows:  # bulk_create skips save(), which keeps the search columns
        for column, (answer, fold) in AppointmentRequest.SEARCH_COLUMNS.items():
            setattr(row, column, fold(getattr(row, answer)))
    with transaction.atomic():
        AppointmentRequest.objects.bulk_create(rows, batch_size=2000)


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm: templates compiled, caches filled
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        response.content  # noqa: B018 (the whole body, as a browser would get it)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    shown = response.content.decode().count('name="_selected_action"')
    return statistics.median(timings), min(timings), len(queries), shown


def main():
    args = support.bench_arguments(__doc__, rows=50_000, repeat=7).parse_args()
    with tempfile.TemporaryDirectory(prefix="prolo-admin-bench-") as folder:
        configure_django(folder)
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        from appointments.models import AppointmentRequest
        from prolo_site.models import Provider

        print("Preparing a fresh SQLite database (migrate, collectstatic, demo content)...", flush=True)
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_demo_content", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        staff = get_user_model().objects.create_user(username="frontdesk-bench", is_staff=True)
        staff.groups.add(Group.objects.get(name="Front desk"))
        provider = Provider.objects.first()
        client = Client()
        client.force_login(staff)
        url = reverse("admin:appointments_appointmentrequest_changelist")

        results = {}
        for total in (100, args.rows):
            existing = AppointmentRequest.objects.count()
            started = time.perf_counter()
            add_requests(existing, total - existing, staff=staff, provider=provider)
            print(
                f"  {total:,} requests in the database (inserted in {time.perf_counter() - started:.1f} s)",
                flush=True,
            )
            results[total] = measure(client, url, args.repeat)
        # What the front desk types to find a caller: the last four digits, a number as
        # written, a name (one in 50,000 matches, and not spam, which the list hides), an email address.
        searches = {
            term: measure(client, f"{url}?q={quote(term)}", args.repeat)
            for term in ("0100", "757-555-0100", "patient 49998", "patient49998@example.com")
        }

    print(f"\nAdmin list, first page, as a front-desk user (median of {args.repeat}):")
    rows = [
        [f"{total:,}", f"{median:.0f}", f"{fastest:.0f}", str(queries), str(shown)]
        for total, (median, fastest, queries, shown) in results.items()
    ]
    support.print_table(["requests", "median ms", "fastest ms", "queries", "rows shown"], rows)

    print(f"\nSearches among {args.rows:,} (median of {args.repeat}):")
    support.print_table(
        ["search", "median ms", "fastest ms", "queries", "rows shown"],
        [
            [term, f"{median:.0f}", f"{fastest:.0f}", str(queries), str(shown)]
            for term, (median, fastest, queries, shown) in searches.items()
        ],
    )

    (small_median, _, small_queries, _), (big_median, _, big_queries, _) = results[100], results[args.rows]
    checks = [
        (
            f"queries at 100 / {args.rows:,}",
            f"{small_queries} / {big_queries}",
            "the same",
            small_queries == big_queries,
        ),
        (
            f"first page of {args.rows:,}",
            f"{big_median:.0f} ms",
            f"< {TIME_TARGET_MS} ms",
            big_median < TIME_TARGET_MS,
        ),
    ]
    support.print_targets(checks)
    slowest_term, (slowest, *_rest) = max(searches.items(), key=lambda item: item[1][0])
    checks.append(
        (
            f"slowest search ({slowest_term})",
            f"{slowest:.0f} ms",
            f"< {TIME_TARGET_MS} ms",
            slowest < TIME_TARGET_MS,
        )
    )
    figures = [("first page of 100", f"{small_median:.0f} ms", "", None)]
    support.save_result(NAME, status="ok", rows=checks + figures)


if __name__ == "__main__":
    main()
