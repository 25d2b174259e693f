"""`zotsync daily` end to end: [[daily]] entries from the config, the HF and dae stand-ins,
the LLM stand-in and the Zotero emulator; run twice (the second writes nothing and asks
no source again for a past day)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from servers.arxiv_standin import ArxivStandIn
from servers.dae_standin import DaeStandIn
from servers.hf_standin import HfStandIn
from servers.llm_standin import ChatStandIn
from servers.source_fixtures import DAY, PICKED
from servers.zotero_emulator import ZoteroEmulator

CONFIG = f"""
[filters]
hot = "upvotes:>=20 -survey"

[[daily]]
source = "hf:{DAY}"
where = "@hot"
collection = "Reading/{{date}}"
summarize = true

[[daily]]
source = "dae:{DAY}"
where = "扩散 -综述"
collection = "Chinese/{{date}}"
tags = ["dae"]

[[daily]]
source = "hf:2026-06-07"
collection = "Reading/{{date}}"
"""


def _config(tmp_path: Path, text: str = CONFIG) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return {"ZOTSYNC_CONFIG": str(path)}


def _papers(emu: ZoteroEmulator) -> list[dict[str, Any]]:
    return [i for i in emu.library().items.values() if i["itemType"] not in {"note", "attachment"}]


def test_daily_twice_files_once_and_asks_once(
    run_cli: Any, tmp_path: Path, zotero_emu: ZoteroEmulator, hf_days: HfStandIn, dae_host: DaeStandIn,
    llm_standin: ChatStandIn,
) -> None:
    env = {**zotero_emu.env, **hf_days.env, **dae_host.env, **llm_standin.env, **_config(tmp_path)}
    first = run_cli("daily", "--json", env=env)
    assert first.exit_code == 0, first.stderr
    lines = [line for line in first.stderr.splitlines() if line.startswith("daily ")]
    assert len(lines) == 3
    assert lines[0].startswith(f"daily 1/3 hf:{DAY}: pushed: created 3")
    assert f"(into Reading/{DAY})" in lines[0]
    assert lines[1].startswith(f"daily 2/3 dae:{DAY}: pushed: created 1") and f"Chinese/{DAY}" in lines[1]
    assert lines[2].startswith("daily 3/3 hf:2026-06-07: no Hugging Face daily papers for 2026-06-07")
    document = json.loads(first.stdout)
    assert [e["status"] for e in document["entries"]] == ["pushed", "pushed", "no digest"]
    titles = sorted(i["title"] for i in _papers(zotero_emu))
    assert titles == sorted([*PICKED, "Diffusion Language Models"])
    [dae_item] = [i for i in _papers(zotero_emu) if i["title"] == "Diffusion Language Models"]
    assert {"tag": "dae"} in dae_item["tags"]
    assert {r.title for r in llm_standin.completions()} == set(PICKED)  # summarize: the HF entry only

    zotero_emu.clear_log()
    hf_days.clear_log()
    dae_host.clear_log()
    llm_standin.clear_log()
    second = run_cli("daily", env=env)
    assert second.exit_code == 0, second.stderr
    assert zotero_emu.writes == []
    assert [r.params.get("date") for r in hf_days.requests()] == ["2026-06-07"]  # only the day that had none
    assert dae_host.requests() == [] and llm_standin.requests() == []
    again = next(x for x in second.stderr.splitlines() if x.startswith("daily 1/3"))
    assert "already filed 3" in again and "created" not in again, again


def test_dry_run_writes_nothing(run_cli: Any, tmp_path: Path, zotero_emu: ZoteroEmulator,
                                hf_days: HfStandIn, dae_host: DaeStandIn) -> None:
    env = {**zotero_emu.env, **hf_days.env, **dae_host.env, **_config(tmp_path)}
    result = run_cli("daily", "--dry-run", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    assert zotero_emu.writes == []
    assert [e["status"] for e in json.loads(result.stdout)["entries"]] == ["dry run", "dry run", "no digest"]
    line = next(x for x in result.stderr.splitlines() if x.startswith("daily 1/3"))
    assert line.startswith(f"daily 1/3 hf:{DAY}: would push: create 3"), line


def test_a_failing_entry_sets_the_exit_status_and_the_others_run(
    run_cli: Any, tmp_path: Path, zotero_emu: ZoteroEmulator, dae_host: DaeStandIn,
) -> None:
    config = f"""
[[daily]]
source = "dae:{DAY}"
where = "upvotes:>=x"
collection = "A"

[[daily]]
source = "dae:{DAY}"
collection = "B/{{date}}"
"""
    env = {**zotero_emu.env, **dae_host.env, **_config(tmp_path, config)}
    result = run_cli("daily", env=env)
    assert result.exit_code == 2
    assert "daily 1/2 dae:2026-06-08: failed: --where: column 11 of 'upvotes:>=x'" in result.stderr
    assert len(_papers(zotero_emu)) == 3  # the second entry ran


def test_no_entries_and_bad_entries_are_one_line(run_cli: Any, tmp_path: Path) -> None:
    result = run_cli("daily", env=_config(tmp_path, ""))
    assert result.exit_code == 2 and "no [[daily]] entries" in result.stderr
    result = run_cli("daily", env=_config(tmp_path, '[[daily]]\nsource = "hf:today"\ncolection = "A"\n'))
    assert result.exit_code == 2
    assert "[[daily]] entry 1: unknown key 'colection'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_daily_arxiv_entry_files_the_listing_once(run_cli: Any, tmp_path: Path, zotero_emu: ZoteroEmulator,
                                                  arxiv_listing: ArxivStandIn) -> None:
    """An arxiv: entry files the newest announcement into its listing's date; the second run
    writes nothing. (The June listing's next announcement is long due, so it is asked again
    only once the cached answer is older than sources.max_age, an hour.)"""
    config = _config(tmp_path, '[[daily]]\nsource = "arxiv:cs.CL"\ncollection = "arXiv/{date}"\n')
    env = {**zotero_emu.env, **arxiv_listing.env, **config}
    first = run_cli("daily", env=env)
    assert first.exit_code == 0, first.stderr
    assert "daily 1/1 arxiv:cs.CL: pushed: created 3" in first.stderr
    assert "(into arXiv/2026-06-09)" in first.stderr
    asked = len(arxiv_listing.requests("/api/query"))
    writes = len(zotero_emu.writes)
    again = run_cli("daily", env=env)
    assert again.exit_code == 0, again.stderr
    assert len(zotero_emu.writes) == writes
    assert len(arxiv_listing.requests("/api/query")) == asked  # the listing came from the cache
