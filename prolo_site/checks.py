"""Deploy checks (`manage.py check --deploy`): settings that are fine on a laptop and wrong in production.

Each is an Error, so the check fails whatever --fail-level says. `make run` and the
bench never run it: plain HTTP and console email on 127.0.0.1 are what they need.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

from prolo_site.env import LOCAL_SECRET_KEY

MIN_SECRET_KEY_LENGTH = 50
# Keys copied from documentation, examples and test configurations say so in their text.
WELL_KNOWN_KEY_WORDS = (
    "insecure",
    "not-for-production",
    "test-only",
    "changeme",
    "change-me",
    "example",
    "secret-key",
)
LOCAL_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def secret_key_problem(key):
    """Why `key` must not sign production sessions, or None."""
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        return f"it is shorter than {MIN_SECRET_KEY_LENGTH} characters or repeats a few characters"
    lowered = key.lower()
    if (
        key == LOCAL_SECRET_KEY
        or lowered.startswith("django-insecure-")
        or any(word in lowered for word in WELL_KNOWN_KEY_WORDS)
    ):
        return "it is a well-known key (from this project, Django's template or an example)"
    return None


@register(Tags.security, deploy=True)
def production_settings_check(app_configs, **kwargs):
    errors = []
    if settings.DEBUG:
        errors.append(
            Error(
                "DJANGO_DEBUG is on.",
                hint="Never in production: error pages would show settings and code to anyone.",
                id="prolo_site.E001",
            )
        )
    problem = secret_key_problem(settings.SECRET_KEY)
    if problem:
        errors.append(
            Error(
                f"DJANGO_SECRET_KEY cannot be used in production: {problem}.",
                hint="Make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
                id="prolo_site.E002",
            )
        )
    if settings.EMAIL_BACKEND in LOCAL_EMAIL_BACKENDS:
        errors.append(
            Error(
                f"DJANGO_EMAIL_BACKEND is {settings.EMAIL_BACKEND}: no email would reach the front desk or a patient.",
                hint="Use django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST and friends.",
                id="prolo_site.E003",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "DJANGO_ALLOWED_HOSTS contains '*': any Host header would be believed.",
                hint="List the site's own host names, e.g. www.example-clinic.com.",
                id="prolo_site.E004",
            )
        )
    if not settings.SITE_URL.startswith("https://"):
        errors.append(
            Error(
                f"DJANGO_SITE_URL is {settings.SITE_URL!r}: links in emails and the sitemap would not use HTTPS.",
                hint="Set the public address, e.g. https://www.example-clinic.com.",
                id="prolo_site.E005",
            )
        )
    return errors
