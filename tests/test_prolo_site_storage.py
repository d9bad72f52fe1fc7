"""Media storage: local files by default, an S3-compatible bucket with DJANGO_MEDIA_STORAGE=s3.

Each test builds the storage the declared settings name, in this process, and asks
it for an image's URL (django-storages makes S3 URLs without reaching the bucket).
"""

from urllib.parse import urlsplit

from django.core.files.storage import storages
from django.test import override_settings

from tests.helpers import declared_settings, run_manage, site_environ

PRODUCTION = {
    "DJANGO_SECRET_KEY": "test-only-secret-key-for-a-subprocess-0123456789abcdefghijklmnop",
    "DJANGO_ALLOWED_HOSTS": "clinic.example",
}
IMAGE = "articles/renditions/knee-640.webp"


def media_storage(monkeypatch, **variables):
    """(the default storage, the declared settings) for an environment of `variables`."""
    declared = declared_settings(monkeypatch, **PRODUCTION, **variables)
    storage_settings = {
        name: value for name, value in vars(declared).items() if name.startswith(("AWS_", "MEDIA_"))
    }
    with override_settings(**storage_settings):
        storage = storages.create_storage(declared.STORAGES["default"])
        return storage, storage.url(IMAGE), declared


def test_media_are_local_files_by_default(monkeypatch):
    storage, url, declared = media_storage(monkeypatch)

    assert type(storage).__name__ == "FileSystemStorage"
    assert url == f"/media/{IMAGE}"
    assert declared.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] == ["'self'"]


def test_s3_setting_stores_media_in_the_bucket_named_in_the_environment(monkeypatch):
    storage, url, declared = media_storage(
        monkeypatch,
        DJANGO_MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="clinic-media",
        AWS_S3_ENDPOINT_URL="https://objects.example-host.net",
        AWS_S3_REGION_NAME="eu-central-1",
        AWS_ACCESS_KEY_ID="AKIATESTONLY000000",
        AWS_SECRET_ACCESS_KEY="test-only-secret",
    )

    assert f"{type(storage).__module__}.{type(storage).__name__}" == "storages.backends.s3.S3Storage"
    assert storage.bucket_name == "clinic-media"
    assert storage.endpoint_url == "https://objects.example-host.net"
    assert storage.region_name == "eu-central-1"
    assert storage.access_key == "AKIATESTONLY000000"
    assert storage.secret_key == "test-only-secret"
    assert storage.file_overwrite is False
    assert storage.querystring_auth is False
    assert declared.SERVE_MEDIA is False
    # A plain, lasting URL in the bucket, from an origin the CSP lets pages load images from.
    assert url == f"https://objects.example-host.net/clinic-media/media/{IMAGE}"
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" in declared.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]


def test_s3_with_a_custom_domain_serves_media_from_that_domain(monkeypatch):
    storage, url, declared = media_storage(
        monkeypatch,
        DJANGO_MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="clinic-media",
        AWS_S3_REGION_NAME="us-east-1",
        AWS_S3_CUSTOM_DOMAIN="media.example-clinic.com",
    )

    assert storage.custom_domain == "media.example-clinic.com"
    assert url == f"https://media.example-clinic.com/media/{IMAGE}"
    assert declared.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] == [
        "'self'",
        "https://media.example-clinic.com",
    ]


def test_s3_on_amazon_without_a_domain_serves_from_an_origin_the_csp_allows(monkeypatch):
    _, url, declared = media_storage(
        monkeypatch,
        DJANGO_MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="clinic-media",
        AWS_S3_REGION_NAME="eu-central-1",
    )

    parts = urlsplit(url)
    assert parts.path.endswith(f"/media/{IMAGE}")
    assert f"{parts.scheme}://{parts.netloc}" in declared.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]


def test_s3_without_a_bucket_refuses_to_start_with_a_plain_message():
    result = run_manage("check", env=site_environ(**PRODUCTION, DJANGO_MEDIA_STORAGE="s3"), timeout=60)

    assert result.returncode != 0
    assert "needs AWS_STORAGE_BUCKET_NAME" in result.stderr
