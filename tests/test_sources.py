"""Sources wherever a FILE goes: `hf:DAY` and `dae:DAY`, fetched from loopback stand-ins of
the Hugging Face daily-papers API and the daily-arXiv-ai-enhanced data host, cached on
disk (a past day is never asked again), with `-c 'Reading/{date}'` and `--where`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from servers.dae_standin import DaeStandIn
from servers.hf_standin import HfStandIn
from servers.llm_standin import ChatStandIn, chinese_answer
from servers.source_fixtures import CATALOGUE, DAY, PICKED, TODAY
from servers.zotero_emulator import ZoteroEmulator
from zotsync.core.zotero_item import note_text


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


def test_a_source_that_refuses_is_exit_4_and_nothing_is_read(run_cli: Any, hf_days: HfStandIn,
                                                               dae_host: DaeStandIn) -> None:
    # Not retried (only 429 and 5xx are): one request, one line, the lookups' exit status.
    for standin, source, expected in ((hf_days, f"hf:{DAY}", "Hugging Face answered HTTP 403"),
                                      (dae_host, f"dae:{DAY}", "the dae host answered HTTP 403")):
        standin.fail_next("403")
        standin.clear_log()
        result = run_cli("parse", source, "--no-enrich")
        assert result.exit_code == 4, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "nothing was read" in lines[0], lines
        assert len(standin.requests()) == 1
    hf_days.fail_next("malformed")  # 200 with a broken body: not JSON
    result = run_cli("parse", f"hf:{DAY}", "--no-enrich")
    assert result.exit_code == 4 and "answer is not JSON" in result.stderr, result.stderr
    assert _titles(run_cli("parse", f"hf:{DAY}", "--no-enrich", "--json"))  # and then it is read


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


def test_the_counts_name_a_source_as_a_source(run_cli: Any, hf_days: HfStandIn, tmp_path: Path) -> None:
    result = run_cli("parse", f"hf:{DAY}", "--no-enrich")
    assert result.exit_code == 0, result.stderr
    assert f"entries from hf:{DAY}: " in result.stderr
    ids = tmp_path / "ids.txt"
    ids.write_text("2506.02013\n", encoding="utf-8")
    both = run_cli("parse", str(ids), f"hf:{DAY}", "--no-enrich")
    assert f"entries from 1 file and hf:{DAY}: " in both.stderr, both.stderr
