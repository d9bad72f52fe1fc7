"""Helpers the suite shares, one copy of each: the request form's address and reading a page's hidden inputs."""

import html
import re

FORM_URL = "/appointments/request/"
RECEIVED_URL = "/appointments/request/received/"


def hidden_input(page, name):
    """The value of the input called `name` in the HTML `page`, or None if there is none."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match[0])
    return html.unescape(value[1]) if value else ""
