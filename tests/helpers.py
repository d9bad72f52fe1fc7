"""Helpers the suite shares, one copy of each: the one way to run manage.py (or Python) in a
fresh process, the settings an environment gives (read without one), a page's hidden inputs,
the words a reader reads (and their grade), and the images the upload tests send."""

import atexit
import contextlib
import functools
import html
import io
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.guide_content import CITATION

PROJECT_DIR = Path(__file__).resolve().parent.parent
FORM_URL = "/appointments/request/"
RECEIVED_URL = "/appointments/request/received/"

# Whatever the caller's shell has set for the site, a process started here gets only what it is given.
SITE_VARIABLE_PREFIXES = (
    "DJANGO_",
    "DATABASE_URL",
    "CACHE_URL",
    "APPOINTMENTS_",
    "EMAIL_",
    "AWS_",
    "GUNICORN_",
)


@functools.cache
def private_cache_home():
    """A cache home of this test run's own (removed at exit), so processes started here
    keep their file caches out of the user's real ~/.cache."""
    folder = tempfile.mkdtemp(prefix="prolo-test-cache-home-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def site_environ(**variables):
    """This process's environment without any of the site's variables, plus `variables`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(SITE_VARIABLE_PREFIXES)}
    env.update(
        {"XDG_CACHE_HOME": private_cache_home(), **{key: str(value) for key, value in variables.items()}}
    )
    env.pop("CACHE_DIRECTORY", None)
    return env


def declared_settings(monkeypatch, **variables):
    """What prolo_site/settings.py declares when the site's environment is exactly
    `variables`: the module is run afresh in this process (the live settings are not
    touched), so a test reads the result without starting a process."""
    for key in os.environ:
        if key.startswith(SITE_VARIABLE_PREFIXES) or key == "CACHE_DIRECTORY":
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CACHE_HOME", private_cache_home())
    for key, value in variables.items():
        monkeypatch.setenv(key, str(value))
    module = runpy.run_path(str(PROJECT_DIR / "prolo_site" / "settings.py"))
    return SimpleNamespace(**{name: value for name, value in module.items() if name.isupper()})


def run_python(*arguments, env, timeout=120, check=False):
    """`python <arguments>` in the project folder, in a fresh process with exactly `env`.
    With check, a non-zero exit raises with the process's output."""
    result = subprocess.run(
        [sys.executable, *arguments],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"python {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def run_manage(*arguments, env, timeout=120, check=False):
    """`manage.py <arguments>` in a fresh process (see run_python)."""
    return run_python("manage.py", *arguments, env=env, timeout=timeout, check=check)


def hidden_input(page, name):
    """The value of the input called `name` in the HTML `page`, or None if there is none."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match[0])
    return html.unescape(value[1]) if value else ""


# Characters that already close a heading or list item as a unit of text.
_CLOSING_PUNCTUATION = frozenset(".!?:;,)\"'\u201d\u2019")


def plain_text(markdown: str) -> str:
    """The words a reader actually reads, without Markdown syntax.

    Heading marks, emphasis, list bullets, block quotes, HTML tags and
    citation markers such as [1] are removed; links and images keep their
    text. A heading or list item that has no closing punctuation gets a full
    stop, because readers take it in as a unit of its own; this keeps
    readability scores from treating a heading and the paragraph after it as
    one long sentence. Paragraphs stay separated by a blank line.
    """
    text = markdown.replace("\r\n", "\n")
    text = re.sub(r"^\s*(```|~~~).*$", "", text, flags=re.MULTILINE)  # code fences
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)  # HTML comments
    text = re.sub(r"<[^>\n]+>", "", text)  # HTML tags
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images keep alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # inline links keep text
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)  # reference links keep text
    text = re.sub(r"^\s*\[[^\]]+\]:\s+\S.*$", "", text, flags=re.MULTILINE)  # link definitions
    text = re.sub(r"[ \t]*" + CITATION.pattern, "", text)  # citation markers
    text = re.sub(r"`([^`]*)`", r"\1", text)  # inline code
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)  # bold
    text = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\w)", r"\1", text)  # *italic*
    text = re.sub(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", r"\1", text)  # _italic_
    text = re.sub(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$", "", text, flags=re.MULTILINE)  # rules

    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        is_unit = False
        while True:  # block quotes, possibly nested
            unquoted = re.sub(r"^>\s?", "", stripped)
            if unquoted == stripped:
                break
            stripped = unquoted.strip()
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", stripped)
        item = re.match(r"^(?:[-*+]|\d+[.)])\s+(.*)$", stripped)
        if heading:
            stripped, is_unit = heading.group(1), True
        elif item:
            stripped, is_unit = item.group(1), True
        if is_unit and stripped and stripped[-1] not in _CLOSING_PUNCTUATION:
            stripped += "."
        lines.append(stripped)

    text = "\n".join(lines)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def reading_grade(markdown: str) -> float:
    """The Flesch-Kincaid grade of what a reader reads in *markdown*.

    textstat 0.7.3 counts syllables with Pyphen's bundled dictionaries, so it
    works offline (later versions fetch nltk's cmudict).
    """
    import textstat  # imported here: only the readability tests need it

    return textstat.flesch_kincaid_grade(plain_text(markdown))


# --- Uploaded images ----------------------------------------------------------

GPS_INFO = 0x8825


def phone_photo(size=(1600, 1200), name="IMG_20261201_at_home.jpg"):
    """A JPEG as a phone uploads it: the maker and the GPS position where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif[GPS_INFO] = {1: "N", 2: (36.0, 52.0, 30.0), 3: "W", 4: (76.0, 17.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 80, 60)).save(buffer, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


POSTSCRIPT = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 200 200\nnewpath 0 0 moveto 200 200 lineto stroke\n"
)


def png(size=(1600, 900)):
    """A real PNG of one colour."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 140)).save(buffer, "PNG")
    return buffer.getvalue()


def half_a_jpeg():
    """A JPEG cut short, as an interrupted copy leaves it."""
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 60).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


def stored_files(media_root):
    """Every file under the media folder."""
    return sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []


def assert_clean(path):
    """The stored image is one we encoded: JPEG or WebP, with no EXIF, colour profile or maker."""
    data = path.read_bytes()
    with Image.open(path) as image:
        assert image.format in {"JPEG", "WEBP"}
        assert not image.getexif() and "icc_profile" not in image.info
    assert b"SecretPhoneMaker" not in data and b"Exif" not in data


@contextlib.contextmanager
def migrated_to(targets):
    """The database migrated back to `targets` (app, migration), as their historical apps
    for a test to fill and migrate on with `.migrate(targets)`; afterwards migrated
    forward to the latest again, whatever the test did."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    class Migrator:
        def migrate(self, to):
            executor = MigrationExecutor(connection)
            executor.migrate(to)
            return executor.loader.project_state(to).apps

    migrator = Migrator()
    try:
        yield migrator, migrator.migrate(targets)
    finally:
        migrator.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
