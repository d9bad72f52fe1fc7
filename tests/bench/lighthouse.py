"""Page speed as a patient on a phone feels it: Lighthouse scores, and the bytes a page costs.

Starts gunicorn with production settings and the demo content (as server_speed.py
does), then runs Lighthouse (from the npm registry, pinned in package.json and
package-lock.json, installed into tests/bench/node_modules on first use) with its
mobile preset (the default: a mid-range phone on a throttled 4G connection,
simulated) against Debian's Chromium, three times each on the home page, an
article and the request form, in English and in Spanish (/es/). It prints the median performance, accessibility,
best-practices and SEO scores and the median LCP, CLS and TBT of each page, and
lists what kept any category below 100.

It also measures, with plain HTTP requests, the article's HTML as sent to a
browser that accepts gzip (target: at most 14,000 bytes, one round trip) and
all the stylesheets the six pages link, gzip and brotli (target: at most
10,000 bytes together).

    python tests/bench/lighthouse.py [--runs 3]

Needs Node.js with npm (Debian: `sudo apt-get install -y nodejs npm`) and
Chromium (`sudo apt-get install -y chromium`; another path in CHROME_PATH).
"""

import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import servers
from tests.bench import support
from tests.helpers import FORM_URL

NAME = "lighthouse"
HERE = Path(__file__).resolve().parent
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
ARTICLE_HTML_TARGET = 14_000
CSS_TARGET = 10_000


def ensure_lighthouse():
    if LIGHTHOUSE.exists():
        return
    if not shutil.which("npm"):
        support.skip(NAME, "npm is not installed: run `sudo apt-get install -y nodejs npm`, then rerun.")
    print("Installing Lighthouse into tests/bench/node_modules (npm ci, once)...", flush=True)
    result = subprocess.run(
        ["npm", "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 or not LIGHTHOUSE.exists():
        support.skip(
            NAME,
            f"`npm ci --prefix tests/bench` failed ({result.stderr.strip()[-300:]}); "
            "run it by hand and rerun.",
        )


def chrome_path():
    path = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not (Path(path).exists() or shutil.which(path)):
        support.skip(
            NAME, f"Chromium not found at {path}: run `sudo apt-get install -y chromium` or set CHROME_PATH."
        )
    return path


def run_lighthouse(url, *, chrome, output):
    command = [
        str(LIGHTHOUSE), url, "--output=json", f"--output-path={output}", "--quiet",
        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
        "--max-wait-for-load=45000",
    ]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=240, env={**os.environ, "CHROME_PATH": chrome}
    )
    if result.returncode != 0:
        raise RuntimeError(f"Lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    report = json.loads(Path(output).read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"Lighthouse could not load {url}: {report['runtimeError']}")
    audits = report["audits"]
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    shortfalls = {
        name: sorted(
            audits[ref["id"]]["title"]
            for ref in report["categories"][name]["auditRefs"]
            if ref["weight"] > 0 and audits[ref["id"]]["score"] is not None and audits[ref["id"]]["score"] < 1
        )
        for name in CATEGORIES
    }
    return {
        **scores,
        "LCP ms": audits["largest-contentful-paint"]["numericValue"],
        "CLS": audits["cumulative-layout-shift"]["numericValue"],
        "TBT ms": audits["total-blocking-time"]["numericValue"],
        "shortfalls": shortfalls,
    }


def run_with_retries(url, *, chrome, folder, attempts=3):
    """Lighthouse now and then fails to record a trace on a busy machine (NO_NAVSTART,
    NO_FCP); such a run is tried again, and said so, rather than ending the whole bench."""
    for attempt in range(1, attempts + 1):
        try:
            return run_lighthouse(url, chrome=chrome, output=Path(folder) / "lighthouse.json")
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            if attempt == attempts:
                raise
            print(
                f"    that run failed ({str(error).strip().splitlines()[-1][:120]}); trying again", flush=True
            )
    return None


def transferred_size(url, encoding):
    """Bytes of the body as sent to a browser that accepts `encoding` (not decoded)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})  # noqa: S310 (127.0.0.1)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = response.read()
        sent_encoding = response.headers.get("Content-Encoding", "identity")
        header_bytes = len(str(response.headers).encode())
    return len(body), sent_encoding, header_bytes, body


def byte_budget(server, pages):
    article_url = f"{server.url}{pages['article']}"
    html_bytes, html_encoding, html_header_bytes, body = transferred_size(article_url, "gzip")
    if html_encoding == "gzip":
        gzip.decompress(body)  # really gzip, or this raises
    stylesheets = set()
    for path in pages.values():
        with urllib.request.urlopen(f"{server.url}{path}", timeout=30) as response:  # noqa: S310
            page = response.read().decode()
        stylesheets.update(re.findall(r'<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"', page))
        stylesheets.update(re.findall(r'<link[^>]+href="([^"]+\.css)"[^>]*rel="stylesheet"', page))
    css = {}
    for encoding in ("gzip", "br"):
        sizes = [transferred_size(f"{server.url}{href}", encoding) for href in sorted(stylesheets)]
        css[encoding] = (sum(size for size, *_ in sizes), {sent for _, sent, *_ in sizes})
    return {
        "article_html": (html_bytes, html_encoding, html_header_bytes),
        "stylesheets": sorted(stylesheets),
        "css": css,
    }


def main():
    args = support.bench_arguments(__doc__, runs=3).parse_args()
    ensure_lighthouse()
    chrome = chrome_path()

    with tempfile.TemporaryDirectory(prefix="prolo-lighthouse-") as folder:
        print("Preparing a fresh SQLite site (migrate, collectstatic, demo content)...", flush=True)
        env = support.sqlite_site(folder)
        with servers.Gunicorn(env, log_path=Path(folder) / "gunicorn.log") as server:
            client = servers.Client(server.url)
            article = re.search(r'href="(/articles/[a-z0-9-]+/)"', client.get("/articles/")[2])
            spanish_article = re.search(r'href="(/es/guia/[a-z0-9-]+/)"', client.get("/es/guia/")[2])
            pages = {
                "home": "/",
                "article": article[1],
                "request form": FORM_URL,
                "home (es)": "/es/",
                "article (es)": spanish_article[1],
                "request form (es)": "/es/solicitar-cita/",
            }
            results = {}
            for label, path in pages.items():
                runs = []
                for number in range(1, args.runs + 1):
                    print(f"  Lighthouse {label} ({path}), run {number} of {args.runs}...", flush=True)
                    runs.append(run_with_retries(f"{server.url}{path}", chrome=chrome, folder=folder))
                results[label] = runs
            budget = byte_budget(server, pages)

    rows, checks = [], []
    medians = {}
    for label, runs in results.items():
        median = {
            key: statistics.median(run[key] for run in runs)
            for key in [*CATEGORIES, "LCP ms", "CLS", "TBT ms"]
        }
        medians[label] = median
        rows.append(
            [
                label,
                *(f"{median[name]:.0f}" for name in CATEGORIES),
                f"{median['LCP ms']:.0f}",
                f"{median['CLS']:.3f}",
                f"{median['TBT ms']:.0f}",
            ]
        )
        all_100 = all(median[name] == 100 for name in CATEGORIES)
        checks.append(
            (f"{label}: four scores", " / ".join(f"{median[n]:.0f}" for n in CATEGORIES), "100 each", all_100)
        )
    print(f"\nLighthouse, mobile preset, median of {args.runs} runs:")
    support.print_table(["page", "perf", "a11y", "best pr.", "SEO", "LCP ms", "CLS", "TBT ms"], rows)

    for label, runs in results.items():
        for name in CATEGORIES:
            missed = sorted({title for run in runs for title in run["shortfalls"][name]})
            if missed:
                print(f"  {label}, {name} below 1 in some run: {'; '.join(missed)}")

    html_bytes, html_encoding, html_header_bytes = budget["article_html"]
    css_gzip, css_gzip_sent = budget["css"]["gzip"]
    css_br, css_br_sent = budget["css"]["br"]
    print(
        f"\nArticle HTML ({pages['article']}): {html_bytes:,} bytes as sent with Accept-Encoding: gzip "
        f"(Content-Encoding: {html_encoding}; plus {html_header_bytes:,} bytes of headers)."
    )
    print(
        f"CSS, {len(budget['stylesheets'])} file(s) ({', '.join(budget['stylesheets'])}): "
        f"{css_gzip:,} bytes gzip ({'/'.join(sorted(css_gzip_sent))}), {css_br:,} bytes brotli ({'/'.join(sorted(css_br_sent))})."
    )
    checks.append(
        (
            "article HTML, gzip",
            f"{html_bytes:,} B",
            f"<= {ARTICLE_HTML_TARGET:,}",
            html_bytes <= ARTICLE_HTML_TARGET,
        )
    )
    checks.append(("all CSS, gzip", f"{css_gzip:,} B", f"<= {CSS_TARGET:,}", css_gzip <= CSS_TARGET))
    support.print_targets(checks)

    figures = [
        (
            f"{label}: LCP / CLS / TBT",
            f"{m['LCP ms']:.0f} ms / {m['CLS']:.3f} / {m['TBT ms']:.0f} ms",
            "",
            None,
        )
        for label, m in medians.items()
    ]
    figures.append(("all CSS, brotli", f"{css_br:,} B", "", None))
    support.save_result(NAME, status="ok", rows=checks + figures)


if __name__ == "__main__":
    main()
