"""Enrichment end to end against the loopback stand-ins: resolution of the HF page
sample, request counts, the cache, offline use, failures, never guessing."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from servers.arxiv_standin import ArxivStandIn
from servers.crossref_standin import CrossrefStandIn
from servers.hf_standin import HfStandIn
from servers.lookup_fixtures import HF_DAY, HF_PAGE, Sample
from zotsync.config import Settings, load_settings
from zotsync.core.paper import Paper, Source
from zotsync.core.resolution import Status
from zotsync.enrich import VIA_ARXIV_SEARCH, VIA_HF_DAILY, VIA_HF_SEARCH, EnrichReport, enrich_papers
from zotsync.inputs import load_papers
from zotsync.lookup import make_lookups
from zotsync.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.sqlite3")


@pytest.fixture
def settings(arxiv_standin: ArxivStandIn, hf_standin: HfStandIn,
             crossref_standin: CrossrefStandIn) -> Settings:
    return Settings(arxiv_url=arxiv_standin.url, hf_url=hf_standin.url, crossref_url=crossref_standin.url,
                    arxiv_delay=0.01, cache_days=7)


@pytest.fixture
def page() -> list[Paper]:
    return load_papers([str(HF_PAGE)]).papers


def by_title(report: EnrichReport) -> dict[str, tuple[Paper, Status]]:
    return {p.title: (p, o.status) for p, o in zip(report.papers, report.outcomes, strict=True)}


def test_the_hf_page_resolves_for_every_paper_the_services_know(
    page: list[Paper], settings: Settings, store: Store, lookup_sample: Sample,
    arxiv_standin: ArxivStandIn, hf_standin: HfStandIn,
) -> None:
    lookups = make_lookups(settings, batch_size=10)
    report = enrich_papers(page, settings, store, lookups=lookups)
    lookups.close()
    found = by_title(report)
    for title, arxiv_id in lookup_sample.expected_ids.items():
        paper, status = found[title]
        assert status is Status.RESOLVED, title
        assert paper.arxiv_id == arxiv_id
        assert paper.authors and len(paper.authors) == paper.n_authors
        assert paper.categories and paper.primary_category and paper.updated and paper.version == 2
        assert paper.url == f"https://arxiv.org/abs/{arxiv_id}"
    for title in lookup_sample.ambiguous:
        paper, status = found[title]
        assert status is Status.AMBIGUOUS and paper.arxiv_id is None and not paper.authors
    for title in lookup_sample.not_found:
        paper, status = found[title]
        assert status is Status.NOT_FOUND and paper.arxiv_id is None
    assert report.counts() == {"known": 0, "resolved": 52, "ambiguous": 1, "not_found": 4, "failed": 0}

    # ⌈N/batch⌉ id_list requests + one search per unresolved title (HF, then arXiv)
    via = [o.via for o in report.outcomes]
    searched_on_arxiv = len(lookup_sample.arxiv_only) + len(lookup_sample.not_found)
    assert via.count(VIA_ARXIV_SEARCH) == len(lookup_sample.arxiv_only)
    id_lists = [r for r in arxiv_standin.requests() if "id_list" in r.params]
    assert len(id_lists) == math.ceil(via.count(VIA_HF_SEARCH) / 10)
    assert len(arxiv_standin.requests()) == len(id_lists) + searched_on_arxiv
    assert len(hf_standin.requests()) == len(page)
    assert report.sources["arxiv"].requests == len(arxiv_standin.requests())


def test_verification_reports_what_it_did_not_take(page: list[Paper], settings: Settings,
                                                   store: Store) -> None:
    report = enrich_papers(page, settings, store)
    outcomes = {p.title: o for p, o in zip(report.papers, report.outcomes, strict=True)}
    brain3d = outcomes["Brain3D: Generating 3D Objects from fMRI"]
    assert brain3d.status is Status.AMBIGUOUS
    assert len(brain3d.candidates) == 2
    topology = outcomes["The Topology and Geometry of Neural Representations"]
    assert topology.status is Status.NOT_FOUND
    assert [r.reason for r in topology.rejected] == ["3 authors, not 2"]
    hippo = next(o for title, o in outcomes.items() if title.startswith("HippoMM"))
    assert hippo.status is Status.RESOLVED
    assert [r.reason for r in hippo.rejected] == ["5 authors, not 6"]  # its twin, told apart


def test_a_second_run_makes_no_request(
    page: list[Paper], settings: Settings, store: Store, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn,
) -> None:
    first = enrich_papers(page, settings, store)
    arxiv_standin.clear_log()
    hf_standin.clear_log()
    second = enrich_papers(page, settings, store)
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    assert second.requests == 0
    assert second.papers == first.papers
    assert [o.status for o in second.outcomes] == [o.status for o in first.outcomes]


def test_answers_older_than_cache_days_are_fetched_again(
    page: list[Paper], settings: Settings, store: Store, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn,
) -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    enrich_papers(page[:3], settings, store, now=start)
    arxiv_standin.clear_log()
    hf_standin.clear_log()
    enrich_papers(page[:3], settings, store, now=start + timedelta(days=6))
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    enrich_papers(page[:3], settings, store, now=start + timedelta(days=8))
    assert len(hf_standin.requests()) == 3 and len(arxiv_standin.requests()) == 1


def test_offline_uses_only_the_cache(
    page: list[Paper], settings: Settings, store: Store, arxiv_standin: ArxivStandIn, hf_standin: HfStandIn,
) -> None:
    cold = enrich_papers(page, settings, store, offline=True)
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    assert cold.papers == page
    assert set(cold.counts()) and cold.counts()["failed"] == len(page)
    assert not cold.failed  # offline is not a network failure
    assert cold.lines()[1:] == [f"Hugging Face: offline, {len(page)} lookups not in the cache",
                                f"arXiv: offline, {len(page)} lookups not in the cache"]
    online = enrich_papers(page, settings, store, now=datetime.now(UTC) - timedelta(days=30))
    arxiv_standin.clear_log()
    hf_standin.clear_log()
    warm = enrich_papers(page, settings, store, offline=True)  # stale, but offline takes it
    assert arxiv_standin.requests() == [] and hf_standin.requests() == []
    assert warm.papers == online.papers
    assert warm.lines()[1:] == []


def test_the_daily_list_resolves_a_whole_page_in_one_request(
    page: list[Paper], settings: Settings, store: Store, lookup_sample: Sample, hf_standin: HfStandIn,
) -> None:
    report = enrich_papers(page, settings, store, hf_dates=[date.fromisoformat(HF_DAY)])
    outcomes = zip(report.papers, report.outcomes, strict=True)
    from_daily = {p.title for p, o in outcomes if o.via == VIA_HF_DAILY}
    assert from_daily == lookup_sample.on_daily
    assert len(hf_standin.requests("/api/daily_papers")) == 1
    assert len(hf_standin.requests("/api/papers/search")) == len(page) - len(from_daily)


def test_arxiv_failing_is_one_line_and_leaves_its_part_undone(
    page: list[Paper], settings: Settings, store: Store, lookup_sample: Sample, arxiv_standin: ArxivStandIn,
) -> None:
    arxiv_standin.fail_next("503", times=1000)
    report = enrich_papers(page, settings, store)
    assert len(arxiv_standin.requests()) == 4  # one request and 3 retries, then arXiv is left alone
    assert report.failed
    searches = len(lookup_sample.arxiv_only) + len(lookup_sample.not_found)
    ids = len(lookup_sample.expected_ids) - len(lookup_sample.arxiv_only)
    assert report.lines()[1:] == [f"arXiv: HTTP 503 after 4 attempts; {searches + ids} lookups not made, "
                                  "those papers were left as they were"]
    found = by_title(report)
    for title in lookup_sample.expected_ids.keys() - lookup_sample.arxiv_only:
        paper, status = found[title]
        assert status is Status.RESOLVED and paper.authors  # Hugging Face's part is done
        assert not paper.categories  # arXiv's is not
    for title in lookup_sample.arxiv_only | lookup_sample.not_found:  # arXiv might know them
        paper, status = found[title]
        assert status is Status.FAILED and paper == next(p for p in page if p.title == title)
    note = next(o.reason for p, o in zip(report.papers, report.outcomes, strict=True)
                if p.title in lookup_sample.arxiv_only)
    assert note == "arXiv: HTTP 503 after 4 attempts (Hugging Face: no match)"


def test_with_both_services_down_papers_stay_as_they_were(
    page: list[Paper], store: Store, no_network_lookups: str,
) -> None:
    settings = load_settings()
    report = enrich_papers(page, settings, store)
    assert report.papers == page
    assert {o.status for o in report.outcomes} == {Status.FAILED}
    lines = report.lines()
    assert len(lines) == 3  # the summary, then one line per source, not one per paper
    assert lines[1].startswith("Hugging Face: connection refused after 2 attempts; 57 lookups not made")
    assert lines[2].startswith("arXiv: connection refused after 2 attempts; 57 lookups not made")


def test_known_ids_get_arxivs_metadata(
    settings: Settings, store: Store, lookup_sample: Sample, arxiv_standin: ArxivStandIn,
) -> None:
    listed = next(p for p in lookup_sample.catalogue if p.journal_ref)
    retitled = lookup_sample.catalogue[5]
    papers = [
        Paper(title=listed.title, arxiv_id=listed.arxiv_id, authors=("Someone Else",)),
        Paper(title="A title the digest got wrong", arxiv_id=retitled.arxiv_id),
        Paper(title="Not on arXiv", arxiv_id="2501.99999"),
        Paper(title="Complete", arxiv_id="2501.00001", authors=("A B",), published=date(2025, 1, 1)),
    ]
    report = enrich_papers(papers, settings, store)
    assert [o.status for o in report.outcomes] == [Status.KNOWN, Status.KNOWN, Status.NOT_FOUND, Status.KNOWN]
    filled = report.papers[0]
    assert filled.authors == listed.authors
    assert (filled.journal_ref, filled.doi, filled.published) == (listed.journal_ref, listed.doi,
                                                                  listed.published.date())
    assert report.outcomes[0].sources == ("arxiv", "crossref")  # arXiv gave a journal DOI
    assert filled.publication is not None and filled.publication.container == "Neural Computation"
    assert report.outcomes[2].reason == "arXiv has no paper 2501.99999"
    assert report.papers[3].replace(url=None, pdf_url=None) == papers[3]  # links aside, as it was
    assert report.outcomes[3].sources == ()
    assert report.warnings == [f"{retitled.arxiv_id}: arXiv's title is {retitled.title!r}, the digest's "
                               "'A title the digest got wrong' (arXiv's metadata used; the digest's "
                               "title kept)"]
    (request,) = arxiv_standin.requests()  # the complete paper was not asked about
    assert request.params["id_list"].split(",") == [listed.arxiv_id, retitled.arxiv_id, "2501.99999"]


def test_an_id_list_entry_gets_its_title_from_arxiv(
    settings: Settings, store: Store, lookup_sample: Sample, tmp_path: Path,
) -> None:
    listed = lookup_sample.catalogue[3]
    ids = tmp_path / "ids.txt"
    ids.write_text(f"arXiv:{listed.arxiv_id}\n10.1000/only-a-doi\n", encoding="utf-8")
    report = enrich_papers(load_papers([str(ids)]).papers, settings, store)
    assert report.papers[0].title == listed.title and report.papers[0].authors == listed.authors
    assert report.warnings == []
    assert report.outcomes[1].status is Status.NOT_FOUND
    assert report.outcomes[1].reason == "only a DOI: arXiv and Hugging Face cannot be searched by DOI"


def test_a_resolved_id_can_show_two_entries_are_one_paper(
    page: list[Paper], settings: Settings, store: Store, lookup_sample: Sample,
) -> None:
    entry = page[1]
    arxiv_id = lookup_sample.expected_ids[entry.title]
    other = Paper(title="How neurons operate on sparse representations", arxiv_id=arxiv_id,
                  sources=(Source("ids.txt", 1),))
    report = enrich_papers([entry, other], settings, store)
    assert report.merged == 1
    (paper,) = report.papers
    assert paper.sources == (*entry.sources, Source("ids.txt", 1))
    assert report.outcomes[0].status is Status.RESOLVED


def test_progress_is_reported_per_step(page: list[Paper], settings: Settings, store: Store) -> None:
    seen: list[tuple[str, int, int]] = []
    enrich_papers(page[:4], settings, store, on_progress=lambda *step: seen.append(step))
    assert ("Hugging Face search", 4, 4) in seen
    assert ("arXiv metadata", 1, 1) in seen
