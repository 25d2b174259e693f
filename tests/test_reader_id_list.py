"""Plain ID lists: every accepted spelling, comments, bad lines, and the sniff test."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotsync.core.identity import ArxivId
from zotsync.core.paper import Paper, Source
from zotsync.errors import InputError
from zotsync.readers.base import ReadResult
from zotsync.readers.id_list import _lines, identify, looks_like_id_list, read

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 22)
NAME = "ids.txt"
TEXT = (DATA / NAME).read_text(encoding="utf-8")


def read_data() -> ReadResult:
    return read(TEXT, NAME, as_of=TODAY)


def arxiv(line: int, arxiv_id: str, version: int | None = None) -> Paper:
    return Paper(title="", arxiv_id=arxiv_id, version=version, url=f"https://arxiv.org/abs/{arxiv_id}",
                 pdf_url=f"https://arxiv.org/pdf/{arxiv_id}", sources=(Source(NAME, line),))


def doi(line: int, value: str) -> Paper:
    return Paper(title="", doi=value, sources=(Source(NAME, line),))


def test_every_line_of_the_fixture() -> None:
    assert read_data().entries == [
        arxiv(4, "2506.02013"),
        arxiv(5, "2506.02013", 2),  # the same paper again: dedup comes later
        arxiv(6, "2401.01234"),
        arxiv(7, "2401.01235", 3),  # upper-case prefix, trailing comment
        arxiv(8, "2312.04567", 1),
        arxiv(9, "2312.04568", 2),  # pdf link with .pdf
        arxiv(10, "2312.04569"),  # export.arxiv.org
        arxiv(11, "2312.04570", 1),  # html link
        arxiv(12, "2312.04571"),  # query string ignored
        arxiv(13, "hep-th/9901001"),
        arxiv(14, "math/0611800", 2),  # old style loses its subject class
        arxiv(15, "0704.0001"),
        arxiv(16, "2606.04410"),  # Hugging Face paper page
        arxiv(17, "2606.05123"),  # arXiv DOI is the arXiv ID
        arxiv(18, "2606.05124"),  # ... also as a doi.org link
        arxiv(19, "2606.05125", 1),  # with the "[cs.CL]" arXiv prints after IDs
        doi(21, "10.1145/3395363.3397376"),
        doi(22, "10.1109/ICSTW55395.2022.00035"),
        doi(23, "10.1214/26-AOS0001"),
        doi(24, "10.5121/vlsic.2012.3205"),
    ]


def test_bad_lines_are_warnings_naming_the_line() -> None:
    assert [str(w) for w in read_data().warnings] == [
        "ids.txt:26: not an arXiv ID, arXiv/Hugging Face URL or DOI: 'see the slides from Tuesday'; skipped",
        "ids.txt:27: not an arXiv ID, arXiv/Hugging Face URL or DOI: '2606.1234'; skipped",
    ]


def test_unknown_titles_are_empty_strings() -> None:
    assert {p.title for p in read_data().entries} == {""}


@pytest.mark.parametrize(("text", "expected"), [
    ("2506.02013", ArxivId("2506.02013", None)),
    ("arxiv: 2506.02013v4", ArxivId("2506.02013", 4)),
    ("https://www.arxiv.org/abs/2506.02013#comments", ArxivId("2506.02013", None)),
    ("10.48550/ARXIV.2506.02013", ArxivId("2506.02013", None)),
    ("hep-th/9901001v3 [hep-th]", ArxivId("hep-th/9901001", 3)),
    ("https://doi.org/10.1038/nature14539", "10.1038/nature14539"),
    ("DOI: 10.1038/nature14539", "10.1038/nature14539"),
    ("10.48550/arXiv.not-an-id", None),  # an arXiv DOI that names no arXiv ID
    ("1412.99999", None),  # 5-digit numbers began in 1501
    ("https://example.org/paper.pdf", None),
    ("Attention Is All You Need", None),
])
def test_identify(text: str, expected: ArxivId | str | None) -> None:
    assert identify(text) == expected


def test_angle_brackets_and_crlf_and_bom() -> None:
    result = read("\ufeff<https://arxiv.org/abs/2506.02013>\r\n\r\n# done\r\n", "l.txt", as_of=TODAY)
    assert [(p.arxiv_id, p.sources[0].line) for p in result.entries] == [("2506.02013", 1)]
    assert result.warnings == []


def test_a_file_with_no_ids_is_an_error() -> None:
    with pytest.raises(InputError) as caught:
        read("# reading list\n\nAttention Is All You Need\nBERT\n", "l.txt", as_of=TODAY)
    assert str(caught.value) == ("l.txt:3: no arXiv ID, URL or DOI found (first line: 'Attention Is All You "
                                 "Need') (list one arXiv ID, arXiv or Hugging Face URL, or DOI per line)")
    with pytest.raises(InputError, match=r"^l.txt: lists no papers \(only blank lines and comments\)"):
        read("# nothing yet\n\n", "l.txt", as_of=TODAY)


def test_bad_lines_are_quoted_as_written() -> None:
    # The `<` of `<div ...>` was lost: the autolink `<...>` stripping leaked into the message.
    text = "<div id=toc></div>\n\n# Table of Contents\n"
    with pytest.raises(InputError) as caught:
        read(text, "digest.md", as_of=TODAY)
    assert str(caught.value).startswith(
        "digest.md:1: no arXiv ID, URL or DOI found (first line: '<div id=toc></div>')")
    result = read(text + "<2506.02013\n2506.02013\n", "digest.md", as_of=TODAY)
    assert [str(w) for w in result.warnings] == [
        "digest.md:1: not an arXiv ID, arXiv/Hugging Face URL or DOI: '<div id=toc></div>'; skipped",
    ]
    assert [p.sources[0].line for p in result.entries] == [4, 5]  # `<2506.02013` still reads


def test_looks_like_id_list() -> None:
    assert looks_like_id_list(TEXT)  # 20 good lines, 2 bad: "nearly" every line
    assert looks_like_id_list("# HF Daily Papers picks\n2506.02013\n")
    assert not looks_like_id_list("")
    assert not looks_like_id_list("# only a comment\n\n")
    assert not looks_like_id_list("2506.02013\nsome words\n")  # few lines: all must be IDs
    assert not looks_like_id_list("Lorem ipsum dolor sit amet.\nNothing to see.\n")
    for name in ("arxiv-daily-digest.md", "hf-daily-papers.txt", "listing_email.txt", "digest.jsonl"):
        assert not looks_like_id_list((DATA / name).read_text(encoding="utf-8")), name


def test_ten_thousand_lines_parse_quickly() -> None:
    text = "\n".join(f"https://arxiv.org/abs/2506.{n:05d}v2" for n in range(10_000))
    start = time.thread_time()
    result = read(text, "big.txt", as_of=TODAY)
    assert time.thread_time() - start < 2.0  # CPU seconds; about 0.1 when written
    assert len(result.entries) == 10_000
    assert result.entries[-1].sources == (Source("big.txt", 10_000),)


@given(st.text(alphabet=st.sampled_from("a\n\r\u2028 ")))
def test_the_sniffer_sees_the_lines_split_would_give(text: str) -> None:
    assert list(_lines(text)) == text.split("\n")
