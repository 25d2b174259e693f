"""Digest files in, deduplicated papers out: the file-reading edge of `digest -> papers`.

Reads each file's bytes (or stdin for `-`), rejects binary and non-UTF-8 input with
the line to look at, picks the reader (sniffed or `--format`), and deduplicates the
entries of all files together.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from zotsync.core.dedup import deduplicate
from zotsync.core.paper import Paper
from zotsync.errors import InputError
from zotsync.readers import FORMATS, ReaderWarning, reader_for, sniff


@dataclass(slots=True)
class LoadResult:
    papers: list[Paper]
    entries_read: int
    warnings: list[ReaderWarning] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # file -> format used

    @property
    def merged(self) -> int:
        return self.entries_read - len(self.papers)


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is dropped); binary or other encodings are errors with the line."""
    if b"\x00" in data[:8192]:
        raise InputError(source, "is a binary file, not a digest",
                         hint="pass a Markdown, JSON(L), XML or text digest")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(source, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x})", line=line,
                         hint="re-save the file as UTF-8") from None


def read_source(source: str) -> str:
    if source == "-":
        return decode(sys.stdin.buffer.read(), "<stdin>")
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(source, "no such file", hint="check the path") from None
    except IsADirectoryError:
        raise InputError(source, "is a folder", hint="pass the digest files inside it") from None
    except PermissionError:
        raise InputError(source, "permission denied", hint="check the file's permissions") from None
    except OSError as exc:
        raise InputError(source, f"cannot be read: {exc.strerror}") from None
    return decode(data, source)


def load_papers(files: Sequence[str], fmt: str | None = None, *, as_of: date | None = None) -> LoadResult:
    """Read every file with its reader and deduplicate all entries together."""
    as_of = as_of or date.today()
    entries: list[Paper] = []
    warnings: list[ReaderWarning] = []
    formats: dict[str, str] = {}
    for source in files:
        text = read_source(source)
        name = "<stdin>" if source == "-" else source
        chosen = fmt or sniff(text)
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
    return LoadResult(folded.papers, folded.entries, warnings, formats)
