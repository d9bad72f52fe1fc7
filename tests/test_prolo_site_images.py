"""Uploaded images (hero images, provider photos): only whole JPEG, PNG or WebP files are
taken, and only a re-encoding without metadata is ever stored or served."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from prolo_site.images import INCOMPLETE, NOT_AN_IMAGE
from tests.factories import make_provider
from tests.helpers import POSTSCRIPT, assert_clean, half_a_jpeg, phone_photo, png, stored_files

pytestmark = pytest.mark.django_db


def test_a_provider_photo_is_stored_re_encoded_small_and_without_its_metadata(media_root):
    provider = make_provider()
    provider.photo = phone_photo()
    provider.photo_alt = "Dr Andrus smiling"

    provider.full_clean()
    provider.save()

    [stored] = stored_files(media_root)
    assert stored.parent.name == "providers" and "IMG_20261201" not in stored.name
    assert_clean(stored)
    with Image.open(stored) as image:
        assert image.size == (480, 360)
    assert provider.photo.url == f"/media/providers/{stored.name}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (POSTSCRIPT, NOT_AN_IMAGE),  # Pillow alone would hand it to Ghostscript
        (b"MZ\x90\x00 not an image", NOT_AN_IMAGE),
        (half_a_jpeg(), INCOMPLETE),
        (png((6000, 1)), "This image is 6000 × 1 pixels. Please upload one at least 100 pixels on each side"),
        (png((1200, 200)), "no more than 5 times as wide as it is tall"),
    ],
    ids=["postscript", "not-an-image", "half-a-jpeg", "6000x1", "too-thin"],
)
def test_a_provider_photo_that_is_not_a_whole_usable_image_is_refused(media_root, content, message):
    provider = make_provider()
    provider.photo = SimpleUploadedFile("photo.png", content)
    provider.photo_alt = "A photo"

    with pytest.raises(ValidationError) as error:
        provider.full_clean()

    [reason] = error.value.message_dict["photo"]
    assert reason.startswith(message) or message in reason
    assert stored_files(media_root) == []
