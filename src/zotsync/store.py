"""The local SQLite store: what zotsync has seen and remembers between runs.

One file (`zotsync.sqlite3` in the user data dir). This module opens it and owns the
`sightings` table (which digest first showed which paper, and when). Other features
keep their own tables here through `Store.ensure(ddl)` (CREATE ... IF NOT EXISTS),
each defined beside the code that uses it: the lookup cache, the .bib citation keys
and parse cache, the Zotero library index, the TUI's recent collections.

A file SQLite cannot read as a database is a `StoreError` saying to move it aside
and what deleting it loses; nothing is ever deleted or rewritten automatically.
"""

from __future__ import annotations

import json
import shlex
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from zotsync.core.identity import paper_keys as identity_keys
from zotsync.core.paper import Paper
from zotsync.errors import StoreError

_SIGHTINGS = """
CREATE TABLE IF NOT EXISTS sightings (
    paper_key  TEXT NOT NULL,  -- 'arxiv:<id>', 'doi:<lowercased doi>' or 'title:<fingerprint>'
    digest     TEXT NOT NULL,  -- the digest file's resolved path
    first_seen TEXT NOT NULL,  -- ISO date this digest first showed the paper
    PRIMARY KEY (paper_key, digest)
) WITHOUT ROWID;
"""


def paper_keys(paper: Paper) -> list[str]:
    """The keys a paper is remembered under: every identifier it has, and its title."""
    return identity_keys(paper.arxiv_id, paper.doi, paper.title)


@dataclass(frozen=True, slots=True)
class Sighting:
    """Earlier digests that showed a paper: how many, and the first date."""

    first_seen: date
    digests: int


# What the store holds, for the message about a damaged one (keep in step with the tables).
_HOLDS = ("the seen-before marks, the lookup cache, the remembered citation keys and the Zotero "
          "library index, which the next push refills")
# SQLite's words for a file that is not a database or whose pages are broken.
_DAMAGE_CODES = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


def is_damage(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorname", "")
    return code in _DAMAGE_CODES or type(exc) is sqlite3.DatabaseError


def damaged(path: Path, exc: sqlite3.Error) -> StoreError:
    """The error for a store file SQLite cannot read as a database: what to do, what is lost."""
    aside = shlex.quote(f"{path}.damaged")
    return StoreError(
        f"the local store {path} is damaged or not a zotsync store: {exc}",
        hint=f"move it aside with `mv {shlex.quote(str(path))} {aside}`, with any -wal/-shm file beside "
             f"it, and zotsync starts a new one; deleting it loses {_HOLDS}")


def _digest_name(file: str) -> str:
    return "<stdin>" if file == "-" else str(Path(file).resolve())


class Store:
    """A connection to the store file, with the schema each feature asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        connection: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=30, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")  # the first read of the file
            connection.execute("PRAGMA synchronous=NORMAL")
        except (OSError, sqlite3.Error) as exc:
            if connection is not None:
                connection.close()
            if isinstance(exc, sqlite3.Error) and is_damage(exc):
                raise damaged(path, exc) from None
            raise StoreError(f"cannot open the local store {path}: {exc}",
                             hint="check the folder is writable or set ZOTSYNC_DATA_DIR") from None
        self.connection = connection
        self._ensured: set[str] = set()
        self.ensure(_SIGHTINGS)

    @classmethod
    def in_memory(cls) -> Store:
        return cls(Path(":memory:"))

    def ensure(self, ddl: str) -> None:
        """Run a feature's `CREATE ... IF NOT EXISTS` script once per connection."""
        if ddl in self._ensured:
            return
        try:
            self.connection.executescript(ddl)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(self.path, exc) from None
            raise StoreError(f"cannot write the local store {self.path}: {exc}",
                             hint="is another zotsync running? try again") from None
        self._ensured.add(ddl)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            with self.connection:
                yield self.connection
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(self.path, exc) from None
            if not isinstance(exc, sqlite3.OperationalError):
                raise
            raise StoreError(f"cannot write the local store {self.path}: {exc}",
                             hint="is another zotsync running? try again") from None

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sightings --------------------------------------------------------------------

    def earlier_sightings(self, papers: Iterable[Paper], digests: Iterable[str]) -> dict[int, Sighting]:
        """For each paper (by index) shown by a digest *other than* `digests`: when first.

        Call it before `record_sightings` for the same digests.
        """
        current = json.dumps(sorted({_digest_name(d) for d in digests}))
        # One query for all papers (one per paper was 7,000 round trips on a large digest).
        pairs = json.dumps([[index, key] for index, paper in enumerate(papers) for key in paper_keys(paper)])
        query = (
            "SELECT json_extract(p.value, '$[0]'), MIN(s.first_seen), COUNT(DISTINCT s.digest) "
            "FROM json_each(?) p JOIN sightings s ON s.paper_key = json_extract(p.value, '$[1]') "
            "WHERE s.digest NOT IN (SELECT value FROM json_each(?)) "
            "GROUP BY json_extract(p.value, '$[0]')"
        )
        try:
            rows = self.connection.execute(query, (pairs, current)).fetchall()
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(self.path, exc) from None
            raise
        found: dict[int, Sighting] = {int(index): Sighting(date.fromisoformat(first), count)
                                      for index, first, count in rows if first}
        return found

    def record_sightings(self, papers: Iterable[Paper], today: date) -> None:
        """Remember that each paper's source digests showed it (first date kept)."""
        names: dict[str, str] = {}  # one path resolution per digest, not per paper
        rows = [
            (key, names.get(source.file) or names.setdefault(source.file, _digest_name(source.file)),
             today.isoformat())
            for paper in papers
            for source in {s.file: s for s in paper.sources}.values()
            for key in paper_keys(paper)
        ]
        with self.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO sightings VALUES (?, ?, ?)", rows)
