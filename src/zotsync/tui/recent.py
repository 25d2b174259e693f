"""The collections a library's papers were last pushed to, newest first, and the tags the
last push there gave (in the store)."""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from datetime import UTC, datetime

from zotsync.store import Store

RECENT_DDL = """
CREATE TABLE IF NOT EXISTS tui_recent_targets (
    library TEXT NOT NULL,  -- zotsync.sync.library_id(settings): server and /users|groups/<id>
    path    TEXT NOT NULL,  -- "A/B" as zotsync.core.library.split_collection_path reads it
    used_at TEXT NOT NULL,  -- ISO timestamp (UTC) of the last push there
    PRIMARY KEY (library, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tui_recent_tags (
    library TEXT PRIMARY KEY,  -- as above
    tags    TEXT NOT NULL      -- JSON list: the tags of the last push into this library
) WITHOUT ROWID;
"""

KEEP = 5


class RecentTargets:
    def __init__(self, store: Store, library: str) -> None:
        self.store = store
        self.library = library
        store.ensure(RECENT_DDL)

    def list(self, limit: int = KEEP) -> list[str]:
        rows = self.store.connection.execute(
            "SELECT path FROM tui_recent_targets WHERE library = ? ORDER BY used_at DESC, path LIMIT ?",
            (self.library, limit))
        return [path for (path,) in rows]

    def remember(self, path: str, *, now: datetime | None = None) -> None:
        """Put `path` first; only the newest `KEEP` are kept."""
        stamp = (now or datetime.now(UTC)).isoformat(timespec="microseconds")
        with self.store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO tui_recent_targets VALUES (?, ?, ?)",
                         (self.library, path, stamp))
            conn.execute(
                "DELETE FROM tui_recent_targets WHERE library = ? AND path NOT IN (SELECT path FROM "
                "tui_recent_targets WHERE library = ? ORDER BY used_at DESC, path LIMIT ?)",
                (self.library, self.library, KEEP))

    def tags(self) -> builtins.list[str] | None:
        """The tags the last push into this library gave (None: none remembered)."""
        row = self.store.connection.execute(
            "SELECT tags FROM tui_recent_tags WHERE library = ?", (self.library,)).fetchone()
        return [str(t) for t in json.loads(row[0])] if row else None

    def remember_tags(self, tags: Sequence[str]) -> None:
        with self.store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO tui_recent_tags VALUES (?, ?)",
                         (self.library, json.dumps(list(tags), ensure_ascii=False)))
