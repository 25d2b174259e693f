"""`--enrich` and `--select` on push and bib: only the chosen papers are looked up, and a
Hugging Face entry can be selected by the arXiv ID enrichment finds for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from servers.arxiv_standin import ArxivStandIn
from servers.hf_standin import HfStandIn
from servers.lookup_fixtures import Sample
from servers.zotero_emulator import ZoteroEmulator

DATA = Path(__file__).parent / "data"
MD = str(DATA / "arxiv-daily-digest.md")
HF = str(DATA / "hf-daily-papers.txt")


def test_push_looks_up_only_the_selected_paper(run_cli: Any, zotero_emu: ZoteroEmulator,
                                               arxiv_standin: ArxivStandIn, hf_standin: HfStandIn) -> None:
    env = {**zotero_emu.env, **arxiv_standin.env, **hf_standin.env}
    result = run_cli("push", MD, "-c", "Reading", "--select", "arXiv:2506.02013v1", "--dry-run", "--json",
                     env=env)
    assert result.exit_code == 0, result.stderr
    assert [p["arxiv_id"] for p in json.loads(result.stdout)["plan"]["papers"]] == ["2506.02013"]
    [request] = arxiv_standin.requests()
    assert request.params["id_list"] == "2506.02013"  # not the digest's other 7 papers
    assert hf_standin.requests() == []


def test_an_hf_entry_is_selected_by_the_id_enrichment_finds(
    run_cli: Any, tmp_path: Path, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn, lookup_sample: Sample,
) -> None:
    title, arxiv_id = next(iter(lookup_sample.expected_ids.items()))
    env = {**arxiv_standin.env, **hf_standin.env}
    out = tmp_path / "refs.bib"
    result = run_cli("bib", HF, "-o", str(out), "--select", arxiv_id, "--json", env=env)
    assert result.exit_code == 0, result.stderr
    [added] = json.loads(result.stdout)["added"]
    assert (added["arxiv_id"], added["title"]) == (arxiv_id, title)
    assert "author = {" in added["entry"]  # the page has no names; arXiv gave them
    assert len(hf_standin.requests()) == 57  # nothing matched before enrichment: all were looked up

    offline = run_cli("bib", HF, "-o", str(tmp_path / "other.bib"), "--select", "2401.00001", "--no-enrich",
                      env=env)
    assert offline.exit_code == 2
    assert "--select: 2401.00001 not among the 57 papers read" in offline.stderr


def test_no_enrich_sends_nothing(run_cli: Any, tmp_path: Path, arxiv_standin: ArxivStandIn,
                                 hf_standin: HfStandIn) -> None:
    env = {**arxiv_standin.env, **hf_standin.env}
    result = run_cli("bib", MD, HF, "-o", str(tmp_path / "refs.bib"), "--no-enrich", env=env)
    assert result.exit_code == 0, result.stderr
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    assert "added 65" in result.stderr


def test_an_empty_or_bad_select_is_refused_before_reading(run_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "refs.bib"
    for command in (["push", MD, "-c", "X", "--dry-run"], ["bib", MD, "-o", str(out)]):
        for empty in ("", ",", " , "):
            result = run_cli(*command, "--select", empty, "--no-enrich")
            assert result.exit_code == 2, (command, empty)
            assert "--select" in result.stderr and "is empty" in result.stderr
            assert "read 16 entries" not in result.stderr  # refused before the digest is read
        bad = run_cli(*command[:1], "missing.md", *command[2:], "--select", "nonsense")
        assert bad.exit_code == 2 and "'nonsense' is neither an arXiv ID nor a DOI" in bad.stderr
    assert not out.exists()
