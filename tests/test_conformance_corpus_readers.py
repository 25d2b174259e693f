"""Optional conformance checks: the readers on real files from ../shared/corpus.

The counts are those of ../shared/corpus/PROVENANCE.md and docs/formats.md §10.
Skipped, saying why, when ../shared is absent (a fresh clone has only the project).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from zotsync.core.paper import Paper
from zotsync.errors import InputError
from zotsync.readers import reader_for, sniff
from zotsync.readers.arxiv_api import parse_feed
from zotsync.readers.base import ReadResult


def _repo_root() -> Path:
    here = Path(__file__).resolve().parent
    return next(p for p in (here, *here.parents) if (p / "pyproject.toml").is_file())


ROOT = _repo_root()
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
TODAY = date(2026, 11, 22)

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present (reference corpus only)"),
]

# Every corpus file in the formats these readers own, with the format sniff must pick.
FILES = {
    "daily-arxiv-ai-enhanced/2026-02-10.jsonl": "jsonl",
    "daily-arxiv-ai-enhanced/2026-02-10_AI_enhanced_Chinese.jsonl": "jsonl",
    "hf-daily-papers/lucas-m-lopes-sotawhat_hf_daily_papers.json": "hf-json",
    "hf-daily-papers/DiQu1997-NewsAssistant_hf_daily_papers.json": "hf-json",
    "hf-daily-papers/Panrong-newspaper_hf_daily_papers_response.json": "hf-json",
    "arxiv-api/lucas-m-lopes-sotawhat_arxiv_transformer.xml": "arxiv-api",
    "arxiv-api/arxiv.py-fixture_q_testing_s0_m10_bc5a6c384fe9.xml": "arxiv-api",
    "arxiv-api/arxiv.py-fixture_id_astro-ph_0601001_s0_m100_3150dca9dc76.xml": "arxiv-api",
    "arxiv-api/arxiv.py-fixture_id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml": "arxiv-api",
    "arxiv-api/arxiv.py-fixture_id_abc_s0_m100_b79c8dcf6bc3.xml": "arxiv-api",
    "arxiv-rss/TideDra-zotero-arxiv-daily_arxiv_rss_example.xml": "arxiv-feed",
    "arxiv-listing-email/arxiv-browse_q-fin_listings_new.txt": "arxiv-email",
}
ERROR_FEED = "arxiv-api/arxiv.py-fixture_id_abc_s0_m100_b79c8dcf6bc3.xml"


def text_of(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def read_corpus(name: str) -> ReadResult:
    return reader_for(FILES[name])(text_of(name), name, as_of=TODAY)


def ids(papers: list[Paper]) -> list[str | None]:
    return [p.arxiv_id for p in papers]


@pytest.mark.parametrize(("name", "fmt"), FILES.items())
def test_sniff_picks_the_format(name: str, fmt: str) -> None:
    assert sniff(text_of(name)) == fmt


@pytest.mark.parametrize("name", [n for n in FILES if n != ERROR_FEED])
def test_every_entry_has_an_id_a_title_and_a_line(name: str) -> None:
    result = read_corpus(name)
    assert result.entries
    assert result.warnings == []
    lines = [p.sources[0].line for p in result.entries]
    assert lines == sorted(lines)
    for paper in result.entries:
        assert paper.arxiv_id and paper.title, paper
        assert paper.url == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert paper.sources[0].file == name


def test_raw_jsonl_42_entries_41_ids() -> None:
    entries = read_corpus("daily-arxiv-ai-enhanced/2026-02-10.jsonl").entries
    assert len(entries) == 42
    assert len(set(ids(entries))) == 41
    assert [i for i, n in Counter(ids(entries)).items() if n > 1] == ["2602.08094"]
    assert all(p.summary is None and p.abstract and p.authors and p.categories for p in entries)
    assert sum(1 for p in entries if p.comment) == 16


def test_ai_jsonl_28_rows_with_chinese_summaries() -> None:
    entries = read_corpus("daily-arxiv-ai-enhanced/2026-02-10_AI_enhanced_Chinese.jsonl").entries
    raw = set(ids(read_corpus("daily-arxiv-ai-enhanced/2026-02-10.jsonl").entries))
    assert len(entries) == 28
    assert len(set(ids(entries))) == 28
    assert set(ids(entries)) <= raw  # a subset: the content filter drops papers
    for paper in entries:
        assert paper.summary is not None and paper.summary.language == "zh", paper.arxiv_id
        assert paper.summary.tldr


def test_hf_full_answer_30_papers() -> None:
    entries = read_corpus("hf-daily-papers/lucas-m-lopes-sotawhat_hf_daily_papers.json").entries
    assert len(entries) == 30
    assert len(set(ids(entries))) == 30
    assert all(isinstance(p.upvotes, int) and p.ai_summary and p.authors and p.published for p in entries)
    assert entries[0].arxiv_id == "2606.00467"
    assert entries[0].authors == ("Etienne Casanova", "Rafal Kocielnik", "R. Michael Alvarez")
    assert entries[0].published == date(2026, 5, 30)


def test_hf_claimed_authors_and_trimmed_rows() -> None:
    claimed = read_corpus("hf-daily-papers/DiQu1997-NewsAssistant_hf_daily_papers.json").entries
    assert [(p.arxiv_id, p.upvotes, p.ai_summary) for p in claimed] == [
        ("2607.26654", 3, None), ("2607.28229", 4, None), ("2607.27851", 2, None)]
    assert claimed[0].authors[0] == "Desiree Cho"
    trimmed = read_corpus("hf-daily-papers/Panrong-newspaper_hf_daily_papers_response.json").entries
    assert len(trimmed) == 5
    assert all(p.upvotes is None and p.ai_summary for p in trimmed)


def test_api_search_query_5_entries() -> None:
    feed = parse_feed(text_of("arxiv-api/lucas-m-lopes-sotawhat_arxiv_transformer.xml"), "t.xml")
    assert ids(feed.entries) == ["2606.13677", "2606.13591", "2606.13568", "2606.13515", "2606.13501"]
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (28946, 0, 5)
    mana = feed.entries[0]
    assert (mana.version, mana.primary_category) == (1, "cs.RO")
    assert mana.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG")
    assert mana.comment == "Project Page: https://zhaohengyin.github.io/mana"
    assert "(<1 minute per tool)" in (mana.abstract or "")


def test_api_q_testing_10_entries_with_dois_and_journal_refs() -> None:
    feed = parse_feed(text_of("arxiv-api/arxiv.py-fixture_q_testing_s0_m10_bc5a6c384fe9.xml"), "q.xml")
    assert len(feed.entries) == 10
    assert feed.total_results == 214881
    assert {p.arxiv_id: p.doi for p in feed.entries if p.doi} == {
        "2202.12139": "10.1109/ICSTW55395.2022.00035",
        "2405.13786": "10.1109/ICSTW58534.2023.00023",
        "2005.14124": "10.1145/3395363.3397376",
        "2204.08348": "10.1145/3533767.3534401",
        "2302.03287": "10.1109/ICSTW58534.2023.00078",
        "1205.1866": "10.5121/vlsic.2012.3205",
    }
    assert sum(1 for p in feed.entries if p.journal_ref) == 6
    assert {p.arxiv_id: p.version for p in feed.entries if p.version != 1} == {
        "2005.14124": 2, "2204.08348": 3, "2302.03287": 3, "2503.05378": 2, "2502.07719": 2}
    journal = feed.entries[5].journal_ref
    assert journal == ("International Journal of Software Engineering & Applications (IJSEA), Vol.3, No.1, "
                       "January 2012")  # &amp; decoded
    later = feed.entries[2]
    assert (later.published, later.updated) == (date(2020, 5, 28), date(2020, 7, 16))


def test_api_old_style_id() -> None:
    (paper,) = read_corpus("arxiv-api/arxiv.py-fixture_id_astro-ph_0601001_s0_m100_3150dca9dc76.xml").entries
    assert (paper.arxiv_id, paper.version) == ("astro-ph/0601001", 1)
    assert paper.url == "https://arxiv.org/abs/astro-ph/0601001"
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert paper.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert paper.categories == ("astro-ph",)
    assert paper.year == 2006


def test_api_unknown_id_has_no_entry() -> None:
    name = "arxiv-api/arxiv.py-fixture_id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml"
    feed = parse_feed(text_of(name), name)
    assert ids(feed.entries) == ["1707.08567"]
    assert feed.total_results == 1
    assert len(feed.entries[0].authors) == 34


def test_api_error_feed() -> None:
    with pytest.raises(InputError) as caught:
        read_corpus(ERROR_FEED)
    assert str(caught.value).startswith(f"{ERROR_FEED}:9: arXiv API error: incorrect id format for abc (")


def test_rss_atom_feed_7_entries() -> None:
    entries = read_corpus("arxiv-rss/TideDra-zotero-arxiv-daily_arxiv_rss_example.xml").entries
    assert ids(entries) == ["2508.13426", "2508.13428", "2508.13429", "2508.13434", "2508.13435",
                            "2508.14001", "2508.14002"]
    assert all(p.version == 1 and p.published == date(2025, 8, 20) for p in entries)
    assert entries[0].authors == ("Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang")
    assert entries[0].categories == ("cs.CL", "cs.AI")  # a cross-list into cs.AI: cs.CL is primary
    assert entries[2].authors == ("Paulo Andr\\'e Lima de Castro",)
    assert all(p.abstract and not p.abstract.startswith(("arXiv:", "Abstract")) for p in entries)


def test_listing_email_new_and_replaced() -> None:
    entries = read_corpus("arxiv-listing-email/arxiv-browse_q-fin_listings_new.txt").entries
    assert len(entries) == 16
    new, replaced = entries[:13], entries[13:]  # this day's cross-list section is empty
    assert all(p.abstract and p.published and p.version == 1 for p in new)
    assert ids(replaced) == ["2011.00552", "2203.01664", "2206.14015"]
    assert all(p.abstract is None and p.published is None and p.updated for p in replaced)
    assert {p.arxiv_id: p.doi for p in entries if p.doi} == {
        "2303.09330": "10.3390/jrfm16020114",
        "2303.09397": "10.5121/csit.2023.130302",
        "2303.09405": "10.56497/etj2367601",
        "2303.09407": "10.5121/ijci.2023.120201",
    }
    first = entries[0]
    assert first.authors == ("Louis Saddier", "Matteo Marsili")
    assert first.categories == ("q-fin.TR", "cond-mat.stat-mech")
    assert first.published == date(2023, 3, 15)
    nft = next(p for p in entries if p.arxiv_id == "2303.09393")
    assert len(nft.authors) == 7  # the Authors: line wraps
    assert nft.title == "A Deep Dive into NFT Whales: A Longitudinal Study of the NFT Trading Ecosystem"
