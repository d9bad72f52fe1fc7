"""Security headers Django's SecurityMiddleware does not set, and the language each address is in."""

from django.conf import settings
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
