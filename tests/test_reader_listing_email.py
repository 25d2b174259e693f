"""arXiv listing e-mail / listings/new text: new, cross-list and replaced sections."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from zotsync.core.paper import Paper, Source
from zotsync.errors import InputError
from zotsync.readers.base import ReadResult, split_authors
from zotsync.readers.listing_email import read

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 22)
NAME = "listing_email.txt"
TEXT = (DATA / NAME).read_text(encoding="utf-8")
SEPARATOR = "-" * 78


def read_data() -> ReadResult:
    return read(TEXT, NAME, as_of=TODAY)


def test_every_section_gives_entries_in_order() -> None:
    result = read_data()
    assert result.warnings == []
    assert [(p.arxiv_id, p.sources[0].line) for p in result.entries] == [
        ("2606.12001", 17), ("2606.12345", 41),  # new
        ("2606.11500", 53),  # cross-list
        ("2301.04567", 66), ("2210.00321", 77),  # replaced, one of them a cross-list
    ]


def test_new_entry_with_every_optional_field() -> None:
    conformal = read_data().entries[0]
    assert conformal == Paper(
        title=("Conformal Prediction under Covariate Shift with Unlabelled Target Data: Finite-Sample "
               "Guarantees"),  # continuation line joined
        arxiv_id="2606.12001",
        version=2,  # from "Date (revised v2):"
        doi="10.1214/26-AOS0001",
        # the Authors: line wraps, and carries numbered affiliations with commas inside
        authors=("Priya Natarajan", "Lukas Meyer", "Ola Nordmann"),
        abstract=("We construct conformal prediction sets that remain valid when the covariate distribution "
                  "shifts between training and deployment, using only unlabelled target data. Our "
                  "guarantees hold in finite samples."),
        categories=("stat.ML", "cs.LG", "stat.ME"),
        primary_category="stat.ML",
        published=date(2026, 6, 15),  # Date: is the first version's
        updated=date(2026, 6, 16),  # the last revision's
        url="https://arxiv.org/abs/2606.12001",
        pdf_url="https://arxiv.org/pdf/2606.12001",
        comment="41 pages, 6 figures; code at https://github.com/example/cp-shift",
        journal_ref="Ann. Statist. 54 (2026) 1-41",
        sources=(Source(NAME, 17),),
    )


def test_plain_new_entry_is_version_1() -> None:
    ridge = read_data().entries[1]
    assert ridge == Paper(
        title="A Note on Ridge Regression",
        arxiv_id="2606.12345",
        version=1,
        authors=("Maria Rossi", "Jean Dupont"),
        abstract="We revisit ridge regression.",
        categories=("stat.ME",),
        primary_category="stat.ME",
        published=date(2026, 6, 16),
        updated=date(2026, 6, 16),
        url="https://arxiv.org/abs/2606.12345",
        pdf_url="https://arxiv.org/pdf/2606.12345",
        sources=(Source(NAME, 41),),
    )


def test_cross_listing() -> None:
    diffusion = read_data().entries[2]
    assert diffusion == Paper(
        title="Diffusion Models as Density Estimators",
        arxiv_id="2606.11500",
        version=1,
        authors=("Kenji Watanabe", "Amara Okafor", "Luis Fernández"),  # "A, B, and C"
        abstract="We evaluate diffusion models as density estimators on tabular data.",
        categories=("cs.LG", "stat.ML"),  # its own primary, not the mailing's archive
        primary_category="cs.LG",
        published=date(2026, 6, 15),
        updated=date(2026, 6, 15),
        url="https://arxiv.org/abs/2606.11500",
        pdf_url="https://arxiv.org/pdf/2606.11500",
        comment="ICML 2026",
        sources=(Source(NAME, 53),),
    )


def test_replacements_have_no_abstract_and_only_the_new_date() -> None:
    bootstrap, kernel = read_data().entries[3:]
    assert bootstrap == Paper(
        title="Bootstrap Confidence Intervals for Random Forests",
        arxiv_id="2301.04567",
        authors=("Hannah Schmidt",),
        categories=("stat.ME", "stat.ML"),
        primary_category="stat.ME",
        updated=date(2026, 6, 16),  # "replaced with revised version <date>"; no number given
        url="https://arxiv.org/abs/2301.04567",
        pdf_url="https://arxiv.org/pdf/2301.04567",
        comment="25 pages; v3 fixes a proof",
        sources=(Source(NAME, 66),),
    )
    assert kernel == Paper(
        title="Kernel Two-Sample Tests Revisited",
        arxiv_id="2210.00321",
        authors=("Ahmed Hassan", "Yuki Tanaka"),
        categories=("math.ST", "stat.ML", "stat.TH"),
        primary_category="math.ST",
        updated=date(2026, 6, 15),
        url="https://arxiv.org/abs/2210.00321",
        pdf_url="https://arxiv.org/pdf/2210.00321",
        journal_ref="Bernoulli 32 (2026)",
        sources=(Source(NAME, 77),),
    )


def test_mail_header_date_is_not_an_entry() -> None:
    assert TEXT.startswith("Date: Wed, 17 Jun 26")
    assert all(p.published != date(2026, 6, 17) for p in read_data().entries)


def test_crlf_line_endings() -> None:
    result = read(TEXT.replace("\n", "\r\n"), NAME, as_of=TODAY)
    assert result.entries == read_data().entries


def test_old_style_ids_and_bad_ids() -> None:
    text = TEXT.replace("arXiv:2606.12345\n", "arXiv:math.ST/0601001\n").replace(
        "arXiv:2606.11500 (*cross-listing*)", "arXiv:2606.115 (*cross-listing*)")
    result = read(text, NAME, as_of=TODAY)
    assert [p.arxiv_id for p in result.entries] == ["2606.12001", "math/0601001", "2301.04567", "2210.00321"]
    assert [(w.line, w.message) for w in result.warnings] == [(53, "not an arXiv ID: '2606.115'; skipped")]


def test_entry_without_title_is_a_warning() -> None:
    text = TEXT.replace("Title: A Note on Ridge Regression\n", "")
    result = read(text, NAME, as_of=TODAY)
    assert len(result.entries) == 4
    assert [str(w) for w in result.warnings] == [f"{NAME}:41: 2606.12345 has no Title: line; skipped"]


def test_cut_off_listing_keeps_what_it_has() -> None:
    cut = TEXT[: TEXT.index("target data. Our guarantees")]
    (paper,) = read(cut, NAME, as_of=TODAY).entries
    assert paper.arxiv_id == "2606.12001"
    assert paper.abstract is not None and paper.abstract.endswith("using only unlabelled")


def test_missing_separators_still_split_entries() -> None:
    text = TEXT.replace(f"{SEPARATOR}\n\\\\\narXiv:2606.12345", "\\\\\narXiv:2606.12345")
    assert [p.arxiv_id for p in read(text, NAME, as_of=TODAY).entries] == [
        p.arxiv_id for p in read_data().entries]


def test_not_a_listing_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^ids.txt: no listing entries found"):
        read((DATA / "ids.txt").read_text(encoding="utf-8"), "ids.txt", as_of=TODAY)


@pytest.mark.parametrize(("text", "names"), [
    ("Louis Saddier and Matteo Marsili", ("Louis Saddier", "Matteo Marsili")),
    ("A One, B Two, and C Three", ("A One", "B Two", "C Three")),
    ("A One (MIT, Cambridge), B Two", ("A One", "B Two")),
    ("A One (1), B Two (2) ((1) MIT, (2) ETH)", ("A One", "B Two")),
    ("Sandra  Anderson", ("Sandra Anderson",)),  # "and" inside a name is not a separator
    ("", ()),
    (None, ()),
])
def test_split_authors(text: str | None, names: tuple[str, ...]) -> None:
    assert split_authors(text) == names


def test_ten_thousand_entries_parse_quickly() -> None:
    start_at = TEXT.index("\\\\\narXiv:2606.12001")
    entry = TEXT[start_at: TEXT.index(SEPARATOR, start_at) + 79]
    big = TEXT[:start_at] + "".join(entry.replace("2606.12001", f"2606.{n:05d}") for n in range(10_000))
    start = time.thread_time()
    result = read(big, "big.txt", as_of=TODAY)
    assert time.thread_time() - start < 2.0  # CPU seconds; about 0.5 when written
    assert len(result.entries) == 10_000
    assert result.entries[-1].sources[0].line == big.count("\n", 0, big.rindex("arXiv:2606")) + 1
