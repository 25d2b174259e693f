"""FIFOs, devices and symbolic link loops, as `-o` or as input: refused in one line, left
untouched, and never a hang (every run is a real process with a timeout)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import pytest

from zotsync.fileio import read_at_most, read_regular_bytes

DATA = Path(__file__).parent / "data"
DIGEST = str(DATA / "arxiv-daily-digest.md")
TIMEOUT = 60  # seconds: generous for a loaded machine; a hang is the failure being tested


def zotsync(*args: str, cwd: Path, stdin: object = subprocess.DEVNULL,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # timeout= makes a hang fail the test (TimeoutExpired) instead of hanging the suite.
    return subprocess.run([sys.executable, "-m", "zotsync", *args], cwd=cwd, stdin=stdin,  # type: ignore[call-overload]
                          capture_output=True, text=True, timeout=TIMEOUT, check=False,
                          env={**os.environ, **(env or {})})


def make_fifo(folder: Path) -> Path:
    path = folder / "refs.bib"
    os.mkfifo(path)
    return path


def make_char_device(folder: Path) -> Path:
    path = folder / "refs.bib"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the null device's numbers
    except PermissionError:
        pytest.skip("mknod of a character device is not permitted here (needs CAP_MKNOD)")
    return path


def make_link_loop(folder: Path) -> Path:
    path = folder / "refs.bib"
    path.symlink_to(folder / "other.bib")
    (folder / "other.bib").symlink_to(path)
    return path


MAKERS = {"fifo": (make_fifo, "is a FIFO (named pipe), not a regular file"),
          "char-device": (make_char_device, "is a character device, not a regular file"),
          "link-loop": (make_link_loop, "is a symbolic link loop, not a regular file")}


def fingerprint(folder: Path) -> dict[str, tuple[int, int]]:
    """Every name in the folder with its type and device number (lstat: links not followed)."""
    return {p.name: (p.lstat().st_mode, p.lstat().st_rdev) for p in folder.iterdir()}


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    errors = [line for line in result.stderr.splitlines() if line.startswith("zotsync: error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return errors[0]


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_bib_output_that_is_not_a_regular_file_is_refused_and_untouched(tmp_path: Path, kind: str) -> None:
    make, expected = MAKERS[kind]
    folder = tmp_path / "out"
    folder.mkdir()
    target = make(folder)
    before = fingerprint(folder)
    result = zotsync("bib", DIGEST, "-o", str(target), "--offline", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = one_error_line(result)
    assert f"{target}: {expected}; it was not changed" in line
    assert "-o" in line  # the fix: choose a regular file or a new path
    assert fingerprint(folder) == before  # no .bak, no regular file in its place, no lock file


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_digest_input_that_is_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    make, expected = MAKERS[kind]
    folder = tmp_path / "in"
    folder.mkdir()
    source = make(folder)
    before = fingerprint(folder)
    for command in (["parse", str(source)], ["bib", str(source), "-o", str(tmp_path / "new.bib")]):
        result = zotsync(*command, "--offline", cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert f"{source}: {expected}" in one_error_line(result)
    assert fingerprint(folder) == before
    assert not (tmp_path / "new.bib").exists()


def test_a_backup_path_that_is_a_fifo_stops_the_write(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{mine, title = {Mine}}\n", encoding="utf-8")
    os.mkfifo(tmp_path / "refs.bib.bak")
    result = zotsync("bib", DIGEST, "-o", str(bib), "--offline", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    expected = "refs.bib.bak: is a FIFO (named pipe), not a regular file; nothing was written"
    assert expected in one_error_line(result)
    assert bib.read_text(encoding="utf-8") == "@misc{mine, title = {Mine}}\n"
    assert stat.S_ISFIFO((tmp_path / "refs.bib.bak").lstat().st_mode)


def test_dev_zero_on_stdin_is_refused_at_once(tmp_path: Path) -> None:
    with Path("/dev/zero").open("rb") as zero:
        result = zotsync("parse", "-", "--offline", cwd=tmp_path, stdin=zero)
    assert result.returncode == 2
    assert "<stdin>: is a binary file, not a digest" in one_error_line(result)


def test_dev_zero_as_a_file_is_refused(tmp_path: Path) -> None:
    result = zotsync("parse", "/dev/zero", "--offline", cwd=tmp_path)
    assert result.returncode == 2
    assert "/dev/zero: is a character device, not a regular file" in one_error_line(result)


def test_inputs_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    env = {"ZOTSYNC_INPUT_MAX_SIZE": "10 kB"}  # the digest is 44 kB
    result = zotsync("parse", DIGEST, "--offline", cwd=tmp_path, env=env)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "is 43.9 kB, over the 10 kB limit for input files" in line
    assert "input.max_size" in line
    with Path(DIGEST).open("rb") as digest:
        piped = zotsync("parse", "-", "--offline", cwd=tmp_path, env=env, stdin=digest)
    assert piped.returncode == 2
    assert "<stdin>: is larger than that, over the 10 kB limit" in one_error_line(piped)
    small = tmp_path / "ids.txt"
    small.write_text("2506.02013\n", encoding="utf-8")
    bib = tmp_path / "big.bib"
    bib.write_text("% padding\n" * 2000, encoding="utf-8")  # 20 kB
    refused = zotsync("bib", str(small), "-o", str(bib), "--offline", cwd=tmp_path, env=env)
    assert refused.returncode == 2, refused.stderr
    assert f"{bib}: is 20 kB, over the 10 kB limit for input files; it was not changed" in one_error_line(
        refused)
    assert bib.read_text(encoding="utf-8") == "% padding\n" * 2000


def test_the_size_limit_is_a_documented_setting(tmp_path: Path) -> None:
    result = zotsync("config", "--json", cwd=tmp_path, env={"ZOTSYNC_INPUT_MAX_SIZE": "2 GB"})
    assert result.returncode == 0, result.stderr
    assert '"input_max_size"' in result.stdout and "2000000000" in result.stdout
    bad = zotsync("config", cwd=tmp_path, env={"ZOTSYNC_INPUT_MAX_SIZE": "lots"})
    assert bad.returncode == 2
    assert "invalid input.max_size = 'lots'" in one_error_line(bad)


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(),
                    reason="needs Linux's /sys (a folder even root cannot write)")
def test_an_unwritable_folder_is_reported_as_the_target_not_the_temp_file(tmp_path: Path) -> None:
    """The error named zotsync's temp file (`/sys/.refs.bib.x1y2.tmp`) instead of `-o`."""
    result = zotsync("bib", DIGEST, "-o", "/sys/refs.bib", "--offline", cwd=tmp_path)
    assert result.returncode == 2
    assert "/sys/refs.bib: cannot be written" in result.stderr
    assert ".tmp" not in result.stderr


def test_the_bib_layer_says_another_path_without_naming_the_cli_option(tmp_path: Path) -> None:
    """The .bib layer is shared with the TUI's export dialog: its hints say "path", and the
    `bib` command adds its -o (asserted above); the dialog shows its path field instead."""
    from zotsync.bibfile import read_bib
    from zotsync.errors import OutputPathError

    binary = tmp_path / "refs.bib"
    binary.write_bytes(b"\x00\x01 not a bib")
    for path in (tmp_path, binary, tmp_path / "missing" / "refs.bib"):
        with pytest.raises(OutputPathError) as caught:
            read_bib(path)
        assert caught.value.hint and "-o" not in caught.value.hint
        assert str(caught.value.for_option("-o")).endswith(" with -o)")


def test_reading_under_a_large_limit_allocates_what_is_read_not_the_limit(tmp_path: Path) -> None:
    # read(limit + 1) allocated the whole limit (1 GB) for every digest, file or pipe.
    digest = tmp_path / "big.md"
    digest.write_bytes(b"x" * 3_000_000)
    read_fd, write_fd = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_fd, b"y" * 3_000_000), os.close(write_fd)))
    writer.start()
    tracemalloc.start()
    try:
        from_file = read_regular_bytes(digest, limit=2**30)
        with os.fdopen(read_fd, "rb") as pipe:
            from_pipe = read_at_most(pipe, 2**30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        writer.join()
    assert (len(from_file), len(from_pipe)) == (3_000_000, 3_000_000)
    assert peak < 32 * 2**20


def test_read_at_most_stops_one_byte_over_the_limit() -> None:
    assert read_at_most(io.BytesIO(b"abcdef"), 3) == b"abcd"  # one over: the caller says too large
    assert read_at_most(io.BytesIO(b"abc"), 3) == b"abc"
    assert read_at_most(io.BytesIO(b"abc" * 10), None, expected=2) == b"abc" * 10  # it grew
    assert read_at_most(io.BytesIO(b"abc"), -1) == b""
