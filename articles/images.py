"""Hero images: upload checks and responsive renditions made once, at upload.

Each upload becomes WebP files (served first) and JPEG files (the fallback) at a
few widths, so a phone downloads only what it shows. The renditions' names and
sizes are stored on the article; no image work happens while serving a page.
"""

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE_PIXELS = 6000
RENDITION_WIDTHS = (480, 800, 1200)
FORMATS = {"webp": "WEBP", "jpg": "JPEG"}  # file extension: Pillow's format
SIZES = "(min-width: 46rem) 42rem, 100vw"  # the article column is at most 42rem wide
NOT_AN_IMAGE = "This file is not an image we can use. Please upload a JPEG, PNG or WebP."


def validate_hero_image(upload):
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "This image is %(size)s MB. Please upload one of 10 MB or less.",
            params={"size": round(upload.size / 1024 / 1024, 1)},
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError(NOT_AN_IMAGE) from error
    finally:
        upload.seek(0)
    if max(width, height) > MAX_SIDE_PIXELS:
        raise ValidationError(
            "This image is %(width)s × %(height)s pixels. Please upload one no more than 6000 pixels on each side.",
            params={"width": width, "height": height},
        )


@dataclass(frozen=True)
class HeroImageRenditions:
    """The stored renditions of an article's hero image, ready for <picture>."""

    data: dict

    @property
    def width(self):
        return self.data["width"]

    @property
    def height(self):
        return self.data["height"]

    def _srcset(self, extension):
        return ", ".join(
            f"{default_storage.url(item['name'])} {item['width']}w"
            for item in self.data["files"]
            if item["format"] == extension
        )

    @property
    def webp_srcset(self):
        return self._srcset("webp")

    @property
    def fallback_srcset(self):
        return self._srcset("jpg")

    @property
    def fallback_src(self):
        jpegs = [item for item in self.data["files"] if item["format"] == "jpg"]
        return default_storage.url(jpegs[len(jpegs) // 2]["name"])

    @property
    def smallest_src(self):
        return default_storage.url(self.data["files"][0]["name"])

    sizes = SIZES


def make_renditions(image_field):
    """Write the WebP and JPEG renditions of an uploaded image; return their description."""
    image_field.open("rb")
    try:
        original = image_field.read()
    finally:
        image_field.close()
    digest = hashlib.sha256(original).hexdigest()[:12]
    with Image.open(io.BytesIO(original)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")  # no EXIF (location) survives
    widths = sorted({min(width, image.width) for width in RENDITION_WIDTHS})
    files = []
    for width in widths:
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        for extension, pil_format in FORMATS.items():
            buffer = io.BytesIO()
            resized.save(buffer, pil_format, quality=80, optimize=True)
            name = default_storage.save(
                f"articles/renditions/{digest}-{width}.{extension}", ContentFile(buffer.getvalue())
            )
            files.append({"name": name, "width": width, "height": height, "format": extension})
    files.sort(key=lambda item: (item["width"], item["format"] != "webp"))
    largest = max(files, key=lambda item: item["width"])
    return {
        "source": image_field.name,
        "width": largest["width"],
        "height": largest["height"],
        "files": files,
    }
