"""A POST the site cannot read (a body in a charset other than UTF-8) gets the clinic's 400 page, never a 500."""

import pytest
from django.test import Client

from tests.factories import make_clinic

pytestmark = pytest.mark.django_db

URLS = ["/", "/appointments/request/", "/admin/login/", "/articles/"]
CHARSETS = ["latin-1", "iso-8859-1", "utf-16", "cp037", "windows-1252"]


def browser_with_csrf_cookie():
    """A browser that has visited the form before: it holds a CSRF cookie, so Django reads the body."""
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.get("/appointments/request/")
    return browser


@pytest.mark.parametrize("charset", CHARSETS)
@pytest.mark.parametrize("url", URLS)
def test_a_form_post_in_another_charset_gets_the_clinics_400_page(url, charset):
    make_clinic()
    browser = browser_with_csrf_cookie()

    response = browser.post(
        url,
        "name=Caf%E9&csrfmiddlewaretoken=x".encode("ascii"),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Sorry, we could not read that request" in html
    assert 'href="tel:+17575961900"' in html  # the clinic's phone number, from the database
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("charset", CHARSETS)
def test_an_unknown_url_is_still_a_404_not_a_500(charset):
    make_clinic()

    response = browser_with_csrf_cookie().post(
        "/no-such-page/", b"a=b", content_type=f"application/x-www-form-urlencoded; charset={charset}"
    )

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("url", URLS)
def test_without_a_csrf_cookie_such_a_post_is_never_a_500(url):
    response = Client(enforce_csrf_checks=True, raise_request_exception=False).post(
        url, b"a=b", content_type="application/x-www-form-urlencoded; charset=utf-16"
    )

    assert response.status_code in {400, 403, 405}
