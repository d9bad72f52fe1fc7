"""The patient guide: topics, articles and their numbered sources."""

import hashlib
import json
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_noop

from articles.doi import DOI_FORMAT_HINT, doi_url, is_doi, normalise_doi
from articles.guide_content import citation_numbers
from articles.images import HeroImageRenditions, clean_hero_image, make_renditions, validate_hero_image
from prolo_site.languages import TranslatableContent, TranslatableQuerySet
from prolo_site.markdown import markdown_problem

WORDS_READ_PER_MINUTE = 200

# The shipped topics (articles.guide_content.TOPICS), marked for the catalogue: a topic's
# name is shown in the reader's language wherever the catalogue translates it.
SHIPPED_TOPIC_NAMES = (
    gettext_noop("The basics"),
    gettext_noop("Treatment"),
    gettext_noop("Evidence and safety"),
    gettext_noop("Practical matters"),
)


class Topic(models.Model):
    """A heading on the guide's index page, such as "The basics"."""

    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers show first.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class PublicationProblem:
    """One thing that stops an article being published, and where the editor fixes it."""

    field: str  # the Article field, or "sources" for the numbered sources
    need: str  # what the article needs, e.g. "a summary"

    @property
    def message(self):
        return f"An article needs {self.need} before it can be published."


class ArticleQuerySet(TranslatableQuerySet):
    def published(self):
        """What the public may see: published, and not scheduled for later."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def review_overdue(self, today=None):
        return self.filter(next_review_due__lt=today or timezone.localdate())

    def next_publication_after(self, now):
        """When the next scheduled article goes live (None if none is scheduled)."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=now).aggregate(
            next=models.Min("published_at")
        )["next"]


class Article(TranslatableContent):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=80,
        help_text="The article's address: /articles/<slug>/ (in Spanish /es/guia/<slug>/). "
        "Unique within its language.",
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="articles")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the topic.")
    summary = models.TextField(
        blank=True,
        max_length=400,
        help_text="Two or three plain sentences shown at the top and in lists. Required to publish.",
    )
    body = models.TextField(
        help_text="Markdown. Start sections with '## Heading'. Cite sources as [1], [2] "
        "by their number in the Sources list below."
    )
    is_featured = models.BooleanField(default=False, help_text="Show on the home page.")

    hero_image = models.ImageField(
        upload_to="articles/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"]), validate_hero_image],
        help_text="Optional. JPEG, PNG or WebP, at most 10 MB and 6000 pixels a side.",
    )
    hero_alt = models.CharField(
        "image description",
        max_length=250,
        blank=True,
        help_text="What the image shows, for people who cannot see it. Required with an image.",
    )
    hero_credit = models.CharField("image credit", max_length=200, blank=True)
    hero_is_sensitive = models.BooleanField(
        "image may be upsetting",
        default=False,
        help_text="Hide the image until the reader chooses to see it (for example a needle or an injection).",
    )
    hero_renditions = models.JSONField(default=dict, blank=True, editable=False)

    author_name = models.CharField(
        "author",
        max_length=120,
        blank=True,
        help_text="Leave blank for the clinic's editorial team.",
    )
    reviewer = models.ForeignKey(
        "prolo_site.Provider",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_articles",
        help_text="The clinician who checked this article. Only set after a real review.",
    )
    reviewed_on = models.DateField("last reviewed", null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)

    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the article goes live. A time in the future schedules it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A hash of what readers are told (content_fingerprint()), kept current on every save of
    # the article or its sources; a translation keeps the one of the English it was made from.
    content_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    translated_from_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta(TranslatableContent.Meta):
        ordering = ["topic__position", "position", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="published_article_has_publication_time",
            ),
            *TranslatableContent.Meta.constraints,
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.status == self.Status.PUBLISHED and not self.published_at:
            self.published_at = timezone.now()
        if self.hero_image and not self.hero_image._committed:  # a new upload: never stored as sent
            self.hero_image = clean_hero_image(self.hero_image)
        super().save(*args, **kwargs)
        self._refresh_renditions()
        self.refresh_content_fingerprint()

    def get_absolute_url(self):
        return self.reverse_in_own_language("articles:detail", slug=self.slug)

    def refresh_content_fingerprint(self):
        """Store the fingerprint of what the article says now (its sources included)."""
        fingerprint = article_fingerprint(self, self.sources.all())
        if fingerprint != self.content_fingerprint:
            self.content_fingerprint = fingerprint
            Article.objects.filter(pk=self.pk).update(content_fingerprint=fingerprint)

    def mark_translation_current(self):
        """Record that this translation now says what its English article says."""
        if self.translation_of_id:
            self.translation_of.refresh_content_fingerprint()  # a row saved before fingerprints
            self.translated_from_fingerprint = self.translation_of.content_fingerprint
            Article.objects.filter(pk=self.pk).update(
                translated_from_fingerprint=self.translated_from_fingerprint
            )

    @property
    def is_translation_out_of_date(self):
        """The English article changed after this translation was made (or marked current)."""
        return bool(
            self.translation_of_id
            and self.translation_of.content_fingerprint != self.translated_from_fingerprint
        )

    @property
    def english_slug(self):
        """The slug of the English original (this article's own, if it is English)."""
        return self.translation_of.slug if self.translation_of_id else self.slug

    def _refresh_renditions(self):
        """Make the hero image's renditions once, when the image changes."""
        current = self.hero_image.name if self.hero_image else ""
        if self.hero_renditions.get("source", "") == current:
            return
        self.hero_renditions = make_renditions(self.hero_image) if current else {}
        Article.objects.filter(pk=self.pk).update(hero_renditions=self.hero_renditions)

    def clean(self):
        errors = self.translation_errors()
        body_problem = markdown_problem(self.body)
        if body_problem:
            errors["body"] = body_problem
        if self.hero_image and not self.hero_alt.strip():
            errors["hero_alt"] = "Describe the image for people who cannot see it."
        if self.reviewed_on and not self.reviewer_id:
            errors["reviewer"] = "Say who reviewed the article, or clear the review date."
        if self.status == self.Status.PUBLISHED:
            # The sources are not known here (an admin form edits them inline, and
            # the inline's formset checks them with the same rule).
            for problem in self.publication_problems(source_numbers=None):
                errors.setdefault(problem.field, problem.message)
            if not self.published_at:
                self.published_at = timezone.now()
        if errors:
            raise ValidationError(errors)

    def publication_problems(self, *, source_numbers):
        """What stops this article being published; empty when nothing does.

        ``source_numbers`` are the numbers of its sources ([1], [2]...), or None
        where they are not known yet: then only the article's own fields are checked.
        """
        problems = []
        if not self.summary.strip():
            problems.append(PublicationProblem("summary", "a summary"))
        if self.hero_image and not self.hero_alt.strip():
            problems.append(PublicationProblem("hero_alt", "a description of its image (alt text)"))
        if source_numbers is None:
            return problems
        if not source_numbers:
            problems.append(PublicationProblem("sources", "at least one source"))
        unsourced = sorted(set(citation_numbers(self.body)) - set(source_numbers))
        if unsourced:
            numbers = ", ".join(str(number) for number in unsourced)
            cites = ", ".join(f"[{number}]" for number in unsourced)
            noun = "a source numbered" if len(unsourced) == 1 else "sources numbered"
            problems.append(PublicationProblem("sources", f"{noun} {numbers} (its text cites {cites})"))
        return problems

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_review_overdue(self):
        return self.next_review_due is not None and self.next_review_due < timezone.localdate()

    @property
    def has_recorded_review(self):
        return self.reviewer_id is not None and self.reviewed_on is not None

    @property
    def reading_minutes(self):
        words = len(self.summary.split()) + len(self.body.split())
        return max(1, math.ceil(words / WORDS_READ_PER_MINUTE))

    @property
    def hero(self):
        return HeroImageRenditions(self.hero_renditions) if self.hero_renditions else None


class Source(models.Model):
    """A numbered reference that an article cites as [n]."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sources")
    position = models.PositiveSmallIntegerField(help_text="Its number in the article: [1], [2]...")
    citation = models.TextField(help_text="The full citation: authors. Title. Journal. Year;volume:pages.")
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        help_text="Only the DOI, for example 10.1038/srep25247.",
    )
    url = models.URLField("web address", blank=True, help_text="For a source without a DOI.")
    note = models.CharField(max_length=200, blank=True, help_text="For example a published correction.")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="unique_source_number_per_article"),
        ]

    def __str__(self):
        return f"[{self.position}] {self.citation[:80]}"

    def clean(self):
        self.doi = normalise_doi(self.doi)
        if self.doi and not is_doi(self.doi):
            raise ValidationError({"doi": DOI_FORMAT_HINT})

    @property
    def doi_url(self):
        return doi_url(self.doi)


def article_fingerprint(article, sources):
    """A hash of what an article tells readers: title, summary, body and sources. The one
    definition of "the English changed" for its translations."""
    content = {
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "sources": [
            [source.position, source.citation, source.doi, source.url, source.note]
            for source in sorted(sources, key=lambda source: source.position)
        ],
    }
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


@receiver(post_save, sender=Source, dispatch_uid="article-fingerprint-source-saved")
@receiver(post_delete, sender=Source, dispatch_uid="article-fingerprint-source-deleted")
def _source_changed(sender, instance, **kwargs):
    article = Article.objects.filter(pk=instance.article_id).first()
    if article is not None:
        article.refresh_content_fingerprint()
