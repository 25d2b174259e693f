"""`zotsync parse` end to end: JSON contract, counts on stderr, seen markers, errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
MD = str(DATA / "arxiv-daily-digest.md")
HF = str(DATA / "hf-daily-papers.txt")
PAPER_FIELDS = {"arxiv_id", "version", "doi", "title", "authors", "abstract", "categories",
                "primary_category", "published", "url", "pdf_url", "comment", "summary",
                "upvotes", "sources", "seen_before"}


def test_json_is_one_array_with_the_documented_fields(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("parse", MD, "--json")
    assert result.exit_code == 0, result.stderr
    papers = json.loads(result.stdout)
    assert len(papers) == 8
    for paper in papers:
        assert set(paper) >= PAPER_FIELDS
        assert paper["arxiv_id"] and paper["authors"] and paper["primary_category"]
        assert paper["abstract"]
        assert set(paper["summary"]) == {"tldr", "motivation", "method", "result", "conclusion",
                                         "language", "origin", "model"}
        assert paper["summary"]["language"] == "zh"
        assert (paper["summary"]["origin"], paper["summary"]["model"]) == ("digest", None)
        assert all(paper["summary"][k] for k in ("tldr", "motivation", "method", "result", "conclusion"))
        assert len(paper["sources"]) == 2
        assert paper["seen_before"] is False
    assert "read 16 entries from 1 file: 8 papers, 8 duplicates merged, 0 warnings" in result.stderr


def test_table_by_default(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("parse", MD)
    assert result.exit_code == 0
    assert "2506.02013" in result.stdout
    assert "q-bio.NC" in result.stdout


def test_a_piped_table_keeps_each_paper_on_one_line_with_its_date(run_cli) -> None:  # type: ignore[no-untyped-def]
    """Piped, the table was 100 columns wide and titles wrapped over several lines; the
    digest's papers (no date in the digest) showed no Date, unlike the TUI's ID year-month."""
    result = run_cli("parse", MD, "--no-enrich")
    assert result.exit_code == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 8  # one line per paper, none wrapped
    title = "A Brain Graph Foundation Model: Pre-Training and Prompt-Tuning for Any Atlas and Disorder"
    [row] = [r for r in rows if "2506.02044" in r]
    assert title in row and "2025-06" in row


def test_several_files_are_deduplicated_together(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "2025-06-05.md"
    copy.write_text((DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("parse", MD, str(copy), HF, "--json", "--as-of", "2025-06-08")
    papers = json.loads(result.stdout)
    assert len(papers) == 8 + 57
    assert "read 89 entries from 3 files: 65 papers, 24 duplicates merged" in result.stderr


def test_seen_before_marks_papers_of_earlier_digests(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = json.loads(run_cli("parse", MD, "--json").stdout)
    assert not any(p["seen_before"] for p in first)
    again = json.loads(run_cli("parse", MD, "--json").stdout)
    assert not any(p["seen_before"] for p in again), "re-reading the same digest is not 'seen before'"
    tomorrow = tmp_path / "tomorrow.md"
    text = (DATA / "digest_old_template.md").read_text(encoding="utf-8")
    tomorrow.write_text(text + "\n" + (DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8")
                        .split("# cs.LG")[0], encoding="utf-8")
    later = json.loads(run_cli("parse", str(tomorrow), "--json", "--as-of", "2099-01-01").stdout)
    seen = {p["arxiv_id"]: p for p in later}
    assert seen["1810.04805"]["seen_before"] is False
    assert seen["2506.02013"]["seen_before"] is True
    assert seen["2506.02013"]["first_seen"] is not None


def test_no_record_leaves_the_store_alone(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run_cli("parse", MD, "--json", "--no-record")
    other = tmp_path / "other.md"
    other.write_text((DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8"), encoding="utf-8")
    papers = json.loads(run_cli("parse", str(other), "--json").stdout)
    assert not any(p["seen_before"] for p in papers)


def test_store_lives_in_the_isolated_data_dir(run_cli, isolated_dirs: Path) -> None:  # type: ignore[no-untyped-def]
    run_cli("parse", MD, "--json")
    assert (isolated_dirs / ".local" / "share" / "zotsync" / "zotsync.sqlite3").is_file()


def test_format_override(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = tmp_path / "weird.dat"
    ids.write_text("### [A Title](https://arxiv.org/abs/2506.02013)\n*A B*\n", encoding="utf-8")
    result = run_cli("parse", str(ids), "--format", "markdown", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["arxiv_id"] == "2506.02013"


def test_stdin(run_cli) -> None:  # type: ignore[no-untyped-def]
    text = (DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8")
    result = run_cli("parse", "-", "--json", input=text)
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file (check the path)"),
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
        ("### [Title](https://arxiv.org/abs/2506.02013)\nAbstract: caf\xe9\n".encode("latin-1"),
         ":2: is not valid UTF-8 (byte 0xe9) (re-save the file as UTF-8)"),
        (b"Lorem ipsum dolor sit amet.\nNothing to see.\n", "format not recognised (pass --format"),
        # UTF-16 (Windows "Unicode") was "is a binary file"; with and without a BOM.
        pytest.param((DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8").encode("utf-16"),
                     ": is UTF-16 text, not UTF-8 (re-save the file as UTF-8)", id="utf-16-bom"),
        pytest.param((DATA / "ids.txt").read_text(encoding="utf-8").encode("utf-16-le"),
                     ": is UTF-16 text, not UTF-8 (re-save the file as UTF-8)", id="utf-16-le"),
        pytest.param((DATA / "hf-daily-papers.txt").read_text(encoding="utf-8").encode("utf-16-be"),
                     ": is UTF-16 text, not UTF-8 (re-save the file as UTF-8)", id="utf-16-be"),
        pytest.param("2506.02013\n".encode("utf-32"),
                     ": is UTF-32 text, not UTF-8 (re-save the file as UTF-8)", id="utf-32-bom"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_cli, tmp_path: Path, content: bytes | None,  # type: ignore[no-untyped-def]
                                          message: str) -> None:
    path = tmp_path / "digest.md"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("parse", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"zotsync: error: {path}")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_a_folder_is_refused(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("parse", str(tmp_path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_help_documents_exit_codes(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--help")
    assert "Exit codes:" in result.stdout
    for code in ("0", "1", "2", "3", "4", "70", "130"):
        assert re.search(rf"^\s+{code}\s+\w", result.stdout, re.MULTILINE), code


def test_console_script_and_module_entry_points(tmp_path: Path) -> None:
    env = {**os.environ, "ZOTSYNC_DATA_DIR": str(tmp_path)}
    module = subprocess.run([sys.executable, "-m", "zotsync", "parse", MD, "--json"],
                            capture_output=True, text=True, env=env, check=False)
    assert module.returncode == 0, module.stderr
    assert len(json.loads(module.stdout)) == 8
    missing = subprocess.run([sys.executable, "-m", "zotsync", "parse", str(tmp_path / "nope.md")],
                             capture_output=True, text=True, env=env, check=False)
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1


def test_forcing_hf_page_on_a_markdown_digest_is_an_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    # Before: exit 0 and 244 "papers" titled `<div id=toc></div>`, `# Table of Contents`, ...
    result = run_cli("parse", MD, "--format", "hf-page", "--no-enrich", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"zotsync: error: {MD}: does not look like a Hugging Face Daily "
                                    "Papers page")
    assert "(it looks like markdown: use --format markdown, or no --format to sniff)" in result.stderr


def test_forcing_id_list_on_a_markdown_digest_quotes_the_line_as_written(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("parse", MD, "--format", "id-list", "--no-enrich")
    assert result.exit_code == 2
    assert f"{MD}:1: no arXiv ID, URL or DOI found (first line: '<div id=toc></div>')" in result.stderr


@pytest.mark.parametrize(("name", "fmt", "where"), [
    ("deep.json", None, ":1: is JSON nested too deeply to be a digest"),
    ("deep.json", "hf-page", ": does not look like a Hugging Face Daily Papers page"),
    ("deep.jsonl", None, ":2: line is JSON nested too deeply to be a digest row"),
    ("deep.jsonl", "jsonl", ":2: line is JSON nested too deeply to be a digest row"),
])
def test_json_nested_too_deeply_is_one_line_and_exit_2(run_cli, tmp_path: Path, name: str,  # type: ignore[no-untyped-def]
                                                       fmt: str | None, where: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / name
    if name.endswith(".jsonl"):
        row = (DATA / "digest.jsonl").read_text(encoding="utf-8").split("\n")[0]
        path.write_text(f'{row}\n{{"x": {deep}}}\n', encoding="utf-8")
    else:
        path.write_text(deep, encoding="utf-8")
    result = run_cli("parse", str(path), "--no-enrich", *(["--format", fmt] if fmt else []))
    assert result.exit_code == 2, result.stderr  # was 70, "internal error: RecursionError"
    assert result.stderr.startswith(f"zotsync: error: {path}{where}")
    assert result.stderr.count("\n") == 1


def test_stdin_can_be_given_once(run_cli) -> None:  # type: ignore[no-untyped-def]
    # Before: the second `-` read an exhausted stdin and said "<stdin>: is empty".
    result = run_cli("parse", "-", MD, "-", "--no-enrich", input="2506.02013\n")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("zotsync: error: stdin (-) can be given once "
                             "(pass - once, or save the input to a file)\n")


def test_a_damaged_store_says_so_and_how_to_recover(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "zotsync.sqlite3"
    junk = b"\x00\x01junk bytes, not SQLite\n" * 200
    store.write_bytes(junk)
    result = run_cli("parse", MD, "--no-record", "--no-enrich", env={"ZOTSYNC_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert result.stdout == ""
    error = result.stderr.splitlines()[-1]
    # Before: "cannot open the local store ...: file is not a database (check the folder is
    # writable or set ZOTSYNC_DATA_DIR)".
    assert error.startswith(f"zotsync: error: the local store {store} is damaged or not a zotsync store")
    assert f"`mv {store} {store}.damaged`" in error
    assert "deleting it loses the seen-before marks" in error
    assert "Traceback" not in result.stderr
    assert store.read_bytes() == junk
