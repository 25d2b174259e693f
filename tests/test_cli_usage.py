"""Usage errors look like every other error: one line, exit 2, where to read more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DIGEST = str(Path(__file__).parent / "data" / "arxiv-daily-digest.md")


@pytest.mark.parametrize(("args", "message"), [
    (["nosuch"], "No such command 'nosuch'. (see `zotsync --help`)"),
    (["missing.md"], "missing.md: no such file (nor a command) (see `zotsync --help`)"),
    (["push", DIGEST], "Missing option '--collection' / '-c' (or set push.collection in the config "
                       "file) (see `zotsync push --help`)"),
    (["push"], "Missing argument 'FILES...'. (see `zotsync push --help`)"),
    (["parse", "--as-of", "yesterday", DIGEST], "'yesterday' does not match the format '%Y-%m-%d'"),
    (["bib", DIGEST, "-o", "{tmp}"], "is a directory. (see `zotsync bib --help`)"),
    (["bib", "--from-zotero", "-o", "x.bib"],
     '--from-zotero needs --collection "A/B" (see `zotsync bib --help`)'),
    (["parse", "--no-such-flag", DIGEST], "No such option '--no-such-flag'"),
    (["bib", DIGEST, "-o", "-"], "Invalid value for -o: needs a .bib file to create or merge into"),
])
def test_usage_errors_are_one_line(run_cli: Any, tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("zotsync: error: ")
    assert message in lines[0]
    assert result.stdout == ""


def test_zotsync_alone_shows_the_help(run_cli: Any) -> None:
    result = run_cli()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: zotsync [OPTIONS] COMMAND [ARGS]...")
    assert "Exit codes:" in result.stdout and result.stderr == ""


def test_a_store_damaged_past_its_first_pages_is_one_line(run_cli: Any, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    monkeypatch.setenv("ZOTSYNC_DATA_DIR", str(tmp_path / "data"))
    assert run_cli("bib", DIGEST, "-o", str(tmp_path / "a.bib"), "--no-enrich").exit_code == 0
    path = tmp_path / "data" / "zotsync.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    for offset in range(2 * 4096, len(data), 4096):  # the header and schema page survive
        data[offset:offset + 100] = b"\xff" * 100
    path.write_bytes(bytes(data))
    result = run_cli("bib", DIGEST, "-o", str(tmp_path / "b.bib"), "--no-enrich")
    assert result.exit_code == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("zotsync: error:")]
    assert "is damaged or not a zotsync store" in error and "internal error" not in result.stderr


# (requests comes with the lookups: with --no-enrich, parse sends none and loads no HTTP client)
HEAVY = ("textual", "pyzotero", "bibtexparser", "openai", "pypinyin", "rich")
_LOADED = """
import sys
from zotsync.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["parse", DIGEST, "--json", "--no-enrich"],
                                  ["parse", DIGEST, "--json", "--offline"]])
def test_help_and_parse_do_not_load_the_heavy_libraries(tmp_path: Path, args: list[str]) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "ZOTSYNC_DATA_DIR": str(tmp_path), "ZOTSYNC_CONFIG": str(tmp_path / "c.toml")}
    done = subprocess.run([sys.executable, "-c", _LOADED, *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    loaded = set(done.stderr.splitlines()[-1].split())
    assert "zotsync" in loaded and "click" in loaded  # the report is the modules' list
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
    if "--offline" not in args:
        assert "requests" not in loaded
    assert done.stdout  # the help, or the papers


def test_the_command_list_says_what_each_command_says_of_itself() -> None:
    import click

    from zotsync.cli import COMMANDS

    for name, lazy in COMMANDS.items():
        command = lazy.load()
        stand_in = click.Command(name, help=lazy.summary)
        for limit in (20, 45, 60, 80, 200):
            assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), name
