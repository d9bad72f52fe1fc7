"""Field validators for what patients and staff type: no hidden control characters."""

import unicodedata

from django.core.exceptions import ValidationError

# Tab, line feed and carriage return are fine in a message; no other control character is.
MULTILINE_WHITESPACE = "\t\n\r"
CONTROL_CHARACTERS_MESSAGE = (
    "Remove the hidden control characters (often pasted in by accident) and type the text again."
)


def contains_control_characters(text, *, allowed=""):
    """Control characters (Unicode category Cc, null byte included), apart from `allowed`."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def refuse_control_characters(value):
    if isinstance(value, str) and contains_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def refuse_control_characters_except_line_breaks(value):
    if isinstance(value, str) and contains_control_characters(value, allowed=MULTILINE_WHITESPACE):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def contains_invisible_formatting(text):
    """Bidi controls and zero-width characters (Unicode category Cf): they change how
    text reads on screen (an address shown reversed) without being seen."""
    return any(unicodedata.category(ch) == "Cf" for ch in text)
