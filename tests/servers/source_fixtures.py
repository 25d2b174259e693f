"""Fixtures for the `hf:`/`dae:` sources: a Hugging Face stand-in with a day's catalogue
(varied upvotes and authors, one survey, one paper of today) and a daily-arXiv-ai-enhanced
data host with Chinese TL;DRs and varied categories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

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
