"""Fixtures for the lookup stand-ins, and the catalogue built from the HF page sample.

Import the ones a test module uses:

    from servers.lookup_fixtures import arxiv_standin, hf_standin  # noqa: F401

Both stand-ins serve the same catalogue (`sample_catalogue`): one paper per entry of
tests/data/hf-daily-papers.txt, with made-up but well-formed arXiv IDs and authors
matching the page's author counts and dates. Some are left out (not found), some are
on arXiv only (found by the arXiv title search), one has a near-duplicate title
(ambiguous), one has a different author count (rejected, not guessed), one has a
near-duplicate that the author count tells apart (resolved). Each fixture points the
settings at its server (environment, and `.env` for `run_cli(..., env=...)`) with a
tiny arXiv delay.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from servers.arxiv_standin import ArxivStandIn
from servers.crossref_standin import CrossrefStandIn
from servers.hf_standin import HfStandIn
from servers.standin import CatalogPaper, StandIn
from zotsync.readers.hf_page import read as read_hf_page

DATA = Path(__file__).resolve().parents[1] / "data"
HF_PAGE = DATA / "hf-daily-papers.txt"
TEST_DELAY = "0.05"
HF_DAY = "2025-06-08"  # the daily page some papers are listed on (`--hf-date`)

_FIRST = ("Ada", "Bruno", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jia", "Kofi",
          "Lena", "Mateo")
_LAST = ("Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Novak", "Haddad", "Kowalski", "Rossi",
         "Nguyen", "Schmidt", "Alvarez", "Park", "Ibrahim")

# Indexes into the page's 57 entries.
ARXIV_ONLY = (11, 18, 35, 47)  # "BrainMAE: A Region-aware ...": colon and hyphen in ti:
MISSING = (9, 30, 41)  # on neither service
WRONG_COUNT = 25  # the service lists 3 authors, the page says 2
AMBIGUOUS = 22  # "Brain3D: ..." has a twin differing only in punctuation and case
TWIN_TOLD_APART = 0  # "HippoMM: ..." has a twin with another author count
ON_DAILY = tuple(range(1, 9))  # listed on the HF daily page of HF_DAY
WITH_JOURNAL = 1  # has a journal reference and DOI


@dataclass
class Sample:
    """The catalogue and what resolving the page against it must give, by title."""

    catalogue: list[CatalogPaper]
    titles: list[str]
    expected_ids: dict[str, str] = field(default_factory=dict)  # resolved title -> ID
    ambiguous: set[str] = field(default_factory=set)
    not_found: set[str] = field(default_factory=set)
    arxiv_only: set[str] = field(default_factory=set)
    on_daily: set[str] = field(default_factory=set)


def _authors(index: int, count: int) -> tuple[str, ...]:
    return tuple(f"{_FIRST[(index + k) % len(_FIRST)]} {_LAST[(index * 3 + k) % len(_LAST)]}"
                 for k in range(count))


def _made_up_id(day: date, number: int) -> str:
    yymm = day.strftime("%y%m")
    return f"{yymm}.{1000 + number:04d}" if day < date(2015, 1, 1) else f"{yymm}.{10000 + number:05d}"


def sample_catalogue(as_of: date | None = None) -> Sample:
    """The stand-ins' catalogue for the HF page sample (dates read as `parse` reads them)."""
    page = read_hf_page(HF_PAGE.read_text(encoding="utf-8"), str(HF_PAGE), as_of=as_of or date.today())
    sample = Sample(catalogue=[], titles=[p.title for p in page.entries])
    for index, entry in enumerate(page.entries):
        day = entry.published or date(2025, 10, 30)
        count = entry.author_count or 3
        paper = CatalogPaper(
            arxiv_id=_made_up_id(day, 100 + index),
            title=entry.title,
            authors=_authors(index, count + (1 if index == WRONG_COUNT else 0)),
            published=datetime.combine(day, time(17, 30), tzinfo=UTC),
            abstract=entry.abstract or "An abstract.",
            updated=datetime.combine(day + timedelta(days=20), time(9), tzinfo=UTC),
            version=2,
            categories=("q-bio.NC", "cs.LG") if index % 2 else ("cs.LG", "q-bio.NC"),
            on_hf=index not in ARXIV_ONLY,
            hf_daily=HF_DAY if index in ON_DAILY else None,
            upvotes=index % 7,
            ai_summary=f"In short: {entry.title.split(':')[0]}." if index % 3 else None,
        )
        if index == WITH_JOURNAL:
            paper = replace(paper, journal_ref="Neural Computation 28 (2016) 1-40",
                            doi="10.1162/NECO_a_00800", comment="30 pages, 9 figures")
        if index in MISSING:
            sample.not_found.add(entry.title)
            continue
        sample.catalogue.append(paper)
        if index == WRONG_COUNT:
            sample.not_found.add(entry.title)
        elif index == AMBIGUOUS:
            sample.ambiguous.add(entry.title)
            twin_title = entry.title.replace(": ", " - ").replace("Objects from", "objects From")
            sample.catalogue.append(replace(paper, arxiv_id=_made_up_id(day, 300 + index),
                                            title=twin_title, published=paper.published + timedelta(days=1)))
        else:
            sample.expected_ids[entry.title] = paper.arxiv_id
            if index in ARXIV_ONLY:
                sample.arxiv_only.add(entry.title)
            if index in ON_DAILY:
                sample.on_daily.add(entry.title)
        if index == TWIN_TOLD_APART:
            sample.catalogue.append(replace(paper, arxiv_id=_made_up_id(day, 300 + index),
                                            authors=paper.authors[:-1]))
    return sample


@pytest.fixture
def lookup_sample() -> Sample:
    return sample_catalogue()


S = TypeVar("S", bound=StandIn)


def _serve(standin: S, monkeypatch: pytest.MonkeyPatch, base_path: str,
           env: Callable[[str], dict[str, str]]) -> Iterator[S]:
    """Serve `standin` and point zotsync's settings at it (`env(url)`), for a fixture."""
    with standin.serving(base_path):
        standin.env = env(standin.url)
        for name, value in standin.env.items():
            monkeypatch.setenv(name, value)
        yield standin


@pytest.fixture
def arxiv_standin(lookup_sample: Sample, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivStandIn]:
    yield from _serve(ArxivStandIn(catalogue=lookup_sample.catalogue), monkeypatch, "/api/query",
                      lambda url: {"ZOTSYNC_ARXIV_URL": url, "ZOTSYNC_ARXIV_DELAY": TEST_DELAY})


@pytest.fixture
def hf_standin(lookup_sample: Sample, monkeypatch: pytest.MonkeyPatch) -> Iterator[HfStandIn]:
    yield from _serve(HfStandIn(catalogue=lookup_sample.catalogue), monkeypatch, "",
                      lambda url: {"ZOTSYNC_HF_URL": url})


@pytest.fixture
def crossref_standin(lookup_sample: Sample, monkeypatch: pytest.MonkeyPatch) -> Iterator[CrossrefStandIn]:
    yield from _serve(CrossrefStandIn(catalogue=lookup_sample.catalogue), monkeypatch, "",
                      lambda url: {"ZOTSYNC_CROSSREF_URL": url})


@pytest.fixture
def no_network_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point arXiv, Hugging Face and Crossref at a local port that refuses connections.

    Meant to be autouse (tests/conftest.py) so that no test reaches the real services;
    `arxiv_standin`/`hf_standin` override it. Yields the dead base URL.
    """
    with socket.socket() as holder:  # bound, never listening: connecting is refused at once
        holder.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{holder.getsockname()[1]}"
        monkeypatch.setenv("ZOTSYNC_ARXIV_URL", f"{dead}/api/query")
        monkeypatch.setenv("ZOTSYNC_HF_URL", dead)
        monkeypatch.setenv("ZOTSYNC_CROSSREF_URL", dead)
        monkeypatch.setenv("ZOTSYNC_ARXIV_DELAY", "0")
        yield dead


@contextmanager
def published_lookups(catalogue: list[CatalogPaper],
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ArxivStandIn, CrossrefStandIn]]:
    """arXiv and Crossref stand-ins serving `catalogue` (published versions: journal_ref,
    DOI), the settings pointed at them: what `refresh` and `bib --upgrade` look up."""
    arxiv = ArxivStandIn(catalogue=catalogue)
    crossref = CrossrefStandIn(catalogue=list(catalogue))
    with arxiv.serving("/api/query"), crossref.serving(""):
        monkeypatch.setenv("ZOTSYNC_ARXIV_URL", arxiv.url)
        monkeypatch.setenv("ZOTSYNC_ARXIV_DELAY", "0")
        monkeypatch.setenv("ZOTSYNC_CROSSREF_URL", crossref.url)
        yield arxiv, crossref
