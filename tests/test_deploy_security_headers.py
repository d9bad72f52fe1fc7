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
