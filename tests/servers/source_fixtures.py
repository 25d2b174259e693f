"""Fixtures for the `hf:`/`dae:`/`arxiv:` sources: a Hugging Face stand-in with a day's catalogue
(varied upvotes and authors, one survey, one paper of today) and a daily-arXiv-ai-enhanced
data host with Chinese TL;DRs and varied categories, and an arXiv API stand-in whose newest
announcement spans a weekend (cross-list, replacement, more than one page)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from servers.arxiv_standin import ArxivStandIn
from servers.dae_standin import DaeStandIn, dae_row
from servers.hf_standin import HfStandIn
from servers.standin import CatalogPaper

DAY = "2026-06-08"  # a Monday
TODAY = date.today().isoformat()


def _paper(n: int, title: str, upvotes: int, day: str = DAY, authors: tuple[str, ...] = ()) -> CatalogPaper:
    return CatalogPaper(
        arxiv_id=f"2606.{10000 + n:05d}", title=title,
        authors=authors or (f"Author{n} Family{n}", "Wei Zhang"),
        published=datetime(2026, 6, 5, 17, tzinfo=UTC), abstract=f"We study problem {n}.",
        categories=("cs.CL",), hf_daily=day, upvotes=upvotes,
        ai_summary=f"In short: paper {n}." if n % 2 else None)


CATALOGUE = [
    _paper(1, "Agents That Plan", 42),
    _paper(2, "A Survey of Agent Memory", 55),  # popular, but a survey
    _paper(3, "Tokenizers for Speech", 20),  # exactly the limit
    _paper(4, "Small Data Tricks", 19),
    _paper(5, "World Models Revisited", 0),
    _paper(6, "Retrieval at Scale", 31, authors=("Yann LeCun",)),
    _paper(7, "Today's Paper", 8, day=TODAY),
]
PICKED = ["Agents That Plan", "Tokenizers for Speech", "Retrieval at Scale"]


@pytest.fixture
def hf_days(monkeypatch: pytest.MonkeyPatch) -> Iterator[HfStandIn]:
    standin = HfStandIn(catalogue=list(CATALOGUE))
    with standin.serving(""):
        standin.env = {"ZOTSYNC_HF_URL": standin.url}
        monkeypatch.setenv("ZOTSYNC_HF_URL", standin.url)
        yield standin


@pytest.fixture
def dae_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[DaeStandIn]:
    standin = DaeStandIn(days={DAY: [
        dae_row("2606.20001", "Diffusion Language Models", authors=["Li Wei", "Ana Costa"],
                categories=["cs.CL", "cs.LG"], tldr="提出一种扩散语言模型，推理更快。"),
        dae_row("2606.20002", "Robot Grasping with Vision", authors=["Kenji Sato"],
                categories=["cs.RO"], tldr="视觉引导的机器人抓取方法。"),
        dae_row("2606.20003", "A Survey of Diffusion", authors=["Maria Rossi"],
                categories=["cs.CV", "cs.CL"], tldr="扩散模型综述。"),
    ]})
    with standin.serving(""):
        template = standin.url + "/data/{date}_AI_enhanced_{language}.jsonl"
        standin.env = {"ZOTSYNC_DAE_URL": template}
        monkeypatch.setenv("ZOTSYNC_DAE_URL", template)
        yield standin


# -- arxiv:CAT: the announcement listed Tuesday 2026-06-09 holds what was submitted from
# Friday 2026-06-05 14:00 to Monday 2026-06-08 14:00 New York time (EDT, UTC-4).
LISTED = "2026-06-09"
BULK = 520  # with the named papers below, more than one page (ARXIV_PAGE_SIZE, 500)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2026, New York time (EDT) given, as UTC."""
    return datetime(2026, 6, day, hour + 4, minute, tzinfo=UTC)


def _listed(n: int, title: str, published: datetime, categories: tuple[str, ...],
            **extra: Any) -> CatalogPaper:
    return CatalogPaper(arxiv_id=f"2606.{n:05d}", title=title, authors=(f"Author{n} Family{n}", "Wei Zhang"),
                        published=published, abstract=f"We study listing problem {n}.",
                        categories=categories, on_hf=False, **extra)


ARXIV_CATALOGUE = [
    _listed(7001, "Friday Evening Parsing", _at(5, 15), ("cs.CL",)),
    _listed(7002, "Saturday Gradient Notes", _at(6, 11), ("cs.LG", "stat.ML")),
    _listed(7003, "Sunday Cross-Listed Agents", _at(7, 9), ("cs.AI", "cs.CL")),  # a cross-list
    _listed(7004, "Monday Last-Minute Tokens", _at(8, 13, 59), ("cs.CL",)),
    _listed(7005, "Robots Elsewhere", _at(6, 10), ("cs.RO",)),  # not asked for
    _listed(7006, "Thursday's Window Paper", _at(5, 13, 59), ("cs.CL",)),  # listed Monday 06-08
    # a replacement: v1 long before, v2 submitted Saturday (arXiv sorts it among the new)
    _listed(1234, "Replaced Paper Version Two", _at(1, 9), ("cs.LG",), version=2, updated=_at(6, 12)),
    *(_listed(8000 + n, f"Bulk Learning Paper {n}", _at(6, 0) + timedelta(minutes=3 * n), ("cs.LG",))
      for n in range(BULK)),
]
ARXIV_LISTED = {"Friday Evening Parsing", "Saturday Gradient Notes", "Sunday Cross-Listed Agents",
                "Monday Last-Minute Tokens"}


def serve_arxiv(catalogue: list[CatalogPaper], monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivStandIn]:
    standin = ArxivStandIn(catalogue=catalogue)
    with standin.serving("/api/query"):
        standin.env = {"ZOTSYNC_ARXIV_URL": standin.url, "ZOTSYNC_ARXIV_DELAY": "0.05"}
        for name, value in standin.env.items():
            monkeypatch.setenv(name, value)
        yield standin


@pytest.fixture
def arxiv_listing(monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivStandIn]:
    yield from serve_arxiv(list(ARXIV_CATALOGUE), monkeypatch)
