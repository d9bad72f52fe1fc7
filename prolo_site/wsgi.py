"""WSGI entry point for gunicorn: `gunicorn prolo_site.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

from prolo_site.env import load_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prolo_site.settings")
load_settings_or_exit()
application = get_wsgi_application()
