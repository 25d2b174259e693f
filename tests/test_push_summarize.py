"""`push --summarize`: Chinese TL;DR notes for papers whose digest has none — Zotero
emulator, arXiv/HF stand-ins and the Chat Completions stand-in, all real HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from servers.arxiv_standin import ArxivStandIn
from servers.crossref_standin import CrossrefStandIn
from servers.hf_standin import HfStandIn
from servers.llm_fixtures import many_papers
from servers.llm_standin import ChatStandIn, chinese_answer
from servers.lookup_fixtures import Sample
from servers.zotero_emulator import ZoteroEmulator
from zotsync.core.zotero_item import note_text

ROOT = Path(__file__).resolve().parents[1]
HF_EXAMPLE = str(ROOT / "examples" / "hf-daily-papers.txt")


def _notes_by_parent(emu: ZoteroEmulator) -> dict[str, str]:
    items = emu.library().items.values()
    return {i["parentItem"]: note_text(i["note"]) for i in items if i["itemType"] == "note"}


def test_push_summarize_makes_chinese_notes_for_every_resolved_hf_paper(
    run_cli: Any, zotero_emu: ZoteroEmulator, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn,
    crossref_standin: CrossrefStandIn, llm_standin: ChatStandIn, lookup_sample: Sample,
) -> None:
    env = {**zotero_emu.env, **arxiv_standin.env, **hf_standin.env, **crossref_standin.env,
           **llm_standin.env}
    result = run_cli("push", HF_EXAMPLE, "-c", "Reading/HF", "--summarize", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    notes = _notes_by_parent(zotero_emu)
    items = {i["key"]: i for i in zotero_emu.library().items.values()
             if i["itemType"] not in {"note", "attachment"}}
    by_title = {i["title"]: key for key, i in items.items()}
    for title in lookup_sample.expected_ids:
        text = notes[by_title[title]]
        assert text.startswith("TL;DR: " + chinese_answer(title)["tldr"])  # its own, not a neighbour's
        assert text.endswith("AI summary written by standin-chat, added by zotsync.")
    # Hugging Face's English ai_summary went into the prompt of the papers that have one.
    with_ai = {c.title for c in lookup_sample.catalogue if c.ai_summary and c.on_hf}
    resolved = [r for r in llm_standin.completions() if r.title in lookup_sample.expected_ids]
    assert len(resolved) == len(lookup_sample.expected_ids)
    for request in resolved:
        user = request.body["messages"][-1]["content"] if request.body else ""
        assert ("A short English summary from Hugging Face:" in user) == (request.title in with_ai)
    assert "summaries: " in result.stderr and " generated, " in result.stderr

    # Again: no LLM request, no Zotero write.
    llm_standin.clear_log()
    zotero_emu.clear_log()
    again = run_cli("push", HF_EXAMPLE, "-c", "Reading/HF", "--summarize", env=env)
    assert again.exit_code == 0, again.stderr
    assert llm_standin.requests() == [] and zotero_emu.writes == []


def test_push_uses_stored_summaries_and_the_config_default(
    run_cli: Any, zotero_emu: ZoteroEmulator, llm_standin: ChatStandIn, tmp_path: Path,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 3)
    env = {**zotero_emu.env, **llm_standin.env}
    # [push] summarize = true in the config file does what --summarize does
    config = tmp_path / "config.toml"
    config.write_text("[push]\nsummarize = true\n", encoding="utf-8")
    llm_standin.answers["Paper Number 2: Learning Things Well"] = "no JSON here"
    result = run_cli("push", str(digest), "-c", "R", "--no-enrich", "--json",
                     env={**env, "ZOTSYNC_CONFIG": str(config)})
    assert result.exit_code == 4, result.stderr  # pushed, but one summary failed
    assert "failed: 2607.10002: the model's answer is not a JSON object" in result.stderr
    notes = _notes_by_parent(zotero_emu)
    assert len(notes) == 2  # the failed one went without a note
    assert json.loads(result.stdout)["counts"]["created"] == 3
    # Without --summarize a later push still writes the note from the stored summary of
    # a later `summarize` — and sends no LLM request itself.
    llm_standin.answers.clear()
    assert run_cli("summarize", str(digest), "--no-enrich", env=env).exit_code == 0
    llm_standin.clear_log()
    later = run_cli("push", str(digest), "-c", "R", "--no-enrich", env=env)
    assert later.exit_code == 0, later.stderr
    assert llm_standin.requests() == []
    assert len(_notes_by_parent(zotero_emu)) == 3
    assert "notes created 1" in later.stderr


def test_push_summarize_without_an_llm_says_so_before_anything_else(
    run_cli: Any, zotero_emu: ZoteroEmulator, tmp_path: Path,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 1)
    result = run_cli("push", str(digest), "-c", "R", "--summarize", env=zotero_emu.env)
    assert result.exit_code == 2
    assert "no LLM configured" in result.stderr
    assert zotero_emu.log == []
