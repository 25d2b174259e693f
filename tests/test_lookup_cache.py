"""The lookup cache in the local store: records round-trip, freshness, offline use."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from zotsync.core.paper import Paper, Source
from zotsync.lookup.cache import ARXIV_ID, HF_SEARCH, LookupCache, record_from_json, record_to_json
from zotsync.store import Store

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RECORD = Paper(title="A Title", arxiv_id="2505.01234", version=2, authors=("Ada Okafor", "Bruno Silva"),
               categories=("cs.LG", "cs.AI"), primary_category="cs.LG", published=date(2025, 5, 2),
               updated=date(2025, 6, 1), journal_ref="J 1", doi="10.1/x", ai_summary="Short.", upvotes=4)


def test_records_round_trip_without_sources() -> None:
    assert record_from_json(record_to_json(RECORD)) == RECORD
    with_sources = RECORD.replace(sources=(Source("x", 1),))
    assert record_from_json(record_to_json(with_sources)).sources == ()


def test_answers_stay_fresh_for_the_configured_days(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    LookupCache(store, max_age=timedelta(days=7), now=NOW).put(ARXIV_ID, "2505.01234", [RECORD])
    LookupCache(store, max_age=timedelta(days=7), now=NOW).put(HF_SEARCH, "a title", [])
    later = LookupCache(store, max_age=timedelta(days=7), now=NOW + timedelta(days=6))
    assert later.get(ARXIV_ID, "2505.01234") == [RECORD]
    assert later.get(HF_SEARCH, "a title") == []  # "asked, nothing found" is an answer too
    assert later.get(ARXIV_ID, "2505.99999") is None
    stale = LookupCache(store, max_age=timedelta(days=7), now=NOW + timedelta(days=8))
    assert stale.get(ARXIV_ID, "2505.01234") is None
    assert stale.get(ARXIV_ID, "2505.01234", any_age=True) == [RECORD]  # offline


def test_zero_days_means_always_ask_again(tmp_path: Path) -> None:
    cache = LookupCache(Store(tmp_path / "s.sqlite3"), max_age=timedelta(0), now=NOW)
    cache.put(ARXIV_ID, "2505.01234", [RECORD])
    assert cache.get(ARXIV_ID, "2505.01234") is None
    assert cache.get(ARXIV_ID, "2505.01234", any_age=True) == [RECORD]


def test_a_newer_answer_replaces_the_older(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    LookupCache(store, max_age=timedelta(days=7), now=NOW).put(ARXIV_ID, "2505.01234", [])
    cache = LookupCache(store, max_age=timedelta(days=7), now=NOW + timedelta(days=1))
    cache.put_many(ARXIV_ID, {"2505.01234": [RECORD]})
    assert cache.get_many(ARXIV_ID, ["2505.01234", "2505.01234"]) == {"2505.01234": [RECORD]}


def test_unreadable_rows_are_misses(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    cache = LookupCache(store, max_age=timedelta(days=7), now=NOW)
    with store.transaction() as conn:
        conn.execute("INSERT INTO lookup_cache VALUES (?, ?, ?, ?)",
                     (ARXIV_ID, "2505.01234", NOW.isoformat(timespec="microseconds"), '[{"v": 0}]'))
    assert cache.get(ARXIV_ID, "2505.01234") is None


def test_a_row_written_before_from_dict_still_reads() -> None:
    """Rows the earlier field-by-field encoder wrote (format 1, no sources or summary key)
    read as the same record: the cache keeps its answers across the change."""
    old_row = {"v": 1, "title": "A Title", "arxiv_id": "2505.01234", "version": 2, "doi": "10.1/x",
               "authors": ["Ada Okafor", "Bruno Silva"], "abstract": None, "categories": ["cs.LG", "cs.AI"],
               "primary_category": "cs.LG", "published": "2025-05-02", "updated": "2025-06-01",
               "url": None, "pdf_url": None, "comment": None, "journal_ref": "J 1", "ai_summary": "Short.",
               "upvotes": 4, "author_count": None, "publication": None}
    assert record_from_json(old_row) == RECORD
