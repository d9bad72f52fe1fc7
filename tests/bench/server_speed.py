"""Server speed: requests/s and latency of each public page under gunicorn, against a static file.

Starts gunicorn with production settings (the project's gunicorn.conf.py, its
default worker count) on a free 127.0.0.1 port, with a fresh SQLite database
holding the demo content, and drives each URL with wrk for a fixed time
(default 10 s, 32 connections, 2 threads, after a 2 s warm-up), sending
`Accept-Encoding: gzip, br` as a browser does:

    home, an article, the guide index, search (?q=knee), the request form (GET),
    the request form (POST: a new valid request each time), and the site's CSS.

It prints requests/s, p50 and p99 latency and errors per URL, and each page's
throughput as a share of the CSS file's: WhiteNoise serving a file from memory is
the ceiling this server reaches on this machine, so the ratio says how close the
pages come to it, whatever the machine. Then it says whether each target of the
issue is met (home and article at least 0.6 of static with p99 under 50 ms at
32 connections, form POST at least 300 req/s on SQLite, no errors anywhere); a
missed target is reported, not a failure.

wrk and the server share the machine's cores, so the figures are for comparing
runs on one machine, not for quoting as capacity.

    python tests/bench/server_speed.py [--duration 10] [--connections 32] [--threads 2]
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import servers
from tests.bench import support
from tests.helpers import FORM_URL, hidden_input

NAME = "server_speed"
HERE = Path(__file__).resolve().parent
REPORT_LUA = HERE / "wrk_report.lua"
POST_LUA = HERE / "wrk_post_form.lua"
BROWSER_HEADERS = ["-H", "Accept-Encoding: gzip, br", "-H", "Accept: text/html,*/*"]

PAGE_RATIO_TARGET = 0.6
P99_TARGET_MS = 50
POST_RATE_TARGET = 300


def wrk(url, *, duration, connections, threads, script=REPORT_LUA, env=None):
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(script), *BROWSER_HEADERS, url,
    ]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, env={**os.environ, **(env or {})}
    )
    match = re.search(r"^BENCH_JSON (.*)$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(match[1])
    seconds = figures["duration_us"] / 1e6
    errors = sum(
        figures[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts", "status_errors")
    )
    return {
        "requests": figures["requests"],
        "rps": figures["requests"] / seconds if seconds else 0.0,
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "errors": errors,
        "status_errors": figures["status_errors"],
    }


def discover_urls(server):
    client = servers.Client(server.url)
    status, _, home = client.get("/")
    if status != 200:
        raise RuntimeError(f"The home page answered {status}.")
    css = re.search(r'href="(/static/[^"]+\.css)"', home)
    status, _, index = client.get("/articles/")
    article = re.search(r'href="(/articles/[a-z0-9-]+/)"', index)
    if not css or not article:
        raise RuntimeError("Could not find the stylesheet on the home page or an article on the guide index.")
    urls = {
        "home": "/",
        "article": article[1],
        "guide index": "/articles/",
        "search ?q=knee": "/search/?q=knee",
        "form GET": FORM_URL,
        "static CSS": css[1],
    }
    for label, path in urls.items():
        status, _, _ = client.get(path)
        if status != 200:
            raise RuntimeError(f"{label} ({path}) answered {status}, not 200.")
    return urls


def post_form(server, database_path, *, duration, connections, threads):
    """wrk POSTs new requests; afterwards, how many the database holds with this run's marker."""
    client = servers.Client(server.url)
    status, _, page = client.get(FORM_URL)
    csrf_cookie, csrf_token = client.cookie("csrftoken"), hidden_input(page, "csrfmiddlewaretoken")
    if status != 200 or not csrf_cookie or not csrf_token:
        raise RuntimeError("Could not read the CSRF cookie and token from the request form.")
    # One request by hand first: wrk would count a form error (200) as a success.
    acknowledged, status = servers.submit_appointment_request(client, f"CHECK-{uuid.uuid4().hex[:6]}")
    if not acknowledged:
        raise RuntimeError(
            f"A valid form POST was not accepted (status {status}): check appointment_form_data()."
        )
    marker = f"WRK{uuid.uuid4().hex[:6].upper()}"
    env = {
        "BENCH_CSRF_COOKIE": csrf_cookie,
        "BENCH_CSRF_TOKEN": csrf_token,
        "BENCH_MARKER": marker,
        "BENCH_FORM_PATH": FORM_URL,
        "BENCH_REPORT_LUA": str(REPORT_LUA),
    }
    result = wrk(
        f"{server.url}{FORM_URL}",
        duration=duration,
        connections=connections,
        threads=threads,
        script=POST_LUA,
        env=env,
    )
    database = sqlite3.connect(database_path)
    try:
        result["stored"] = database.execute(
            "SELECT COUNT(*) FROM appointments_appointmentrequest WHERE name LIKE ?",
            [f"Bench Patient {marker}-%"],
        ).fetchone()[0]
    finally:
        database.close()
    return result


def main():
    args = support.bench_arguments(__doc__, duration=10, warmup=2, connections=32, threads=2).parse_args()
    if not shutil.which("wrk"):
        support.skip(NAME, "wrk is not installed: run `sudo apt-get install -y wrk`.")
    measure = {"duration": args.duration, "connections": args.connections, "threads": args.threads}
    warm = {**measure, "duration": args.warmup}

    with tempfile.TemporaryDirectory(prefix="prolo-bench-") as folder:
        print("Preparing a fresh SQLite site (migrate, collectstatic, demo content)...", flush=True)
        env = support.sqlite_site(folder)
        database_path = Path(folder) / "bench.sqlite3"
        with servers.Gunicorn(env, log_path=Path(folder) / "gunicorn.log") as server:
            workers = len(server.worker_pids())
            print(
                f"gunicorn at {server.url} with {workers} workers; wrk {args.threads} threads, "
                f"{args.connections} connections, {args.duration} s per URL after {args.warmup} s warm-up.",
                flush=True,
            )
            results = {}
            for label, path in discover_urls(server).items():
                wrk(f"{server.url}{path}", **warm)
                results[label] = wrk(f"{server.url}{path}", **measure)
                print(f"  {label:<16} {results[label]['rps']:8.0f} req/s", flush=True)
            wrk(f"{server.url}{FORM_URL}", **warm)  # GETs only: warms the form's workers
            results["form POST"] = post_form(server, database_path, **measure)
            print(f"  {'form POST':<16} {results['form POST']['rps']:8.0f} req/s", flush=True)

    static_rps = results["static CSS"]["rps"]
    print()
    rows = []
    for label, figures in results.items():
        ratio = figures["rps"] / static_rps if static_rps else 0
        rows.append(
            [
                label,
                f"{figures['rps']:.0f}",
                f"{figures['p50_ms']:.1f}",
                f"{figures['p99_ms']:.1f}",
                str(figures["errors"]),
                "" if label == "static CSS" else f"{ratio:.2f}",
            ]
        )
    support.print_table(["URL", "req/s", "p50 ms", "p99 ms", "errors", "÷ static"], rows)
    if "form POST" in results:
        post = results["form POST"]
        print(
            f"\nform POST: {post['requests']} answered in time, {post['stored']} stored with this run's marker "
            f"({post['status_errors']} answered with an error status)."
        )

    checks = []
    for label in ("home", "article"):
        ratio = results[label]["rps"] / static_rps if static_rps else 0
        checks.append(
            (f"{label} ÷ static", f"{ratio:.2f}", f">= {PAGE_RATIO_TARGET}", ratio >= PAGE_RATIO_TARGET)
        )
    for label in ("home", "article"):
        p99 = results[label]["p99_ms"]
        checks.append((f"{label} p99", f"{p99:.1f} ms", f"< {P99_TARGET_MS} ms", p99 < P99_TARGET_MS))
    if "form POST" in results:
        post = results["form POST"]
        checks.append(
            (
                "form POST",
                f"{post['rps']:.0f} req/s",
                f">= {POST_RATE_TARGET}",
                post["rps"] >= POST_RATE_TARGET,
            )
        )
    total_errors = sum(figures["errors"] for figures in results.values())
    checks.append(("errors, all URLs", str(total_errors), "0", total_errors == 0))

    support.print_targets(checks)
    figures = [
        (f"{label} req/s (p99 ms)", f"{f['rps']:.0f} ({f['p99_ms']:.1f})", "", None)
        for label, f in results.items()
    ]
    support.save_result(NAME, status="ok", rows=figures + checks)


if __name__ == "__main__":
    main()
