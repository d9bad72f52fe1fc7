"""The Spanish catalogue is complete, compiled and current, and no English interface text reaches a Spanish page."""

import html
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.factories import (
    make_article,
    make_clinic,
    make_page,
    make_page_translation,
    make_provider,
    make_translation,
)
from tests.helpers import PROJECT_DIR

CATALOGUE = PROJECT_DIR / "prolo_site" / "locale" / "es" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "django.po"
MO_FILE = CATALOGUE / "django.mo"
# What `make messages` passes to makemessages: the staff's admin templates are English only.
IGNORED = ["tests", "staticfiles", "media", "backups", "templates/admin/*", "templates/appointments/admin/*"]


def entries(catalogue):
    """{(context, msgid): translations} for every live entry."""
    return {
        (entry.msgctxt, entry.msgid): (
            tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
            if entry.msgid_plural
            else (entry.msgstr,)
        )
        for entry in catalogue
        if not entry.obsolete and entry.msgid
    }


def test_every_string_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO_FILE))

    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    plural_count = int(catalogue.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    empty_plurals = [
        entry.msgid
        for entry in catalogue
        if entry.msgid_plural
        and (len(entry.msgstr_plural) != plural_count or not all(entry.msgstr_plural.values()))
    ]

    assert len(catalogue) > 150
    assert not untranslated, f"Untranslated in {PO_FILE.name}: {untranslated}"
    assert not fuzzy, f"Fuzzy (needs checking) in {PO_FILE.name}: {fuzzy}"
    assert not empty_plurals
    assert not catalogue.metadata_is_fuzzy


def test_the_compiled_catalogue_matches_the_translations():
    """`make messages` (compilemessages) was run after the last change to the .po file."""
    compiled = entries(polib.mofile(str(MO_FILE)))
    written = entries(polib.pofile(str(PO_FILE)))

    assert compiled == written, (
        "prolo_site/locale/es/LC_MESSAGES/django.mo is out of date: run `make messages` and commit it. "
        f"Differs for: {sorted(set(compiled.items()) ^ set(written.items()))[:5]}"
    )


def test_the_catalogue_has_every_string_the_code_marks(tmp_path):
    """makemessages over the code finds no string the catalogue lacks, and none it no longer uses."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        message = "GNU gettext is needed to extract the strings (apt-get install gettext)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    locale_dir = tmp_path / "locale"
    locale_dir.mkdir()
    cwd = Path.cwd()
    os.chdir(PROJECT_DIR)
    try:
        # Every locale folder ignored: makemessages would otherwise write into the real one.
        with override_settings(LOCALE_PATHS=[locale_dir]):
            call_command("makemessages", locale=["es"], ignore_patterns=[*IGNORED, "locale"], verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = set(entries(polib.pofile(str(locale_dir / "es" / "LC_MESSAGES" / "django.po"))))
    committed = set(entries(polib.pofile(str(PO_FILE))))

    assert extracted - committed == set(), "New strings: run `make messages` and translate them"
    assert committed - extracted == set(), "Strings no longer used: run `make messages`"


class VisibleSpanishText(HTMLParser):
    """The text a reader sees (and the attributes read out: alt, aria-label, title, the
    description), leaving out what is marked as another language (lang="en")."""

    READ_ATTRIBUTES = ("alt", "aria-label", "title", "placeholder")
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, is_other_language)
        self.parts = []

    def _skipping(self):
        return any(other for _, other in self.stack) or any(
            tag in ("script", "style") for tag, _ in self.stack
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        other = attrs.get("lang") not in (None, "es")
        if tag == "meta" and attrs.get("name") == "description":
            self.parts.append(attrs.get("content", ""))
        if not (other or self._skipping()):
            self.parts.extend(attrs[name] for name in self.READ_ATTRIBUTES if attrs.get(name))
        if tag not in self.VOID:
            self.stack.append((tag, other))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)

    @classmethod
    def of(cls, page):
        parser = cls()
        parser.feed(page)
        return " ".join(" ".join(parser.parts).split())


def english_interface_strings():
    """The catalogue's English sentences and labels, as a reader would see them (without
    their placeholders and markup); short ones ("Email", "Menu") are the same or unclear
    in both languages and are left out."""
    import re

    strings = set()
    for entry in polib.pofile(str(PO_FILE)):
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            text = html.unescape(re.sub(r"<[^>]+>", "", msgid))
            for piece in re.split(r"%\(\w+\)[sd]|\{\w+\}", text):
                piece = " ".join(piece.split()).strip(" .,:;")
                if len(piece.split()) >= 3 and "/" not in piece:
                    strings.add(piece)
    return strings


@pytest.mark.django_db
def test_spanish_pages_show_no_english_interface_text(client):
    make_clinic(email="hola@clinic.example", callback_time="", opening_hours="")
    make_provider(accepting_new_patients=True)
    english = make_article(is_featured=True)
    make_translation(english, is_featured=True)
    make_page_translation(make_page())
    pages = {
        "home": client.get("/es/"),
        "guide": client.get("/es/guia/"),
        "article": client.get("/es/guia/que-es-la-proloterapia/"),
        "search": client.get("/es/buscar/?q=dextrosa"),
        "search-nothing": client.get("/es/buscar/?q=cebra"),
        "search-empty": client.get("/es/buscar/?q="),
        "form": client.get("/es/solicitar-cita/"),
        "form-errors": client.post("/es/solicitar-cita/", {"name": "", "areas": []}),
        "page": client.get("/es/informacion/privacidad/"),
        "not-found": client.get("/es/no-existe/"),
    }
    english_strings = english_interface_strings()
    assert len(english_strings) > 100
    # The check sees English where there is some: the English form, read the same way.
    english_form = client.get("/appointments/request/").content.decode().replace('<html lang="en">', "<html>")
    assert len([string for string in english_strings if string in VisibleSpanishText.of(english_form)]) > 20

    leaks = {}
    for name, response in pages.items():
        text = VisibleSpanishText.of(response.content.decode())
        found = sorted(string for string in english_strings if string in text)
        if found:
            leaks[name] = found
    assert "Hay un problema" in VisibleSpanishText.of(pages["form-errors"].content.decode())
    assert not leaks, f"English interface text on Spanish pages: {leaks}"
