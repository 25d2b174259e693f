"""`--where QUERY` on the commands that read digests: what they pick, the column of a
mistake, named filters from the config, and push filing only the picked papers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from servers.zotero_emulator import ZoteroEmulator

DATA = Path(__file__).parent / "data"
HF_JSON = str(DATA / "hf_daily_papers.json")  # upvotes 17, 0 and none
MD = str(DATA / "arxiv-daily-digest.md")  # 8 papers with Chinese summaries


def _ids(result: Any) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [p["arxiv_id"] for p in json.loads(result.stdout)]


def test_parse_where_picks_by_upvotes_and_negation(run_cli: Any) -> None:
    everything = _ids(run_cli("parse", HF_JSON, "--no-enrich", "--json"))
    assert len(everything) == 3
    picked = _ids(run_cli("parse", HF_JSON, "--no-enrich", "--json", "--where", "upvotes:>=1"))
    assert picked == ["2606.04410"]
    result = run_cli("parse", HF_JSON, "--no-enrich", "--json", "--where", "-upvotes:>=1")
    assert _ids(result) == ["2606.05123", "2605.30007"]
    assert "--where picked 2 of 3 papers" in result.stderr


def test_parse_where_searches_chinese_tldrs_and_fields(run_cli: Any) -> None:
    papers = json.loads(run_cli("parse", MD, "--no-enrich", "--json").stdout)
    first = papers[0]
    tldr = first["summary"]["tldr"]
    cjk = next(c for c in tldr if "\u4e00" <= c <= "\u9fff")
    start = tldr.index(cjk)
    picked = _ids(run_cli("parse", MD, "--no-enrich", "--json", "--where", tldr[start:start + 3]))
    assert first["arxiv_id"] in picked
    category = first["primary_category"]
    expected = [p["arxiv_id"] for p in papers
                if category in p["categories"] or p["primary_category"] == category]
    assert _ids(run_cli("parse", MD, "--no-enrich", "--json", "--where", f"cat:{category}")) == expected
    surname = first["authors"][0].split()[-1]
    assert first["arxiv_id"] in _ids(run_cli("parse", MD, "--no-enrich", "--json", "--where",
                                             f"author:{surname.lower()}"))


def test_a_syntax_error_is_one_line_with_the_column_before_reading(run_cli: Any) -> None:
    result = run_cli("parse", "no-such-file.md", "--where", "upvotes:>=x -survey")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "column 11 of 'upvotes:>=x -survey'" in lines[0]
    assert "whole number" in lines[0]
    assert "no-such-file" not in lines[0]  # checked before any digest is read


def test_named_filters_come_from_the_config(run_cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[filters]\nhot = "upvotes:>10"\nbroken = "upvotes:>>1"\n', encoding="utf-8")
    env = {"ZOTSYNC_CONFIG": str(config)}
    hot = _ids(run_cli("parse", HF_JSON, "--no-enrich", "--json", "--where", "@hot", env=env))
    assert hot == ["2606.04410"]
    result = run_cli("parse", HF_JSON, "--no-enrich", "--where", "@broken", env=env)
    assert result.exit_code == 2 and "filter @broken, column 10 of 'upvotes:>>1'" in result.stderr
    result = run_cli("parse", HF_JSON, "--no-enrich", "--where", "@cold", env=env)
    assert result.exit_code == 2 and "no filter named @cold" in result.stderr and "@hot" in result.stderr
    config.write_text("[filters]\nhot = 3\n", encoding="utf-8")
    result = run_cli("parse", HF_JSON, "--no-enrich", "--where", "@hot", env=env)
    assert result.exit_code == 2 and "must be a quoted query" in result.stderr


def test_seen_reads_the_store(run_cli: Any, tmp_path: Path) -> None:
    first = tmp_path / "monday.json"
    first.write_text(Path(HF_JSON).read_text(encoding="utf-8"), encoding="utf-8")
    assert run_cli("parse", str(first), "--no-enrich").exit_code == 0
    assert _ids(run_cli("parse", HF_JSON, "--no-enrich", "--json", "--where", "seen:no")) == []
    assert len(_ids(run_cli("parse", HF_JSON, "--no-enrich", "--json", "--where", "seen:yes"))) == 3


def test_push_files_only_what_the_rules_pick(run_cli: Any, zotero_emu: ZoteroEmulator) -> None:
    result = run_cli("push", HF_JSON, "-c", "Picked", "--no-enrich", "--where", "upvotes:>=1",
                     env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    titles = [i["title"] for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]
    assert titles == [t for t in titles if t.startswith("Agents That Read the Manual")] and len(titles) == 1
    # in:library now knows it; nothing else matches upvotes:>=1
    result = run_cli("parse", HF_JSON, "--no-enrich", "--json", "--where", "in:library", env=zotero_emu.env)
    assert _ids(result) == ["2606.04410"]
    zotero_emu.clear_log()
    nothing = run_cli("push", HF_JSON, "-c", "Picked", "--no-enrich", "--where", "upvotes:>=1000",
                      env=zotero_emu.env)
    assert nothing.exit_code == 0, nothing.stderr
    assert "nothing to push" in nothing.stderr and zotero_emu.writes == []
