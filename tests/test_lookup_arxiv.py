"""The arXiv API client against the loopback stand-in: id_list batches, title searches,
malformed answers and the HTTP 400 error feed."""

from __future__ import annotations

import math

import pytest

from servers.arxiv_standin import ArxivStandIn, title_matches
from servers.lookup_fixtures import Sample
from zotsync.lookup.arxiv import ArxivClient, title_query
from zotsync.lookup.http import HttpClient, Policy, SourceUnavailable

FAST = Policy(delay=0.0, retries=2, backoff=0.01, timeout=5)


def client_for(standin: ArxivStandIn, batch_size: int = 100) -> ArxivClient:
    return ArxivClient(HttpClient("arXiv", FAST), standin.url, batch_size=batch_size)


def test_ids_are_fetched_in_batches(arxiv_standin: ArxivStandIn, lookup_sample: Sample) -> None:
    ids = [p.arxiv_id for p in lookup_sample.catalogue if p.on_arxiv]
    client = client_for(arxiv_standin, batch_size=7)
    found, refused = client.fetch_ids([*ids, "2501.99999"])
    assert set(found) == set(ids) and refused == {}
    log = arxiv_standin.requests()
    assert len(log) == math.ceil((len(ids) + 1) / 7)
    assert all(int(r.params["max_results"]) == len(r.params["id_list"].split(",")) for r in log)


def test_records_carry_arxivs_metadata(arxiv_standin: ArxivStandIn, lookup_sample: Sample) -> None:
    wanted = next(p for p in lookup_sample.catalogue if p.journal_ref)
    found, _ = client_for(arxiv_standin).fetch_ids([wanted.arxiv_id])
    paper = found[wanted.arxiv_id]
    assert paper.title == wanted.title  # unwrapped
    assert paper.authors == wanted.authors
    assert paper.version == 2
    assert paper.primary_category == wanted.categories[0]
    assert paper.published == wanted.published.date()
    assert paper.updated is not None and wanted.updated is not None and paper.updated == wanted.updated.date()
    assert (paper.journal_ref, paper.doi, paper.comment) == (wanted.journal_ref, wanted.doi, wanted.comment)
    assert paper.sources == ()


def test_unknown_ids_just_have_no_record(arxiv_standin: ArxivStandIn) -> None:
    found, refused = client_for(arxiv_standin).fetch_ids(["2501.99999", "hep-th/9901001"])
    assert found == {} and refused == {}
    assert len(arxiv_standin.requests()) == 1


def test_text_that_is_no_arxiv_id_is_never_sent(arxiv_standin: ArxivStandIn) -> None:
    _, refused = client_for(arxiv_standin).fetch_ids(["abc"])
    assert refused == {"abc": "not an arXiv ID"}
    assert arxiv_standin.requests() == []


def test_an_id_arxiv_calls_malformed_is_dropped_and_the_batch_asked_again(
    arxiv_standin: ArxivStandIn, lookup_sample: Sample
) -> None:
    first, second, third = (p.arxiv_id for p in lookup_sample.catalogue[:3])
    arxiv_standin.reject_ids = {second}
    found, refused = client_for(arxiv_standin).fetch_ids([first, second, third])
    assert set(found) == {first, third}
    assert refused == {second: "arXiv: incorrect ID format"}
    assert [r.status for r in arxiv_standin.requests()] == [400, 200]


def test_a_malformed_answer_is_asked_for_once_more(arxiv_standin: ArxivStandIn, lookup_sample: Sample,
                                                   ) -> None:
    arxiv_standin.fail_next("malformed")
    wanted = lookup_sample.catalogue[0].arxiv_id
    found, _ = client_for(arxiv_standin).fetch_ids([wanted])
    assert set(found) == {wanted}
    assert len(arxiv_standin.requests()) == 2


def test_two_malformed_answers_give_up(arxiv_standin: ArxivStandIn, lookup_sample: Sample) -> None:
    arxiv_standin.fail_next("malformed", times=2)
    with pytest.raises(SourceUnavailable, match=r"^arXiv: unreadable answer twice \(.*not well-formed XML"):
        client_for(arxiv_standin).fetch_ids([lookup_sample.catalogue[0].arxiv_id])


def test_title_queries_strip_punctuation() -> None:
    query = title_query("BrainMAE: A Region-aware Self-supervised Learning Framework for Brain Signals")
    assert query == 'ti:"brainmae a region aware self supervised learning framework for brain signals"'
    assert title_query("  ") is None
    # the stand-in breaks on a colon as arXiv does, and reads a hyphen as NOT
    title = "BrainMAE: A Region-aware Self-supervised Learning"
    assert title_matches('ti:"BrainMAE: A Region"', title) is None
    assert title_matches("ti:brainmae -ti:aware", title) is False
    assert title_matches(query or "", title + " Framework for Brain Signals")


def test_a_title_search_finds_an_arxiv_only_paper(arxiv_standin: ArxivStandIn, lookup_sample: Sample) -> None:
    wanted = next(p for p in lookup_sample.catalogue if not p.on_hf and ":" in p.title)
    hits = client_for(arxiv_standin).search_title(wanted.title)
    assert [h.arxiv_id for h in hits] == [wanted.arxiv_id]
    (logged,) = arxiv_standin.requests()
    assert logged.params["search_query"] == title_query(wanted.title)
    assert ":" not in logged.params["search_query"][3:] and "-" not in logged.params["search_query"]


def test_a_search_without_hits_is_an_empty_list(arxiv_standin: ArxivStandIn) -> None:
    assert client_for(arxiv_standin).search_title("Canonical Cortical Field Theories") == []
