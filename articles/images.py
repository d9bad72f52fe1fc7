"""Hero images: upload checks and responsive renditions made once, at upload.

Only a re-encoding of the upload is stored (prolo_site.images: no EXIF, no GPS
position, no original). It becomes WebP files (served first) and JPEG files (the
fallback) at a few widths, so a phone downloads only what it shows. The
renditions' names and sizes are stored on the article; no image work happens
while serving a page.
"""

import hashlib
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from prolo_site.images import ALLOWED_FORMATS, check_uploaded_image, reencoded

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE_PIXELS = 6000
RENDITION_WIDTHS = (480, 800, 1200)
FORMATS = {"webp": "WEBP", "jpg": "JPEG"}  # file extension: Pillow's format
SIZES = "(min-width: 46rem) 42rem, 100vw"  # the article column is at most 42rem wide


def validate_hero_image(upload):
    check_uploaded_image(upload, max_bytes=MAX_UPLOAD_BYTES, max_side=MAX_SIDE_PIXELS)


def clean_hero_image(upload):
    """What is stored of an upload: its pixels re-encoded, no larger than the largest rendition."""
    return reencoded(upload, max_side=max(RENDITION_WIDTHS))


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
    with Image.open(io.BytesIO(original), formats=ALLOWED_FORMATS) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")  # upright, and no EXIF survives
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
