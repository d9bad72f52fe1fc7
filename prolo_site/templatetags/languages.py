"""{% language_versions as versions %}: this page in each language, for the language link and hreflang."""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation

from prolo_site.languages import Language, current_language, other_language
from prolo_site.models import Page

register = template.Library()

# Each language's name in itself: a reader who cannot read this page can still read the link.
NATIVE_NAMES = {Language.ENGLISH: "English", Language.SPANISH: "Español"}


@dataclass(frozen=True)
class LanguageVersions:
    language: str  # this page's
    switch_language: str
    switch_name: str
    switch_url: str  # the same page in the other language, or that language's nearest page
    alternates: tuple  # (hreflang, absolute URL) for the versions that are truly this page
    x_default: str  # the English version, if there is one


def _in_language(url_name, language):
    with translation.override(language):
        return reverse(url_name)


@register.simple_tag(takes_context=True)
def language_versions(context):
    """A view that shows content (an article, a page) says which row is its translation:
    `translation` in its context (None when there is none: the link then leads to the
    other language's `translation_fallback`, by default its home page). Every other page
    is the same page in both languages, at its translated address."""
    request = context.get("request")
    language = current_language()
    other = other_language(language)
    here = request.path if request is not None else _in_language("home", language)
    if "translation" in context:
        translation_row = context["translation"]
        there = translation_row.get_absolute_url() if translation_row is not None else None
        fallback = context.get("translation_fallback", "home")
    else:
        translated = translate_url(here, other)
        there = translated if translated != here else None
        fallback = "home"
    switch_url = there or _in_language(fallback, other)
    versions = {language: here, **({other: there} if there else {})}
    alternates = tuple(
        (code, f"{settings.SITE_URL}{versions[code]}") for code in Language.values if code in versions
    )
    english = versions.get(Language.ENGLISH)
    return LanguageVersions(
        language=language,
        switch_language=other,
        switch_name=NATIVE_NAMES[other],
        switch_url=switch_url,
        alternates=alternates,
        x_default=f"{settings.SITE_URL}{english}" if english else "",
    )


@register.simple_tag
def page_url(english_slug):
    """The address of a site page (named by its English slug) in the current language: its
    published translation's, or the English page's where it has none yet (one query)."""

    language = current_language()
    if language != Language.ENGLISH:
        translated = (
            Page.objects.published()
            .in_language(language)
            .filter(translation_of__slug=english_slug)
            .only("slug", "language")
            .first()
        )
        if translated is not None:
            return translated.get_absolute_url()
    with translation.override(Language.ENGLISH):
        return reverse("page", kwargs={"slug": english_slug})
