"""Digest files in, deduplicated papers out: the file-reading edge of `digest -> papers`.

Reads each file's bytes (or stdin for `-`, once), rejects binary and non-UTF-8 input
with the line to look at (UTF-16 and UTF-32 text by name), picks the reader (sniffed
or `--format`), and deduplicates the entries of all files together.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from zotsync.core.dedup import deduplicate
from zotsync.core.paper import Paper
from zotsync.errors import InputError, ZotsyncError
from zotsync.fileio import DEFAULT_MAX_SIZE, NotRegularFile, TooLarge, read_at_most, read_regular_bytes
from zotsync.readers import FORMATS, ReaderWarning, reader_for, sniff

if TYPE_CHECKING:
    from zotsync.config import Settings


@dataclass(slots=True)
class LoadResult:
    papers: list[Paper]
    entries_read: int
    warnings: list[ReaderWarning] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> format used
    day: date | None = None  # the day of the first dated source (`hf:2026-06-08`), for `{date}`
    sources: tuple[str, ...] = ()  # the inputs fetched as sources (`hf:...`), not read as files

    @property
    def merged(self) -> int:
        return self.entries_read - len(self.papers)


_UTF_BOMS = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (b"\xff\xfe\x00\x00", "UTF-32", "utf-32-le"), (b"\x00\x00\xfe\xff", "UTF-32", "utf-32-be"),
    (b"\xff\xfe", "UTF-16", "utf-16-le"), (b"\xfe\xff", "UTF-16", "utf-16-be"),
)
_SAMPLE = 8192


def _decodes(head: bytes, codec: str, unit: int, whole: bool) -> bool:
    """Whether `head` is text in `codec` (the end of a sample may cut a character)."""
    try:
        head[:len(head) - len(head) % unit].decode(codec)
    except UnicodeDecodeError as exc:
        return not whole and exc.start >= len(head) - 4
    return True


def _wide_encoding(data: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the bytes are text in that encoding, with or without a BOM.

    Without a BOM: mostly-ASCII text in UTF-16 has a zero byte in (nearly) every pair on
    the same side (odd offsets for little-endian, even for big-endian).
    """
    head, whole = data[:_SAMPLE], len(data) <= _SAMPLE
    for bom, name, codec in _UTF_BOMS:
        if head.startswith(bom):
            return name if _decodes(head[len(bom):], codec, len(bom), whole) else None
    pairs = len(head) // 2
    if pairs < 2:
        return None
    for zero_at, codec in ((1, "utf-16-le"), (0, "utf-16-be")):
        zeros = head[zero_at:2 * pairs:2].count(0)
        others = head[1 - zero_at:2 * pairs:2].count(0)
        if zeros * 10 >= pairs * 7 and others * 10 <= pairs and _decodes(head, codec, 2, whole):
            return "UTF-16"
    return None


def check_head(data: bytes, source: str) -> None:
    """Refuse UTF-16/UTF-32 and binary data from its first bytes (all of `data`, or the
    first block of stdin before the rest is read; `decode` checks the whole again)."""
    wide = _wide_encoding(data)
    if wide is not None:
        raise InputError(source, f"is {wide} text, not UTF-8", hint="re-save the file as UTF-8")
    if b"\x00" in data[:_SAMPLE]:
        raise InputError(source, "is a binary file, not a digest",
                         hint="pass a Markdown, JSON(L), XML or text digest")


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is dropped); binary or other encodings are errors with the line."""
    check_head(data, source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(source, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x})", line=line,
                         hint="re-save the file as UTF-8") from None


def too_large(source: str, error: TooLarge) -> InputError:
    return InputError(source, str(error.strerror),
                      hint="split it, or raise input.max_size (ZOTSYNC_INPUT_MAX_SIZE) if it is right")


def _read_stdin(limit: int) -> bytes:
    """Stdin up to `limit` bytes; binary data is refused from its first block, so
    `parse - < /dev/zero` ends at once rather than at the limit."""
    stream = sys.stdin.buffer
    first = stream.read(min(2 * _SAMPLE, limit + 1))  # more than a sample: `whole` stays right
    if b"\x00" in first[:_SAMPLE]:  # binary (or UTF-16: `check_head` names which) ends it now
        check_head(first, "<stdin>")
    rest = read_at_most(stream, limit - len(first)) if len(first) == min(2 * _SAMPLE, limit + 1) else b""
    data = first + rest
    if len(data) > limit:
        raise too_large("<stdin>", TooLarge("<stdin>", None, limit))
    return data


def read_source(source: str, *, limit: int = DEFAULT_MAX_SIZE) -> str:
    """The text of a digest: `-` is stdin; otherwise a regular file (links followed) of at
    most `limit` bytes. A FIFO, device, socket or link loop is refused, never opened."""
    if source == "-":
        return decode(_read_stdin(limit), "<stdin>")
    path = Path(source)
    try:
        data = read_regular_bytes(path, limit=limit)
    except FileNotFoundError:
        raise InputError(source, "no such file", hint="check the path") from None
    except IsADirectoryError:
        raise InputError(source, "is a folder", hint="pass the digest files inside it") from None
    except NotRegularFile as exc:
        if exc.kind == "a folder":
            raise InputError(source, "is a folder", hint="pass the digest files inside it") from None
        raise InputError(source, str(exc.strerror),
                         hint="save the digest to a file, or pipe it in as - (stdin)") from None
    except TooLarge as exc:
        raise too_large(source, exc) from None
    except PermissionError:
        raise InputError(source, "permission denied", hint="check the file's permissions") from None
    except OSError as exc:
        raise InputError(source, f"cannot be read: {exc.strerror}") from None
    return decode(data, source)


def load_papers(files: Sequence[str], fmt: str | None = None, *, as_of: date | None = None,
                max_size: int = DEFAULT_MAX_SIZE, settings: Settings | None = None) -> LoadResult:
    """Read every file with its reader and deduplicate all entries together; each file
    (and stdin) may hold at most `max_size` bytes (the `input.max_size` setting).

    With `settings`, a FILE may also be a source (`hf:2026-06-08`, `dae:today`: see
    zotsync.sources), fetched or read from its cache."""
    if list(files).count("-") > 1:  # the second read would find stdin empty
        raise ZotsyncError("stdin (-) can be given once", hint="pass - once, or save the input to a file")
    as_of = as_of or date.today()
    entries: list[Paper] = []
    warnings: list[ReaderWarning] = []
    formats: dict[str, str] = {}
    day: date | None = None
    fetched: list[str] = []
    today = date.today()
    for source in files:
        spec = None
        if settings is not None and ":" in source:  # (the HTTP client loads only for a source)
            from zotsync.sources import fetch_source, parse_source  # noqa: PLC0415

            spec = parse_source(source, today=today)
        if spec is not None and settings is not None:
            got = fetch_source(spec, settings, today=today)
            text, fetched_format = got.text, got.fmt
            name = spec.name
            fetched.append(name)
            day = day or got.day
        else:
            text = read_source(source, limit=max_size)
            name = "<stdin>" if source == "-" else source
            fetched_format = None
        chosen = fmt or fetched_format or sniff(text)
        if chosen is None:
            if not text.strip():
                raise InputError(name, "is empty", hint="pass a digest file with papers in it")
            raise InputError(name, "format not recognised",
                             hint=f"pass --format, one of: {', '.join(FORMATS)}")
        formats[name] = chosen
        try:
            result = reader_for(chosen)(text, name, as_of=as_of)
        except RecursionError:  # readers catch this where they decode; this is the backstop
            raise InputError(name, f"is nested too deeply to be read as {chosen}",
                             hint="pass a digest file as downloaded") from None
        entries.extend(result.entries)
        warnings.extend(result.warnings)
    folded = deduplicate(entries)
    return LoadResult(folded.papers, folded.entries, warnings, formats, day, tuple(fetched))
