"""Reading settings from environment variables, and the error for a missing one."""

import os

from django.core.exceptions import ImproperlyConfigured


class MissingSetting(ImproperlyConfigured):
    """A required environment variable is absent; manage.py and wsgi.py print it plainly."""


def env_bool(name, default):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def load_settings_or_exit():
    """Load settings now, so a missing variable is one clear line, not a traceback."""
    import sys

    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018  (touching it loads the module)
    except MissingSetting as error:
        sys.exit(f"Configuration error: {error}")
