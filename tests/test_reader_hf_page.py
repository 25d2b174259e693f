"""Hugging Face Daily Papers page text: the 57-paper sample and every quirk."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from zotsync.errors import InputError
from zotsync.readers.hf_page import read, resolve_date

DATA = Path(__file__).parent / "data"


def read_file(name: str, as_of: date = date(2026, 11, 22)):  # type: ignore[no-untyped-def]
    return read((DATA / name).read_text(encoding="utf-8"), name, as_of=as_of)


def test_sample_has_57_papers_with_exact_titles() -> None:
    result = read_file("hf-daily-papers.txt")
    titles = [p.title for p in result.entries]
    assert len(titles) == 57
    assert titles[0] == ("HippoMM: Hippocampal-inspired Multimodal Memory for Long Audiovisual "
                         "Event Understanding")
    assert titles[-1] == "The Underappreciated Power of Vision Models for Graph Structural Understanding"
    assert "Brain-IT: Image Reconstruction from fMRI via Brain-Interaction Transformer" in titles
    # Independently: every short line that is not a trailer, a date or page chrome.
    date_line = re.compile(r"^[A-Z][a-z]{2} \d{1,2}(, \d{4})?( \d+)?$")
    expected = [ln for ln in (DATA / "hf-daily-papers.txt").read_text(encoding="utf-8").splitlines()
                if ln.strip() and len(ln) < 400 and not ln.startswith(("  ", "\u00b7"))
                and not date_line.match(ln)][5:]
    assert titles == expected
    assert result.warnings == []


def test_sample_two_papers_without_trailer() -> None:
    entries = read_file("hf-daily-papers.txt").entries
    bare = [p for p in entries if p.author_count is None]
    assert len(bare) == 2
    assert all(p.published is None and p.abstract for p in bare)
    assert all(p.arxiv_id is None and p.authors == () for p in entries)


def test_sample_upvotes_and_dates() -> None:
    by_title = {p.title[:20]: p for p in read_file("hf-daily-papers.txt").entries}
    hippo = by_title["HippoMM: Hippocampal"]
    assert (hippo.published, hippo.upvotes, hippo.author_count) == (date(2025, 4, 14), None, 6)
    meta = by_title["Meta-Learning an In-"]
    assert (meta.published, meta.upvotes, meta.author_count) == (date(2025, 5, 21), 2, 9)


def test_small_page_every_quirk() -> None:
    result = read_file("hf_page_small.txt", as_of=date(2026, 3, 1))
    papers = {p.title: p for p in result.entries}
    assert list(papers) == [
        "HippoMM: Hippocampal-inspired Multimodal Memory",
        "Meta-Learning an In-Context Transformer Model of Human Higher Visual Cortex",
        "Brain-IT: Image Reconstruction from fMRI via Brain-Interaction Transformer",
        "A Title With No Abstract",
        "Leap Day Paper",
        "Yearless Paper",
    ]
    assert papers["A Title With No Abstract"].abstract is None
    brain_it = papers["Brain-IT: Image Reconstruction from fMRI via Brain-Interaction Transformer"]
    assert brain_it.published is None
    assert papers["Leap Day Paper"].published == date(2024, 2, 29)  # latest Feb 29 not after as-of
    assert papers["Leap Day Paper"].author_count == 1
    yearless = papers["Yearless Paper"]
    assert (yearless.published, yearless.upvotes) == (date(2025, 12, 24), 5)  # not after 2026-03-01
    assert result.entries[0].sources[0].line == 13


@pytest.mark.parametrize(
    ("month", "day", "as_of", "expected"),
    [
        (5, 2, date(2026, 11, 22), date(2026, 5, 2)),
        (12, 24, date(2026, 11, 22), date(2025, 12, 24)),
        (11, 22, date(2026, 11, 22), date(2026, 11, 22)),  # the as-of day itself
        (2, 29, date(2026, 11, 22), date(2024, 2, 29)),
        (2, 30, date(2026, 11, 22), None),
    ],
)
def test_yearless_dates_resolve_to_latest_not_after(month: int, day: int, as_of: date,
                                                    expected: date | None) -> None:
    assert resolve_date(month, day, None, as_of) == expected


def test_text_with_no_papers_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^page\.txt: no papers found"):
        read("new\n\nSubscribe\n\nDaily Papers\n", "page.txt", as_of=date(2026, 1, 1))


@pytest.mark.parametrize(
    ("name", "looks_like"),
    [
        ("arxiv-daily-digest.md", "markdown"),
        ("digest_old_template.md", "markdown"),
        ("digest.jsonl", "jsonl"),
        ("hf_daily_papers.json", "hf-json"),
        ("arxiv_query.xml", "arxiv-api"),
        ("arxiv_feed_rss.xml", "arxiv-feed"),
        ("listing_email.txt", "arxiv-email"),
        ("ids.txt", "id-list"),
    ],
)
def test_other_formats_are_not_a_page(name: str, looks_like: str) -> None:
    # Before: every line became a "paper" (244 of them for the Markdown digest).
    with pytest.raises(InputError) as caught:
        read_file(name)
    message = str(caught.value)
    assert message.startswith(f"{name}: does not look like a Hugging Face Daily Papers page (no entry has ")
    assert message.endswith(f"(it looks like {looks_like}: use --format {looks_like}, "
                            "or no --format to sniff)")
    assert "\n" not in message


def test_prose_with_a_stray_trailer_is_not_a_page() -> None:
    prose = "\n\n".join(f"Line {n} of some notes about papers" for n in range(30))
    text = prose + "\n\nA Title\n\nAn abstract.\n\n  \u2022 3 authors\n\u00b7\nMay 2, 2025\n"
    with pytest.raises(InputError, match=r"only 1 of 31 entries have the '\u2022 N authors' / date lines"):
        read(text, "notes.txt", as_of=date(2026, 1, 1))
    with pytest.raises(InputError, match=r"copy the page text from huggingface\.co/papers"):
        read(text, "notes.txt", as_of=date(2026, 1, 1))


def test_page_without_its_header_and_with_some_bare_entries_still_reads() -> None:
    text = (DATA / "hf_page_small.txt").read_text(encoding="utf-8").split("Jun 8\n", 1)[1]
    titles = [p.title for p in read(text, "p.txt", as_of=date(2026, 3, 1)).entries]
    assert len(titles) == 6
    assert "A Title With No Abstract" in titles
