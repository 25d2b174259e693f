"""Deduplication rules, vetoes and merging (docs/formats.md §8-9)."""

from __future__ import annotations

from datetime import date

from zotsync.core.dedup import can_be_same_by_title, deduplicate, merge
from zotsync.core.paper import Paper, Source, Summary

ZH = Summary("中文总结", "动机", "方法", "结果", "结论", language="zh")


def entry(title: str = "A Study of Things", line: int = 1, **fields: object) -> Paper:
    return Paper(title=title, sources=(Source("d.md", line),), **fields)  # type: ignore[arg-type]


def test_same_arxiv_id_any_version_is_one_paper() -> None:
    result = deduplicate([
        entry("Title One", 1, arxiv_id="2506.02013", version=1),
        entry("A different spelling", 9, arxiv_id="2506.02013", version=3),
    ])
    assert len(result.papers) == 1
    assert result.merged == 1
    paper = result.papers[0]
    assert paper.title == "Title One"  # the first entry's text is kept
    assert paper.version == 3
    assert paper.sources == (Source("d.md", 1), Source("d.md", 9))


def test_different_arxiv_ids_never_merge_even_with_equal_titles() -> None:
    result = deduplicate([entry(arxiv_id="2506.00001"), entry(arxiv_id="2506.00002")])
    assert len(result.papers) == 2


def test_same_doi_is_one_paper_case_insensitively() -> None:
    result = deduplicate([entry("X", doi="10.1000/ABC"), entry("Y", doi="10.1000/abc")])
    assert len(result.papers) == 1


def test_doi_match_links_an_arxiv_entry_and_its_journal_version() -> None:
    result = deduplicate([
        entry("Preprint title", arxiv_id="2001.00001", doi="10.1000/j.1"),
        entry("Journal title", doi="10.1000/J.1"),
    ])
    assert len(result.papers) == 1
    assert result.papers[0].arxiv_id == "2001.00001"


def test_title_match_without_ids_merges_and_fills_the_id() -> None:
    hf = entry("BERT: Pre-training of Deep Bidirectional Transformers", 3, author_count=4, upvotes=7)
    md = entry("BERT: pre-training of deep bidirectional transformers", 20, arxiv_id="1810.04805",
               authors=("Jacob Devlin", "Ming-Wei Chang"))
    [paper] = deduplicate([hf, md]).papers
    assert paper.arxiv_id == "1810.04805"
    assert paper.authors == ("Jacob Devlin", "Ming-Wei Chang")
    assert paper.upvotes == 7
    assert paper.url == "https://arxiv.org/abs/1810.04805"
    assert paper.pdf_url == "https://arxiv.org/pdf/1810.04805"


def test_title_veto_different_dois() -> None:
    a = entry(doi="10.1/a")
    b = entry(doi="10.1/b")
    assert not can_be_same_by_title(a, b)
    assert len(deduplicate([a, b]).papers) == 2


def test_title_veto_years_more_than_one_apart() -> None:
    a = entry(published=date(2019, 1, 1))
    assert can_be_same_by_title(a, entry(published=date(2020, 12, 31)))
    assert not can_be_same_by_title(a, entry(published=date(2021, 1, 1)))
    assert len(deduplicate([a, entry(published=date(2021, 6, 1))]).papers) == 2


def test_year_comes_from_the_arxiv_id_when_no_date() -> None:
    a = entry(arxiv_id="1810.04805")
    assert a.year == 2018
    assert not can_be_same_by_title(a, entry(published=date(2021, 1, 1)))


def test_title_veto_no_shared_author_surname_and_initial() -> None:
    a = entry(authors=("Jacob Devlin", "Kenton Lee"))
    assert can_be_same_by_title(a, entry(authors=("J. Devlin",)))
    assert can_be_same_by_title(a, entry(authors=("Lee, Kenton",)))
    assert not can_be_same_by_title(a, entry(authors=("Mary Devlin",)))  # initial differs
    assert not can_be_same_by_title(a, entry(authors=("Ada Lovelace",)))


def test_title_match_with_authors_on_one_side_only_is_allowed() -> None:
    assert can_be_same_by_title(entry(authors=("Jacob Devlin",)), entry(author_count=3))


def test_merge_unites_categories_with_the_primary_first() -> None:
    a = entry(arxiv_id="2506.02013", categories=("cs.CV",), primary_category="cs.CV")
    b = entry(arxiv_id="2506.02013", categories=("cs.LG", "cs.AI", "cs.CV"), primary_category="cs.LG")
    assert merge(a, b).categories == ("cs.CV", "cs.LG", "cs.AI")
    assert merge(a, b).primary_category == "cs.CV"
    no_primary = entry(arxiv_id="2506.02013")
    assert merge(no_primary, b).categories == ("cs.LG", "cs.AI", "cs.CV")


def test_real_summary_wins_over_missing_or_thinner_one() -> None:
    thin = Summary("总结", None, None, None, None, language="zh")
    assert merge(entry(), entry(summary=ZH)).summary == ZH
    assert merge(entry(summary=thin), entry(summary=ZH)).summary == ZH
    assert merge(entry(summary=ZH), entry(summary=None)).summary == ZH


def test_second_real_summary_is_not_an_update() -> None:
    other = Summary("另一个总结", "动机2", "方法2", "结果2", "结论2", language="zh")
    assert merge(entry(summary=ZH), entry(summary=other)).summary == ZH


def test_entry_bridging_two_groups_folds_them() -> None:
    a = entry("Alpha", 1, arxiv_id="2301.00001")
    b = entry("Beta", 2, doi="10.9/x")
    bridge = entry("Gamma", 3, arxiv_id="2301.00001", doi="10.9/X")
    result = deduplicate([a, b, bridge])
    assert len(result.papers) == 1
    assert {s.line for s in result.papers[0].sources} == {1, 2, 3}


def test_order_is_first_seen_and_deterministic() -> None:
    entries = [entry(f"Paper {i}", i, arxiv_id=f"2301.{i:05d}") for i in range(5)]
    twice = entries + entries[::-1]
    result = deduplicate(twice)
    assert [p.arxiv_id for p in result.papers] == [f"2301.{i:05d}" for i in range(5)]
    assert result.entries == 10
