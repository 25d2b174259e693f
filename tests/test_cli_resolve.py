"""`zotsync resolve` and `parse --enrich` end to end, against the loopback stand-ins."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import quote

from servers.arxiv_standin import ArxivStandIn
from servers.crossref_standin import CrossrefStandIn
from servers.hf_standin import HfStandIn
from servers.lookup_fixtures import HF_DAY, Sample

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "hf-daily-papers.txt")
RESOLUTION_FIELDS = {"resolution", "resolved_via", "resolution_note", "candidates", "rejected",
                     "enriched_from"}


def both(arxiv: ArxivStandIn, hf: HfStandIn) -> dict[str, str]:
    return {**arxiv.env, **hf.env}


def test_resolve_gives_ids_and_authors_in_few_requests_and_none_the_second_time(
    run_cli: Any, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn, crossref_standin: CrossrefStandIn,
    lookup_sample: Sample,
) -> None:
    env = {**both(arxiv_standin, hf_standin), **crossref_standin.env}
    result = run_cli("resolve", EXAMPLE, "--json", env=env)
    assert result.exit_code == 0, result.stderr
    papers = json.loads(result.stdout)
    assert len(papers) == 57
    by_title = {p["title"]: p for p in papers}
    for title, arxiv_id in lookup_sample.expected_ids.items():
        paper = by_title[title]
        assert paper["arxiv_id"] == arxiv_id
        assert paper["authors"] and len(paper["authors"]) == paper["author_count"]
        assert paper["resolution"] == "resolved"
        assert "arxiv" in paper["enriched_from"]
    for paper in papers:
        assert set(paper) >= RESOLUTION_FIELDS | {"seen_before", "summary", "upvotes"}
    (ambiguous,) = [p for p in papers if p["resolution"] == "ambiguous"]
    assert ambiguous["arxiv_id"] is None and len(ambiguous["candidates"]) == 2
    assert {p["title"] for p in papers if p["resolution"] == "not_found"} == lookup_sample.not_found

    # ⌈N/batch⌉ + title searches: every title once on HF, the unknown ones once on arXiv
    resolved_by_hf = sum(1 for p in papers if p["resolved_via"] == "huggingface search")
    arxiv_searches = len(lookup_sample.arxiv_only) + len(lookup_sample.not_found)
    assert len(arxiv_standin.requests()) == math.ceil(resolved_by_hf / 100) + arxiv_searches
    assert len(hf_standin.requests()) == 57
    assert "enrichment of 57 papers: 52 resolved, 1 ambiguous, 4 not found" in result.stderr
    assert f"requests: Hugging Face 57, arXiv {1 + arxiv_searches}, Crossref 1;" in result.stderr
    # The one paper arXiv gives a journal DOI gets its published version from Crossref.
    [published] = [p for p in papers if p["publication"]]
    journal = next(c for c in lookup_sample.catalogue if c.doi)
    assert (published["arxiv_id"], published["doi"]) == (journal.arxiv_id, journal.doi)
    assert published["publication"] | {"issn": None} == {
        "kind": "journal-article", "container": "Neural Computation", "container_short": "Neural J.",
        "volume": "28", "issue": "3", "pages": "1-40", "issn": None, "isbn": [], "publisher": "MIT Press",
        "date": "2016-03"}
    assert published["enriched_from"] == ["huggingface", "arxiv", "crossref"]
    [request] = crossref_standin.requests()
    assert request.path == f"/works/{quote(journal.doi, safe='')}"  # Crossref asks for encoded DOIs

    arxiv_standin.clear_log()
    hf_standin.clear_log()
    crossref_standin.clear_log()
    again = run_cli("resolve", EXAMPLE, "--json", env=env)
    assert again.exit_code == 0
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    assert crossref_standin.requests() == []
    assert "requests: Hugging Face 0, arXiv 0, Crossref 0" in again.stderr
    assert json.loads(again.stdout) == papers


def test_offline_sends_nothing(
    run_cli: Any, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn,
) -> None:
    result = run_cli("resolve", EXAMPLE, "--json", "--offline", env=both(arxiv_standin, hf_standin))
    assert result.exit_code == 0
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    papers = json.loads(result.stdout)
    assert {p["resolution"] for p in papers} == {"failed"}
    assert "arXiv: offline, 57 lookups not in the cache" in result.stderr


def test_unreachable_services_exit_4_with_one_line_each(run_cli: Any, no_network_lookups: str) -> None:
    result = run_cli("resolve", EXAMPLE, "--json")
    assert result.exit_code == 4
    papers = json.loads(result.stdout)  # stdout is still one JSON document
    assert all(p["arxiv_id"] is None and p["resolution"] == "failed" for p in papers)
    lines = result.stderr.splitlines()
    assert sum("lookups not made" in line for line in lines) == 2
    assert lines[-1].startswith("zotsync: error: some lookups could not be made")


def test_the_daily_list_option(
    run_cli: Any, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn, lookup_sample: Sample,
) -> None:
    result = run_cli("resolve", EXAMPLE, "--json", "--hf-date", HF_DAY, env=both(arxiv_standin, hf_standin))
    papers = json.loads(result.stdout)
    daily = {p["title"] for p in papers if p["resolved_via"] == "huggingface daily papers"}
    assert daily == lookup_sample.on_daily


def test_the_table_shows_each_resolution(run_cli: Any, arxiv_standin: ArxivStandIn,
                                         hf_standin: HfStandIn, crossref_standin: CrossrefStandIn) -> None:
    result = run_cli("resolve", EXAMPLE, env=both(arxiv_standin, hf_standin))
    assert result.exit_code == 0
    for word in ("resolved", "ambiguous", "not_found"):
        assert word in result.stdout


def test_parse_enriches_by_default_and_not_when_asked(
    run_cli: Any, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn, lookup_sample: Sample,
) -> None:
    plain = run_cli("parse", EXAMPLE, "--json", "--no-enrich", env=both(arxiv_standin, hf_standin))
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    assert all(p["arxiv_id"] is None for p in json.loads(plain.stdout))

    offline = run_cli("parse", EXAMPLE, "--json", "--offline", env=both(arxiv_standin, hf_standin))
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    assert offline.exit_code == 0

    enriched = run_cli("parse", EXAMPLE, "--json", env=both(arxiv_standin, hf_standin))
    assert enriched.exit_code == 0
    papers = json.loads(enriched.stdout)
    assert "resolution" not in papers[0]  # parse's JSON is unchanged in shape
    ids = {p["title"]: p["arxiv_id"] for p in papers}
    assert all(ids[title] == arxiv_id for title, arxiv_id in lookup_sample.expected_ids.items())
    assert "enrichment of 57 papers" in enriched.stderr


def test_parse_carries_on_when_the_services_are_down(run_cli: Any, no_network_lookups: str) -> None:
    result = run_cli("parse", EXAMPLE, "--json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 57
    assert sum("lookups not made" in line for line in result.stderr.splitlines()) == 2
