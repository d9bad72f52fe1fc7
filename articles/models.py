"""The patient guide: topics, articles and their numbered sources."""

import calendar
import hashlib
import json
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
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
        """What the public may see: articles on the site, each with its published revision."""
        from articles.revisions import publish_due_revisions  # the service imports these models

        publish_due_revisions()
        return self.on_site()

    def on_site(self):
        """As published(), for a view that has already put live what was due."""
        return self.filter(status=Article.Status.PUBLISHED, published_revision__isnull=False).select_related(
            "published_revision"
        )

    def review_overdue(self, today=None):
        """Articles on the site past their next review date, or never clinically reviewed."""
        never_reviewed = models.Q(last_sign_off__isnull=True, legacy_reviewed_on__isnull=True)
        return self.filter(status=Article.Status.PUBLISHED).filter(
            never_reviewed | models.Q(next_review_due__lt=today or timezone.localdate())
        )

    def next_publication_after(self, now):
        """When the next scheduled revision goes live (None if none is scheduled)."""
        return self.filter(scheduled_for__gt=now).aggregate(next=models.Min("scheduled_for"))["next"]


class Article(TranslatableContent):
    """An article's editing copy (what the admin form edits) and where it stands.

    The public never reads the editing copy's content: every save records an
    ArticleRevision, and the site shows ``published_revision``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"

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
    legacy_reviewed_on = models.DateField(
        "last clinically reviewed (before sign-offs)",
        null=True,
        blank=True,
        editable=False,
        help_text="A review date recorded before clinicians signed off revisions; shown only as a date.",
    )
    last_sign_off = models.ForeignKey(
        "ArticleSignOff", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    next_review_due = models.DateField(
        null=True,
        blank=True,
        help_text="Set by each sign-off. You may bring it forward, not put it off.",
    )

    status = models.CharField(max_length=11, choices=Status, default=Status.DRAFT, editable=False)
    published_at = models.DateTimeField(
        "first published",
        null=True,
        blank=True,
        editable=False,
        help_text="When the article first went live.",
    )
    published_revision = models.ForeignKey(
        "ArticleRevision", on_delete=models.RESTRICT, null=True, blank=True, editable=False, related_name="+"
    )
    live_since = models.DateTimeField("published revision live since", null=True, blank=True, editable=False)
    latest_revision = models.ForeignKey(
        "ArticleRevision", on_delete=models.RESTRICT, null=True, blank=True, editable=False, related_name="+"
    )
    scheduled_revision = models.ForeignKey(
        "ArticleRevision", on_delete=models.RESTRICT, null=True, blank=True, editable=False, related_name="+"
    )
    scheduled_for = models.DateTimeField(null=True, blank=True, editable=False)
    redirect_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text='Where readers of an unpublished article are sent; none means a "gone" page.',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A translation keeps the fingerprint of the English revision it was made from (or last
    # marked current against): when the English publishes other content, it is out of date.
    translated_from_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    STATE_FIELDS = frozenset(
        {
            "status",
            "published_at",
            "published_revision",
            "live_since",
            "latest_revision",
            "scheduled_revision",
            "scheduled_for",
            "redirect_to",
            "last_sign_off",
            "legacy_reviewed_on",
            "translated_from_fingerprint",
        }
    )

    class Meta(TranslatableContent.Meta):
        ordering = ["topic__position", "position", "title"]
        constraints = [
            *TranslatableContent.Meta.constraints,
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_revision__isnull=False),
                name="published_article_has_published_revision",
            ),
            models.CheckConstraint(
                condition=models.Q(scheduled_revision__isnull=True, scheduled_for__isnull=True)
                | models.Q(scheduled_revision__isnull=False, scheduled_for__isnull=False),
                name="scheduled_revision_has_a_time",
            ),
        ]
        permissions = [("delete_published_article", "Can delete an article that is or was on the site")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            # Saving the editing copy never writes where the article stands: only the
            # services in articles/revisions.py do, so an editor's save cannot undo a
            # sign-off or a publication made while the form was open.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.STATE_FIELDS
            ]
        if self.hero_image and not self.hero_image._committed:  # a new upload: never stored as sent
            self.hero_image = clean_hero_image(self.hero_image)
        super().save(*args, **kwargs)
        self._refresh_renditions()

    def get_absolute_url(self):
        return self.reverse_in_own_language("articles:detail", slug=self.slug)

    @property
    def english_fingerprint(self):
        """The fingerprint of what the English original publishes now ("" if nothing)."""
        original = self.translation_of
        return original.published_revision.fingerprint if original and original.published_revision_id else ""

    def mark_translation_current(self):
        """Record that this translation now says what its English article publishes."""
        if self.translation_of_id:
            self.translated_from_fingerprint = self.english_fingerprint
            Article.objects.filter(pk=self.pk).update(
                translated_from_fingerprint=self.translated_from_fingerprint
            )

    @property
    def is_translation_out_of_date(self):
        """The English article published other content after this translation was made (or marked current)."""
        return bool(self.translation_of_id and self.english_fingerprint != self.translated_from_fingerprint)

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
        if errors:
            raise ValidationError(errors)

    def publication_problems(self, *, source_numbers):
        """What stops the editing copy being published; see content_publication_problems."""
        return content_publication_problems(self, source_numbers=source_numbers)

    def content(self, sources=None):
        """The editing copy's content, as a revision records it (its sources read from the
        database, or the unsaved ``sources`` given)."""
        sources = self.sources.order_by("position") if sources is None else sources
        return {
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "sources": [
                source.as_content() for source in sorted(sources, key=lambda source: source.position)
            ],
            "hero_image": self.hero_image.name if self.hero_image else "",
            "hero_alt": self.hero_alt,
            "hero_credit": self.hero_credit,
            "hero_is_sensitive": self.hero_is_sensitive,
        }

    @property
    def is_public(self):
        return self.status == self.Status.PUBLISHED and self.published_revision_id is not None

    @property
    def hero(self):
        return HeroImageRenditions(self.hero_renditions) if self.hero_renditions else None

    @property
    def was_ever_public(self):
        return self.published_at is not None or self.scheduled_for is not None

    @property
    def is_review_overdue(self):
        if self.status != self.Status.PUBLISHED:
            return False
        never_reviewed = self.last_sign_off_id is None and self.legacy_reviewed_on is None
        return never_reviewed or (
            self.next_review_due is not None and self.next_review_due < timezone.localdate()
        )

    def sign_off_of(self, revision):
        """The latest sign-off of exactly this revision's content, or None."""
        if revision is None or not revision.fingerprint:
            return None
        return (
            ArticleSignOff.objects.filter(revision__article=self, revision__fingerprint=revision.fingerprint)
            .select_related("provider")
            .order_by("-signed_at")
            .first()
        )

    def last_clinical_review_date(self):
        if self.last_sign_off_id:
            return timezone.localdate(self.last_sign_off.signed_at)
        return self.legacy_reviewed_on

    def latest_review_allowed(self):
        """The latest next-review date an editor may choose: the period after the last review."""
        start = self.last_clinical_review_date() or timezone.localdate()
        return add_months(start, settings.ARTICLE_REVIEW_MONTHS)


def content_publication_problems(content, *, source_numbers):
    """What stops this content (an editing copy or a revision) being published; empty when nothing does.

    ``source_numbers`` are the numbers of its sources ([1], [2]...), or None
    where they are not known yet: then only its own fields are checked.
    """
    problems = []
    if not content.summary.strip():
        problems.append(PublicationProblem("summary", "a summary"))
    if content.hero_image and not content.hero_alt.strip():
        problems.append(PublicationProblem("hero_alt", "a description of its image (alt text)"))
    if source_numbers is None:
        return problems
    if not source_numbers:
        problems.append(PublicationProblem("sources", "at least one source"))
    unsourced = sorted(set(citation_numbers(content.body)) - set(source_numbers))
    if unsourced:
        numbers = ", ".join(str(number) for number in unsourced)
        cites = ", ".join(f"[{number}]" for number in unsourced)
        noun = "a source numbered" if len(unsourced) == 1 else "sources numbered"
        problems.append(PublicationProblem("sources", f"{noun} {numbers} (its text cites {cites})"))
    return problems


def add_months(day, months):
    """The same day ``months`` later (the month's last day where it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


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

    def as_content(self):
        return {
            "position": self.position,
            "citation": self.citation,
            "doi": self.doi,
            "url": self.url,
            "note": self.note,
        }


@dataclass(frozen=True)
class RevisionSource:
    """A numbered source as a revision recorded it."""

    position: int
    citation: str
    doi: str = ""
    url: str = ""
    note: str = ""

    @property
    def doi_url(self):
        return doi_url(self.doi)


def content_fingerprint(content):
    """A digest of an article's content (title, summary, body, sources, image): equal text, equal digest."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class ArticleRevision(models.Model):
    """One saved version of an article's content; never changed once written."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="1 for the article's first revision, then 2, 3...")
    title = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)
    hero_image = models.CharField(max_length=255, blank=True)
    hero_alt = models.CharField(max_length=250, blank=True)
    hero_credit = models.CharField(max_length=200, blank=True)
    hero_is_sensitive = models.BooleanField(default=False)
    hero_renditions = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    restored_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    went_live_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number_per_article"),
        ]
        permissions = [("sign_off_articlerevision", "Can sign off a revision as its clinical reviewer")]

    def __str__(self):
        return f"{self.article.title}: revision {self.number}" if self.pk else "Unsaved text"

    def save(self, *args, **kwargs):
        self.fingerprint = content_fingerprint(self.content())
        super().save(*args, **kwargs)

    def content(self):
        """What a reader sees of this revision: the one place that says what an article's content is."""
        return {
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "sources": [dict(source) for source in self.sources],
            "hero_image": self.hero_image,
            "hero_alt": self.hero_alt,
            "hero_credit": self.hero_credit,
            "hero_is_sensitive": self.hero_is_sensitive,
        }

    def source_list(self):
        return [RevisionSource(**source) for source in self.sources]

    def source_numbers(self):
        return [source["position"] for source in self.sources]

    def publication_problems(self):
        return content_publication_problems(self, source_numbers=self.source_numbers())

    @property
    def reading_minutes(self):
        words = len(self.summary.split()) + len(self.body.split())
        return max(1, math.ceil(words / WORDS_READ_PER_MINUTE))

    @property
    def hero(self):
        return HeroImageRenditions(self.hero_renditions) if self.hero_image and self.hero_renditions else None


class ArticleSignOff(models.Model):
    """A clinician's statement that they reviewed one revision; its date is the server's, never typed."""

    revision = models.ForeignKey(ArticleRevision, on_delete=models.CASCADE, related_name="sign_offs")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("prolo_site.Provider", on_delete=models.PROTECT, related_name="sign_offs")
    signed_at = models.DateTimeField(default=timezone.now, editable=False)
    note = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self):
        return f"{self.provider} signed off {self.revision}"
