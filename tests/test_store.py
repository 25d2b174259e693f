"""The SQLite store: sightings across digests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from zotsync.core.paper import Paper, Source
from zotsync.errors import StoreError
from zotsync.store import Store, paper_keys


def paper(title: str, file: str, **fields: object) -> Paper:
    return Paper(title=title, sources=(Source(file, 1),), **fields)  # type: ignore[arg-type]


def test_paper_keys_cover_every_identifier() -> None:
    keys = paper_keys(paper("A  Title!", "a.md", arxiv_id="2506.02013", doi="10.1/X"))
    assert keys == ["arxiv:2506.02013", "doi:10.1/x", "title:a title"]


def test_sightings_first_date_kept_and_same_digest_excluded(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    day1 = [paper("One", str(tmp_path / "d1.md"), arxiv_id="2506.00001")]
    store.record_sightings(day1, date(2026, 1, 1))
    store.record_sightings(day1, date(2026, 1, 5))  # same digest again: first date stays
    assert store.earlier_sightings(day1, [str(tmp_path / "d1.md")]) == {}
    day2 = [paper("Other", str(tmp_path / "d2.md")),
            paper("One", str(tmp_path / "d2.md"), arxiv_id="2506.00001")]
    found = store.earlier_sightings(day2, [str(tmp_path / "d2.md")])
    assert list(found) == [1]
    assert found[1].first_seen == date(2026, 1, 1)
    assert found[1].digests == 1


def test_title_only_paper_is_recognised_by_title(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.record_sightings([paper("Deep Nets", "a.md", arxiv_id="2501.00001")], date(2026, 2, 1))
    found = store.earlier_sightings([paper("deep nets", "b.md")], ["b.md"])
    assert 0 in found


def test_unwritable_store_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open the local store"):
        Store(blocker / "sub" / "s.sqlite3")


def test_damaged_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        Store(path)
