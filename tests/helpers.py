"""Helpers shared by the test files, one copy of each."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.guide_content import CITATION

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
