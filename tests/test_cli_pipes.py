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
