"""Field validators for what patients and staff type: no hidden control or formatting characters."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Tab, line feed and carriage return are fine in a message; no other control character is.
MULTILINE_WHITESPACE = "\t\n\r"

# Invisible characters that change how text is shown without showing themselves: bidi
# controls can make a name or note read differently in the admin and the CSV export
# ("Smith" shown for what sorts as "htimS"), zero-width ones hide text or make two
# names that look the same differ. Nobody needs them to type a name, a note or an address.
BIDI_CONTROLS = frozenset(
    "\u061c"  # Arabic letter mark
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)
ZERO_WIDTH_CHARACTERS = frozenset(
    "\u200b\u200c\u200d"  # zero-width space, non-joiner, joiner
    "\u2060"  # word joiner
    "\ufeff"  # zero-width no-break space (byte order mark)
)
INVISIBLE_FORMATTING = BIDI_CONTROLS | ZERO_WIDTH_CHARACTERS

CONTROL_CHARACTERS_MESSAGE = _(
    "This has hidden characters in it that we cannot accept (they often come with pasted text). "
    "Delete it and type it in again, rather than pasting it."
)


def contains_control_characters(text, *, allowed=""):
    """The one definition of the characters we refuse, for the model's validators and
    the form's fields alike: control characters (Unicode category Cc, the null byte
    included) apart from `allowed`, and the invisible bidi and zero-width characters."""
    return any(
        (unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in INVISIBLE_FORMATTING for ch in text
    )


def refuse_control_characters(value):
    if isinstance(value, str) and contains_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def refuse_control_characters_except_line_breaks(value):
    if isinstance(value, str) and contains_control_characters(value, allowed=MULTILINE_WHITESPACE):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")
