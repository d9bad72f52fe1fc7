"""Fixtures for the whole suite: collected static files, a temporary media root, no page cache,
a live server that serves static files through WhiteNoise as production does,
and a headless Chromium that fails a test on any console error, CSP violation
or request to another origin."""

import os
import shutil

import pytest
from django.core.management import call_command
from django.test import override_settings
from pytest_django.live_server_helper import LiveServer

from tests.browser import BrowserSession, launch_chromium


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Hashed, compressed static files in a private folder, as `collectstatic` makes them."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=static_root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield static_root


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory):
    """The file cache in a folder of this test run's own."""
    from django.conf import settings

    cache_dir = str(tmp_path_factory.mktemp("cache"))
    default = settings.CACHES["default"]
    if default.get("WRAPPED_BACKEND", default["BACKEND"]).endswith("FileBasedCache"):
        with override_settings(CACHES={"default": {**default, "LOCATION": cache_dir}}):
            yield cache_dir
    else:
        yield cache_dir


@pytest.fixture(autouse=True)
def page_cache_seconds(settings):
    """Every test sees pages rendered fresh: a test that changes data behind the cache's
    back (an update() sends no signal) must not read yesterday's page. The page cache's
    own tests (test_prolo_site_page_cache.py) switch it on with their own fixture of this name."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def clear_cache(private_cache_dir):
    """Each test starts with an empty cache (rate limits, cached pages)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, minus its static handler: WhiteNoise serves
    the hashed files, exactly as under gunicorn."""
    server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"), start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium, driven by Playwright; skipped with a hint where absent
    (failed instead under CI, where it must be there)."""
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.exists(executable) or shutil.which(executable)):
        message = f"Chromium not found at {executable}: install it with `sudo apt-get install chromium`."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    with launch_chromium(executable) as browser:
        yield browser


@pytest.fixture
def browser(chromium, live_server, request):
    """A fresh browser context on the live server; the test fails on any console
    error, CSP violation or request that leaves the site."""
    session = BrowserSession(chromium, live_server.url, test_name=request.node.name)
    yield session
    session.close()
    session.assert_clean()


@pytest.fixture
def tiny_png():
    """A real 1600 × 900 PNG, made with Pillow."""
    from tests.helpers import png

    return png((1600, 900))


@pytest.fixture
def editor(django_user_model):
    """A member of the Editors group, as `create_demo_staff` makes one."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "editor", email="editor@clinic.test", password="a-long-password-1", is_staff=True
    )
    from tests.factories import guide_groups

    guide_groups()
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    """The test client, logged in as the editor."""
    client.force_login(editor)
    return client


@pytest.fixture
def clinician(django_user_model):
    """A member of the Clinical reviewers group whose login is linked to a provider."""
    from django.contrib.auth.models import Group

    from tests.factories import guide_groups, make_provider

    guide_groups()
    user = django_user_model.objects.create_user(
        "drandrus", email="doctor@clinic.test", password="a-long-password-2", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Clinical reviewers"))
    make_provider(user=user, name="Alex Example", credentials="MD", slug="alex-example")
    return user


@pytest.fixture
def clinician_client(clinician):
    from django.test import Client

    client = Client()
    client.force_login(clinician)
    return client
