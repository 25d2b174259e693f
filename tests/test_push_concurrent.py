"""Two machines pushing one digest into one library at once: never a duplicate.

Real `zotsync push` processes with separate stores (as two machines, two HOMEs, or
cron in a container) against one emulator with latency; the library's optimistic
concurrency (`If-Unmodified-Since-Version` on every write, re-plan on 412) keeps
every paper, note, link and collection exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from servers.zotero_emulator import ZoteroEmulator
from zotsync.config import load_settings
from zotsync.sync import push_lock_name

ROUNDS = 3
KEY = "ZsWriteKey4Tests00000001"
PAPERS = 30


def digest(n: int) -> str:
    return "\n".join(
        f"### [{i + 1}] [Concurrent paper {i}](https://arxiv.org/abs/2508.{i:05d})\n"
        f"*Author {i},Second Author*\n\nMain category: cs.LG\n\nTL;DR: 第{i}篇论文的总结。\n"
        for i in range(n))


def pusher(emu: ZoteroEmulator, home: Path, url: str, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state"), "ZOTERO_API_KEY": KEY, "ZOTERO_LIBRARY_ID": "1",
           "ZOTERO_LIBRARY_TYPE": "user", "ZOTSYNC_ZOTERO_URL": url}
    command = [sys.executable, "-m", "zotsync", "push", str(path), "-c", "Reading/Concurrent",
               "--no-enrich", "--json"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_exactly_once(emu: ZoteroEmulator, papers: int) -> None:
    library = emu.library()
    by_type = Counter(str(item["itemType"]) for item in library.items.values())
    archive_ids = Counter(str(item.get("archiveID")) for item in library.items.values()
                          if item["itemType"] == "preprint")
    assert [k for k, n in archive_ids.items() if n > 1] == []
    assert by_type == {"preprint": papers, "note": papers, "attachment": papers}
    notes_per_parent = Counter(str(item["parentItem"]) for item in library.items.values()
                               if item["itemType"] == "note")
    assert set(notes_per_parent.values()) == {1}
    collections = Counter((c.get("parentCollection") or None, c["name"])
                          for c in library.collections.values())
    assert sorted(n for _, n in collections) == ["Concurrent", "Reading"]
    assert set(collections.values()) == {1}
    [target] = [k for k, c in library.collections.items() if c["name"] == "Concurrent"]
    assert all(target in item["collections"] for item in library.items.values()
               if item["itemType"] == "preprint")


def run_round(tmp_path: Path, round_no: int, hosts: tuple[str, str], *, shared_store: bool) -> list[Any]:
    path = tmp_path / "digest.md"
    path.write_text(digest(PAPERS), encoding="utf-8")  # 90 objects: 2 write requests each
    with ZoteroEmulator(latency=0.01) as emu:
        emu.add_user(1, "alice")
        emu.add_key(KEY, user_id=1, write=True)
        homes = [tmp_path / f"r{round_no}-a", tmp_path / f"r{round_no}-b"]
        if shared_store:
            homes[1] = homes[0]
        urls = [f"http://{host}:{emu.port}" for host in hosts]
        processes = [pusher(emu, home, url, path) for home, url in zip(homes, urls, strict=True)]
        outcomes = []
        for process in processes:
            stdout, stderr = process.communicate(timeout=120)
            outcomes.append((process.returncode, stdout, stderr))
        assert_exactly_once(emu, PAPERS)
        return outcomes


@pytest.mark.parametrize("hosts", [("127.0.0.1", "127.0.0.1"), ("localhost", "127.0.0.1")])
def test_two_stores_pushing_at_once_never_duplicate(tmp_path: Path, hosts: tuple[str, str]) -> None:
    for round_no in range(ROUNDS):
        outcomes = run_round(tmp_path, round_no, hosts, shared_store=False)
        for code, _stdout, stderr in outcomes:
            assert code == 0, stderr
            assert "Traceback" not in stderr


def test_two_spellings_of_one_server_share_the_push_lock(tmp_path: Path) -> None:
    """One store, `localhost` and `127.0.0.1`: one lock; the loser exits 5 (busy) or
    runs after the winner; never a duplicate."""
    for round_no in range(2):
        outcomes = run_round(tmp_path, round_no, ("localhost", "127.0.0.1"), shared_store=True)
        codes = sorted(code for code, _, _ in outcomes)
        assert codes in ([0, 0], [0, 5]), [stderr for _, _, stderr in outcomes]
        for code, _stdout, stderr in outcomes:
            if code == 5:
                assert stderr.strip().splitlines()[-1].startswith(
                    "zotsync: error: another zotsync is pushing to this library right now")


@pytest.mark.parametrize(("one", "other"), [
    ("http://localhost:8080", "http://127.0.0.1:8080/"),
    ("https://API.zotero.org", "https://api.zotero.org:443/"),
    ("http://[::1]:80", "http://localhost"),
])
def test_the_push_lock_is_named_by_the_canonical_library(one: str, other: str) -> None:
    def name(url: str, library: str = "1") -> str:
        environ = {"ZOTSYNC_ZOTERO_URL": url, "ZOTERO_LIBRARY_ID": library}
        return push_lock_name(load_settings(environ=environ))

    assert name(one) == name(other)
    assert name(one) != name(one, library="2")
    assert name(one) != name("http://localhost:8081")
