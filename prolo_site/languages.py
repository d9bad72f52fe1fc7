"""The languages the patient's side is written in, and the model base for content held in one of them."""

from django.db import models
from django.urls import reverse
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


class TranslatableQuerySet(models.QuerySet):
    def in_language(self, language=None):
        """Rows written in `language` (by default the current request's)."""
        return self.filter(language=language or current_language())


class TranslatableContent(models.Model):
    """Content with a row per language (an article, a site page): its slug is unique within
    its language, and a translation points to its English original."""

    language = models.CharField(max_length=2, choices=Language, default=Language.ENGLISH)
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="translations",
        limit_choices_to={"language": Language.ENGLISH},
        help_text="For a translation: the English original it translates.",
    )

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["language", "slug"],
                name="%(class)s_slug_per_language",
                violation_error_message="Another one in this language has this address (slug).",
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                name="%(class)s_one_translation_per_language",
                violation_error_message="This English original already has a translation in this language.",
            ),
            models.CheckConstraint(
                condition=~models.Q(language=Language.ENGLISH) | models.Q(translation_of__isnull=True),
                name="%(class)s_english_is_original",
                violation_error_message="The English is the original: it translates nothing.",
            ),
        ]

    def translation_errors(self):
        """{field: message} for a language link that cannot be (shown as the form's errors)."""
        if self.language == Language.ENGLISH and self.translation_of_id:
            return {"translation_of": "The English is the original: leave this blank."}
        return {}

    def reverse_in_own_language(self, url_name, **kwargs):
        """The address of `url_name` in this row's language (/es/... for Spanish)."""
        with translation.override(self.language):
            return reverse(url_name, kwargs=kwargs)
