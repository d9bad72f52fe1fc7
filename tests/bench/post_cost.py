"""Form POST cost per request, in one process: CPU ms, writer-lock ms held, fsyncs.

Wall-clock requests/s depend on everything else the machine runs; these figures
hardly do. On a fresh SQLite site with production settings (the rate limit on, as
in production), one Python process calls the site's WSGI application directly, as
a gunicorn worker does, with N valid form POSTs (each a new patient from its own
address, after a warm-up) and reports, per POST (median, fastest tenth, mean):

    CPU ms        time.process_time() for the whole request: middleware, form,
                  submission, redirect, cookie
    lock held ms  wall time inside the SQLite writers' file lock
                  (appointments.submission._sqlite_writers_in_turn): on SQLite one
                  POST at a time is in there, so 1000 / this bounds POSTs/s
    lock CPU ms   the CPU part of that (the rest is waiting, for a core or the disk)
    fsyncs        fsync/fdatasync calls per POST, and their mean time (a second
                  pass under `strace -f -c`, when strace is installed)

and the two bounds they give on this machine's two cores: 1000 / lock held, and
cores × 1000 / (CPU ms + what wrk and gunicorn's own parsing take, estimated here
as 1 ms). The target (300 POSTs/s) needs lock held < 3.3 ms and CPU < 5.7 ms,
judged on the fastest tenth of the POSTs (the median on a busy machine also
counts the time this process waited for a core). Also counted, and the same
however busy the machine is: SQL statements and Python function calls per POST,
in all and inside the lock.

    python tests/bench/post_cost.py [--posts 400] [--warmup 50] [--profile 0]

--profile N prints cProfile's top N functions (by own time) over the posts.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import support
from tests.helpers import PROJECT_DIR

NAME = "post_cost"
CORES = 2
TARGET_RATE = 300
STRACE_POSTS = 100
OTHER_CPU_MS = 1.0  # wrk and gunicorn's HTTP parsing per request, not seen in-process


def child(posts, warmup, profile, first):
    """Runs in the site's environment: django set up, the WSGI app called directly."""
    import contextlib
    import gc
    import importlib
    import io
    import time
    from urllib.parse import urlencode

    from prolo_site.wsgi import application  # first: it sets Django up

    submission = importlib.import_module("appointments.submission")
    gc.collect()
    gc.freeze()  # as the gunicorn master does before forking (prolo_site/gunicorn.conf.py)
    from django.db import connection

    from tests.helpers import FORM_URL, hidden_input
    from tests.servers import appointment_form_data

    held = []
    held_cpu = []
    counting = {"in_lock": False, "statements": 0, "statements_in_lock": 0, "lock_profiler": None}
    in_turn = submission._sqlite_writers_in_turn

    @contextlib.contextmanager
    def timed_in_turn():
        with in_turn():
            started, started_cpu = time.perf_counter(), time.process_time()
            counting["in_lock"] = True
            if counting["lock_profiler"]:
                counting["lock_profiler"].enable()
            try:
                yield
            finally:
                if counting["lock_profiler"]:
                    counting["lock_profiler"].disable()
                counting["in_lock"] = False
                held.append(time.perf_counter() - started)
                held_cpu.append(time.process_time() - started_cpu)

    submission._sqlite_writers_in_turn = timed_in_turn

    def count_statement(execute, sql, params, many, context):
        counting["statements"] += 1
        counting["statements_in_lock"] += counting["in_lock"]
        return execute(sql, params, many, context)

    def call(method, path, *, body=b"", cookie="", address="127.0.0.1", encoding="gzip, br"):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT": "text/html,*/*",
            "HTTP_ACCEPT_ENCODING": encoding,
            "HTTP_COOKIE": cookie,
            "REMOTE_ADDR": address,
            "CONTENT_TYPE": "application/x-www-form-urlencoded" if body else "",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers

        result = application(environ, start_response)
        content = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        return answer["status"], answer["headers"], content

    status, headers, page = call("GET", FORM_URL, encoding="")
    if not status.startswith("200"):
        raise RuntimeError(f"The form answered {status}: {page[:500]!r}")
    cookies = [value.strip().split(";")[0] for name, value in headers if name == "Set-Cookie"]
    csrf_cookie = next(cookie for cookie in cookies if cookie.startswith("csrftoken="))
    csrf_token = hidden_input(page.decode(), "csrfmiddlewaretoken")

    def post(number):
        number += first  # each run its own patients and addresses
        data = appointment_form_data(f"COST{number}", csrf_token=csrf_token)
        # A new address each time: the rate limit counts (in the database) but never refuses.
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        status, _headers, _ = call(
            "POST", FORM_URL, body=urlencode(data, doseq=True).encode(), cookie=csrf_cookie, address=address
        )
        if not status.startswith("302"):
            raise RuntimeError(f"A valid form POST answered {status}, not the confirmation's redirect.")

    for number in range(warmup):
        post(number)
    held.clear()
    held_cpu.clear()
    cpu, wall = [], []
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with connection.execute_wrapper(count_statement):
        for number in range(warmup, warmup + posts):
            started, started_cpu = time.perf_counter(), time.process_time()
            post(number)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
    if profiler:
        import pstats

        profiler.disable()
        support.RESULTS_DIR.mkdir(exist_ok=True)
        profiler.dump_stats(support.RESULTS_DIR / f"{NAME}.prof")  # for pstats or snakeviz
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats(profile)

    # Python function calls per POST, in all and inside the lock: they do not depend on
    # what else the machine runs (a profiler counts them, over posts not timed).
    import cProfile
    import pstats

    # (Two passes: only one profiler can run at a time.)
    counted = 50
    everything = cProfile.Profile()
    everything.enable()
    for number in range(warmup + posts, warmup + posts + counted):
        post(number)
    everything.disable()
    counting["lock_profiler"] = cProfile.Profile()
    for number in range(warmup + posts + counted, warmup + posts + 2 * counted):
        post(number)
    if profile:
        counting["lock_profiler"].dump_stats(support.RESULTS_DIR / f"{NAME}_in_lock.prof")
    calls = pstats.Stats(everything).total_calls / counted
    calls_in_lock = pstats.Stats(counting["lock_profiler"]).total_calls / counted

    def ms(values):
        values = sorted(values)
        return {
            "median": statistics.median(values) * 1000,
            "mean": statistics.fmean(values) * 1000,
            "p10": values[len(values) // 10] * 1000,
        }

    figures = {"posts": posts, "cpu": ms(cpu), "wall": ms(wall), "held": ms(held), "held_cpu": ms(held_cpu)}
    figures["statements"] = counting["statements"] / posts
    figures["statements_in_lock"] = counting["statements_in_lock"] / posts
    figures["calls"], figures["calls_in_lock"] = calls, calls_in_lock
    print("POST_COST_JSON " + json.dumps(figures))


def run_child(env, *, posts, warmup, first, profile=0, strace_to=None):
    command = [sys.executable, __file__, "--child", "--posts", str(posts), "--warmup", str(warmup)]
    command += ["--profile", str(profile), "--first", str(first)]
    if strace_to:
        command = ["strace", "-f", "-c", "-w", "-e", "trace=fsync,fdatasync", "-o", str(strace_to), *command]
    result = subprocess.run(
        command, env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900, check=False
    )
    if profile:
        print(result.stderr)
    line = next((line for line in result.stdout.splitlines() if line.startswith("POST_COST_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"The measuring process failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(line.removeprefix("POST_COST_JSON "))


def fsyncs(strace_summary):
    """(calls, seconds) of fsync + fdatasync from `strace -c`'s table."""
    calls = seconds = 0.0
    for line in Path(strace_summary).read_text().splitlines():
        parts = line.split()
        if parts and parts[-1] in ("fsync", "fdatasync"):
            seconds += float(parts[1])
            calls += int(parts[3])
    return calls, seconds


def main():
    parser = support.bench_arguments(__doc__, posts=400, warmup=50, profile=0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.posts, args.warmup, args.profile, args.first)
        return

    with tempfile.TemporaryDirectory(prefix="prolo-bench-") as folder:
        print("Preparing a fresh SQLite site (migrate, collectstatic, demo content)...", flush=True)
        # The rate limit on, as in production: its count is part of every POST's transaction.
        env = support.sqlite_site(folder, APPOINTMENTS_RATE_LIMIT="5/10m")
        print(f"{args.posts} POSTs after {args.warmup} to warm up, in one process...", flush=True)
        figures = run_child(env, posts=args.posts, warmup=args.warmup, first=0, profile=args.profile)
        fsync_calls = fsync_ms = None
        if shutil.which("strace"):
            # Two runs, 1 and 1 + STRACE_POSTS POSTs: the difference is what the POSTs cost.
            first = args.warmup + args.posts + 200
            runs = {}
            for posts in (1, 1 + STRACE_POSTS):
                summary = Path(folder) / f"strace-{posts}.txt"
                run_child(env, posts=posts, warmup=0, first=first, strace_to=summary)
                runs[posts] = fsyncs(summary)
                first += posts + 200
            calls = runs[1 + STRACE_POSTS][0] - runs[1][0]
            fsync_calls = calls / STRACE_POSTS
            fsync_ms = (runs[1 + STRACE_POSTS][1] - runs[1][1]) / max(calls, 1) * 1000

    # Judged on the fastest tenth: the cost of a POST nothing else disturbed (on a busy
    # machine the median also counts the time the process waited for a core).
    cpu, held = figures["cpu"]["p10"], figures["held"]["p10"]
    lock_bound = 1000 / held if held else float("inf")
    cpu_bound = CORES * 1000 / (cpu + OTHER_CPU_MS)

    def row(label, key):
        return [label, *(f"{figures[key][stat]:.2f}" for stat in ("median", "p10", "mean"))]

    print()
    support.print_table(
        ["per POST", "median", "fastest 10%", "mean"],
        [
            row("CPU ms", "cpu"),
            row("wall ms (one at a time)", "wall"),
            row("writer lock held ms", "held"),
            row("  of which CPU ms", "held_cpu"),
        ],
    )
    print(
        f"\nCounted (the same on a busy machine): {figures['statements']:.1f} SQL statements per POST, "
        f"{figures['statements_in_lock']:.1f} of them inside the lock; {figures['calls']:,.0f} Python "
        f"function calls, {figures['calls_in_lock']:,.0f} inside the lock."
    )
    if fsync_calls is not None:
        print(f"fsync + fdatasync per POST: {fsync_calls:.2f}, {fsync_ms:.2f} ms each (strace, wall clock).")
    print(
        f"\nBounds on {CORES} cores: {lock_bound:.0f} POSTs/s from the lock (1000 / held), "
        f"{cpu_bound:.0f} POSTs/s from CPU ({CORES} × 1000 / (CPU + {OTHER_CPU_MS:.0f} ms for wrk and HTTP)). "
        f"Load average now: {', '.join(f'{value:.2f}' for value in os.getloadavg())}."
    )
    checks = [
        (
            "POST CPU ms",
            f"{cpu:.2f} ms",
            f"< {CORES * 1000 / TARGET_RATE - OTHER_CPU_MS:.1f} ms",
            cpu_bound >= TARGET_RATE,
        ),
        ("POST lock held ms", f"{held:.2f} ms", f"< {1000 / TARGET_RATE:.1f} ms", lock_bound >= TARGET_RATE),
    ]
    support.print_targets(checks)
    counts = [
        (
            "SQL statements per POST (in the lock)",
            f"{figures['statements']:.1f} ({figures['statements_in_lock']:.1f})",
        ),
        ("Python calls per POST (in the lock)", f"{figures['calls']:,.0f} ({figures['calls_in_lock']:,.0f})"),
    ]
    if fsync_calls is not None:
        counts.append(("fsyncs per POST (ms each)", f"{fsync_calls:.2f} ({fsync_ms:.2f})"))
    support.save_result(NAME, status="ok", rows=checks + [(*count, "", None) for count in counts])


if __name__ == "__main__":
    main()
