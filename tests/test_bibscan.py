"""The .bib scanner: blocks tile the text exactly; syntax errors carry their line."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zotsync.core.bibscan import BibSyntaxError, entry_fields, scan, validate_entry

DATA = Path(__file__).resolve().parent / "data" / "bib"


def tiles(text: str) -> bool:
    blocks = scan(text).blocks
    joined = "".join(text[b.start : b.end] for b in blocks)
    contiguous = all(a.end == b.start for a, b in itertools.pairwise(blocks))
    return joined == text and contiguous


def test_user_file_blocks() -> None:
    text = (DATA / "user.bib").read_text(encoding="utf-8")
    result = scan(text)
    assert tiles(text)
    kinds = [b.kind for b in result.blocks if b.kind != "text"]
    assert kinds == ["string", "string", "preamble", "comment", "entry", "entry", "entry", "entry", "entry"]
    assert [b.key for b in result.entries] == ["Knuth1984", "vaswani2017attention", "paren", "nofields",
                                               "devlin2018bert"]
    assert [b.entry_type for b in result.entries][:2] == ["book", "misc"]
    assert result.commented_keys == frozenset({"old2001"})
    for block in result.entries:
        assert text[block.start] == "@"
        assert text.count("\n", 0, block.start) + 1 == block.line
        validate_entry(text, block)


def test_entry_fields_are_read_like_bibtex() -> None:
    text = '@Article{k,\n  Title = "A {B} c" # jnl # {d},\n  year = 2020,\n  month = jun,\n}'
    (block,) = scan(text).entries
    assert entry_fields(text, block) == [("title", "A {B} cd"), ("year", "2020"), ("month", "")]


@pytest.mark.parametrize(("text", "line", "message"), [
    ("@misc{k title={x}}", 1, "expected ',' after the key 'k'"),
    ("\n\n@misc{k,\n  title = {x}\n  author = {y}\n}", 4, "expected ',' after the value of 'title'"),
    ("@misc{k,\n  title = {x},\n  year 2020\n}", 3, "expected '=' after the field name 'year'"),
    ("@misc{title = {x}}", 1, "no citation key"),
    ("@misc{k, title = \"x}", 1, "no readable value"),
    ('@misc{k, title = "x {y" }', 1, "never closed"),
    ("ok\n@misc{a, title={x}\n\n@misc{b, title={y}}\n", 2, "never closed"),
    ("@misc{k, title={x} # }", 1, "no readable value"),
    ("@misc{k, = {x}}", 1, "expected a field name"),
    ("@misc{a, title={x},\n@misc{b, title={y}}}", 2, "a new entry (@misc) starts inside this one"),
])
def test_broken_entries_name_their_line(text: str, line: int, message: str) -> None:
    with pytest.raises(BibSyntaxError) as info:
        for block in scan(text).entries:
            validate_entry(text, block)
    assert info.value.line == line
    assert message in info.value.message


def test_broken_fixture_points_at_the_missing_comma() -> None:
    text = (DATA / "broken.bib").read_text(encoding="utf-8")
    with pytest.raises(BibSyntaxError) as info:
        for block in scan(text).entries:
            validate_entry(text, block)
    assert info.value.line == 8  # the title line, where the comma is missing
    assert "after the value of 'title', found 'author'" in info.value.message


def test_at_signs_in_text_and_comments_are_not_entries() -> None:
    text = "mail me@example.org {x}\n% @misc{gone, title={x}}\n@comment{ {@misc{no, t={x}}} }\n"
    result = scan(text)
    assert result.entries == []
    assert result.commented_keys == frozenset({"gone"})
    assert tiles(text)


def test_unclosed_comment_is_just_text() -> None:
    text = "@comment{ open\n@misc{k, title={x}}\n"
    assert [b.key for b in scan(text).entries] == ["k"]


def test_crlf_and_parentheses() -> None:
    text = "@misc(k,\r\n  title = \"a (b) c\",\r\n  note = {x)y}\r\n)\r\n"
    (block,) = scan(text).entries
    assert block.end == len(text) - 2
    assert entry_fields(text, block) == [("title", "a (b) c"), ("note", "x)y")]


pieces = st.sampled_from([
    "@misc{a,\n  title = {T {x}},\n  year = 2020\n}", '@article{b, author = "X and Y", title = "Q"}',
    "% comment with @ sign\n", "@string{s = {S}}", '@preamble{"\\relax"}', "@comment{c}", "free } text ",
    "\n", "\r\n", "  ", "@book(c, title = {p (q)})", "@misc{d}", "me@home ", "@{", "%@misc{e, t={x}}\n",
])


@given(st.lists(pieces, max_size=25).map("".join))
@settings(max_examples=300, deadline=None)
def test_blocks_always_tile_the_text(text: str) -> None:
    try:
        result = scan(text)
    except BibSyntaxError:
        return
    assert "".join(text[b.start : b.end] for b in result.blocks) == text
