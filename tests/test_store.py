"""The SQLite store: sightings across digests."""

from __future__ import annotations

import sqlite3
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
    junk = b"this is not a database" * 100
    path.write_bytes(junk)
    with pytest.raises(StoreError) as caught:
        Store(path)
    # Before: "cannot open the local store ...: file is not a database (check the folder is
    # writable or set ZOTSYNC_DATA_DIR)", which sends the user after the wrong problem.
    message = str(caught.value)
    assert message.startswith(f"the local store {path} is damaged or not a zotsync store: "
                              "file is not a database (move it aside with ")
    assert f"`mv {path} {path}.damaged`" in message
    assert message.endswith("deleting it loses the seen-before marks, the lookup cache, the remembered "
                            "citation keys and the Zotero library index, which the next push refills)")
    assert "writable" not in message
    assert path.read_bytes() == junk, "nothing is deleted or rewritten"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.sqlite3"]


def test_store_with_broken_pages_is_a_clear_error_when_read(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    papers = [paper(f"Paper number {i} " + "x" * 200, f"d{i % 7}.md") for i in range(3000)]
    with Store(path) as store:
        store.record_sightings(papers, date(2026, 1, 1))
        store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    for offset in range(3 * 4096, len(data) - 4096, 4096):  # keep the header and schema pages
        data[offset:offset + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))
    with Store(path) as store, pytest.raises(StoreError, match=r"is damaged or not a zotsync store: "
                                                               r"database disk image is malformed"):
        store.earlier_sightings(papers[:50], ["other.md"])
    with Store(path) as store, pytest.raises(StoreError, match=r"is damaged .* `mv "):
        store.record_sightings(papers[:50], date(2026, 1, 2))


def test_locked_store_is_not_called_damaged(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path)
    store.connection.execute("PRAGMA busy_timeout = 50")  # not the 30 s a real run waits
    other = sqlite3.connect(path)  # another zotsync, writing
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match=r"^cannot write the local store .*is another zotsync running"):
            store.ensure("CREATE TABLE IF NOT EXISTS t (x)")
    finally:
        other.rollback()
        other.close()
        store.close()
