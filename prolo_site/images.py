"""Uploaded images: opened only as JPEG, PNG or WebP, decoded whole, and stored re-encoded without metadata.

What a phone uploads carries EXIF (often the GPS position where the photo was
taken) and whatever else its format allows; and Pillow, left to guess, hands some
content to other decoders (PostScript named .png goes to Ghostscript). So an upload
is opened with an allow-list of formats, decoded completely (a cut-short file is
refused here, not at save), and only a fresh encoding of its pixels is ever stored.
"""

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MIN_SIDE_PIXELS = 100
MAX_ASPECT_RATIO = 5  # a side at most five times the other: anything thinner is no photo
NOT_AN_IMAGE = "This file is not an image we can use. Please upload a JPEG, PNG or WebP."
INCOMPLETE = "This image file is incomplete (cut short while copying?). Please upload the whole file."
# Everything Pillow raises for a file it cannot read as one of the allowed formats.
_UNREADABLE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def _open(file):
    file.seek(0)
    return Image.open(file, formats=ALLOWED_FORMATS)


def check_uploaded_image(upload, *, max_bytes, max_side):
    """Raise ValidationError, with a message for staff, unless *upload* is a whole, usable image."""
    if upload.size > max_bytes:
        raise ValidationError(
            "This image is %(size)s MB. Please upload one of %(limit)s MB or less.",
            params={"size": round(upload.size / 1024 / 1024, 1), "limit": round(max_bytes / 1024 / 1024)},
        )
    try:
        with _open(upload) as image:
            width, height = image.size
    except _UNREADABLE as error:
        raise ValidationError(NOT_AN_IMAGE) from error
    finally:
        upload.seek(0)
    if max(width, height) > max_side:
        raise ValidationError(
            "This image is %(width)s × %(height)s pixels. "
            "Please upload one no more than %(max_side)s pixels on each side.",
            params={"width": width, "height": height, "max_side": max_side},
        )
    if min(width, height) < MIN_SIDE_PIXELS or max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ValidationError(
            "This image is %(width)s × %(height)s pixels. Please upload one at least %(min_side)s pixels "
            "on each side, and no more than %(ratio)s times as wide as it is tall (or as tall as it is wide).",
            params={"width": width, "height": height, "min_side": MIN_SIDE_PIXELS, "ratio": MAX_ASPECT_RATIO},
        )
    try:
        with _open(upload) as image:
            image.load()  # every pixel: a truncated file fails here, not when it is saved
    except _UNREADABLE as error:
        raise ValidationError(INCOMPLETE) from error
    finally:
        upload.seek(0)


def reencoded(upload, *, max_side):
    """A new JPEG of *upload*'s pixels, upright, at most *max_side* wide or tall, with no metadata.

    Named after its content, so the name tells nothing about the uploader's file.
    """
    with _open(upload) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")  # the EXIF's rotation, then no EXIF
    upload.seek(0)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, optimize=True)  # no exif= or icc_profile=: none is written
    data = buffer.getvalue()
    return ContentFile(data, name=f"{hashlib.sha256(data).hexdigest()[:16]}.jpg")
