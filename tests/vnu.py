"""The Nu HTML Checker (vnu.jar, installed by `make test` with npm), run on pages as served."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VNU_JAR = Path(__file__).resolve().parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_or_skip():
    """Skip where Java or the checker is missing; in CI that is a failure."""
    missing = []
    if not shutil.which("java"):
        missing.append("Java (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing.append("vnu.jar (make test installs it with npm)")
    if missing:
        message = "The Nu HTML Checker needs " + " and ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def html_errors(pages, folder):
    """The checker's errors for {name: html bytes}, one line each ("" when there are none)."""
    vnu_or_skip()
    files = []
    for name, html in pages.items():
        path = Path(folder) / f"{name}.html"
        path.write_bytes(html)
        files.append(str(path))
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()[:80]}]"
        for m in messages
    )
