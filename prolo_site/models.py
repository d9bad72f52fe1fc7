"""The clinic's own data: its contact details, its providers and its site pages.

Everything a page shows about the clinic comes from here, so staff can keep it
current in the admin. Nothing is invented: fields the sources don't give stay blank.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse


class Clinic(models.Model):
    """The one clinic this site is for (a single row, edited in the admin)."""

    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=20, blank=True, help_text="For example OSC.")
    phone = models.CharField(
        max_length=30, help_text="As patients should dial it, for example (757) 596-1900."
    )
    email = models.EmailField(blank=True, help_text="A public address for general questions.")
    address = models.TextField(blank=True, help_text="Postal address, one part per line.")
    opening_hours = models.TextField(
        blank=True,
        help_text="When the front desk answers, one line per day range, "
        "for example 'Monday to Friday, 8 am to 5 pm'.",
    )
    offers_telehealth = models.BooleanField(
        default=False, help_text="Whether some visits can happen by video."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1  # one clinic, one row
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        """The clinic's row, or None before demo content or staff have created it."""
        return cls.objects.filter(pk=1).first()

    @classmethod
    def for_request(cls, request):
        """The clinic, read once per request however many parts of the page need it."""
        if not hasattr(request, "_clinic"):
            request._clinic = cls.load()
        return request._clinic

    @property
    def phone_href(self):
        """The phone number as a tel: URI (digits and a leading +)."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        if self.phone.strip().startswith("+"):
            return f"tel:+{digits}"
        if len(digits) == 10:  # a North American number without its country code
            return f"tel:+1{digits}"
        return f"tel:{digits}"

    @property
    def display_name(self):
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    def opening_hours_lines(self):
        return [line.strip() for line in self.opening_hours.splitlines() if line.strip()]


class ProviderQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Provider(models.Model):
    """A clinician patients can ask to see."""

    name = models.CharField(max_length=120, help_text="Full name, for example Jenny L. F. Andrus.")
    credentials = models.CharField(max_length=60, blank=True, help_text="For example MD or DO.")
    slug = models.SlugField(unique=True)
    bio = models.TextField(blank=True, help_text="A few plain sentences for patients.")
    photo = models.ImageField(upload_to="providers/", blank=True)
    photo_alt = models.CharField(
        "photo description",
        max_length=200,
        blank=True,
        help_text="What the photo shows, for people who cannot see it. Required with a photo.",
    )
    offers_telehealth = models.BooleanField(default=False)
    accepting_new_patients = models.BooleanField(
        null=True, blank=True, help_text="Leave as Unknown unless the clinic has confirmed it."
    )
    is_active = models.BooleanField(
        default=True, help_text="Untick when the provider leaves; past requests keep their name."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers show first.")

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.display_name

    def clean(self):
        if self.photo and not self.photo_alt.strip():
            raise ValidationError({"photo_alt": "Describe the photo for people who cannot see it."})

    @property
    def display_name(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Page(models.Model):
    """A plain site page staff can edit: privacy notice, accessibility statement and so on."""

    title = models.CharField(max_length=120)
    slug = models.SlugField(unique=True, help_text="The page's address: /about/<slug>/")
    summary = models.CharField(
        max_length=300, help_text="One or two sentences; also used as the search-engine description."
    )
    body = models.TextField(
        help_text="Markdown: ## for headings, - for lists, [text](url) for links. "
        "{{ clinic_phone }} and {{ retention_days }} are filled in from the clinic's settings."
    )
    show_in_footer = models.BooleanField(default=True)
    is_published = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("page", kwargs={"slug": self.slug})

    def body_with_facts(self, *, clinic_phone, retention_days, open_retention_days):
        """The body with its placeholders filled in from the clinic's current settings
        ({{ open_retention_days }} too: how long a request left open is kept).

        Plain replacement, not the template language: staff text never runs as code.
        """
        return (
            self.body.replace("{{ clinic_phone }}", clinic_phone or "the clinic")
            .replace("{{ retention_days }}", str(retention_days))
            .replace("{{ open_retention_days }}", str(open_retention_days))
        )
