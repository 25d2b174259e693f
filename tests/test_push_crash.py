"""A push killed mid-way (SIGKILL, a real subprocess) finishes on the next run, with no
duplicate item, note or attachment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from servers.zotero_emulator import Fault


def digest(n: int) -> str:
    entries = []
    for i in range(n):
        entries.append(
            f"### [{i + 1}] [Crash test paper {i}](https://arxiv.org/abs/2507.{i:05d})\n"
            f"*Author {i},Second Author*\n\nMain category: cs.LG\n\nTL;DR: 第{i}篇论文的总结。\n\n"
            "<details>\n  <summary>Details</summary>\nMotivation: 动机\n\nMethod: 方法\n\n"
            "Result: 结果\n\nConclusion: 结论\n\nAbstract: An abstract.\n\n</details>\n")
    return "\n".join(entries)


def test_killed_push_is_finished_by_the_next_run(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "digest.md"
    path.write_text(digest(60), encoding="utf-8")  # 180 objects: 4 write requests
    env = {**os.environ, **zotero_emu.env, "ZOTSYNC_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "zotsync", "push", str(path), "--collection", "Crash"]
    slow = zotero_emu.inject(Fault.slow(1.0, "POST", "/items$", times=None))
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while slow.hits < 2 and time.monotonic() < deadline:  # first batch done, second under way
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    zotero_emu.clear_faults()
    written = zotero_emu.library().items
    assert 0 < len(written) < 180  # really killed mid-push

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert rerun.returncode == 0, rerun.stderr
    items = list(zotero_emu.library().items.values())
    by_type: dict[str, list[dict[str, object]]] = {}
    for item in items:
        by_type.setdefault(str(item["itemType"]), []).append(item)
    assert len(by_type["preprint"]) == 60
    assert len({p["archiveID"] for p in by_type["preprint"]}) == 60
    assert len(by_type["note"]) == 60
    assert len({n["parentItem"] for n in by_type["note"]}) == 60
    assert len(by_type["attachment"]) == 60

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0
    assert len(zotero_emu.library().items) == 180


def test_ctrl_c_finishes_the_batch_and_reports_what_was_written(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C said only "zotsync: interrupted"; the TUI said how much was written. Now the CLI
    lets the batch in flight land, sends no more, and says the same as the TUI (exit 130)."""
    path = tmp_path / "digest.md"
    path.write_text(digest(60), encoding="utf-8")  # 180 objects: 4 write requests
    env = {**os.environ, **zotero_emu.env, "ZOTSYNC_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "zotsync", "push", str(path), "--collection", "Crash"]
    slow = zotero_emu.inject(Fault.slow(1.0, "POST", "/items$", times=None))
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while slow.hits < 1 and time.monotonic() < deadline:  # the first batch is being sent
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert slow.hits == 1  # nothing sent after the Ctrl-C
    written = [i for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]
    assert 0 < len(written) < 60
    assert f"push interrupted: {len(written)} of 60 papers written; run again to finish" in stderr
    assert "Traceback" not in stderr
    zotero_emu.clear_faults()
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert len(zotero_emu.library().items) == 180
