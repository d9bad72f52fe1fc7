"""Content files: TOML front matter between two `+++` lines, then a Markdown body.

Standard library only, so content checks run without Django.
"""

import re
import tomllib
from pathlib import Path

_FRONT_MATTER = re.compile(
    r"\A\+\+\+[ \t]*\r?\n(?P<meta>.*?)^\+\+\+[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z",
    re.DOTALL | re.MULTILINE,
)


def read_front_matter(path: Path) -> tuple[dict, str]:
    """The file's front matter as a dict and its body, or a ValueError naming the file."""
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        raise ValueError(f"{path}: must start with TOML front matter between two '+++' lines")
    try:
        meta = tomllib.loads(match.group("meta"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: front matter is not valid TOML: {exc}") from exc
    return meta, match.group("body").strip()
