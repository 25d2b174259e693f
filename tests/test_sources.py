"""Sources wherever a FILE goes: `hf:DAY` and `dae:DAY`, fetched from loopback stand-ins of
the Hugging Face daily-papers API and the daily-arXiv-ai-enhanced data host, cached on
disk (a past day is never asked again), with `-c 'Reading/{date}'` and `--where`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from servers.dae_standin import DaeStandIn, dae_row
from servers.hf_standin import HfStandIn
from servers.llm_standin import ChatStandIn, chinese_answer
from servers.standin import CatalogPaper
from servers.zotero_emulator import ZoteroEmulator
from zotsync.core.zotero_item import note_text

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


def _titles(result: Any) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [p["title"] for p in json.loads(result.stdout)]


def test_hf_day_is_read_and_cached_for_good(run_cli: Any, hf_days: HfStandIn) -> None:
    titles = _titles(run_cli("parse", f"hf:{DAY}", "--no-enrich", "--json"))
    assert titles == [p.title for p in CATALOGUE if p.hf_daily == DAY]
    assert len(hf_days.requests("/api/daily_papers")) == 1
    assert hf_days.requests()[0].params["date"] == DAY
    hf_days.clear_log()
    again = run_cli("parse", f"hf:{DAY}", "--no-enrich", "--json", "--where", "upvotes:>=20 -survey")
    assert _titles(again) == PICKED
    assert hf_days.requests() == []  # a past day is never asked again


def test_today_is_fetched_again_after_the_configured_age(run_cli: Any, hf_days: HfStandIn) -> None:
    assert _titles(run_cli("parse", "hf:today", "--no-enrich", "--json")) == ["Today's Paper"]
    assert _titles(run_cli("parse", "hf:today", "--no-enrich", "--json")) == ["Today's Paper"]
    assert len(hf_days.requests()) == 1  # fresh enough (sources.max_age, 1 hour)
    result = run_cli("parse", "hf:today", "--no-enrich", "--json", env={"ZOTSYNC_SOURCES_MAX_AGE": "0"})
    assert _titles(result) == ["Today's Paper"]
    assert len(hf_days.requests()) == 2


def test_source_errors_are_one_line(run_cli: Any, hf_days: HfStandIn, dae_host: DaeStandIn) -> None:
    weekend = (date.fromisoformat(DAY) - timedelta(days=1)).isoformat()
    cases = {
        ("hf:2026-13-01",):
            "hf:2026-13-01: bad date '2026-13-01' (write hf:YYYY-MM-DD, hf:today or hf:yesterday)",
        ("hf:June",): "bad date 'June'",
        ("rss:today",): "rss:today: unknown source rss:",
        (f"hf:{weekend}",): f"no Hugging Face daily papers for {weekend} (Sunday)",
        (f"dae:{weekend}",): f"no daily-arXiv-ai-enhanced digest for {weekend} (Sunday; HTTP 404",
    }
    for args, expected in cases.items():
        result = run_cli("parse", *args, "--no-enrich")
        assert result.exit_code == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (args, lines)


def test_a_file_named_like_a_source_is_still_a_file(run_cli: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    digest = tmp_path / "hf:notes.txt"
    digest.write_text("2506.02013\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("parse", "hf:notes.txt", "--no-enrich", "--json")
    assert result.exit_code == 0, result.stderr


def test_dae_day_with_chinese_tldrs_and_rules(run_cli: Any, dae_host: DaeStandIn) -> None:
    result = run_cli("parse", f"dae:{DAY}", "--no-enrich", "--json", "--where", "扩散 -综述")
    assert _titles(result) == ["Diffusion Language Models"]
    assert json.loads(result.stdout)[0]["summary"]["tldr"] == "提出一种扩散语言模型，推理更快。"
    assert [r.path for r in dae_host.requests()] == [f"/data/{DAY}_AI_enhanced_Chinese.jsonl"]
    assert _titles(run_cli("parse", f"dae:{DAY}", "--no-enrich", "--json", "--where", "cat:cs.CL")) == [
        "Diffusion Language Models", "A Survey of Diffusion"]
    assert len(dae_host.requests()) == 1  # cached
    english = run_cli("parse", f"dae:{DAY}", "--no-enrich", env={"ZOTSYNC_DAE_LANGUAGE": "English"})
    assert english.exit_code == 2 and "HTTP 404" in english.stderr  # another file: asked, not there


def test_push_hf_day_with_rules_into_a_dated_collection_with_notes(
    run_cli: Any, zotero_emu: ZoteroEmulator, hf_days: HfStandIn, llm_standin: ChatStandIn,
) -> None:
    """The issue's "done when": exactly the papers the rules pick, in Reading/2026-06-08, with notes."""
    env = {**zotero_emu.env, **hf_days.env, **llm_standin.env}
    result = run_cli("push", f"hf:{DAY}", "--where", "upvotes:>=20 -survey", "-c", "Reading/{date}",
                     "--summarize", env=env)
    assert result.exit_code == 0, result.stderr
    library = zotero_emu.library()
    collections = {c["key"]: c for c in library.collections.values()}
    [day] = [c for c in collections.values() if c["name"] == DAY]
    assert collections[day["parentCollection"]]["name"] == "Reading"
    items = [i for i in library.items.values() if i["itemType"] not in {"note", "attachment"}]
    assert sorted(i["title"] for i in items) == sorted(PICKED)
    assert all(i["collections"] == [day["key"]] for i in items)
    notes = {i["parentItem"]: note_text(i["note"]) for i in library.items.values() if i["itemType"] == "note"}
    for item in items:
        assert notes[item["key"]].startswith("TL;DR: " + chinese_answer(item["title"])["tldr"])
    assert {r.title for r in llm_standin.completions()} == set(PICKED)  # only the picked were summarized


def test_a_file_files_into_todays_collection(run_cli: Any, zotero_emu: ZoteroEmulator,
                                             tmp_path: Path) -> None:
    digest = tmp_path / "ids.txt"
    digest.write_text("2506.02013\n", encoding="utf-8")
    result = run_cli("push", str(digest), "--no-enrich", "-c", "Daily/{date}", env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    names = {c["name"] for c in zotero_emu.library().collections.values()}
    assert TODAY in names
