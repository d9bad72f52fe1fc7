"""What the bench scripts share beyond tests/servers.py (the server, the client and a
production-like SQLite site): reporting.

Everything here talks only to 127.0.0.1.
"""

import time
from pathlib import Path

from tests.servers import sqlite_site  # noqa: F401  (the scripts call support.sqlite_site)

# --- Reporting ---------------------------------------------------------------

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def bench_arguments(description, **defaults):
    """The arguments every bench script takes, plus its own defaults."""
    import argparse

    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawTextHelpFormatter)
    for name, value in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return parser


def save_result(name, *, status, rows=(), reason=""):
    """Keep a script's figures for run_all's summary (tests/bench/results/, git-ignored).

    status: "ok" (measured; targets may still be missed) or "skipped" (a tool or
    the app is missing; `reason` says what to do). rows: (figure, value, target or
    "", met: True/False/None)."""
    import json

    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {
        "script": name,
        "status": status,
        "reason": reason,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "rows": [list(row) for row in rows],
    }
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return payload


def skip(name, reason):
    """Say in one line why a script cannot run here and how to fix that; exit 0 (not a failure)."""
    print(f"SKIPPED {name}: {reason}")
    save_result(name, status="skipped", reason=reason)
    raise SystemExit(0)


def verdict(met):
    return {True: "met", False: "NOT MET", None: ""}[met]


def print_table(headers, rows, align=None):
    """A plain text table; `align` has one letter per column, l or r (default: first left, rest right)."""
    widths = [max(len(str(value)) for value in column) for column in zip(headers, *rows, strict=True)]
    align = align or "l" + "r" * (len(headers) - 1)
    line = "  ".join(
        f"{{:{'<' if a == 'l' else '>'}{width}}}" for a, width in zip(align, widths, strict=True)
    )
    print(line.format(*headers))
    print(line.format(*("-" * width for width in widths)))
    for row in rows:
        print(line.format(*row))


def print_targets(checks):
    """checks: (figure, value, target, met) rows."""
    print("\nTargets (issue 6):")
    print_table(
        ["figure", "value", "target", ""], [[*row[:3], verdict(row[3])] for row in checks], align="lrrl"
    )
