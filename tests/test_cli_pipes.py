"""Output into a pipe whose reader has gone (`zotsync ... | head`): quiet, as Unix tools are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DIGEST = str(Path(__file__).parent / "data" / "arxiv-daily-digest.md")


def run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run zotsync with stdout a pipe whose read end is already closed: every write fails
    with EPIPE, as when `head` has read what it wanted and exited."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "zotsync", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60, check=False,
                              env={**os.environ, "ZOTSYNC_DEBUG": ""})
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [
    ["config"],
    ["parse", DIGEST, "--json", "--no-enrich"],
    ["parse", DIGEST, "--no-enrich"],
])
def test_a_closed_pipe_ends_the_command_quietly(args: list[str]) -> None:
    result = run_into_closed_pipe(*args)
    assert "error" not in result.stderr.lower() and "Broken pipe" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert result.returncode == 141  # 128 + SIGPIPE, what a shell shows for `ls | head` too


def test_a_pipe_closed_mid_output_is_the_same_quiet_end(tmp_path: Path) -> None:
    # One 1.2 MB write cut short by the reader leaving returned a short count, no error:
    # the command then ended 0 as if everything had been read.
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(f"2506.{n:05d}\n" for n in range(1, 4001)), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "zotsync", "parse", str(ids), "--json", "--no-enrich"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "ZOTSYNC_DEBUG": "", "ZOTSYNC_DATA_DIR": str(tmp_path),
                                    "ZOTSYNC_CONFIG": str(tmp_path / "config.toml")})
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100).startswith(b"[")
    process.stdout.close()  # as `head -c 100` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141, stderr
    assert "Traceback" not in stderr and "error" not in stderr.lower()
