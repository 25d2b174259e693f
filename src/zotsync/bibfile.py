"""The user's .bib file: read it, parse its entries, plan and write the merge.

The edge around the pure `core.bibscan`, `core.bibmatch` and `core.bibtex_entry`, with
`bibstore` for what is kept in the store:

- `read_bib` reads the file as bytes, keeps its encoding (UTF-8, with or without BOM, else
  Latin-1) and newline style, and splits it into blocks (`bibscan.scan`).
- `plan_merge` runs the steps: warn about keys used twice, know each entry block
  (`read_entries`: from the block cache, else its clues; bibtexparser 1.4 parses only the
  blocks that could hold one of the papers, `parse_blocks`), then `bibmatch.plan_entries`
  finds which papers the file already holds, gives the new ones keys and formats their
  entries.
- `apply_merge` appends the new entries to the original bytes (nothing the user wrote is
  touched, reordered or re-serialized), writes atomically with a `.bak` backup, and
  remembers every key in the store (`bibstore.KeyMemory`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import bibtexparser

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]
from bibtexparser.bparser import BibTexParser

from zotsync.bibstore import BlockCache, KeyMemory, WrittenEntries, block_hash
from zotsync.core.bibmatch import (
    Added,
    BlockInfo,
    ExportOptions,
    Needles,
    Present,
    Skipped,
    bib_ident,
    block_clues,
    blocks_to_parse,
    duplicate_key_warnings,
    ident_from_fields,
    plan_entries,
)
from zotsync.core.bibscan import BibSyntaxError, Block, Scan, entry_fields, scan
from zotsync.core.identity import Ident
from zotsync.core.paper import Paper
from zotsync.errors import InputError, OutputPathError, ZotsyncError
from zotsync.fileio import (
    DEFAULT_MAX_SIZE,
    READ_ONLY,
    Changed,
    NotRegularFile,
    Snapshot,
    TooLarge,
    atomic_write_bytes,
    read_regular,
    writable_target,
)
from zotsync.store import Store

# --------------------------------------------------------------------------------------
# The file
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BibText:
    """A .bib file as read: exact bytes, decoded text, encoding, newline style, blocks."""

    path: Path
    exists: bool
    data: bytes
    text: str
    encoding: str
    newline: str
    scan: Scan
    snapshot: Snapshot | None = None  # size, mtime and hash as read: the write checks them


def read_bib(path: Path, *, max_size: int = DEFAULT_MAX_SIZE) -> BibText:
    """Read (or, when missing, start) a .bib; `InputError` with the line when it does not parse.

    Only a regular file (links followed) or a new path: a FIFO, device, socket or link
    loop is refused before it is opened, and so never replaced either.
    """
    shown = str(path)
    try:
        data, snapshot = read_regular(path, limit=max_size)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise OutputPathError(shown, "the folder does not exist",
                                  hint="create it or choose another path") from None
        return BibText(path, False, b"", "", "utf-8", "\n", Scan(()))
    except NotRegularFile as exc:
        if exc.kind == "a folder":
            raise OutputPathError(shown, "is a folder", hint="pass a .bib file") from None
        raise OutputPathError(shown, f"{exc.strerror}; it was not changed",
                              hint="choose a regular .bib file or a new path") from None
    except TooLarge as exc:
        raise InputError(shown, f"{exc.strerror}; it was not changed",
                         hint="raise input.max_size (ZOTSYNC_INPUT_MAX_SIZE) if it is right") from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read: {exc.strerror}") from None
    if b"\x00" in data[:8192]:
        raise OutputPathError(shown, "is a binary file, not a .bib", hint="check the path")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        encoding = "latin-1"
    text = text.removeprefix("\ufeff")
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
    try:
        blocks = scan(text)
    except BibSyntaxError as error:
        raise _syntax_error(shown, error) from None
    return BibText(path, True, data, text, encoding, newline, blocks, snapshot)


def _syntax_error(file: str, error: BibSyntaxError) -> InputError:
    return InputError(file, f"{error.message}; the file was not changed", line=error.line,
                      hint="fix the entry, then run again")


def parse_blocks(text: str, blocks: Sequence[Block]) -> list[Ident | None]:
    """Parse entry blocks with bibtexparser 1.4 (one parser for all of them): each
    block's identity, or None for a block bibtexparser could not read."""
    if not blocks:
        return []
    parser = BibTexParser(ignore_nonstandard_types=False, interpolate_strings=False,
                          common_strings=True)
    db = bibtexparser.loads("\n\n".join(text[b.start : b.end] for b in blocks), parser)
    parsed: list[dict[str, Any]] = list(db.entries)
    idents: list[Ident | None] = []
    j = 0
    for block in blocks:  # bibtexparser drops what it cannot read: pair entries up by key
        if j < len(parsed) and parsed[j].get("ID", "") == (block.key or ""):
            idents.append(ident_from_fields(parsed[j]))
            j += 1
        else:
            idents.append(None)
    return idents


# --------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------


@dataclass
class MergePlan:
    """What a merge would do; `apply_merge` does it, `--dry-run` only shows it."""

    bib: BibText
    options: ExportOptions
    added: list[Added] = field(default_factory=list)
    present: list[Present] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    appended: str = ""
    parsed_blocks: int = 0
    cached_blocks: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added)

    def new_bytes(self) -> bytes:
        """The original bytes, untouched, followed by the new entries."""
        return self.bib.data + self.appended.encode(self.bib.encoding)


def read_entries(bib: BibText, cache: BlockCache, needles: Needles, plan: MergePlan) -> dict[int, BlockInfo]:
    """What is known of each entry block (by its index in `bib.scan.entries`).

    From the cache by the block's hash; else its clues, which checks its syntax (an
    `InputError` with the line when it does not parse). The blocks that could hold one
    of the papers (`needles`) and were not parsed yet are parsed with bibtexparser; what
    is new is cached.
    """
    entries = bib.scan.entries
    text = bib.text
    hashes = [block_hash(text[b.start : b.end]) for b in entries]
    cached = cache.get_many(hashes)
    plan.cached_blocks = len(cached)
    infos: dict[int, BlockInfo] = {}
    fresh: dict[str, BlockInfo] = {}
    for index, digest in enumerate(hashes):
        info = cached.get(digest)
        if info is None:  # a block not seen before: check its syntax, note its clues
            block = entries[index]
            try:
                clues = block_clues(text, block)
            except BibSyntaxError as error:
                raise _syntax_error(str(bib.path), error) from None
            info = fresh[digest] = BlockInfo(block.key or "", block.entry_type or "", clues)
        infos[index] = info

    chosen = blocks_to_parse(infos, needles)
    for index, ident in zip(chosen, parse_blocks(text, [entries[i] for i in chosen]), strict=True):
        block = entries[index]
        if ident is None and entry_fields(text, block):
            plan.warnings.append(f"{bib.path}:{block.line}: bibtexparser could not read the entry "
                                 f"{block.key}; it is left as it is")
        info = replace(infos[index], ident=ident or Ident(), unreadable=ident is None)
        infos[index] = fresh[hashes[index]] = info
    plan.parsed_blocks = len(chosen)
    cache.put_many(fresh)
    return infos


def plan_merge(papers: Sequence[Paper], bib: BibText, store: Store,
               options: ExportOptions | None = None, *,
               pinned: Mapping[str, str] | None = None) -> MergePlan:
    """Decide what to add to `bib` for `papers`; reads the store, writes only its cache.

    `pinned` maps a paper's identity to the key already chosen for it in Zotero (its
    `citationKey`, or Better BibTeX's pinned key): a new entry gets that key. A paper
    already in the file keeps its entry's key; `Present.other_key` tells the key it
    would have had, for the rename map.
    """
    options = options or ExportOptions()
    plan = MergePlan(bib, options, warnings=duplicate_key_warnings(bib))
    idents = [bib_ident(p) for p in papers]
    infos = read_entries(bib, BlockCache(store), Needles.of(idents), plan)
    planned = plan_entries(papers, idents, infos, bib, KeyMemory(store), options, pinned or {})
    plan.added, plan.present, plan.skipped = planned.added, planned.present, planned.skipped
    plan.warnings += planned.warnings
    plan.appended = planned.appended
    return plan


def apply_merge(plan: MergePlan, store: Store) -> None:
    """Write the new entries (atomically, with `<file>.bak`) and remember every key.

    The file must still be as `read_bib` found it (size, mtime, content): if anything
    wrote to it since, nothing is written and `Changed` is raised (`merge_bib` then
    merges again into what is there now).
    """
    if plan.added:
        write_bib(plan.bib, plan.new_bytes())
        WrittenEntries(store).record((a.key, a.entry.text) for a in plan.added)
    memory = KeyMemory(store)
    memory.record([(p.key, bib_ident(p.paper)) for p in plan.present]
                  + [(a.key, bib_ident(a.paper)) for a in plan.added])


def write_bib(bib: BibText, data: bytes) -> None:
    """Replace the file read as `bib` with `data`: atomically, keeping `<file>.bak`, only
    if it is still as read (else `Changed`); a write landing in the last instant is put
    back. Other failures are one-line `InputError`s."""
    try:
        late = atomic_write_bytes(bib.path, data, backup=bib.exists, unchanged=bib.snapshot,
                                  expect_new=not bib.exists)
        if late is not None:
            _put_back(bib.path, bib.data, late)
    except Changed:
        raise
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(bib.path)
        if isinstance(exc, NotRegularFile):
            raise OutputPathError(where, f"{exc.strerror}; nothing was written",
                                  hint="move it aside, or choose a regular file or a new path") from None
        read_only = exc.strerror == READ_ONLY
        if read_only:
            raise OutputPathError(where, f"cannot be written: {exc.strerror}",
                                  hint="make it writable (chmod u+w) or choose another path") from None
        raise InputError(where, f"cannot be written: {exc.strerror}",
                         hint="check the folder is writable") from None


MERGE_ATTEMPTS = 5  # merges into a file that keeps changing under us, before giving up


def _put_back(path: Path, before: bytes, late: bytes) -> None:
    """Another program wrote to the old file in the instant between the last check and
    the rename: the file was `before`, its writer made it `late`. Put that write back.

    An append (the common case: a script, `cat >>`) is appended again to the new file;
    anything else is saved beside it as `<name>.conflict`, and the command says so.
    """
    path = writable_target(path)
    if late.startswith(before):
        tail = late[len(before):]
        for _ in range(MERGE_ATTEMPTS):
            try:
                data, snapshot = read_regular(path)
                joined = data + (b"" if not data or data.endswith(b"\n") else b"\n") + tail
                again = atomic_write_bytes(path, joined, unchanged=snapshot)
            except Changed:
                continue
            if again is None:
                return
            if not again.startswith(data):
                late = again
                break
            tail = again[len(data):]
    conflict = path.with_name(path.name + ".conflict")
    atomic_write_bytes(conflict, late)
    raise InputError(str(path), "another program rewrote it at the moment zotsync wrote it; its version "
                     f"is saved as {conflict}", hint="compare the two and keep what you need")
LOCK_WAIT = 60.0  # seconds to wait for another zotsync merging into the same file


@contextmanager
def bib_lock(path: Path, *, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Held while one zotsync reads, merges and writes `path`: `.<name>.lock` beside it.

    Another `bib` (or the TUI's export) into the same file waits for it, then merges
    into what the first one wrote. The lock file is removed on release; a waiter that
    then holds a lock on the removed file tries again. Where the folder cannot hold it
    (read-only) or flock does not exist, merges are not serialized (the write-time
    check in `apply_merge` still stops a lost update).
    """
    if fcntl is None:  # pragma: no cover - not on POSIX
        yield
        return
    try:
        target = writable_target(path)
    except OSError:  # a device, a FIFO, read-only...: refused on reading or writing, no lock
        yield
        return
    lock_path = target.with_name(f".{target.name}.lock")
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError:
            yield  # cannot lock here (read-only folder, ...): the write-time check remains
            return
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ZotsyncError(f"{path}: another zotsync has been merging into it for "
                                           f"{wait:.0f} s", hint="wait for it to finish, then run "
                                           "again (nothing was written)") from None
                    time.sleep(0.05)
            try:
                same = os.fstat(fd).st_ino == lock_path.stat().st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the holder before us removed it: lock the file there now
                continue
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    lock_path.unlink()
            return
        finally:
            os.close(fd)  # also releases the flock


def merge_bib(papers: Sequence[Paper], path: Path, store: Store, options: ExportOptions | None = None,
              *, dry_run: bool = False, max_size: int = DEFAULT_MAX_SIZE,
              pinned: Mapping[str, str] | None = None) -> MergePlan:
    """Plan and (unless `dry_run`) write the merge of `papers` into the .bib at `path`.

    Under `bib_lock`; if the file changes between reading and the rename (an editor, a
    script appending), the merge is made again into the new content, up to
    `MERGE_ATTEMPTS` times; then an error, with the file as the other writer left it.
    """
    if dry_run:
        return plan_merge(papers, read_bib(path, max_size=max_size), store, options, pinned=pinned)
    with bib_lock(path):
        for _ in range(MERGE_ATTEMPTS):
            plan = plan_merge(papers, read_bib(path, max_size=max_size), store, options, pinned=pinned)
            try:
                apply_merge(plan, store)
            except Changed:
                continue
            return plan
    raise InputError(str(path), f"kept changing while zotsync merged into it ({MERGE_ATTEMPTS} tries); "
                     "nothing was written", hint="run again when nothing else is writing it")
