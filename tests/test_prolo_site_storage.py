"""Media storage: local files by default, an S3-compatible bucket with DJANGO_MEDIA_STORAGE=s3."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Printed by a fresh process with the given environment: which storage the site would use.
PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
default_storage = storages["default"]
options = {name: getattr(default_storage, name, None) for name in (
    "bucket_name", "endpoint_url", "region_name", "custom_domain", "access_key", "secret_key",
    "querystring_auth", "file_overwrite", "location")}
print(json.dumps({
    "class": f"{type(default_storage).__module__}.{type(default_storage).__qualname__}",
    "options": options,
    "url": default_storage.url("articles/renditions/knee-640.webp"),
    "img_src": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
    "serve_media": settings.SERVE_MEDIA,
}))
"""


def storage_in_subprocess(env_overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "AWS_", "CACHE_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "prolo_site.settings",
            "DJANGO_SECRET_KEY": "test-only-secret-key-for-a-subprocess-0123456789abcdefghijklmnop",
            "DJANGO_ALLOWED_HOSTS": "clinic.example",
            **env_overrides,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_media_are_local_files_by_default():
    storage = storage_in_subprocess({})

    assert storage["class"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert storage["url"] == "/media/articles/renditions/knee-640.webp"
    assert storage["img_src"] == ["'self'"]


def test_s3_setting_stores_media_in_the_bucket_named_in_the_environment():
    storage = storage_in_subprocess(
        {
            "DJANGO_MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "clinic-media",
            "AWS_S3_ENDPOINT_URL": "https://objects.example-host.net",
            "AWS_S3_REGION_NAME": "eu-central-1",
            "AWS_ACCESS_KEY_ID": "AKIATESTONLY000000",
            "AWS_SECRET_ACCESS_KEY": "test-only-secret",
        }
    )

    assert storage["class"] == "storages.backends.s3.S3Storage"
    options = storage["options"]
    assert options["bucket_name"] == "clinic-media"
    assert options["endpoint_url"] == "https://objects.example-host.net"
    assert options["region_name"] == "eu-central-1"
    assert options["access_key"] == "AKIATESTONLY000000"
    assert options["secret_key"] == "test-only-secret"
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is False
    assert storage["serve_media"] is False
    # A plain, lasting URL in the bucket, from an origin the CSP lets pages load images from.
    assert (
        storage["url"]
        == "https://objects.example-host.net/clinic-media/media/articles/renditions/knee-640.webp"
    )
    url = urlsplit(storage["url"])
    assert f"{url.scheme}://{url.netloc}" in storage["img_src"]


def test_s3_with_a_custom_domain_serves_media_from_that_domain():
    storage = storage_in_subprocess(
        {
            "DJANGO_MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "clinic-media",
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_CUSTOM_DOMAIN": "media.example-clinic.com",
        }
    )

    assert storage["options"]["custom_domain"] == "media.example-clinic.com"
    assert storage["url"] == "https://media.example-clinic.com/media/articles/renditions/knee-640.webp"
    assert storage["img_src"] == ["'self'", "https://media.example-clinic.com"]


def test_s3_on_amazon_without_a_domain_serves_from_an_origin_the_csp_allows():
    storage = storage_in_subprocess(
        {
            "DJANGO_MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "clinic-media",
            "AWS_S3_REGION_NAME": "eu-central-1",
        }
    )

    url = urlsplit(storage["url"])
    assert url.path.endswith("/media/articles/renditions/knee-640.webp")
    assert f"{url.scheme}://{url.netloc}" in storage["img_src"]


def test_s3_without_a_bucket_refuses_to_start_with_a_plain_message():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "AWS_"))}
    env.update(
        {
            "DJANGO_SECRET_KEY": "test-only-secret-key-for-a-subprocess-0123456789abcdefghijklmnop",
            "DJANGO_ALLOWED_HOSTS": "clinic.example",
            "DJANGO_MEDIA_STORAGE": "s3",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "needs AWS_STORAGE_BUCKET_NAME" in result.stderr
