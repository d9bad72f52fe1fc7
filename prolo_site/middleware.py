"""Security headers Django's SecurityMiddleware does not set, the Content-Security-Policy
built once, and the language each address is in."""

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class SecurityHeadersMiddleware:
    """Permissions-Policy (no camera, microphone, location...) and
    Cross-Origin-Resource-Policy on every response, static files included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


# django-csp's per-response parts of a policy: a view's decorators set these.
_PER_RESPONSE_PARTS = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
)  # fmt: skip

# (header, the setting it is built from, the response attribute that exempts it)
_POLICIES = (
    (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt"),
    (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro"),
)

# {setting name: (header value, or "" for no policy; the path prefixes it skips)}
_built_policies = {}


@receiver(setting_changed)
def _forget_built_policies(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _built_policies.clear()


def _built_policy(name):
    if name not in _built_policies:
        config = getattr(settings, name, None) or {}
        value = build_policy(report_only=name.endswith("_REPORT_ONLY"))
        _built_policies[name] = (value, tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ()))
    return _built_policies[name]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header built once per process.

    django-csp builds the header from the settings again for every response, which is
    about a third of what a page served from the page cache costs. The site's policy
    is the same for every response (no view uses django-csp's decorators, no page uses
    a nonce), so it is built once, and again if the settings change. A response whose
    policy does vary (a decorator, or a nonce asked for) goes through django-csp's
    own code as before; so do the error pages under DEBUG, which it leaves alone."""

    def process_response(self, request, response):
        varies = getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, part, None) is not None for part in _PER_RESPONSE_PARTS
        )
        if varies or settings.DEBUG:
            return super().process_response(request, response)
        for header, name, exempt in _POLICIES:
            value, excluded_prefixes = _built_policy(name)
            if (
                value
                and header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(excluded_prefixes)
            ):
                response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class LanguageFromPathMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with the address alone deciding the language: /es/...
    is Spanish, everything else (the admin included) English. The browser's
    Accept-Language and any cookie are never read, so nothing redirects a reader to
    another language and a page never varies by those headers (the page cache keeps
    one copy per address).

    The language is the request's only: once answered, the thread's language is
    back to what it was, so nothing that runs after it in the same thread (a test,
    a management command calling the site) is in Spanish by accident."""

    def __call__(self, request):
        previous = translation.get_language()
        try:
            return super().__call__(request)
        finally:
            translation.activate(previous)

    def process_request(self, request):
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
