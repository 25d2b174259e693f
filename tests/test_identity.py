"""Identifier normalization and title fingerprints (docs/formats.md §8, §9)."""

from __future__ import annotations

from datetime import date

import pytest

from zotsync.core.bibmatch import bib_ident, bib_same_paper
from zotsync.core.dedup import deduplicate
from zotsync.core.identity import (
    ArxivId,
    Ident,
    arxiv_doi,
    doi_key,
    normalize_arxiv_id,
    normalize_doi,
    paper_ident,
    parse_arxiv_id,
    same_paper,
    surname_initials,
    title_fingerprint,
    vetoed,
)
from zotsync.core.library import LibraryItem, find_existing
from zotsync.core.paper import Paper


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2506.02013", ArxivId("2506.02013", None)),
        ("2506.02013v2", ArxivId("2506.02013", 2)),
        ("arXiv:2506.02013", ArxivId("2506.02013", None)),
        ("ARXIV: 2506.02013v11", ArxivId("2506.02013", 11)),
        ("0704.0001", ArxivId("0704.0001", None)),  # the first new-style ID
        ("1412.9999v1", ArxivId("1412.9999", 1)),  # last month of 4-digit numbers
        ("1501.00001", ArxivId("1501.00001", None)),  # 5 digits from 1501
        ("https://arxiv.org/abs/1810.04805v2", ArxivId("1810.04805", 2)),
        ("http://arxiv.org/abs/1810.04805", ArxivId("1810.04805", None)),
        ("https://arxiv.org/pdf/1810.04805v1.pdf", ArxivId("1810.04805", 1)),
        ("https://arxiv.org/pdf/1810.04805", ArxivId("1810.04805", None)),
        ("https://arxiv.org/html/2506.02013v1", ArxivId("2506.02013", 1)),
        ("https://export.arxiv.org/abs/2506.02013", ArxivId("2506.02013", None)),
        ("https://www.arxiv.org/abs/2506.02013/", ArxivId("2506.02013", None)),
        ("https://huggingface.co/papers/2506.02013", ArxivId("2506.02013", None)),
        ("10.48550/arXiv.2506.02013", ArxivId("2506.02013", None)),
        ("10.48550/ARXIV.2506.02013", ArxivId("2506.02013", None)),
        ("https://doi.org/10.48550/arXiv.1810.04805", ArxivId("1810.04805", None)),
        ("hep-th/9901001", ArxivId("hep-th/9901001", None)),
        ("math.CA/0611800v2", ArxivId("math/0611800", 2)),  # subject class dropped
        ("Math.CA/0611800", ArxivId("math/0611800", None)),
        ("arXiv:astro-ph/0601001v1", ArxivId("astro-ph/0601001", 1)),
        ("https://arxiv.org/abs/cond-mat/0102536v1", ArxivId("cond-mat/0102536", 1)),
        ("  2506.02013  ", ArxivId("2506.02013", None)),
    ],
)
def test_arxiv_id_spellings(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "2506.0201",  # too short
        "2506.020133",  # too long
        "1412.12345",  # 5 digits before 1501
        "1501.1234",  # 4 digits from 1501 on
        "0612.1234",  # before new-style IDs began (0704)
        "2513.01234",  # month 13
        "10.1145/3292500.3330701",  # a DOI, not arXiv's
        "https://example.org/abs/2506.02013",
        "hep-th/990100",  # old style needs 7 digits
    ],
)
def test_not_arxiv_ids(text: str) -> None:
    assert parse_arxiv_id(text) is None
    assert normalize_arxiv_id(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1145/3292500.3330701", "10.1145/3292500.3330701"),
        ("https://doi.org/10.1038/S41586-020-2649-2", "10.1038/S41586-020-2649-2"),
        ("http://dx.doi.org/10.1000/xyz", "10.1000/xyz"),
        ("doi:10.1000/xyz", "10.1000/xyz"),
        ("DOI: 10.1000/xyz", "10.1000/xyz"),
        ("11.1000/xyz", None),
        ("not a doi", None),
        ("10.1000", None),
    ],
)
def test_doi_normalization_keeps_case(text: str, expected: str | None) -> None:
    assert normalize_doi(text) == expected


def test_dois_compare_case_insensitively() -> None:
    assert doi_key("10.1038/S41586") == doi_key("10.1038/s41586 ")


def test_arxiv_doi_covers_all_versions() -> None:
    assert arxiv_doi("1810.04805") == "10.48550/arXiv.1810.04805"
    assert normalize_arxiv_id(arxiv_doi("hep-th/9901001")) == "hep-th/9901001"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("BERT: Pre-training of Deep Bidirectional Transformers",
         "{BERT}: pre-training of deep bidirectional transformers"),
        ("Attention Is All\nYou   Need", "attention is all you need"),
        ("Café au lait", "Cafe au lait"),  # diacritics dropped
        ("ＢＥＲＴ model", "BERT model"),  # full-width folded
        ("A--B (C)!", "a b c"),  # punctuation runs become one space
        ("Straße", "STRASSE"),  # casefold, not lower
    ],
)
def test_title_fingerprint_equal(a: str, b: str) -> None:
    assert title_fingerprint(a) == title_fingerprint(b)


def test_title_fingerprint_folds_ascii_punctuation_only() -> None:
    assert title_fingerprint("Deep  Learning: A Review.") == "deep learning a review"
    assert title_fingerprint("脑机接口：综述") == "脑机接口 综述"  # full-width colon folds to ":"
    assert title_fingerprint("脑机接口。综述") == "脑机接口。综述"  # ideographic full stop is no ASCII
    assert title_fingerprint("GPT-4 vs GPT-3") != title_fingerprint("GPT 4 vs GPT 5")


def test_surname_initials_from_both_name_orders() -> None:
    assert surname_initials(["Jacob Devlin", "Devlin, Jacob"]) == {("devlin", "j")}
    assert surname_initials(["OpenAI"]) == {("openai", "")}
    assert surname_initials(["José Müller"]) == {("muller", "j")}


# --- same_paper: the one rule, and its named vetoes -----------------------------------

def test_same_paper_decides_by_arxiv_then_doi_then_title() -> None:
    a = Ident(arxiv="2101.00001", doi="10.1/x", fingerprint="t")
    assert same_paper(a, Ident(arxiv="2101.00001", fingerprint="other")) == "arxiv"
    assert same_paper(a, Ident(arxiv="2101.00002", doi="10.1/x", fingerprint="t")) is None
    assert same_paper(a, Ident(doi="10.1/x", fingerprint="other")) == "doi"
    assert same_paper(a, Ident(doi="10.1/y", fingerprint="t")) is None  # different DOIs veto
    assert same_paper(a, Ident(fingerprint="t")) == "title"
    assert same_paper(Ident(), Ident()) is None  # nothing known: never the same


def test_year_gap_veto_and_its_none_for_the_bib() -> None:
    """Default (dedup, library): years more than 1 apart are different papers. year_gap=None
    (the .bib match): years are not compared, since an entry's year is often its journal's."""
    a = Ident(fingerprint="t", year=2019)
    assert same_paper(a, Ident(fingerprint="t", year=2020)) == "title"
    assert same_paper(a, Ident(fingerprint="t", year=2023)) is None
    assert same_paper(a, Ident(fingerprint="t", year=2023), year_gap=None) == "title"
    assert same_paper(a, Ident(fingerprint="t", year=2023), year_gap=5) == "title"
    # Through the callers: the digest dedup splits them, the .bib match joins them.
    early = Paper(title="A Study of Things", published=date(2019, 5, 1), authors=("Ada Lovelace",))
    late = early.replace(published=date(2023, 5, 1))
    assert len(deduplicate([early, late]).papers) == 2
    assert find_existing(early, [LibraryItem("AAAA2222", 1, "journalArticle", title=late.title,
                                             creators=late.authors, year=2023)]) is None
    assert bib_same_paper(bib_ident(early), bib_ident(late)) == "title"


def test_initials_veto_and_surnames_alone_for_the_bib() -> None:
    """Default: authors are shared by (surname, first initial), so Mary Devlin is not
    Jacob Devlin. initials=False (the .bib match, which records surnames only): they are."""
    jacob = Ident(fingerprint="t", authors=frozenset(surname_initials(["Jacob Devlin"])))
    mary = Ident(fingerprint="t", authors=frozenset(surname_initials(["Mary Devlin"])))
    assert vetoed(jacob, mary)
    assert same_paper(jacob, mary) is None
    assert not vetoed(jacob, mary, initials=False)
    assert same_paper(jacob, mary, initials=False) == "title"
    # Through the callers.
    a = Paper(title="A Study of Things", authors=("Jacob Devlin",))
    b = a.replace(authors=("Mary Devlin",))
    assert same_paper(paper_ident(a), paper_ident(b)) is None
    assert len(deduplicate([a, b]).papers) == 2
    assert bib_same_paper(bib_ident(a), bib_ident(b)) == "title"
    # No author in common at all is a veto for every caller.
    c = a.replace(authors=("Ada Lovelace",))
    assert bib_same_paper(bib_ident(a), bib_ident(c)) is None
    assert same_paper(paper_ident(a), paper_ident(c)) is None
