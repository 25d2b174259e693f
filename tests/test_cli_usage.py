"""Usage errors look like every other error: one line, exit 2, where to read more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DIGEST = str(Path(__file__).parent / "data" / "arxiv-daily-digest.md")


@pytest.mark.parametrize(("args", "message"), [
    (["nosuch"], "No such command 'nosuch'. (see `zotsync --help`)"),
    (["missing.md"], "missing.md: no such file (nor a command) (see `zotsync --help`)"),
    (["push", DIGEST], "Missing option '--collection' / '-c'. (see `zotsync push --help`)"),
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
