"""Static files and 304s carry the same security headers as pages (CSP and frame headers included)."""

import re

import pytest

from tests.factories import make_clinic

pytestmark = pytest.mark.django_db


def stylesheet_url(client):
    return re.search(r'href="(/static/css/site\.[^"]+)"', client.get("/").content.decode()).group(1)


def assert_security_headers(response):
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("kind", ["stylesheet", "icon", "page"])
def test_a_fresh_answer_and_its_304_both_carry_every_security_header(client, kind):
    make_clinic()
    url = {"stylesheet": stylesheet_url(client), "icon": "/static/favicon.svg", "page": "/"}[kind]

    fresh = client.get(url, secure=True)
    not_modified = client.get(url, secure=True, HTTP_IF_NONE_MATCH=fresh["ETag"])

    assert fresh.status_code == 200
    assert not_modified.status_code == 304
    assert_security_headers(fresh)
    assert_security_headers(not_modified)


# --- The Content-Security-Policy, built once (prolo_site.middleware) ---------------------


def csp_of(view, path="/"):
    from django.test import RequestFactory

    from prolo_site.middleware import ContentSecurityPolicyMiddleware

    middleware = ContentSecurityPolicyMiddleware(view)
    request = RequestFactory().get(path)
    middleware.process_request(request)
    return middleware(request).get("Content-Security-Policy")


def plain_page(request):
    from django.http import HttpResponse

    return HttpResponse("page")


def test_the_built_once_header_is_django_csps_own_and_follows_the_settings(settings):
    from csp.utils import build_policy

    assert csp_of(plain_page) == build_policy()
    assert "img-src 'self'" in csp_of(plain_page)

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**directives, "img-src": ["'self'", "https://img.example"]}
    }
    assert "img-src 'self' https://img.example" in csp_of(plain_page)
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/plain"],
    }
    assert csp_of(plain_page, "/plain/") is None


def test_a_response_whose_policy_varies_still_gets_its_own(settings):
    from csp.constants import NONCE
    from csp.decorators import csp_update

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "script-src": ["'self'", NONCE]}}
    updated = csp_update({"img-src": "https://maps.example"})(plain_page)

    def with_nonce(request):
        response = plain_page(request)
        response.nonce = str(request.csp_nonce)
        return response

    assert "img-src 'self' https://maps.example" in csp_of(updated)
    assert "'nonce-" in csp_of(with_nonce)
    assert "maps.example" not in csp_of(plain_page) and "'nonce-" not in csp_of(plain_page)
