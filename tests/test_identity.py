"""Identifier normalization and title fingerprints (docs/formats.md §8, §9)."""

from __future__ import annotations

import pytest

from zotsync.core.identity import (
    ArxivId,
    arxiv_doi,
    doi_key,
    normalize_arxiv_id,
    normalize_doi,
    parse_arxiv_id,
    surname_initials,
    title_fingerprint,
)


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
