"""Text from outside (digests, APIs, Zotero) made safe to show and to write.

Terminal control sequences (ESC [ ... m, OSC titles, ...), backspace, DEL and the other
C0 and C1 control characters have no place in a title, a name or an abstract: printed
raw they rewrite the user's terminal, written raw into a .bib they stop pdflatex. They
are removed; tab, line feed and carriage return stay (readers collapse them where a
field is one line), and the vertical controls that separate words (VT, FF, NEL) become
a space.
"""

from __future__ import annotations

import re

# ESC sequences: CSI (ESC [ params final), OSC/DCS/SOS/PM/APC strings up to BEL or ST,
# and two-character escapes; the 8-bit CSI (U+009B) with its parameters.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
_SPACE_LIKE = re.compile(r"[\x0b\x0c\x85]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_ANY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


_ASCII_PRINTABLE = bytes(range(0x20, 0x7F))


def printable(text: str) -> bool:
    """`text.isprintable()`, four times faster on long ASCII text (an abstract): the
    Unicode database is not asked about each character. (On a short text the two calls
    this takes cost more than they save.)"""
    if len(text) > 200 and text.isascii():
        return not text.encode("ascii").translate(None, _ASCII_PRINTABLE)
    return text.isprintable()


def has_controls(text: str) -> bool:
    """Whether `text` holds a character `clean_text` would change."""
    # Every control character is unprintable: most texts are printable, and isprintable()
    # is cheaper than a regex call.
    return not printable(text) and _ANY.search(text) is not None


def clean_texts(texts: tuple[str, ...]) -> tuple[str, ...]:
    """`clean_text` of each (the same tuple when none needs it)."""
    if not any(has_controls(t) for t in texts):
        return texts
    return tuple(clean_text(t) for t in texts)


def clean_text(text: str) -> str:
    """`text` without control characters and escape sequences (see the module doc)."""
    if printable(text) or _ANY.search(text) is None:  # nearly always: one scan, no copy
        return text
    text = _ESCAPES.sub("", text)
    text = _SPACE_LIKE.sub(" ", text)
    return _CONTROL.sub("", text)


def quoted(value: object, limit: int = 80) -> str:
    """`value` quoted for a message: `repr` (controls escaped), its middle cut to keep the
    message one readable line when the input is long (a 5,000-character "ID")."""
    if isinstance(value, str) and len(value) > limit:
        keep = max(limit - 12, 8)
        value = value[:keep] + "\u2026" + value[-8:]
    return repr(value)
