"""A local index of a Zotero library in the SQLite store, kept fresh incrementally.

Filled once (every item, 100 per request), then refreshed with the Web API's sync
protocol: `items?format=versions&since=V` with `If-Modified-Since-Version: V` (one
304 when nothing changed), changed items fetched by key 50 at a time, deletions from
`/deleted?since=V`, collections re-read when the library changed. It answers the
planner's questions (`ItemLookup`) without a request per paper, also about items
zotsync did not create. It also remembers the notes zotsync wrote, so a note edited
in Zotero is never overwritten.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from zotsync.core.identity import doi_key, title_fingerprint
from zotsync.core.library import Collection, LibraryItem, find_existing, library_item
from zotsync.core.paper import Paper
from zotsync.core.sync_plan import ReservedKeys, WrittenNote
from zotsync.store import Store
from zotsync.zotero.api import ZoteroTarget

SCHEMA = """
CREATE TABLE IF NOT EXISTS zotero_libraries (
    library  TEXT PRIMARY KEY,  -- '<server>/users/<id>' or '<server>/groups/<id>'
    version  INTEGER NOT NULL   -- library version the index reflects
);
CREATE TABLE IF NOT EXISTS zotero_items (
    library  TEXT NOT NULL,
    key      TEXT NOT NULL,
    version  INTEGER NOT NULL,
    parent   TEXT,
    arxiv_id TEXT,
    doi      TEXT,             -- lowercased
    title_fp TEXT,
    item     TEXT NOT NULL,    -- LibraryItem as JSON
    PRIMARY KEY (library, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS zotero_items_arxiv ON zotero_items (library, arxiv_id);
CREATE INDEX IF NOT EXISTS zotero_items_doi ON zotero_items (library, doi);
CREATE INDEX IF NOT EXISTS zotero_items_title ON zotero_items (library, title_fp);
CREATE INDEX IF NOT EXISTS zotero_items_parent ON zotero_items (library, parent);
CREATE TABLE IF NOT EXISTS zotero_collections (
    library TEXT NOT NULL,
    key     TEXT NOT NULL,
    version INTEGER NOT NULL,
    name    TEXT NOT NULL,
    parent  TEXT,
    PRIMARY KEY (library, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS zotsync_pending (
    library    TEXT NOT NULL,
    identity   TEXT NOT NULL,  -- the paper's identity, or 'collection:<parent>/<name>'
    item_key   TEXT NOT NULL,
    note_key   TEXT NOT NULL,
    attach_key TEXT NOT NULL,
    PRIMARY KEY (library, identity)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS zotero_index_meta (
    library   TEXT PRIMARY KEY,
    format    INTEGER NOT NULL,  -- INDEX_FORMAT the rows were made with
    refreshed REAL NOT NULL      -- when the index last matched the server (Unix time)
);
CREATE TABLE IF NOT EXISTS zotero_schema (
    server     TEXT NOT NULL,
    schema     INTEGER NOT NULL,  -- the server's Zotero-Schema-Version
    item_type  TEXT NOT NULL,
    fields     TEXT NOT NULL,     -- JSON list of the type's fields in that schema
    PRIMARY KEY (server, schema, item_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS zotsync_created (
    library  TEXT NOT NULL,
    item_key TEXT NOT NULL,    -- an item zotsync created (what `refresh` re-checks)
    PRIMARY KEY (library, item_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS zotsync_notes (
    library   TEXT NOT NULL,
    item_key  TEXT NOT NULL,   -- the parent item
    note_key  TEXT NOT NULL,
    text_hash TEXT NOT NULL,   -- sha256 of the note text zotsync last wrote
    PRIMARY KEY (library, item_key)
) WITHOUT ROWID;
"""


_FIELDS = tuple(f.name for f in fields(LibraryItem))
# Bump when LibraryItem learns something new from item JSON: older rows lack it, so the
# index is filled again once (2: citation keys).
INDEX_FORMAT = 2


def _row(library: str, item: LibraryItem) -> tuple[Any, ...]:
    # (dataclasses.asdict deep-copies every value: ten times slower on a large library)
    blob = json.dumps({name: getattr(item, name) for name in _FIELDS}, ensure_ascii=False,
                      separators=(",", ":"))
    return (
        library, item.key, item.version, item.parent, item.arxiv_id,
        doi_key(item.doi) if item.doi else None,
        title_fingerprint(item.title) if item.title and not item.parent else None,
        blob,
    )


def _item(blob: str) -> LibraryItem:
    data = json.loads(blob)
    for name in ("creators", "collections"):
        data[name] = tuple(data[name])
    return LibraryItem(**data)


class ItemIndex:
    """The cached view of one library; `refresh(target)` brings it up to date."""

    def __init__(self, store: Store, library: str) -> None:
        store.ensure(SCHEMA)
        self.store = store
        self.library = library

    @property
    def version(self) -> int | None:
        """The library version the index reflects; None when it must be filled (never was, or
        its rows were made by an older zotsync that read less of each item)."""
        row = self.store.connection.execute(
            "SELECT v.version, m.format FROM zotero_libraries v LEFT JOIN zotero_index_meta m "
            "ON m.library = v.library WHERE v.library = ?", (self.library,)).fetchone()
        if row is None or (row[1] or 0) < INDEX_FORMAT:
            return None
        return int(row[0])

    def age(self) -> float | None:
        """Seconds since the index last matched the server; None when never."""
        row = self.store.connection.execute(
            "SELECT refreshed, format FROM zotero_index_meta WHERE library = ?", (self.library,)).fetchone()
        if row is None or row[1] < INDEX_FORMAT:
            return None
        return max(0.0, time.time() - float(row[0]))

    def _mark_fresh(self, conn: Any) -> None:
        conn.execute("INSERT OR REPLACE INTO zotero_index_meta VALUES (?, ?, ?)",
                     (self.library, INDEX_FORMAT, time.time()))

    # -- refresh -------------------------------------------------------------------------

    def refresh(self, target: ZoteroTarget) -> None:
        """Fill the index (first time) or apply what changed since it was last read."""
        self._refresh(target)
        with self.store.transaction() as conn:  # reserved keys whose objects now exist
            conn.execute(
                "DELETE FROM zotsync_pending WHERE library = ? AND ("
                "item_key IN (SELECT key FROM zotero_items WHERE library = ?) OR "
                "item_key IN (SELECT key FROM zotero_collections WHERE library = ?))",
                (self.library, self.library, self.library))

    def _refresh(self, target: ZoteroTarget) -> None:
        since = self.version
        if since is None:
            self._fill(target)
            return
        if not getattr(target, "has_deletion_log", True):
            self._refresh_by_keys(target)
            return
        changed = target.item_versions(since)
        if changed is None:  # 304: the library has not changed at all
            with self.store.transaction() as conn:
                self._mark_fresh(conn)
            return
        known = self._versions(list(changed.data))
        stale = [key for key, version in changed.data.items() if known.get(key) != version]
        fetched = target.items_by_key(stale) if stale else []
        deleted = target.deleted(since).data
        collections = target.all_collections()
        with self.store.transaction() as conn:
            self._put_items(conn, [library_item(obj["data"]) for obj in fetched])
            gone_items = list(deleted.get("items") or ())
            conn.executemany("DELETE FROM zotero_items WHERE library = ? AND key = ?",
                             [(self.library, key) for key in gone_items])
            self._put_collections(conn, collections.data)
            # The versions answer's library version: a change made after it is read again.
            conn.execute("INSERT OR REPLACE INTO zotero_libraries VALUES (?, ?)",
                         (self.library, changed.version))
            self._mark_fresh(conn)

    def start_record(self) -> None:
        """Make this index zotsync's own record of a library it cannot read (an empty
        library at version 0 the first time): a refresh then keeps what was recorded."""
        if self.version is None:
            with self.store.transaction() as conn:
                conn.execute("INSERT OR REPLACE INTO zotero_libraries VALUES (?, 0)", (self.library,))
                self._mark_fresh(conn)

    def _refresh_by_keys(self, target: ZoteroTarget) -> None:
        """A library with no deletion log (Zotero desktop's local API): every key and its
        version in one answer; items not seen before or with another version are fetched,
        keys no longer there are gone. Items saved in Zotero 7-9 since its last sync have
        version 0 whatever is done to them, so an edit of one is not seen (a new one is)."""
        listed = target.item_versions(0)
        if listed is None:  # (a target without a log never answers 304)
            return
        known = self._versions(list(listed.data))
        stale = [key for key, version in listed.data.items() if known.get(key) != version]
        fetched = target.items_by_key(stale) if stale else []
        collections = target.all_collections()
        with self.store.transaction() as conn:
            held = {row[0] for row in conn.execute("SELECT key FROM zotero_items WHERE library = ?",
                                                    (self.library,))}
            conn.executemany("DELETE FROM zotero_items WHERE library = ? AND key = ?",
                             [(self.library, key) for key in held - set(listed.data)])
            self._put_items(conn, [library_item(obj["data"]) for obj in fetched])
            self._put_collections(conn, collections.data)
            conn.execute("INSERT OR REPLACE INTO zotero_libraries VALUES (?, ?)",
                         (self.library, listed.version))
            self._mark_fresh(conn)

    def _fill(self, target: ZoteroTarget) -> None:
        version = None
        items: list[LibraryItem] = []
        for page in target.all_items():
            version = page.version if version is None else min(version, page.version)
            items.extend(library_item(obj["data"]) for obj in page.data)
        collections = target.all_collections()
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM zotero_items WHERE library = ?", (self.library,))
            self._put_items(conn, items)
            self._put_collections(conn, collections.data)
            # The oldest version seen: anything changed while paging is read again next time.
            conn.execute("INSERT OR REPLACE INTO zotero_libraries VALUES (?, ?)",
                         (self.library, min(version or 0, collections.version or version or 0)))
            self._mark_fresh(conn)

    def _versions(self, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        conn = self.store.connection
        for offset in range(0, len(keys), 500):
            chunk = keys[offset: offset + 500]
            rows = conn.execute(
                "SELECT key, version FROM zotero_items WHERE library = ? AND key IN "
                "(SELECT value FROM json_each(?))", (self.library, json.dumps(chunk)))
            found.update({key: int(version) for key, version in rows})
        return found

    def _put_items(self, conn: Any, items: Iterable[LibraryItem]) -> None:
        conn.executemany("INSERT OR REPLACE INTO zotero_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [_row(self.library, item) for item in items])

    def _put_collections(self, conn: Any, collections: Iterable[Mapping[str, Any]]) -> None:
        conn.execute("DELETE FROM zotero_collections WHERE library = ?", (self.library,))
        conn.executemany(
            "INSERT INTO zotero_collections VALUES (?, ?, ?, ?, ?)",
            [(self.library, c["key"], int(c.get("version") or 0), c["data"]["name"],
              c["data"].get("parentCollection") or None) for c in collections],
        )

    def record_written(self, objects: Iterable[Mapping[str, Any]]) -> None:
        """Put objects the server just accepted (write report `successful`) in the index."""
        with self.store.transaction() as conn:
            self._put_items(conn, [library_item(obj.get("data") or obj) for obj in objects])

    def caught_up(self, version: int) -> None:
        """The library is at `version` through writes whose answers were all recorded here
        (see zotsync.sync_apply): the index reflects that version. Never moves it back."""
        with self.store.transaction() as conn:
            conn.execute("UPDATE zotero_libraries SET version = ? WHERE library = ? AND version < ?",
                         (version, self.library, version))
            self._mark_fresh(conn)

    def record_collections(self, objects: Iterable[Mapping[str, Any]]) -> None:
        rows = [(self.library, o["key"], int(o.get("version") or 0), o["data"]["name"],
                 o["data"].get("parentCollection") or None) for o in objects]
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO zotero_collections VALUES (?, ?, ?, ?, ?)", rows)

    # -- ItemLookup ---------------------------------------------------------------------

    def candidates(self, paper: Paper) -> list[LibraryItem]:
        # One indexed lookup per identifier (an OR across columns would scan the table).
        # SQLite, without statistics, would rather walk the primary key (library, key):
        # name the index.
        lookups = [("arxiv_id", "zotero_items_arxiv", paper.arxiv_id),
                   ("doi", "zotero_items_doi", doi_key(paper.doi) if paper.doi else None),
                   ("title_fp", "zotero_items_title", title_fingerprint(paper.title) or None)]
        found: dict[str, LibraryItem] = {}
        for column, index, value in lookups:
            if value is None:
                continue
            rows = self.store.connection.execute(
                f"SELECT key, item FROM zotero_items INDEXED BY {index} "  # noqa: S608
                f"WHERE library = ? AND {column} = ?", (self.library, value))
            for key, blob in rows:
                if key not in found:
                    found[key] = _item(blob)
        return list(found.values())

    def find(self, paper: Paper) -> LibraryItem | None:
        """The library item that is `paper` (as a push would match it), if any."""
        return find_existing(paper, self.candidates(paper))

    def citation_keys(self) -> dict[str, str]:
        """{casefolded key: item key} of every citation key the library's items carry."""
        found: dict[str, str] = {}
        for key, blob in self.store.connection.execute(
                "SELECT key, item FROM zotero_items WHERE library = ? AND parent IS NULL", (self.library,)):
            if '"citation_key":"' in blob:
                cited = json.loads(blob).get("citation_key")
                if cited:
                    found.setdefault(str(cited).casefold(), key)
        return found

    def collection_members(self, collection_key: str) -> list[LibraryItem]:
        """The top-level items filed in a collection (trashed ones included: callers filter)."""
        rows = self.store.connection.execute(
            "SELECT item FROM zotero_items WHERE library = ? AND parent IS NULL", (self.library,))
        items = (_item(blob) for (blob,) in rows if collection_key in blob)
        return [item for item in items if collection_key in item.collections]

    def remember_created(self, keys: Iterable[str]) -> None:
        """Items zotsync has just created."""
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO zotsync_created VALUES (?, ?)",
                             [(self.library, key) for key in keys])

    def created_by_zotsync(self) -> list[LibraryItem]:
        """The items zotsync created: remembered when written, or (made by an older zotsync)
        carrying zotsync's summary note."""
        rows = self.store.connection.execute(
            "SELECT i.item FROM zotero_items i WHERE i.library = ? AND i.parent IS NULL AND ("
            "i.key IN (SELECT item_key FROM zotsync_created WHERE library = ?) OR "
            "i.key IN (SELECT item_key FROM zotsync_notes WHERE library = ?))",
            (self.library, self.library, self.library))
        found = {item.key: item for item in (_item(blob) for (blob,) in rows)}
        for (blob,) in self.store.connection.execute(
                "SELECT item FROM zotero_items WHERE library = ? AND parent IS NOT NULL", (self.library,)):
            if '"zotsync_note":true' in blob:
                child = _item(blob)
                if child.parent and child.parent not in found and not child.deleted:
                    parent = self.get(child.parent)
                    if parent is not None:
                        found[parent.key] = parent
        return sorted(found.values(), key=lambda item: item.key)

    # -- the server's schema -------------------------------------------------------------

    def schema_fields(self, server: str, schema: int, item_type: str) -> frozenset[str] | None:
        row = self.store.connection.execute(
            "SELECT fields FROM zotero_schema WHERE server = ? AND schema = ? AND item_type = ?",
            (server, schema, item_type)).fetchone()
        return frozenset(json.loads(row[0])) if row else None

    def last_schema(self, server: str) -> int | None:
        """The newest schema version this server was seen to answer with (None: never)."""
        row = self.store.connection.execute(
            "SELECT MAX(schema) FROM zotero_schema WHERE server = ?", (server,)).fetchone()
        return row[0] if row else None

    def remember_schema_fields(self, server: str, schema: int, item_type: str,
                               names: Iterable[str]) -> None:
        with self.store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO zotero_schema VALUES (?, ?, ?, ?)",
                         (server, schema, item_type, json.dumps(sorted(names))))

    def children(self, key: str) -> list[LibraryItem]:
        rows = self.store.connection.execute(
            "SELECT item FROM zotero_items INDEXED BY zotero_items_parent WHERE library = ? AND parent = ?",
            (self.library, key))
        return [_item(blob) for (blob,) in rows]

    def get(self, key: str) -> LibraryItem | None:
        row = self.store.connection.execute(
            "SELECT item FROM zotero_items WHERE library = ? AND key = ?", (self.library, key)).fetchone()
        return _item(row[0]) if row else None

    def collections(self) -> list[Collection]:
        """Every collection, with the number of (top-level, non-trashed) items in it."""
        counts: dict[str, int] = {}
        for (blob,) in self.store.connection.execute(
                "SELECT item FROM zotero_items WHERE library = ? AND parent IS NULL", (self.library,)):
            item = json.loads(blob)
            if not item["deleted"]:
                for key in item["collections"]:
                    counts[key] = counts.get(key, 0) + 1
        rows = self.store.connection.execute(
            "SELECT key, version, name, parent FROM zotero_collections WHERE library = ? ORDER BY name",
            (self.library,)).fetchall()
        children: dict[str, int] = {}
        for _, _, _, parent in rows:
            if parent:
                children[parent] = children.get(parent, 0) + 1
        return [Collection(key, version, name, parent, counts.get(key, 0), children.get(key, 0))
                for key, version, name, parent in rows]

    # -- keys of writes under way --------------------------------------------------------

    def reserve(self, keys: Iterable[tuple[str, ReservedKeys]]) -> None:
        """Remember the keys about to be sent, before sending: a re-run after a crash
        reuses them (see `ReservedKeys`)."""
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO zotsync_pending VALUES (?, ?, ?, ?, ?)",
                             [(self.library, identity, k.item, k.note, k.attachment)
                              for identity, k in keys])

    def release(self, identities: Iterable[str]) -> None:
        """Forget reserved keys once their objects are confirmed written."""
        with self.store.transaction() as conn:
            conn.executemany("DELETE FROM zotsync_pending WHERE library = ? AND identity = ?",
                             [(self.library, identity) for identity in identities])

    def reserved(self) -> dict[str, ReservedKeys]:
        rows = self.store.connection.execute(
            "SELECT identity, item_key, note_key, attach_key FROM zotsync_pending WHERE library = ?",
            (self.library,))
        return {identity: ReservedKeys(item, note, attach) for identity, item, note, attach in rows}

    def reserved_collections(self) -> dict[tuple[str | None, str], str]:
        found: dict[tuple[str | None, str], str] = {}
        for identity, keys in self.reserved().items():
            if identity.startswith("collection:"):
                parent, _, name = identity.removeprefix("collection:").partition("/")
                found[(parent or None, name)] = keys.item
        return found

    # -- notes zotsync wrote -------------------------------------------------------------

    def written_notes(self) -> dict[str, WrittenNote]:
        rows = self.store.connection.execute(
            "SELECT item_key, note_key, text_hash FROM zotsync_notes WHERE library = ?", (self.library,))
        return {item_key: WrittenNote(note_key, text_hash) for item_key, note_key, text_hash in rows}

    def remember_notes(self, notes: Iterable[tuple[str, str, str]]) -> None:
        """(item key, note key, text hash) of notes zotsync just wrote."""
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO zotsync_notes VALUES (?, ?, ?, ?)",
                             [(self.library, *note) for note in notes])
