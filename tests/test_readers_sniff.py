"""`sniff` picks the right reader for every fixture, and each reader reads what it picked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from zotsync.errors import InputError
from zotsync.readers import FORMATS, reader_for, sniff

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 22)

FIXTURES = {
    "arxiv-daily-digest.md": "markdown",
    "hf-daily-papers.txt": "hf-page",
    "digest.jsonl": "jsonl",
    "digest_ai.jsonl": "jsonl",
    "hf_daily_papers.json": "hf-json",
    "hf_paper.json": "hf-json",
    "arxiv_query.xml": "arxiv-api",
    "arxiv_error.xml": "arxiv-api",
    "arxiv_feed_atom.xml": "arxiv-feed",
    "arxiv_feed_rss.xml": "arxiv-feed",
    "listing_email.txt": "arxiv-email",
    "ids.txt": "id-list",
}


@pytest.mark.parametrize(("name", "fmt"), FIXTURES.items())
def test_sniff_picks_the_format(name: str, fmt: str) -> None:
    assert fmt in FORMATS
    assert sniff((DATA / name).read_text(encoding="utf-8")) == fmt


@pytest.mark.parametrize("name", [n for n in FIXTURES if n != "arxiv_error.xml"])
def test_the_sniffed_reader_reads_the_fixture(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    fmt = sniff(text)
    assert fmt is not None
    result = reader_for(fmt)(text, name, as_of=TODAY)
    assert result.entries
    assert all(p.arxiv_id or p.doi or p.title for p in result.entries)  # HF page text has no IDs


def test_single_jsonl_row_is_jsonl_and_single_hf_paper_is_hf_json() -> None:
    row = (DATA / "digest.jsonl").read_text(encoding="utf-8").split("\n")[0]
    assert sniff(row) == "jsonl"
    assert sniff((DATA / "hf_paper.json").read_text(encoding="utf-8")) == "hf-json"


def test_truncated_files_still_go_to_the_reader_that_explains() -> None:
    jsonl = (DATA / "digest.jsonl").read_text(encoding="utf-8")
    assert sniff(jsonl[:-300]) == "jsonl"
    hf = (DATA / "hf_daily_papers.json").read_text(encoding="utf-8")
    assert sniff(hf[:500]) == "hf-json"
    api = (DATA / "arxiv_query.xml").read_text(encoding="utf-8")
    assert sniff(api[:1200]) == "arxiv-api"


def test_id_list_whose_comments_look_like_other_formats() -> None:
    # "Daily Papers" in the head made this an hf-page before id-list was asked first.
    hf_picks = "# HF Daily Papers picks\n2506.02013\nhttps://huggingface.co/papers/2606.04410\n"
    assert sniff(hf_picks) == "id-list"
    assert sniff("# Title: to read\n# from arXiv:2506.02013 \\\\ mailing\n2506.02013\n") == "id-list"


def test_nothing_fits() -> None:
    assert sniff("") is None
    assert sniff("Lorem ipsum dolor sit amet.\nNothing to see.\n") is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", FIXTURES)
def test_a_forced_wrong_format_never_makes_junk_papers(name: str, fmt: str) -> None:
    """`--format X` on a file of another format: an error, or only papers with an arXiv ID or DOI.

    (A few formats overlap: an API answer is an Atom feed, an e-mail's `arXiv:ID` lines are IDs.)
    """
    if fmt == FIXTURES[name]:
        return
    text = (DATA / name).read_text(encoding="utf-8")
    try:
        result = reader_for(fmt)(text, name, as_of=TODAY)
    except InputError as error:
        assert str(error).startswith(name)
        assert "\n" not in str(error)
        return
    assert all(p.arxiv_id or p.doi for p in result.entries), [p.title for p in result.entries][:3]


def test_json_nested_too_deeply_goes_to_the_reader_that_explains() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert sniff(deep) == "hf-json"
    row = (DATA / "digest.jsonl").read_text(encoding="utf-8").split("\n")[0]
    assert sniff(row + '\n{"x": ' + deep + "}\n") == "jsonl"
