"""The clinic's own data: its contact details, its providers and its site pages.

Everything a page shows about the clinic comes from here, so staff can keep it
current in the admin. Nothing is invented: fields the sources don't give stay blank.
"""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from prolo_site.images import check_uploaded_image, reencoded
from prolo_site.languages import TranslatableContent, TranslatableQuerySet
from prolo_site.markdown import markdown_problem

PROVIDER_PHOTO_MAX_BYTES = 10 * 1024 * 1024
PROVIDER_PHOTO_STORED_SIDE = 480  # shown at 120 px: room for screens of 3 or 4 pixels per point

# Sentences that name a fact staff have not filled in are left out, whole: never
# "call the clinic on the clinic". A sentence ends at . ! or ? (or the line's end).
_SENTENCE = r"[ \t]*[^.!?\n]*{mark}[^.!?\n]*[.!?]*"
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+")


def _parse_phone(text):
    """The number as phonenumbers reads it (extension included), or None."""
    try:
        return phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None


class Clinic(models.Model):
    """The one clinic this site is for (a single row, edited in the admin)."""

    name = models.CharField(max_length=120)
    short_name = models.CharField(max_length=20, blank=True, help_text="For example OSC.")
    phone = models.CharField(
        max_length=40,
        help_text="As patients should dial it, for example (757) 596-1900 or (757) 596-1900 ext. 12.",
    )
    email = models.EmailField(
        "public email address",
        blank=True,
        help_text="A public address for general questions, read by the front desk. "
        "Shown to patients who cannot use the phone.",
    )
    address = models.TextField(blank=True, help_text="Postal address, one part per line.")
    opening_hours = models.TextField(
        blank=True,
        help_text="When the front desk answers, one line per day range, "
        "for example 'Monday to Friday, 8 am to 5 pm'.",
    )
    callback_time = models.CharField(
        "how soon we call back",
        max_length=120,
        blank=True,
        help_text="How soon the front desk usually contacts a patient after a request, "
        "for example 'within one working day'. Shown as 'We usually contact you …'.",
    )
    out_of_hours = models.TextField(
        "when the clinic is closed",
        blank=True,
        help_text="What a patient should do when the front desk is closed, "
        "for example an on-call number. 911 is always shown for emergencies.",
    )
    price = models.TextField(
        "prolotherapy price",
        blank=True,
        help_text="What prolotherapy costs at this clinic, or how to ask, "
        "for example 'Ask the front desk for a written estimate before your first visit'.",
    )
    insurance = models.TextField(
        "insurance and Medicare",
        blank=True,
        help_text="What insurance plans and Medicare usually pay for prolotherapy here, in plain words.",
    )
    offers_telehealth = models.BooleanField(
        default=False, help_text="Whether some visits can happen by video."
    )
    interpreters_free = models.BooleanField(
        "interpreters are free",
        default=False,
        help_text="Tick only if the clinic provides interpreters at no cost to patients: every page's "
        "language-assistance notice then says so. Unticked, it says only how to ask for one.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"

    def __str__(self):
        return self.name

    # The facts a patient looks for first, in the order a new clinic should fill them
    # in: the admin's home page lists those still blank (Clinic.missing_facts).
    PATIENT_FACTS = (
        "address",
        "opening_hours",
        "callback_time",
        "out_of_hours",
        "price",
        "insurance",
        "email",
    )

    def save(self, *args, **kwargs):
        self.pk = 1  # one clinic, one row
        super().save(*args, **kwargs)

    def clean(self):
        number = _parse_phone(self.phone) if self.phone else None
        if self.phone and (number is None or not phonenumbers.is_possible_number(number)):
            raise ValidationError(
                {"phone": "Enter the number as patients dial it, for example (757) 596-1900."}
            )

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
        """The phone number as a tel: URI (RFC 3966), its extension kept as ;ext=12."""
        number = _parse_phone(self.phone)
        if number is not None:
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            return f"tel:{e164};ext={number.extension}" if number.extension else f"tel:{e164}"
        return "tel:" + "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")

    def missing_facts(self):
        """The patient facts staff have not filled in yet, as their field labels."""
        return [
            self._meta.get_field(name).verbose_name
            for name in self.PATIENT_FACTS
            if not str(getattr(self, name)).strip()
        ]

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
    credentials = models.CharField(
        max_length=60, blank=True, help_text="For example MD or DO; shown after the name."
    )
    slug = models.SlugField(unique=True)
    bio = models.TextField(
        "short biography",
        blank=True,
        help_text="A few plain sentences for patients: training, experience, what they treat.",
    )
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
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="provider",
        verbose_name="staff login",
        help_text="The provider's own staff account, with which they sign off the guide's articles.",
    )

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        if self.photo and not self.photo._committed:  # a new upload: never stored as sent
            self.photo = reencoded(self.photo, max_side=PROVIDER_PHOTO_STORED_SIDE)
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.photo and not self.photo._committed:  # a new upload
            try:
                check_uploaded_image(self.photo, max_bytes=PROVIDER_PHOTO_MAX_BYTES, max_side=6000)
            except ValidationError as error:
                errors["photo"] = error.messages
        if self.photo and not self.photo_alt.strip():
            errors["photo_alt"] = "Describe the photo for people who cannot see it."
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def missing_facts(self):
        """What patients read about a provider that staff have not filled in (the photo is optional)."""
        return [
            self._meta.get_field(name).verbose_name
            for name in ("credentials", "bio")
            if not getattr(self, name).strip()
        ]


class PageQuerySet(TranslatableQuerySet):
    def published(self):
        return self.filter(is_published=True)


class Page(TranslatableContent):
    """A plain site page staff can edit: privacy notice, accessibility statement and so on."""

    title = models.CharField(max_length=120)
    slug = models.SlugField(
        help_text="The page's address: /about/<slug>/ (in Spanish /es/informacion/<slug>/). "
        "Unique within its language."
    )
    summary = models.CharField(
        max_length=300, help_text="One or two sentences; also used as the search-engine description."
    )
    body = models.TextField(
        help_text="Markdown: ## for headings, - for lists, [text](url) for links. "
        "{{ clinic_phone }}, {{ clinic_email }}, {{ retention_days }} and {{ open_retention_days }} are filled in from the "
        "clinic's settings; a sentence naming one the clinic has not filled in is left out."
    )
    show_in_footer = models.BooleanField(default=True)
    is_published = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta(TranslatableContent.Meta):
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.reverse_in_own_language("page", slug=self.slug)

    def clean(self):
        errors = self.translation_errors()
        problem = markdown_problem(self.body)
        if problem:
            errors["body"] = problem
        if errors:
            raise ValidationError(errors)

    def body_with_facts(self, *, clinic_phone, retention_days, open_retention_days, clinic_email=""):
        """The body with its placeholders filled in from the clinic's current settings
        ({{ open_retention_days }} too: how long a request left open is kept).

        Plain replacement, not the template language: staff text never runs as code.
        A sentence whose fact is blank is dropped, and so is a list item it empties.
        """
        facts = {
            "clinic_phone": clinic_phone,
            "clinic_email": clinic_email,
            "retention_days": retention_days,
            "open_retention_days": open_retention_days,
        }
        lines = []
        for line in self.body.split("\n"):
            list_mark = _LIST_MARK.match(line)
            prefix = list_mark.group() if list_mark else ""
            filled = line[len(prefix) :]
            for name, value in facts.items():
                mark = f"{{{{ {name} }}}}"
                if str(value).strip():
                    filled = filled.replace(mark, str(value))
                else:
                    filled = re.sub(_SENTENCE.format(mark=re.escape(mark)), "", filled)
            if line.strip() and not filled.strip():
                continue  # every sentence of this line named a missing fact
            lines.append(prefix + (filled.lstrip() if prefix else filled))
        return "\n".join(lines)
