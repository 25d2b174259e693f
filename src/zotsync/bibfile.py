"""The user's .bib file: read it, recognise its papers, plan and write the merge.

The edge around the pure `core.bibscan`, `core.bibtex_entry` and `core.citekeys`:

- `read_bib` reads the file as bytes, keeps its encoding (UTF-8, with or without BOM, else
  Latin-1) and newline style, and splits it into blocks (`bibscan.scan`).
- `plan_merge` finds which papers the file already holds (arXiv ID from `eprint`, `url`,
  `doi`, `howpublished`, `note`, `journal`...; DOI; else the title fingerprint with
  Zotero's vetoes), gives the new ones keys and formats their entries. Entry blocks are
  parsed with bibtexparser 1.4 only when needed: a block's findings are cached in the
  store under a hash of its text, so an unchanged block is never parsed twice, and a block
  that cannot hold any of the papers (none of their arXiv IDs, DOIs or title words occur
  in it) is not parsed at all.
- `apply_merge` appends the new entries to the original bytes (nothing the user wrote is
  touched, reordered or re-serialized), writes atomically with a `.bak` backup, and
  remembers every key in the store: a paper keeps its key forever (also when exported to
  a fresh file, also after the user renamed it), and a key once given to a paper is never
  given to another.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import bibtexparser

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
from bibtexparser.bparser import BibTexParser

from zotsync.core.bibscan import BibSyntaxError, Block, Scan, entry_fields, scan
from zotsync.core.bibtex_entry import (
    Entry,
    EntryOptions,
    format_entry,
    paper_title_key,
)
from zotsync.core.citekeys import DEFAULT_FORMAT, KeyFormat, base_key, fold_key, unique_key
from zotsync.core.identity import (
    Ident,
    MatchedBy,
    doi_key,
    normalize_doi,
    parse_arxiv_id,
    same_paper,
    title_fingerprint,
)
from zotsync.core.latex import latex_to_text, title_key
from zotsync.core.paper import Paper
from zotsync.errors import InputError, ZotsyncError
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

# Bump when what is extracted from a block changes: old cache rows are then ignored.
PARSER_VERSION = "3"

BIB_DDL = """
CREATE TABLE IF NOT EXISTS bib_blocks (
    hash TEXT PRIMARY KEY,  -- blake2b of PARSER_VERSION + the block's exact text
    info TEXT NOT NULL      -- JSON: the identity bibtexparser found in the block
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bib_keys (
    key_folded  TEXT PRIMARY KEY,  -- casefolded citation key: it belongs to one paper forever
    key         TEXT NOT NULL,     -- the key as written
    arxiv       TEXT,              -- the paper it belongs to: versionless arXiv ID,
    doi         TEXT,              --   lowercased DOI (not arXiv's),
    fingerprint TEXT NOT NULL,     --   title fingerprint,
    surnames    TEXT NOT NULL,     --   author surname fingerprints, joined by U+001F
    seq         INTEGER NOT NULL   -- larger = confirmed more recently (the current key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS bib_keys_arxiv ON bib_keys(arxiv);
CREATE INDEX IF NOT EXISTS bib_keys_doi ON bib_keys(doi);
CREATE INDEX IF NOT EXISTS bib_keys_fingerprint ON bib_keys(fingerprint);
CREATE TABLE IF NOT EXISTS bib_written (
    hash       TEXT PRIMARY KEY,  -- entry_hash of an entry exactly as zotsync wrote it
    key_folded TEXT NOT NULL      -- its casefolded key: an entry with this key and another hash
) WITHOUT ROWID;                  --   was edited since (`bib --upgrade` leaves it alone)
CREATE INDEX IF NOT EXISTS bib_written_key ON bib_written(key_folded);
"""

_SEP = "\x1f"

# --------------------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------------------


def bib_ident(paper: Paper) -> Ident:
    """A paper's `Ident` as .bib entries are compared: the title key of the entry zotsync
    would write for it, author surnames alone (TeX decoded), no year."""
    doi = normalize_doi(paper.doi) if paper.doi else None
    surnames = frozenset((s, "") for s in (_surname_fp(_paper_surname(a)) for a in paper.authors) if s)
    return Ident(paper.arxiv_id, doi_key(doi) if doi else None, paper_title_key(paper.title), surnames)


def _paper_surname(name: str) -> str:
    clean = " ".join(name.split())
    if "," in clean:
        return clean.split(",", 1)[0]
    return clean.rsplit(" ", 1)[-1]


def _surname_fp(last: str) -> str:
    return title_fingerprint(latex_to_text(last)).replace(" ", "")


def bib_same_paper(a: Ident, b: Ident) -> MatchedBy | None:
    """`identity.same_paper` with the .bib's vetoes: no year veto (an entry's year is often
    the published version's, years after the preprint) and authors by surname alone
    (`bib_ident` and entries record no initials)."""
    return same_paper(a, b, year_gap=None, initials=False)


# --------------------------------------------------------------------------------------
# What one entry block says (bibtexparser 1.4), cached by block hash
# --------------------------------------------------------------------------------------

_ARXIV_IN_TEXT = re.compile(
    r"arxiv(?:\.org/(?:abs|pdf)/|\s*(?:preprint)?\s*(?:arxiv)?\s*[:/]?\s*)"
    r"(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)
_FREE_TEXT_FIELDS = ("howpublished", "note", "journal", "journaltitle", "booktitle", "volume",
                     "number", "pages", "publisher", "series", "eprint", "annote", "addendum")


_ARXIV_TOKEN = re.compile(r"(?<!\d)(?:\d{4}\.\d{4,5}|\d{7})(?!\d)")
_DOI_TOKEN = re.compile(r"10\.\d{4,9}/[^\s{}\",]+")


@dataclass(frozen=True, slots=True)
class Clues:
    """What the scanner sees in a block without bibtexparser, enough to rule it out.

    A block can only be a paper's entry if it contains the paper's arXiv ID digits, or
    its DOI, or has a title field with the same fingerprint (the same value bibtexparser
    would give, macros unexpanded).
    """

    arxiv: frozenset[str] = frozenset()  # new-style IDs and old-style 7-digit numbers
    doi: frozenset[str] = frozenset()  # DOI-like strings, lowercased, escapes removed
    titles: frozenset[str] = frozenset()  # fingerprints of the title field(s)


def block_clues(text: str, block: Block) -> Clues:
    """Clues for one entry block; `BibSyntaxError` when the entry does not parse."""
    fields = entry_fields(text, block)
    body = text[block.start : block.end]
    arxiv = frozenset(_ARXIV_TOKEN.findall(body))
    doi: frozenset[str] = frozenset()
    if "10." in body:
        tokens = {t.replace("\\", "").lower() for t in _DOI_TOKEN.findall(body)}
        doi = frozenset(tokens | {t.rstrip(".,;:)]") for t in tokens})
    titles = frozenset(title_key(latex_to_text(value)) for name, value in fields if name == "title")
    return Clues(arxiv, doi, titles)


@dataclass(frozen=True, slots=True)
class Needles:
    """The papers' identifiers, in the form `Clues` are compared with."""

    arxiv: frozenset[str]
    doi: frozenset[str]
    titles: frozenset[str]

    @classmethod
    def of(cls, idents: Iterable[Ident]) -> Needles:
        idents = list(idents)
        return cls(
            frozenset(i.arxiv.split("/", 1)[1] if "/" in i.arxiv else i.arxiv for i in idents if i.arxiv),
            frozenset(i.doi for i in idents if i.doi),
            frozenset(i.fingerprint for i in idents if i.fingerprint),
        )


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """What is known about one entry block, cached by the hash of its text.

    `ident` is None until bibtexparser has parsed the block (only done when a paper
    might be in it); `unreadable` when bibtexparser found no entry in it.
    """

    key: str
    entry_type: str
    clues: Clues
    ident: Ident | None = None
    unreadable: bool = False

    def could_hold(self, needles: Needles) -> bool:
        c = self.clues
        return bool(c.arxiv & needles.arxiv or c.doi & needles.doi or c.titles & needles.titles)

    def to_json(self) -> str:
        c = self.clues
        doc: dict[str, Any] = {"k": self.key, "t": self.entry_type, "ca": sorted(c.arxiv),
                               "cd": sorted(c.doi), "ct": sorted(c.titles)}
        if self.ident is not None:
            i = self.ident
            doc.update(a=i.arxiv, d=i.doi, f=i.fingerprint, s=sorted(i.surnames), u=self.unreadable)
        return json.dumps(doc, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> BlockInfo:
        doc = json.loads(text)
        clues = Clues(frozenset(doc["ca"]), frozenset(doc["cd"]), frozenset(doc["ct"]))
        ident = None
        if "f" in doc:
            ident = Ident(doc["a"], doc["d"], doc["f"], frozenset((s, "") for s in doc["s"]))
        return cls(doc["k"], doc["t"], clues, ident, bool(doc.get("u", False)))


def _value_text(value: Any) -> str:
    """A field value as text; @string macros (not expanded) count as empty."""
    if isinstance(value, str):
        return value
    parts = getattr(value, "expr", None)
    if isinstance(parts, list):
        return "".join(p if isinstance(p, str) else "" for p in parts)
    return ""


_AND_OR_BRACE = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)


def _split_authors(value: str) -> list[str]:
    """BibTeX's split of an author list on " and " outside braces."""
    names: list[str] = []
    depth = 0
    start = 0
    for m in _AND_OR_BRACE.finditer(value):
        part = m.group()
        if part == "{":
            depth += 1
        elif part == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def _entry_surname(name: str) -> str:
    if name.startswith("{") and name.endswith("}"):
        return name[1:-1]
    if "," in name:
        return name.split(",", 1)[0]
    return name.rsplit(" ", 1)[-1]


def ident_from_fields(raw: dict[str, Any]) -> Ident:
    """The identity of one entry parsed by bibtexparser (field names lowercased)."""
    fields = {name.lower(): _value_text(v) for name, v in raw.items() if name not in {"ID", "ENTRYTYPE"}}
    arxiv: str | None = None
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    candidates: list[str] = []
    if fields.get("eprint") and prefix in {"", "arxiv"}:
        candidates.append(fields["eprint"])
    candidates += [fields[f] for f in ("arxivid", "arxiv_id", "arxiv", "url", "doi") if fields.get(f)]
    for text in candidates:
        found = parse_arxiv_id(text.strip().strip("{}"))
        if found:
            arxiv = found.id
            break
    if arxiv is None:
        for name in _FREE_TEXT_FIELDS:
            m = _ARXIV_IN_TEXT.search(fields.get(name, ""))
            found = parse_arxiv_id(m["id"]) if m else None
            if found:
                arxiv = found.id
                break
    doi: str | None = None
    for text in (fields.get("doi", ""), fields.get("url", "")):
        clean = re.sub(r"\\(?=[_%&#$])", "", text.strip().strip("{}"))
        normal = normalize_doi(clean) if clean else None
        if normal and parse_arxiv_id(normal) is None:
            doi = doi_key(normal)
            break
    fingerprint = title_key(latex_to_text(fields.get("title", "")))
    surnames = frozenset((s, "") for s in (_surname_fp(_entry_surname(n)) for n in
                                           _split_authors(fields.get("author", ""))) if s)
    return Ident(arxiv, doi, fingerprint, surnames)


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


def block_hash(block_text: str) -> str:
    return hashlib.blake2b((PARSER_VERSION + block_text).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


class BlockCache:
    """What bibtexparser found in each block, by block hash, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure(BIB_DDL)

    def get_many(self, hashes: Iterable[str]) -> dict[str, BlockInfo]:
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, BlockInfo] = {}
        cur = self.store.connection.cursor()
        for i in range(0, len(wanted), 5000):
            chunk = json.dumps(wanted[i : i + 5000])
            for digest, info in cur.execute(
                "SELECT hash, info FROM bib_blocks WHERE hash IN (SELECT value FROM json_each(?))",
                (chunk,),
            ):
                found[digest] = BlockInfo.from_json(info)
        return found

    def put_many(self, items: dict[str, BlockInfo]) -> None:
        if not items:
            return
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO bib_blocks VALUES (?, ?)",
                             [(h, info.to_json()) for h, info in items.items()])


# --------------------------------------------------------------------------------------
# Key memory
# --------------------------------------------------------------------------------------


class KeyMemory:
    """Every key zotsync gave or found for a paper, in the store, forever."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure(BIB_DDL)

    @staticmethod
    def _ident(row: tuple[Any, ...]) -> Ident:
        arxiv, doi, fingerprint, surnames = row
        return Ident(arxiv, doi, fingerprint, frozenset((s, "") for s in surnames.split(_SEP) if s))

    def current_key(self, ident: Ident) -> str | None:
        """The key this paper was last given or found under, if any."""
        rows = self.store.connection.execute(
            "SELECT key, arxiv, doi, fingerprint, surnames FROM bib_keys "
            "WHERE arxiv = ? OR doi = ? OR fingerprint = ? ORDER BY seq DESC",
            (ident.arxiv or "\0", ident.doi or "\0", ident.fingerprint or "\0"),
        ).fetchall()
        for key, *rest in rows:
            if bib_same_paper(ident, self._ident(tuple(rest))):
                return str(key)
        return None

    def owner(self, key: str) -> Ident | None:
        row = self.store.connection.execute(
            "SELECT arxiv, doi, fingerprint, surnames FROM bib_keys WHERE key_folded = ?",
            (fold_key(key),),
        ).fetchone()
        return self._ident(row) if row else None

    def record(self, pairs: Iterable[tuple[str, Ident]]) -> None:
        """Remember `key` for each paper; a key already owned by another paper is left alone."""
        with self.store.transaction() as conn:
            (seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM bib_keys").fetchone()
            for key, ident in pairs:
                seq += 1
                owner = self.owner(key)
                if owner is not None and not bib_same_paper(owner, ident):
                    continue
                conn.execute(
                    "INSERT INTO bib_keys VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key_folded) DO "
                    "UPDATE SET key = excluded.key, arxiv = COALESCE(excluded.arxiv, arxiv), "
                    "doi = COALESCE(excluded.doi, doi), fingerprint = excluded.fingerprint, "
                    "surnames = excluded.surnames, seq = excluded.seq",
                    (fold_key(key), key, ident.arxiv, ident.doi, ident.fingerprint,
                     _SEP.join(sorted(ident.surnames)), seq),
                )


def entry_hash(entry_text: str) -> str:
    """The hash an entry is known by as written: its text from `@` to the closing brace,
    newlines as `\n` (so a file converted to CRLF is still unedited)."""
    return hashlib.blake2b(entry_text.replace("\r\n", "\n").encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


class WrittenEntries:
    """The entries zotsync wrote (by `entry_hash`) and their keys, in the store: an entry in
    a .bib whose hash is known is zotsync's, unedited; one with a known key but another hash
    was edited since."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure(BIB_DDL)

    def record(self, entries: Iterable[tuple[str, str]]) -> None:
        """Remember (key, entry text) pairs as written."""
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO bib_written VALUES (?, ?)",
                             [(entry_hash(text), fold_key(key)) for key, text in entries])

    def known(self, hashes: Iterable[str]) -> set[str]:
        wanted = json.dumps(list(dict.fromkeys(hashes)))
        return {str(h) for (h,) in self.store.connection.execute(
            "SELECT hash FROM bib_written WHERE hash IN (SELECT value FROM json_each(?))", (wanted,))}

    def written_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of `keys` (casefolded) zotsync wrote an entry under."""
        wanted = json.dumps(list(dict.fromkeys(fold_key(k) for k in keys)))
        return {str(k) for (k,) in self.store.connection.execute(
            "SELECT DISTINCT key_folded FROM bib_written "
            "WHERE key_folded IN (SELECT value FROM json_each(?))",
            (wanted,))}


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
            raise InputError(shown, "the folder does not exist",
                             hint="create it or choose another -o") from None
        return BibText(path, False, b"", "", "utf-8", "\n", Scan(()))
    except NotRegularFile as exc:
        if exc.kind == "a folder":
            raise InputError(shown, "is a folder", hint="pass a .bib file with -o") from None
        raise InputError(shown, f"{exc.strerror}; it was not changed",
                         hint="choose a regular .bib file or a new path with -o") from None
    except TooLarge as exc:
        raise InputError(shown, f"{exc.strerror}; it was not changed",
                         hint="raise input.max_size (ZOTSYNC_INPUT_MAX_SIZE) if it is right") from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read: {exc.strerror}") from None
    if b"\x00" in data[:8192]:
        raise InputError(shown, "is a binary file, not a .bib", hint="check the -o path")
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


# --------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportOptions:
    style: str = "bibtex"
    abstract: bool = False
    tldr: bool = False
    key_format: KeyFormat = DEFAULT_FORMAT

    def entry_options(self) -> EntryOptions:
        return EntryOptions("biblatex" if self.style == "biblatex" else "bibtex", self.abstract, self.tldr)


@dataclass(frozen=True, slots=True)
class Added:
    paper: Paper
    key: str
    entry: Entry


@dataclass(frozen=True, slots=True)
class Present:
    paper: Paper
    key: str
    keys: tuple[str, ...]
    matched_by: str
    line: int
    other_key: str | None = None  # the key it would have had (the rename map), if another
    other_source: str | None = None  # "zotero" (pinned there), "zotsync" (given before), "format"


@dataclass(frozen=True, slots=True)
class Skipped:
    paper: Paper
    reason: str


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


def _new_key(paper: Paper, ident: Ident, options: ExportOptions, memory: KeyMemory,
             taken_in_file: set[str], plan: MergePlan, pinned: str | None = None) -> str:
    def taken(candidate: str) -> bool:
        folded = fold_key(candidate)
        if folded in taken_in_file:
            return True
        owner = memory.owner(candidate)
        return owner is not None and bib_same_paper(owner, ident) is None

    if pinned is not None:  # chosen in Zotero (or Better BibTeX): it wins over zotsync's own
        if fold_key(pinned) not in taken_in_file:
            return pinned
        plan.warnings.append(f"{paper.label}: its Zotero key {pinned} is used by another entry in "
                             f"{plan.bib.path}; giving it another key")
    remembered = memory.current_key(ident)
    if remembered is not None:
        if not taken(remembered):
            return remembered
        plan.warnings.append(f"{paper.label}: its key {remembered} is used by another entry in "
                             f"{plan.bib.path}; giving it a new key")
    return unique_key(base_key(paper, options.key_format), taken)


def _other_key(paper: Paper, ident: Ident, key: str, options: ExportOptions, memory: KeyMemory,
               taken_in_file: set[str], pinned: str | None) -> tuple[str | None, str | None]:
    """The key a paper already in the file would have had, and where that key is from:
    ("zotero", its pinned key), ("zotsync", the key zotsync last gave it elsewhere), or
    ("format", what the key format makes). (None, None) when that is the file's key."""
    if pinned is not None:
        return (pinned, "zotero") if fold_key(pinned) != fold_key(key) else (None, None)
    remembered = memory.current_key(ident)
    if remembered is not None:
        return (remembered, "zotsync") if fold_key(remembered) != fold_key(key) else (None, None)
    others = taken_in_file - {fold_key(key)}

    def taken(candidate: str) -> bool:
        owner = memory.owner(candidate)
        return fold_key(candidate) in others or (owner is not None and bib_same_paper(owner, ident) is None)

    made = unique_key(base_key(paper, options.key_format), taken)
    return (made, "format") if fold_key(made) != fold_key(key) else (None, None)


def paper_order(paper: Paper) -> tuple[int, str, str, str]:
    """Deterministic order for giving keys: first published first, then by identity."""
    return (paper.year or 9999, paper.arxiv_id or "~", (paper.doi or "~").lower(),
            title_fingerprint(paper.title))


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
    pinned = pinned or {}
    plan = MergePlan(bib, options)
    cache = BlockCache(store)
    memory = KeyMemory(store)
    entries = bib.scan.entries
    text = bib.text

    keys = Counter(fold_key(b.key or "") for b in entries if b.key)
    for block in entries:
        if block.key and keys[fold_key(block.key)] > 1:
            plan.warnings.append(f"{bib.path}:{block.line}: the key {block.key} is used by "
                                 f"{keys[fold_key(block.key)]} entries (BibTeX and biber keep only one)")
            keys[fold_key(block.key)] = 1  # warn once per key
    taken_in_file = {fold_key(b.key) for b in entries if b.key}
    taken_in_file |= {fold_key(k) for k in bib.scan.commented_keys}

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

    idents = [bib_ident(p) for p in papers]
    needles = Needles.of(idents)
    chosen = [i for i, info in infos.items() if info.ident is None and info.could_hold(needles)]
    for index, ident in zip(chosen, parse_blocks(text, [entries[i] for i in chosen]), strict=True):
        block = entries[index]
        if ident is None and entry_fields(text, block):
            plan.warnings.append(f"{bib.path}:{block.line}: bibtexparser could not read the entry "
                                 f"{block.key}; it is left as it is")
        info = replace(infos[index], ident=ident or Ident(), unreadable=ident is None)
        infos[index] = fresh[hashes[index]] = info
    plan.parsed_blocks = len(chosen)
    cache.put_many(fresh)

    by_arxiv: dict[str, list[int]] = {}
    by_doi: dict[str, list[int]] = {}
    by_title: dict[str, list[int]] = {}
    for index, info in infos.items():
        if info.ident is None:
            continue
        if info.ident.arxiv:
            by_arxiv.setdefault(info.ident.arxiv, []).append(index)
        if info.ident.doi:
            by_doi.setdefault(info.ident.doi, []).append(index)
        if info.ident.fingerprint:
            by_title.setdefault(info.ident.fingerprint, []).append(index)

    new: list[tuple[int, Paper, Ident]] = []
    for position, (paper, ident) in enumerate(zip(papers, idents, strict=True)):
        near = set(by_arxiv.get(ident.arxiv or "", ())) | set(by_doi.get(ident.doi or "", ()))
        near |= set(by_title.get(ident.fingerprint, ())) if ident.fingerprint else set()
        matches = sorted((i, how) for i in near if (how := bib_same_paper(ident, infos[i].ident or Ident())))
        if not matches:
            new.append((position, paper, ident))
            continue
        found = [entries[i] for i, _ in matches]
        other, source = _other_key(paper, ident, found[0].key or "", options, memory, taken_in_file,
                                   pinned.get(paper.identity))
        plan.present.append(Present(paper, found[0].key or "", tuple(b.key or "" for b in found),
                                    matches[0][1], found[0].line, other, source))
        if len(found) > 1:
            plan.warnings.append(f"{paper.label} has {len(found)} entries in {bib.path}: "
                                 f"{', '.join(b.key or '?' for b in found)}")

    # Keys are given in a fixed order (so collisions get the same suffixes whatever the
    # input order); entries are appended in input order.
    entry_options = options.entry_options()
    added: list[tuple[int, Added, Ident]] = []
    for position, paper, ident in sorted(new, key=lambda item: paper_order(item[1])):
        twin = next((a for _, a, i in added if bib_same_paper(ident, i)), None)
        if twin is not None:
            plan.skipped.append(Skipped(paper, f"same paper as {twin.key} in this export"))
            continue
        key = _new_key(paper, ident, options, memory, taken_in_file, plan, pinned.get(paper.identity))
        entry = format_entry(paper, key, entry_options)
        try:
            entry.text.encode(bib.encoding)
        except UnicodeEncodeError:
            plan.skipped.append(Skipped(paper, f"{bib.path} is {bib.encoding}, and the entry needs "
                                               "UTF-8 characters; convert the file to UTF-8"))
            continue
        taken_in_file.add(fold_key(key))
        added.append((position, Added(paper, key, entry), ident))
    plan.added = [a for _, a, _ in sorted(added, key=lambda item: item[0])]
    texts = [a.entry.text for a in plan.added]

    if texts:
        plain = text.replace("\r\n", "\n")
        if not plain.strip():  # empty or blank: keep its whitespace, start on a new line
            lead = "" if not plain or plain.endswith("\n") else "\n"
        elif plain.endswith("\n\n"):
            lead = ""
        elif plain.endswith("\n"):
            lead = "\n"
        else:
            lead = "\n\n"
        plan.appended = (lead + "\n\n".join(texts) + "\n").replace("\n", bib.newline)
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
            raise InputError(where, f"{exc.strerror}; nothing was written",
                             hint="move it aside, or choose a regular file or a new path with -o"
                             ) from None
        read_only = exc.strerror == READ_ONLY
        fix = ("make it writable (chmod u+w) or choose another -o" if read_only
               else "check the folder is writable")
        raise InputError(where, f"cannot be written: {exc.strerror}", hint=fix) from None


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
