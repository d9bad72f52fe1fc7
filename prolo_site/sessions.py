"""Staff sessions end after settings.SESSION_IDLE_MINUTES without a visit, however long ago they began."""

import time

from django.conf import settings

# When the session's expiry was last pushed back (seconds since the epoch).
REFRESHED_KEY = "_idle_refreshed_at"


class SessionIdleTimeoutMiddleware:
    """Push a session's expiry (SESSION_COOKIE_AGE, the idle time) back on use, at most
    once a minute. SESSION_SAVE_EVERY_REQUEST would do the same by writing the session
    row on every request: every admin page, inline and autocomplete, each a database
    write. Marking the session changed once a minute is one write a minute per person,
    and a session still ends between one minute before and exactly the idle time after
    its last visit. Sits below SessionMiddleware, which saves a changed session and
    sends the cookie with its new expiry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session that exists already: a visitor who has none gets none from here.
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get(REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[REFRESHED_KEY] = now
        return response
