"""Hostile values inside well-formed digests: 5,000-digit numbers, lone surrogate escapes,
NaN and absurd counts. Each is a one-line input error or a skipped value, never exit 70."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from zotsync.core.identity import parse_arxiv_id
from zotsync.errors import InputError
from zotsync.readers import reader_for, sniff

TODAY = date(2026, 6, 10)
HUGE = "9" * 5000

# (format, text, what must come of it: "error" = an InputError naming the line, else the
# readers' normal "skip the value" outcome, checked below)
HOSTILE: dict[str, tuple[str, str]] = {
    "jsonl-huge-int": ("jsonl", '{"id": "2506.02013", "title": "T", "upvotes": ' + HUGE + "}\n"),
    "jsonl-lone-surrogate": ("jsonl", '{"id": "2506.02013", "title": "A \\ud800 b"}\n'),
    "jsonl-lone-low-surrogate-in-authors": (
        "jsonl", '{"id": "2506.02013", "title": "T", "authors": ["X \\uDC01"]}\n'),
    "hf-json-huge-upvotes": ("hf-json", '[{"paper": {"id": "2506.02013", "title": "T", "upvotes": '
                             + HUGE + "}}]"),
    "hf-json-lone-surrogate": ("hf-json", '[{"paper": {"id": "2506.02013", "title": "T \\udc00"}}]'),
    "hf-json-absurd-upvotes": ("hf-json", '[{"paper": {"id": "2506.02013", "title": "T", "upvotes": '
                               + "9" * 300 + "}}]"),
    "hf-json-nan": ("hf-json", '[{"paper": {"id": "2506.02013", "title": "T", "upvotes": NaN, '
                    '"publishedAt": 1e999}}]'),
    "jsonl-nan": ("jsonl", '{"id": NaN, "title": Infinity}\n{"id": "2506.02013", "title": "T"}\n'),
    "id-list-huge-version": ("id-list", f"2506.02013v{HUGE}\n2506.02044\n"),
    "markdown-huge-version": ("markdown", f"### [Title](https://arxiv.org/abs/2506.02013v{HUGE})\n\n"),
    "hf-page-huge-votes": ("hf-page", f"Daily Papers\n\nA title\n\u2022 {HUGE} authors\nJun 3 {HUGE}\n"),
    "arxiv-api-huge-total": (
        "arxiv-api",
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        f"<opensearch:totalResults>{HUGE}</opensearch:totalResults>"
        "<opensearch:startIndex>\u00b2</opensearch:startIndex>"
        f"<entry><id>http://arxiv.org/abs/2506.02013v{HUGE}</id><title>T</title></entry>"
        "<entry><id>http://arxiv.org/abs/2506.02044v2</id><title>U</title></entry></feed>"),
    "arxiv-feed-huge-version": (
        "arxiv-feed",
        '<?xml version="1.0"?><rss version="2.0"><channel><item><title>T</title>'
        f"<link>https://arxiv.org/abs/2506.02013v{HUGE}</link>"
        f"<description>arXiv:2506.02013v{HUGE} Announce Type: new Abstract: x</description>"
        "</item></channel></rss>"),
    "arxiv-email-huge-revision": (
        "arxiv-email",
        "\\\\\narXiv:2506.02013\nDate: Mon, 2 Jun 2025 10:00:00 GMT   (10kb)\n"
        f"Date (revised v{HUGE}): Tue, 3 Jun 2025 10:00:00 GMT   (11kb)\n"
        "Title: A title\nAuthors: A B\nCategories: cs.AI\n\\\\\n  An abstract.\n"
        "\\\\ ( https://arxiv.org/abs/2506.02013 ,  11kb)\n"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_values_are_an_input_error_or_skipped(name: str) -> None:
    fmt, text = HOSTILE[name]
    sniff(text)  # the sniffer never crashes either
    try:
        result = reader_for(fmt)(text, "d.txt", as_of=TODAY)
    except InputError as error:
        message = str(error)
        assert message.startswith("d.txt:"), message  # names the file and line
        assert "\n" not in message and len(message) < 300
        return
    for paper in result.entries:
        for value in (paper.title, *paper.authors, paper.abstract or ""):
            value.encode("utf-8")  # no lone surrogate slipped through
        assert paper.version is None or paper.version < 10**6
        assert paper.upvotes is None or paper.upvotes <= 10**9
        assert paper.author_count is None or paper.author_count <= 10**9
    for warning in result.warnings:
        assert "\n" not in str(warning) and len(str(warning)) < 300


@pytest.mark.parametrize(("name", "expected"), [
    ("jsonl-huge-int", "d.txt:1: line holds a number too long to read"),
    ("jsonl-lone-surrogate", "d.txt:1: line has the escape \\ud800, half of a UTF-16 pair"),
    ("jsonl-lone-low-surrogate-in-authors", "d.txt:1: line has the escape \\udc01"),
    ("hf-json-huge-upvotes", "d.txt:1: holds a number too long to read"),
    ("hf-json-lone-surrogate", "d.txt:1: has the escape \\udc00"),
])
def test_json_damage_is_named(name: str, expected: str) -> None:
    fmt, text = HOSTILE[name]
    with pytest.raises(InputError) as caught:
        reader_for(fmt)(text, "d.txt", as_of=TODAY)
    assert str(caught.value).startswith(expected)


def test_a_surrogate_pair_escape_is_a_character_not_damage() -> None:
    result = reader_for("jsonl")('{"id": "2506.02013", "title": "Emoji \\ud83d\\ude00 title"}\n', "d",
                                 as_of=TODAY)
    assert result.entries[0].title == "Emoji \U0001f600 title"


def test_absurd_counts_are_dropped_not_kept() -> None:
    result = reader_for("hf-json")(HOSTILE["hf-json-absurd-upvotes"][1], "d", as_of=TODAY)
    assert result.entries[0].upvotes is None


def test_an_absurd_version_is_not_an_arxiv_id() -> None:
    assert parse_arxiv_id(f"2506.02013v{HUGE}") is None
    assert parse_arxiv_id("2506.02013v1234567") is None
    assert parse_arxiv_id("hep-th/9901001v" + HUGE) is None
    assert parse_arxiv_id("2506.02013v12") == ("2506.02013", 12)


@pytest.mark.parametrize("name", ["jsonl-huge-int", "jsonl-lone-surrogate", "hf-json-huge-upvotes",
                                  "hf-json-lone-surrogate"])
def test_cli_says_one_line_and_exits_2(run_cli, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    fmt, text = HOSTILE[name]
    digest = tmp_path / ("d.jsonl" if fmt == "jsonl" else "d.json")
    digest.write_text(text, encoding="utf-8")
    result = run_cli("parse", str(digest), "--offline", "--json")
    assert result.exit_code == 2, result.stderr
    assert "internal error" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"zotsync: error: {digest}:1: ")
