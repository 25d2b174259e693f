"""What every reader returns, and helpers readers share.

A reader is a pure function `read(text, source, *, as_of) -> ReadResult`: it gets the
decoded text of one file and the name to cite in messages, and returns one `Paper` per
entry (duplicates included: deduplication is a later step) plus warnings. A file it
cannot read at all raises `InputError` naming the file, the line and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from zotsync.core.paper import Paper, Summary
from zotsync.core.text import clean_text, printable

# Texts daily-arXiv-ai-enhanced writes when its LLM step failed (ai/enhance.py).
PLACEHOLDERS = frozenset(
    text.casefold()
    for text in (
        "Summary generation failed",
        "Motivation analysis unavailable",
        "Method extraction failed",
        "Result analysis unavailable",
        "Conclusion extraction failed",
        "Processing failed",
        "This content has not passed the compliance test and has been hidden.",
        "Error",
        "N/A",
    )
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class ReaderWarning:
    file: str
    line: int | None
    message: str

    def __post_init__(self) -> None:  # a warning may quote the input: never a control in it
        object.__setattr__(self, "message", clean_text(self.message))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass(slots=True)
class ReadResult:
    entries: list[Paper] = field(default_factory=list)
    warnings: list[ReaderWarning] = field(default_factory=list)


class Reader(Protocol):
    def __call__(self, text: str, source: str, *, as_of: date) -> ReadResult: ...


# Anything str.split() would change in a stripped string: a whitespace character other than
# a plain space (newlines, tabs, U+2028, NBSP, ...) or two whitespace characters in a row.
_NEEDS_COLLAPSE = re.compile(r"[^\S ]|\s\s")


def plain_line(text: str) -> bool:
    """Whether `text` has no whitespace but single spaces: `collapse` leaves it as it is
    (stripped). Unprintable are all whitespace characters but the ASCII space, so this asks
    no regex (180,000 texts a digest); "\n" first: a wrapped text is not printable, and
    `printable` reads all of it to say so."""
    return "\n" not in text and printable(text) and "  " not in text


def collapse(text: str | None) -> str | None:
    """Whitespace runs (newlines included) to one space; empty to None."""
    if text is None:
        return None
    stripped = text.strip()
    if plain_line(stripped) or _NEEDS_COLLAPSE.search(stripped) is None:
        return stripped or None  # already one plain line: skip the split (most digest fields)
    return " ".join(stripped.split()) or None


def real_text(text: str | None) -> str | None:
    """The text, or None when it is empty or an AI placeholder."""
    s = collapse(text)
    if s is None:
        return None
    if _CJK.search(s) is None and (s.rstrip(".").casefold() in PLACEHOLDERS or s.casefold() in PLACEHOLDERS):
        return None  # (a placeholder has no Chinese character, nor has its casefold: most TL;DRs do)
    return s


def make_summary(
    tldr: str | None,
    motivation: str | None,
    method: str | None,
    result: str | None,
    conclusion: str | None,
) -> Summary | None:
    """A Summary from raw digest texts; None when every text is a placeholder."""
    texts = [real_text(t) for t in (tldr, motivation, method, result, conclusion)]
    if not any(texts):
        return None
    joined = " ".join(t for t in texts if t)
    language = "zh" if _CJK.search(joined) else "en"
    tldr_text, motivation_text, method_text, result_text, conclusion_text = texts
    return Summary(tldr=tldr_text, motivation=motivation_text, method=method_text,
                   result=result_text, conclusion=conclusion_text, language=language)


def split_categories(categories: list[str] | tuple[str, ...], primary: str | None) -> tuple[str, ...]:
    """Categories without repeats, the primary first."""
    ordered: list[str] = []
    if primary:
        ordered.append(primary)
    for raw in categories:
        cat = raw.strip()
        if cat and cat not in ordered:
            ordered.append(cat)
    return tuple(ordered)


# A JSON string escape for a UTF-16 surrogate: decoded alone (without its pair) it is not a
# character and cannot be written anywhere (UTF-8, SQLite, the terminal).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
TOO_LONG_NUMBER = "holds a number too long to read (more than 4300 digits)"


def may_hold_surrogates(text: str) -> bool:
    """Whether JSON `text` escapes a surrogate: only then can a value hold a lone one."""
    return _SURROGATE_ESCAPE.search(text) is not None


def lone_surrogate(decoded: object) -> str | None:
    """The first unpaired surrogate (as its escape, e.g. `\\ud800`) in the JSON value
    `decoded`, else None.

    A JSON string may escape half of a UTF-16 pair alone (`"\\ud800"`); Python decodes it
    to a string no encoder accepts. Walk only what `may_hold_surrogates` flags.
    """
    stack: list[object] = [decoded]
    while stack:  # no recursion: the value may be nested as deep as the decoder allows
        value = stack.pop()
        if isinstance(value, str):
            found = _LONE_SURROGATE.search(value)
            if found:
                return f"\\u{ord(found.group()):04x}"
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return None


# Counts a digest states (upvotes, authors, revisions) are far below this; a larger one is
# damage, and a 5,000-digit one would not even convert (Python refuses over 4,300 digits).
MAX_COUNT = 10**9


def small_count(value: object) -> int | None:
    """A count from a digest: a JSON integer or a run of ASCII digits from 0 to `MAX_COUNT`,
    else None (absurd, negative, a float, a bool, a superscript digit...)."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_COUNT)):
            return None
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_COUNT else None


_AUTHOR_SEPARATOR = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_PARENTHESISED = re.compile(r"\([^()]*\)")


def split_authors(text: str | None) -> tuple[str, ...]:
    """Names from one string as arXiv writes them: `A, B and C` (also `A, B, and C`).

    Used for listing e-mails' `Authors:` and feeds' `dc:creator`. Parenthesised
    affiliations (`A (MIT)`, `A (1), B (2) ((1) MIT, (2) ETH)`) are dropped first, so
    commas inside them never split a name.
    """
    if not text:
        return ()
    if "(" in text:
        previous = None
        while previous != text:
            previous, text = text, _PARENTHESISED.sub(" ", text)
    names = (" ".join(part.split()) for part in _AUTHOR_SEPARATOR.split(text))
    return tuple(name for name in names if name)
