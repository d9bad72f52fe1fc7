"""The one DOI rule: how a source's DOI is written, checked and linked (standard library only)."""

import re
from urllib.parse import quote

# "10.", the registrant's four to nine digits, a slash, then the item's own suffix.
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_FORMAT_HINT = "A DOI looks like 10.1038/srep25247: 10., four to nine digits, a slash, then the rest."

# What people paste around a DOI: the resolver's address or the "doi:" label.
_WRAPPERS = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
# Characters that may stand unescaped in a doi.org link.
_LEFT_AS_TYPED = "/:;()[]._-+~!$&'*,=@"


def normalise_doi(text: str) -> str:
    """The bare DOI in what an editor typed or pasted ("https://doi.org/10.1/x" gives "10.1/x")."""
    return _WRAPPERS.sub("", text.strip()).strip()


def is_doi(doi: str) -> bool:
    """Whether a normalised DOI has the form every DOI has."""
    return bool(DOI_PATTERN.match(doi))


def doi_url(doi: str) -> str:
    """The link to a DOI through doi.org, or "" for none.

    The characters doi.org asks to escape in a link (%, #, ?, spaces, double quotes and
    angle brackets, which older DOIs contain) are percent-encoded.
    """
    return f"https://doi.org/{quote(doi, safe=_LEFT_AS_TYPED)}" if doi else ""
