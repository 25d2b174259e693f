"""Split .bib text into blocks with exact spans, without changing a character.

Pure and fast: a regex finds each `@type{` / `@type(` head, brace matching finds its end;
everything between entries (comments, `%` lines, blank lines, free text) is a `text`
block. The blocks tile the text exactly: `"".join(text[b.start:b.end] for b in blocks)
== text`, so a file is never re-serialized, only appended to.

`validate_entry` checks one entry's syntax the way BibTeX reads it (key, `name = value`
fields, `{...}` / `"..."` / bare values, `#` concatenation, commas) and raises
`BibSyntaxError` with the 1-based line of the first problem; `scan` raises it for an entry
that never closes. bibtexparser 1.4 would silently turn such a block into a comment.

Lines whose first non-blank character is `%` are comments (biber and bibtexparser skip
them); the keys of entries commented out that way are reported as `commented_keys`, since
BibTeX itself does not skip them and a new entry must not reuse them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["entry", "string", "preamble", "comment", "text"]

_HEAD = re.compile(r"@[ \t]*(?P<type>[A-Za-z][\w-]*)[ \t\r\n]*(?P<open>[{(])")
_BRACE = re.compile(r"[{}]")
_PAREN_STOP = re.compile(r'[{}()"]')
_KEY = re.compile(r"[ \t\r\n]*(?P<key>[^\s,{}=]*)[ \t\r\n]*")
_FIELD_NAME = re.compile(r"[^\s=,{}\"#%()']+")
_BARE_VALUE = re.compile(r"[^\s,#{}\"=%()]+")
_QUOTE_STOP = re.compile(r'[{}"]')
_COMMENTED_HEAD = re.compile(r"@[ \t]*[A-Za-z][\w-]*[ \t]*[{(][ \t]*(?P<key>[^\s,{}()=\"#%']+)[ \t]*,")


class BibSyntaxError(ValueError):
    """The .bib text cannot be read as BibTeX; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a .bib file: `text[start:end]`, starting on `line` (1-based)."""

    kind: BlockKind
    start: int
    end: int
    line: int
    entry_type: str | None = None  # lowercased, for entries
    key: str | None = None  # for entries (may be "" when the file has none)


@dataclass(frozen=True, slots=True)
class Scan:
    blocks: tuple[Block, ...]
    commented_keys: frozenset[str] = field(default_factory=frozenset)

    @property
    def entries(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "entry"]


class _Lines:
    """1-based line numbers for increasing offsets, counting each newline once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.pos:  # rare: an error message for an earlier spot
            return self.text.count("\n", 0, offset) + 1
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _match_brace(text: str, open_at: int) -> int:
    """Offset just past the `}` closing the `{` at `open_at`, or -1."""
    depth = 0
    for m in _BRACE.finditer(text, open_at):
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.end()
    return -1


def _match_paren(text: str, open_at: int) -> int:
    """Offset just past the `)` closing the `(` at `open_at` (braces and quotes nest)."""
    depth = 0
    quoted = False
    for m in _PAREN_STOP.finditer(text, open_at + 1):
        ch = m.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and ch == '"':
            quoted = not quoted
        elif depth == 0 and not quoted and ch == ")":
            return m.end()
    return -1


def _in_comment_line(text: str, at: int) -> bool:
    line_start = text.rfind("\n", 0, at) + 1
    return text[line_start:at].lstrip(" \t").startswith("%")


def _iter_blocks(text: str) -> Iterator[Block]:
    lines = _Lines(text)
    pos = 0  # start of the pending text block
    search = 0
    n = len(text)
    while True:
        at = text.find("@", search)
        if at < 0:
            break
        if _in_comment_line(text, at):
            newline = text.find("\n", at)
            search = n if newline < 0 else newline + 1
            continue
        head = _HEAD.match(text, at)
        if head is None:
            search = at + 1
            continue
        entry_type = head["type"].lower()
        open_at = head.end() - 1
        end = _match_brace(text, open_at) if head["open"] == "{" else _match_paren(text, open_at)
        if end < 0:
            if entry_type == "comment":  # an unclosed @comment is just text to BibTeX
                search = at + 1
                continue
            head_key = _KEY.match(text, open_at + 1)
            name = f"@{entry_type}{{{head_key['key'] if head_key else ''}"
            raise BibSyntaxError(
                lines.at(at), f"{name} is never closed: a '{{' has no matching '}}' (unbalanced braces)"
            )
        if pos < at:
            yield Block("text", pos, at, lines.at(pos))
        if entry_type in {"comment", "string", "preamble"}:
            yield Block(entry_type, at, end, lines.at(at), entry_type)  # type: ignore[arg-type]
        else:
            key_match = _KEY.match(text, open_at + 1)
            yield Block("entry", at, end, lines.at(at), entry_type, key_match["key"] if key_match else "")
        pos = search = end
    if pos < n:
        yield Block("text", pos, n, lines.at(pos))


def scan(text: str) -> Scan:
    """Split `text` into blocks; raises `BibSyntaxError` for an entry that never closes."""
    blocks = tuple(_iter_blocks(text))
    commented: set[str] = set()
    for block in blocks:
        if block.kind == "text" and "@" in text[block.start : block.end]:
            for m in _COMMENTED_HEAD.finditer(text, block.start, block.end):
                commented.add(m["key"])
    return Scan(blocks, frozenset(commented))


def _skip_value(text: str, pos: int, end: int) -> int:
    """Offset after one value starting at `pos`, or -1 when there is none."""
    if pos >= end:
        return -1
    ch = text[pos]
    if ch == "{":
        close = _match_brace(text, pos)
        return close if 0 < close <= end else -1
    if ch == '"':
        depth = 0
        for m in _QUOTE_STOP.finditer(text, pos + 1, end):
            c = m.group()
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif depth == 0:
                return m.end()
        return -1
    bare = _BARE_VALUE.match(text, pos, end)
    return bare.end() if bare else -1


def entry_fields(text: str, block: Block) -> list[tuple[str, str]]:
    """Check one entry block's syntax and return its fields, in order.

    Each field is (name lowercased, value text): braced and quoted parts without their
    delimiters, bare numbers as written, `@string` macros as "" (not expanded), parts
    joined by `#`. Raises `BibSyntaxError` with the line of the first problem.
    """
    if block.kind != "entry":
        return []
    head = _HEAD.match(text, block.start)
    if head is None:  # pragma: no cover - scan only makes entry blocks from heads
        raise BibSyntaxError(block.line, "not an entry")
    body_start = head.end()
    end = block.end - 1  # the closing delimiter
    name = f"@{block.entry_type}{{{block.key}"

    def fail(at: int, message: str) -> BibSyntaxError:
        return BibSyntaxError(line_of(text, at), f"{name}: {message}")

    fields: list[tuple[str, str]] = []
    key_match = _KEY.match(text, body_start, end)
    pos = key_match.end() if key_match else body_start
    if pos >= end:
        return fields  # "@misc{key}": no fields
    if text[pos] == "=":
        raise fail(pos, "the entry has no citation key (the first thing after '{' must be the key)")
    if text[pos] != ",":
        raise fail(pos, f"expected ',' after the key {block.key!r}, found {text[pos]!r}")
    pos += 1
    while True:
        pos = _skip_space(text, pos, end)
        if pos >= end:
            return fields
        field_match = _FIELD_NAME.match(text, pos, end)
        if field_match is None:
            raise fail(pos, f"expected a field name, found {text[pos]!r}")
        field = field_match.group()
        if field.startswith("@"):
            raise fail(pos, f"a new entry ({field}) starts inside this one: is a '}}' missing "
                            "at the end of this entry?")
        pos = _skip_space(text, field_match.end(), end)
        if pos >= end or text[pos] != "=":
            raise fail(pos, f"expected '=' after the field name {field!r}")
        parts: list[str] = []
        while True:
            pos = _skip_space(text, pos + 1, end)
            after = _skip_value(text, pos, end)
            if after < 0:
                raise fail(pos, f"field {field!r} has no readable value (unbalanced quotes or braces?)")
            if text[pos] in "{\"":
                parts.append(text[pos + 1 : after - 1])
            elif text[pos].isdigit():
                parts.append(text[pos:after])
            value_end = after
            pos = _skip_space(text, after, end)
            if pos < end and text[pos] == "#":
                continue
            break
        fields.append((field.lower(), "".join(parts)))
        if pos >= end:
            return fields
        if text[pos] != ",":  # the comma is missing where the value ends
            found = _FIELD_NAME.match(text, pos, end)
            raise fail(value_end, f"expected ',' after the value of {field!r}, found "
                                  f"{(found.group() if found else text[pos])!r} (a missing comma?)")
        pos += 1


def validate_entry(text: str, block: Block) -> None:
    """Check one entry block's syntax; `BibSyntaxError` names the line of the problem."""
    entry_fields(text, block)


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in " \t\r\n":
        pos += 1
    return pos
