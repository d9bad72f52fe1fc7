"""Run the bench scripts in order and print one summary of their figures (`make bench`).

Each script runs in its own process (its output shown as it goes), leaves its
figures in tests/bench/results/<name>.json, and is bounded in time. A missed
target is reported, not a failure; this exits non-zero only when a script
could not run to the end.

    python tests/bench/run_all.py                       # all of them, about 7 minutes
    python tests/bench/run_all.py --only server_speed   # one (repeat --only for more)
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import support

HERE = Path(__file__).resolve().parent
# name -> seconds it may take at most
SCRIPTS = {
    "post_cost": 600,
    "server_speed": 600,
    "lighthouse": 1200,
    "admin_list": 600,
    "crash_test": 600,
    "email_down": 300,
}


def machine():
    memory = "?"
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} cores, {memory}, load average {load} at the start; {time.strftime('%Y-%m-%d %H:%M %Z')}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--only", action="append", choices=list(SCRIPTS), help="run only this script")
    names = parser.parse_args().only or list(SCRIPTS)

    print(f"Bench on {machine()}")
    outcomes = {}
    for name in names:
        print(f"\n=== {name} " + "=" * (70 - len(name)), flush=True)
        result_file = support.RESULTS_DIR / f"{name}.json"
        result_file.unlink(missing_ok=True)
        started = time.monotonic()
        try:
            process = subprocess.run(
                [sys.executable, str(HERE / f"{name}.py")], timeout=SCRIPTS[name], check=False
            )
            code = process.returncode
        except subprocess.TimeoutExpired:
            code = f"timed out after {SCRIPTS[name]} s"
        elapsed = time.monotonic() - started
        if result_file.exists():
            outcomes[name] = {**json.loads(result_file.read_text(encoding="utf-8")), "seconds": elapsed}
        else:
            outcomes[name] = {"status": "failed", "reason": f"exit {code}", "rows": [], "seconds": elapsed}

    print("\n" + "=" * 78 + "\nSummary")
    rows = []
    for name, outcome in outcomes.items():
        status = f"{outcome['status']} ({outcome['seconds']:.0f} s)"
        if not outcome["rows"]:
            rows.append([name, status, outcome.get("reason", ""), "", "", ""])
        for index, (figure, value, target, met) in enumerate(outcome["rows"]):
            rows.append(
                [
                    name if index == 0 else "",
                    status if index == 0 else "",
                    figure,
                    value,
                    target,
                    support.verdict(met),
                ]
            )
    support.print_table(["script", "status", "figure", "value", "target", ""], rows, align="llllll")
    missed = sum(met is False for outcome in outcomes.values() for *_, met in outcome["rows"])
    failed = [name for name, outcome in outcomes.items() if outcome["status"] == "failed"]
    print(f"\n{missed} target(s) not met." if missed else "\nEvery target measured here is met.")
    if failed:
        print(f"Could not run to the end: {', '.join(failed)} (see its output above).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
