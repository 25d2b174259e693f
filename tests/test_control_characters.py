"""Control characters and terminal escape sequences in digests never reach the terminal or
the .bib: they are removed where text enters (`Paper`), and the .bib still compiles."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zotsync.core.bibscan import scan
from zotsync.core.paper import Paper, Publication, Summary
from zotsync.core.text import clean_text, has_controls, printable
from zotsync.readers.base import collapse

# What must never be printed or written: C0 but tab/LF/CR, DEL, C1.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
ESCAPES = ["\x1b[31m", "\x1b[0m", "\x1b[2J\x1b[H", "\x1b]0;owned\x07", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
           "\x9b1;31m", "\x1b7", "\x1bc", "ab\x08\x08xy", "\x1b[?1049h", "\x1bP+q\x1b\\"]

word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1,
               max_size=8)
hostile = st.one_of(st.sampled_from(CONTROLS), st.sampled_from(ESCAPES))
piece = st.one_of(word, hostile, st.just(" "))


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    parts = draw(st.lists(piece, min_size=1, max_size=12))
    return draw(word) + " " + "".join(parts) + " " + draw(word)  # always some real text


@given(st.text())
def test_clean_text_leaves_no_control(text: str) -> None:
    cleaned = clean_text(text)
    assert not FORBIDDEN.search(cleaned)
    assert clean_text(cleaned) == cleaned
    if not FORBIDDEN.search(text):
        assert cleaned == text  # text without controls is never touched


def test_escape_sequences_go_whole_not_just_their_esc() -> None:
    assert clean_text("A \x1b[1;31mred\x1b[0m title") == "A red title"
    assert clean_text("\x1b]0;window title\x07Real") == "Real"
    assert clean_text("x\x9b2Jy") == "xy"
    assert clean_text("a\x0bb\x0cc\x85d") == "a b c d"  # vertical controls separate words
    assert clean_text("tab\tand\nnew line") == "tab\tand\nnew line"


def test_every_text_field_of_a_paper_is_cleaned() -> None:
    paper = Paper(title="T\x1b[31m", authors=("A\x07 B",), abstract="x\x7fy", comment="c\x00",
                  journal_ref="j\x9b", ai_summary="s\x1b", categories=("cs.AI\x08",),
                  summary=Summary(tldr="t\x1b[0m", method="m\x01"),
                  publication=Publication(kind="journal-article", container="J\x1b[2J"))
    assert (paper.title, paper.authors, paper.abstract, paper.comment, paper.journal_ref,
            paper.ai_summary, paper.categories) == ("T", ("A B",), "xy", "c", "j", "s", ("cs.AI",))
    assert paper.summary is not None and (paper.summary.tldr, paper.summary.method) == ("t", "m")
    assert paper.publication is not None and paper.publication.container == "J"
    assert paper.replace(title="again\x1b[5m").title == "again"


def write_digest(folder: Path, titles: list[str], authors: list[str], abstracts: list[str]) -> Path:
    rows = [{"id": f"2506.{10000 + i:05d}", "title": title, "authors": [author, "Plain Person"],
             "summary": abstract, "categories": ["cs.AI"], "AI": {"tldr": abstract}}
            for i, (title, author, abstract) in enumerate(zip(titles, authors, abstracts, strict=True))]
    path = folder / "digest.jsonl"
    # json.dumps escapes C0 as \u00XX, DEL and C1 stay raw: both kinds reach the reader.
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


@given(titles=st.lists(hostile_text(), min_size=1, max_size=4), data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_control_reaches_stdout_stderr_or_the_bib(run_cli, titles: list[str], data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    authors = [data.draw(hostile_text()) for _ in titles]
    abstracts = [data.draw(hostile_text()) for _ in titles]
    with tempfile.TemporaryDirectory() as folder:
        digest = write_digest(Path(folder), titles, authors, abstracts)
        bib = Path(folder) / "refs.bib"
        for args in (["parse", str(digest), "--offline"], ["parse", str(digest), "--offline", "--json"],
                     ["bib", str(digest), "-o", str(bib), "--offline", "--abstract", "--tldr"]):
            result = run_cli(*args)
            assert result.exit_code == 0, result.stderr
            assert not FORBIDDEN.search(result.stdout), (args, result.stdout)
            assert not FORBIDDEN.search(result.stderr), (args, result.stderr)
        assert not FORBIDDEN.search(bib.read_text(encoding="utf-8"))


def test_error_messages_quoting_input_are_clean(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "ids.txt"
    listing.write_text("not an id \x1b[2J\x1b]0;owned\x07 at all\n", encoding="utf-8")
    result = run_cli("parse", str(listing), "--format", "id-list", "--offline")
    assert result.exit_code == 2
    assert "zotsync: error:" in result.stderr
    assert not FORBIDDEN.search(result.stderr)


needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("bibtex") is None,
                               reason="pdflatex/bibtex not installed")


@needs_tex
@pytest.mark.latex
@given(titles=st.lists(hostile_text(), min_size=1, max_size=3), data=st.data())
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_bib_from_hostile_titles_compiles(run_cli, titles: list[str], data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    from test_bib_latex import compile_bibtex

    authors = [data.draw(hostile_text()) for _ in titles]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        digest = write_digest(folder, titles, authors, titles)
        result = run_cli("bib", str(digest), "-o", str(folder / "refs.bib"), "--offline")
        assert result.exit_code == 0, result.stderr
        keys = [b.key or "" for b in scan((folder / "refs.bib").read_text(encoding="utf-8")).entries]
        assert len(keys) == len(titles)
        report = compile_bibtex(folder, keys)
        assert report.errors == [], (report.errors, (folder / "refs.bib").read_text(encoding="utf-8"))


def test_a_next_line_character_inside_jsonl_does_not_fool_the_sniffer() -> None:
    from zotsync.readers import sniff

    rows = '{"id": "2506.10000", "title": "a\x85b"}\n{"id": "2506.10001", "title": "c\u2028d"}\n'
    assert sniff(rows) == "jsonl"  # str.splitlines() breaks at U+0085 and U+2028; JSON does not


def test_reader_warnings_quote_input_clean_and_short() -> None:
    from datetime import date

    from zotsync.readers import reader_for
    from zotsync.readers.base import ReaderWarning

    assert ReaderWarning("f", 1, "bad \x1b]0;owned\x07id").message == "bad id"
    text = "### [A title](https://arxiv.org/abs/\x1b[2J" + "x" * 5000 + ")\n\n"
    warnings = reader_for("markdown")(text, "d.md", as_of=date(2026, 6, 1)).warnings
    assert warnings and all(len(str(w)) < 200 and not FORBIDDEN.search(str(w)) for w in warnings)


@given(st.text())
def test_the_printable_fast_path_agrees_with_the_control_pattern(text: str) -> None:
    # has_controls/clean_text skip the regex when str.isprintable(): never a different answer.
    assert has_controls(text) == (FORBIDDEN.search(text) is not None)
    assert FORBIDDEN.search(clean_text(text)) is None


@given(st.text(alphabet=st.one_of(st.sampled_from(" \t\n\r\x0b\x0c\x85\xa0\u2028\u3000\u200b"),
                                  st.characters())))
def test_collapse_is_split_and_join_whatever_the_whitespace(text: str) -> None:
    # collapse() skips split/join for one plain line (printable, no double space).
    assert collapse(text) == (" ".join(text.split()) or None)


@given(st.text() | st.text(alphabet=st.characters(max_codepoint=0x7F), min_size=190, max_size=400))
def test_printable_is_isprintable(text: str) -> None:
    assert printable(text) == text.isprintable()
