"""What changed between two revisions: word differences marked up as <del>/<ins>, each with a text label."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class ChangedPart:
    """One part of an article (title, summary, body...) and its differences as safe HTML."""

    name: str
    changed: bool
    blocks: list  # SafeString paragraphs


def _removed(text):
    return format_html(
        '<del><span class="diff-label">[removed:</span> {}<span class="diff-label">]</span></del>', text
    )


def _added(text):
    return format_html(
        '<ins><span class="diff-label">[added:</span> {}<span class="diff-label">]</span></ins>', text
    )


def _word_changes(old, new):
    """(tag, old text, new text) runs; a single unchanged word between two changes joins them,
    so "not this clinic's price" reads as one change rather than three."""
    old_tokens, new_tokens = TOKEN.findall(old), TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    runs = [
        ("equal" if tag == "equal" else "change", "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    merged = []
    for run in runs:
        if merged and run[0] == "change" and merged[-1][0] == "change":
            merged[-1] = ("change", merged[-1][1] + run[1], merged[-1][2] + run[2])
        elif (
            len(merged) >= 2
            and run[0] == "change"
            and merged[-1][0] == "equal"
            and len(merged[-1][1].split()) <= 1
            and merged[-2][0] == "change"
        ):
            equal = merged.pop()[1]
            previous = merged.pop()
            merged.append(("change", previous[1] + equal + run[1], previous[2] + equal + run[2]))
        else:
            merged.append(run)
    return merged


def word_diff(old, new):
    """One paragraph's differences, word by word."""
    pieces = []
    for tag, old_text, new_text in _word_changes(old, new):
        if tag == "equal":
            pieces.append(escape(old_text))
            continue
        if old_text.strip():
            pieces.append(_removed(old_text.strip()))
        if new_text.strip():
            pieces.append(" " if old_text.strip() else "")
            pieces.append(_added(new_text.strip()))
        if old_text[-1:].isspace() or new_text[-1:].isspace():
            pieces.append(" ")
    return mark_safe("".join(str(piece) for piece in pieces))  # noqa: S308 (every piece is escaped above)


def _unchanged(count):
    noun = "paragraph" if count == 1 else "paragraphs"
    return format_html('<span class="diff-unchanged">({} {} unchanged)</span>', count, noun)


def block_diff(old_blocks, new_blocks):
    """Paragraph by paragraph; unchanged runs are shown as a count."""
    matcher = difflib.SequenceMatcher(None, old_blocks, new_blocks, autojunk=False)
    shown = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            shown.append(_unchanged(i2 - i1))
            continue
        olds, news = old_blocks[i1:i2], new_blocks[j1:j2]
        for index in range(max(len(olds), len(news))):
            old = olds[index] if index < len(olds) else None
            new = news[index] if index < len(news) else None
            if old is None:
                shown.append(_added(new))
            elif new is None:
                shown.append(_removed(old))
            else:
                shown.append(word_diff(old, new))
    return shown


def _paragraphs(text):
    return [part.strip() for part in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if part.strip()]


def _source_lines(sources):
    lines = []
    for source in sources:
        parts = [f"[{source['position']}] {source['citation']}"]
        parts += [f"doi:{source['doi']}"] if source.get("doi") else []
        parts += [source["url"]] if source.get("url") else []
        parts += [f"({source['note']})"] if source.get("note") else []
        lines.append(" ".join(parts))
    return lines


def _image_lines(content):
    if not content["hero_image"]:
        return ["No image"]
    return [
        f"Image file: {content['hero_image']}",
        f"Image description: {content['hero_alt']}",
        f"Image credit: {content['hero_credit'] or 'none'}",
        "Image may be upsetting" if content["hero_is_sensitive"] else "Image shown at once",
    ]


def compare_revisions(old, new):
    """The differences from revision ``old`` to revision ``new``, part by part."""
    before, after = old.content(), new.content()
    parts = [
        ("Title", [before["title"]], [after["title"]]),
        ("Summary", _paragraphs(before["summary"]), _paragraphs(after["summary"])),
        ("Body", _paragraphs(before["body"]), _paragraphs(after["body"])),
        ("Sources", _source_lines(before["sources"]), _source_lines(after["sources"])),
        ("Image", _image_lines(before), _image_lines(after)),
    ]
    return [
        ChangedPart(name, old_blocks != new_blocks, block_diff(old_blocks, new_blocks))
        for name, old_blocks, new_blocks in parts
    ]
