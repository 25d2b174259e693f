"""The Hugging Face client against the loopback stand-in: daily lists, search, 404,
malformed JSON."""

from __future__ import annotations

from datetime import date

import pytest

from servers.hf_standin import HfStandIn
from servers.lookup_fixtures import HF_DAY, Sample
from zotsync.lookup.http import HttpClient, Policy, SourceUnavailable
from zotsync.lookup.huggingface import HuggingFaceClient

FAST = Policy(delay=0.0, retries=2, backoff=0.01, timeout=5)


def client_for(standin: HfStandIn) -> HuggingFaceClient:
    return HuggingFaceClient(HttpClient("Hugging Face", FAST), standin.url)


def test_a_daily_list_is_one_request(hf_standin: HfStandIn, lookup_sample: Sample) -> None:
    papers = client_for(hf_standin).daily(date.fromisoformat(HF_DAY))
    assert {p.title for p in papers} == lookup_sample.on_daily
    (logged,) = hf_standin.requests()
    assert logged.path == "/api/daily_papers"
    assert logged.params["date"] == HF_DAY
    assert all(p.arxiv_id and p.authors and p.published for p in papers)


def test_search_keeps_upvotes_and_ai_summary(hf_standin: HfStandIn, lookup_sample: Sample) -> None:
    wanted = next(p for p in lookup_sample.catalogue if p.ai_summary and p.upvotes and len(p.title) > 80)
    hits = client_for(hf_standin).search(wanted.title)
    found = next(h for h in hits if h.arxiv_id == wanted.arxiv_id)
    assert found.title == wanted.title  # the newline Hugging Face put in is collapsed
    assert (found.upvotes, found.ai_summary) == (wanted.upvotes, wanted.ai_summary)
    assert found.authors == wanted.authors
    assert hf_standin.requests()[0].params == {"q": wanted.title}


def test_nothing_found_is_an_empty_list(hf_standin: HfStandIn) -> None:
    client = client_for(hf_standin)
    assert client.search("zzz qqq") == []
    assert client.daily(date(1999, 1, 1)) == []
    assert client.search("   ") == []
    assert len(hf_standin.requests()) == 2


def test_malformed_json_is_asked_for_once_more_then_given_up(hf_standin: HfStandIn) -> None:
    hf_standin.fail_next("malformed")
    assert client_for(hf_standin).daily(date.fromisoformat(HF_DAY))
    hf_standin.fail_next("malformed", times=2)
    with pytest.raises(SourceUnavailable, match=r"^Hugging Face: unreadable answer twice \(.*not valid JSON"):
        client_for(hf_standin).daily(date.fromisoformat(HF_DAY))


def test_429_is_retried(hf_standin: HfStandIn) -> None:
    hf_standin.fail_next("429", retry_after="0")
    assert client_for(hf_standin).daily(date.fromisoformat(HF_DAY))
    assert [r.status for r in hf_standin.requests()] == [429, 200]
