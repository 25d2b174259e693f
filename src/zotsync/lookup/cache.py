"""What lookups fetched, kept in the local store so it is not fetched again too soon.

One row per question asked: an arXiv ID's record, the results of a title search, a
Hugging Face daily list. An answer of "nothing" (an unknown ID, a search without hits)
is kept too, as an empty list. A row is fresh for `cache.days` days after its fetch;
offline, every row is used whatever its age. Failures are never kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from zotsync.core.paper import Paper
from zotsync.store import Store

_DDL = """
CREATE TABLE IF NOT EXISTS lookup_cache (
    kind       TEXT NOT NULL,  -- 'arxiv-id', 'arxiv-search', 'hf-search' or 'hf-daily'
    key        TEXT NOT NULL,  -- arXiv ID (no version), normalized query, or YYYY-MM-DD
    fetched_at TEXT NOT NULL,  -- ISO 8601 UTC time of the fetch
    records    TEXT NOT NULL,  -- JSON list of fetched records; [] = asked, nothing found
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
"""
_FORMAT = 1  # bump when the record encoding changes: older rows then read as misses

ARXIV_ID = "arxiv-id"
ARXIV_SEARCH = "arxiv-search"
HF_SEARCH = "hf-search"
HF_DAILY = "hf-daily"
CROSSREF_DOI = "crossref-doi"

def record_to_json(paper: Paper) -> dict[str, Any]:
    """A fetched record as `Paper.to_dict` writes it, without sources or digest summary."""
    document = paper.to_dict()
    document["sources"] = []
    document["summary"] = None
    document["v"] = _FORMAT
    return document


def record_from_json(document: Mapping[str, Any]) -> Paper:
    if document.get("v") != _FORMAT:
        raise ValueError("record written by another zotsync version")
    return Paper.from_dict(document)


def _stamp(moment: datetime) -> str:
    """A UTC time in one fixed width, so that stamps compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class LookupCache:
    """The `lookup_cache` table of the store; `now` is fixed for one run."""

    def __init__(self, store: Store, *, max_age: timedelta, now: datetime | None = None) -> None:
        store.ensure(_DDL)
        self.store = store
        self.max_age = max_age
        self.now = (now or datetime.now(UTC)).astimezone(UTC)

    def get(self, kind: str, key: str, *, any_age: bool = False) -> list[Paper] | None:
        """The records kept for a question; None when not kept (or stale, unless `any_age`)."""
        return self.get_many(kind, [key], any_age=any_age).get(key)

    def get_many(self, kind: str, keys: Iterable[str], *, any_age: bool = False) -> dict[str, list[Paper]]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, list[Paper]] = {}
        oldest = _stamp(self.now - self.max_age)
        query = ("SELECT key, fetched_at, records FROM lookup_cache "
                 "WHERE kind = ? AND key IN (SELECT value FROM json_each(?))")
        rows = self.store.connection.execute(query, (kind, json.dumps(wanted))).fetchall()
        for key, fetched_at, records in rows:
            if not any_age and (self.max_age <= timedelta(0) or fetched_at < oldest):
                continue
            try:
                found[key] = [record_from_json(r) for r in json.loads(records)]
            except (ValueError, TypeError, KeyError):
                continue  # unreadable row: fetched again
        return found

    def put(self, kind: str, key: str, records: Iterable[Paper]) -> None:
        self.put_many(kind, {key: list(records)})

    def put_many(self, kind: str, answers: Mapping[str, Iterable[Paper]]) -> None:
        stamp = _stamp(self.now)
        rows = [
            (kind, key, stamp, json.dumps([record_to_json(p) for p in records], ensure_ascii=False))
            for key, records in answers.items()
        ]
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO lookup_cache VALUES (?, ?, ?, ?)", rows)
