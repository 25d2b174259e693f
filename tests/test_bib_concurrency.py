"""Several writers on one .bib: concurrent `zotsync bib` processes, and a script appending
entries while zotsync merges. Real processes, bounded loops: nothing may be lost."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from zotsync.bibfile import apply_merge, bib_lock, merge_bib, plan_merge, read_bib
from zotsync.core.bibmatch import ExportOptions
from zotsync.core.bibscan import scan
from zotsync.fileio import Changed
from zotsync.inputs import load_papers
from zotsync.store import Store

DATA = Path(__file__).parent / "data"
DIGEST = str(DATA / "arxiv-daily-digest.md")
IDS = ["2506.02013", "2506.02044", "2506.02263", "2506.02813", "2506.03088", "2505.21777",
       "2506.02164", "2506.03089"]
TIMEOUT = 120


def bib_process(target: Path, arxiv_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "zotsync", "bib", DIGEST, "-o", str(target),
                             "--select", arxiv_id, "--offline"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> str:
    try:
        _, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, err
    return err


def entry_keys(path: Path) -> list[str]:
    return [b.key or "" for b in scan(path.read_text(encoding="utf-8")).entries]


def arxiv_ids_in(path: Path) -> list[str]:
    return re.findall(r"eprint = \{(\d{4}\.\d{5})\}", path.read_text(encoding="utf-8"))


def user_entries(count: int, prefix: str = "user") -> str:
    return "".join(f"@misc{{{prefix}{i},\n  title = {{User entry {i}}},\n}}\n\n" for i in range(count))


def test_concurrent_bib_runs_into_one_file_lose_nothing(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("% my bibliography\n" + user_entries(300), encoding="utf-8")
    for round_ids in (IDS[:4], IDS[4:]):  # two rounds of four processes started together
        processes = [bib_process(target, arxiv_id) for arxiv_id in round_ids]
        for process in processes:
            finish(process)
    ids = arxiv_ids_in(target)
    assert sorted(ids) == sorted(IDS), "every run's entry is in the file, once"
    keys = entry_keys(target)
    assert [k for k in keys if k.startswith("user")] == [f"user{i}" for i in range(300)]
    assert target.read_text(encoding="utf-8").startswith("% my bibliography\n" + user_entries(300))
    assert not (tmp_path / ".refs.bib.lock").exists()


APPENDER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    target, stop = Path(sys.argv[1]), Path(sys.argv[2])
    written = 0
    while not stop.exists() and written < 1000:  # bounded
        with target.open("a", encoding="utf-8") as handle:  # as `cat >> refs.bib` would
            handle.write(f"@misc{{late{written},\\n  title = {{Appended {written}}},\\n}}\\n\\n")
        written += 1
        time.sleep(0.25)  # a script or a person appending now and then, not a flood
    print(json.dumps(written))
""")


def test_entries_appended_during_merges_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text(user_entries(1000), encoding="utf-8")  # merges take a while: appends land in them
    stop = tmp_path / "stop"
    appender = subprocess.Popen([sys.executable, "-c", APPENDER, str(target), str(stop)],
                                stdout=subprocess.PIPE, text=True)
    try:
        for arxiv_id in IDS:  # one after another, each while the appender writes
            finish(bib_process(target, arxiv_id))
    finally:
        stop.touch()
        out, _ = appender.communicate(timeout=TIMEOUT)
    written = json.loads(out)
    assert written > 0
    keys = entry_keys(target)
    assert [k for k in keys if k.startswith("late")] == [f"late{i}" for i in range(written)], (
        "every appended entry survived, in order")
    assert [k for k in keys if k.startswith("user")] == [f"user{i}" for i in range(1000)]
    assert sorted(arxiv_ids_in(target)) == sorted(IDS)
    assert not (tmp_path / "refs.bib.conflict").exists()


def test_a_change_after_reading_stops_the_write_and_is_merged_into(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text(user_entries(2), encoding="utf-8")
    store = Store(tmp_path / "store.sqlite3")
    papers = load_papers([DIGEST]).papers[:2]
    plan = plan_merge(papers, read_bib(target), store, ExportOptions())
    with target.open("a", encoding="utf-8") as handle:  # someone appends after zotsync read it
        handle.write(user_entries(1, prefix="late"))
    with pytest.raises(Changed):
        apply_merge(plan, store)
    assert target.read_text(encoding="utf-8") == user_entries(2) + user_entries(1, prefix="late")
    assert not (tmp_path / "refs.bib.bak").exists()
    merged = merge_bib(papers, target, store, ExportOptions())  # reads again, merges, writes
    assert len(merged.added) == 2
    assert entry_keys(target)[:3] == ["user0", "user1", "late0"]
    assert len(entry_keys(target)) == 5
    store.close()


def test_a_second_merger_waits_for_the_lock(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text(user_entries(1), encoding="utf-8")
    with bib_lock(target):
        assert (tmp_path / ".refs.bib.lock").exists()
        process = bib_process(target, IDS[0])
        try:
            process.wait(timeout=5)  # it waits while we hold the lock ...
            raise AssertionError("bib did not wait for the lock")
        except subprocess.TimeoutExpired:
            pass
        assert arxiv_ids_in(target) == []
    finish(process)  # ... and merges once we let go
    assert arxiv_ids_in(target) == [IDS[0]]
    assert not (tmp_path / ".refs.bib.lock").exists()


def test_lock_and_check_do_not_apply_to_a_dry_run(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text(user_entries(1), encoding="utf-8")
    target.chmod(0o444)
    tmp_path.chmod(0o555)  # nothing can be created beside it: a dry run still works
    try:
        result = subprocess.run([sys.executable, "-m", "zotsync", "bib", DIGEST, "-o", str(target),
                                 "--dry-run", "--offline"], capture_output=True, text=True,
                                timeout=TIMEOUT, check=False)
    finally:
        tmp_path.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "would add 8" in result.stderr


def test_a_late_append_is_put_back_and_a_late_rewrite_saved(tmp_path: Path) -> None:
    """What the old file held after the rename (a write in the instant after the last
    check) is appended back when it was an append, else kept as `.conflict`."""
    from zotsync.bibfile import _put_back
    from zotsync.errors import InputError

    target = tmp_path / "refs.bib"
    before = user_entries(2).encode()
    ours = before + b"@misc{zotsync1,\n  title = {Ours},\n}\n"
    target.write_bytes(ours)
    _put_back(target, before, before + user_entries(1, prefix="late").encode())
    assert target.read_bytes() == ours + user_entries(1, prefix="late").encode()

    target.write_bytes(ours)
    rewritten = b"@misc{other,\n  title = {Rewritten},\n}\n"
    with pytest.raises(InputError, match=r"another program rewrote it .* saved as .*refs\.bib\.conflict"):
        _put_back(target, before, rewritten)
    assert target.read_bytes() == ours
    assert (tmp_path / "refs.bib.conflict").read_bytes() == rewritten
