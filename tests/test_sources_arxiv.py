"""`arxiv:CAT[,CAT...]`: the newest announcement of those categories, as arXiv's listing
shows it, fetched from a loopback stand-in of the arXiv API and cached on disk."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from servers.arxiv_standin import ArxivStandIn
from servers.source_fixtures import ARXIV_LISTED, BULK, LISTED, serve_arxiv
from servers.standin import CatalogPaper
from servers.zotero_emulator import ZoteroEmulator
from zotsync.core.arxiv_schedule import announcement_of
from zotsync.errors import InputError
from zotsync.readers.arxiv_api import parse_feed

SOURCE = "arxiv:cs.CL,cs.LG"


def _papers(result: Any) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    papers: list[dict[str, Any]] = json.loads(result.stdout)
    return papers


def test_the_newest_announcement_spans_the_weekend(run_cli: Any, arxiv_listing: ArxivStandIn) -> None:
    papers = _papers(run_cli("parse", SOURCE, "--no-enrich", "--json"))
    titles = {p["title"] for p in papers}
    named = {t for t in titles if not t.startswith("Bulk Learning Paper")}
    # Friday after 14:00 to Monday before 14:00 (New York), cross-list included; not the
    # replacement, not the paper of the window before, not cs.RO.
    assert named == ARXIV_LISTED
    assert len(titles) == len(ARXIV_LISTED) + BULK
    [cross] = [p for p in papers if p["title"] == "Sunday Cross-Listed Agents"]
    assert cross["categories"] == ["cs.AI", "cs.CL"]
    asked = arxiv_listing.requests("/api/query")
    assert [r.params["start"] for r in asked] == ["0", "500"]  # beyond one page, then stopped
    assert {r.params["search_query"] for r in asked} == {"cat:cs.CL OR cat:cs.LG"}
    assert {r.params["sortBy"] for r in asked} == {"submittedDate"}
    assert len({r.client_port for r in asked}) == 1  # one connection, paced (arxiv.delay)
    assert asked[1].time - asked[0].time >= 0.05


def test_a_past_announcement_is_read_from_the_cache(run_cli: Any, arxiv_listing: ArxivStandIn) -> None:
    first = _papers(run_cli("parse", SOURCE, "--no-enrich", "--json"))
    arxiv_listing.clear_log()
    again = _papers(run_cli("parse", "arxiv:cs.LG,cs.CL", "--no-enrich", "--json",
                            "--where", "title:Monday"))
    assert [p["title"] for p in again] == ["Monday Last-Minute Tokens"]
    assert arxiv_listing.requests() == []  # the same categories in another order: same cache
    # The next announcement (2026-06-09 20:00 New York) is long past: once the cached answer
    # is older than sources.max_age, arXiv is asked again.
    refreshed = run_cli("parse", SOURCE, "--no-enrich", "--json", env={"ZOTSYNC_SOURCES_MAX_AGE": "0"})
    assert len(_papers(refreshed)) == len(first)
    assert len(arxiv_listing.requests()) == 2


def _latest_announced(now: datetime) -> Any:
    """The announcement made most recently before `now` (20:00 New York on its closing day)."""
    window = announcement_of(now)
    while window.announced > now:
        window = announcement_of(window.opens - timedelta(seconds=1))
    return window


def test_until_the_next_announcement_no_request_is_sent(run_cli: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    window = _latest_announced(now)
    catalogue = [CatalogPaper(arxiv_id="2612.00001", title="Announced Most Recently", authors=("A B",),
                              published=window.opens + timedelta(hours=1), categories=("cs.CL",),
                              on_hf=False)]
    for standin in serve_arxiv(catalogue, monkeypatch):
        env = {"ZOTSYNC_SOURCES_MAX_AGE": "0"}  # age alone would ask again
        assert [p["title"] for p in _papers(run_cli("parse", "arxiv:cs.CL", "--no-enrich", "--json",
                                                    env=env))] == ["Announced Most Recently"]
        assert len(standin.requests()) == 1
        assert len(_papers(run_cli("parse", "arxiv:cs.CL", "--no-enrich", "--json", env=env))) == 1
        assert len(standin.requests()) == 1  # the next announcement is not due yet


def test_push_files_into_the_listing_date(run_cli: Any, zotero_emu: ZoteroEmulator,
                                          arxiv_listing: ArxivStandIn) -> None:
    result = run_cli("push", SOURCE, "--no-enrich", "--where", "-title:bulk", "-c", "Reading/{date}",
                     env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    library = zotero_emu.library()
    [day] = [c for c in library.collections.values() if c["name"] == LISTED]
    items = [i for i in library.items.values() if i["itemType"] not in {"note", "attachment"}]
    assert {i["title"] for i in items} == ARXIV_LISTED
    assert all(i["collections"] == [day["key"]] for i in items)


@pytest.mark.parametrize(("source", "expected"), [
    ("arxiv:", "arxiv:: no category (write arxiv:CAT[,CAT...], e.g. arxiv:cs.CL,cs.LG)"),
    ("arxiv:cs.CL,,cs.LG", "an empty category in the list"),
    ("arxiv:cs CL", "'cs CL' is not an arXiv category"),
    ("arxiv:cs.CL)", "'cs.CL)' is not an arXiv category"),
])
def test_bad_categories_are_one_line(run_cli: Any, source: str, expected: str) -> None:
    result = run_cli("parse", source, "--no-enrich")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines


def test_a_category_without_papers_is_no_digest(run_cli: Any, arxiv_listing: ArxivStandIn) -> None:
    result = run_cli("parse", "arxiv:cs.XX", "--no-enrich")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "zotsync: error: arxiv:cs.XX: arXiv lists no papers in cs.XX "
        "(check the category's spelling (https://arxiv.org/category_taxonomy))"]


def test_arxiv_down_or_rate_limited_is_one_line_exit_4(run_cli: Any, arxiv_listing: ArxivStandIn) -> None:
    arxiv_listing.fail_next("503", retry_after="600")
    limited = run_cli("parse", SOURCE, "--no-enrich")
    assert limited.exit_code == 4
    [line] = limited.stderr.strip().splitlines()
    assert "arXiv: HTTP 503, asked to wait 600 s (rate limited)" in line
    arxiv_listing.fail_next("503", retry_after="0")  # a short wait is waited for
    assert run_cli("parse", SOURCE, "--no-enrich", "--json").exit_code == 0
    assert [r.status for r in arxiv_listing.requests()][:3] == [503, 503, 200]


def test_arxiv_slow_or_unreachable(run_cli: Any, arxiv_listing: ArxivStandIn) -> None:
    arxiv_listing.fail_next("slow", seconds=0.6, times=4)
    slow = run_cli("parse", SOURCE, "--no-enrich", env={"ZOTSYNC_ZOTERO_TIMEOUT": "0.2"})
    assert slow.exit_code == 4
    [line] = slow.stderr.strip().splitlines()
    assert "arXiv: no answer in time after 4 attempts" in line
    down = run_cli("parse", SOURCE, "--no-enrich", env={"ZOTSYNC_ARXIV_URL": "http://127.0.0.1:9/api/query"})
    assert down.exit_code == 4
    assert "arXiv: connection refused" in down.stderr and len(down.stderr.strip().splitlines()) == 1
    # A source read, not a paper's lookup: the hint says nothing was read (not "papers were left").
    assert "nothing was read; try again later" in down.stderr and "papers were left" not in down.stderr


def test_the_standin_answers_bad_requests_as_arxiv_does(arxiv_listing: ArxivStandIn) -> None:
    """arxiv-search's classic API: parameters checked in order, then the query parsed."""
    cases = {
        (("search_query", "cat:cs.CL OR"),): "The browser (or proxy) sent a request",
        (("search_query", "cat:cs.CL"), ("max_results", "ten")): "max_results must be an integer",
        (("search_query", "cat:cs.CL"), ("start", "-1")): "start must be non-negative",
        (("search_query", "cat:cs.CL"), ("sortBy", "date")): "sortBy must be in: relevance",
        (("search_query", "nope:cs.CL"),): "The browser (or proxy) sent a request",
    }
    for params, message in cases.items():
        response = requests.get(arxiv_listing.url, params=dict(params), timeout=5)
        assert response.status_code == 400, params
        with pytest.raises(InputError, match="arXiv API error: " + re.escape(message)):
            parse_feed(response.text, "answer")
    page = requests.get(arxiv_listing.url, params={"search_query": "cat:stat.ML", "max_results": "1"},
                        timeout=5)
    feed = parse_feed(page.text, "answer")
    assert feed.total_results == 1 and [p.title for p in feed.entries] == ["Saturday Gradient Notes"]


def test_listed_in_the_listing_order(run_cli: Any, arxiv_listing: ArxivStandIn) -> None:
    """New submissions first, then cross-lists, each by arXiv ID (as arxiv.org/list/cs.CL/new)."""
    papers = _papers(run_cli("parse", "arxiv:cs.CL", "--no-enrich", "--json"))
    assert [p["title"] for p in papers] == ["Friday Evening Parsing", "Monday Last-Minute Tokens",
                                            "Sunday Cross-Listed Agents"]
    assert len(arxiv_listing.requests()) == 1
