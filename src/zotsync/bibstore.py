"""The .bib tables in the store: parsed blocks by hash, the key memory, written entries.

- `BlockCache`: what bibtexparser found in each entry block, under a hash of the block's
  text, so an unchanged block is never parsed twice.
- `KeyMemory`: every key zotsync gave or found for a paper, forever: a paper keeps its
  key (also when exported to a fresh file, also after the user renamed it), and a key
  once given to a paper is never given to another (`core.bibmatch.KeyLookup`).
- `WrittenEntries`: the entries zotsync wrote, by hash, so `bib --upgrade` knows which
  are still as written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from zotsync.core.bibmatch import BlockInfo, bib_same_paper
from zotsync.core.citekeys import fold_key
from zotsync.core.identity import Ident
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
