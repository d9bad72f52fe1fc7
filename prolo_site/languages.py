"""The languages the patient's side is written in, for the models that hold text in one of them."""

from django.db import models
from django.utils import translation


class Language(models.TextChoices):
    """settings.LANGUAGES' codes; English is the original every translation points back to."""

    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"


def current_language():
    """The language of this request's address (prolo_site.middleware), as a Language value."""
    code = (translation.get_language() or Language.ENGLISH).split("-")[0]
    return code if code in Language.values else Language.ENGLISH


def other_language(language):
    return Language.SPANISH if language == Language.ENGLISH else Language.ENGLISH
