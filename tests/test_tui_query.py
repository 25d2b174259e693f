"""The TUI search box takes `--where` queries (zotsync.tui.model, no UI)."""

from __future__ import annotations

from zotsync.core.paper import Paper, Summary
from zotsync.store import Sighting
from zotsync.tui.model import PaperModel

PAPERS = [
    Paper("Diffusion survey", arxiv_id="2606.00001", categories=("cs.CV",), primary_category="cs.CV",
          upvotes=30, authors=("Ada Lovelace",)),
    Paper("Diffusion for speech", arxiv_id="2606.00002", categories=("eess.AS",), primary_category="eess.AS",
          upvotes=5, summary=Summary(tldr="语音扩散模型")),
    Paper("Graph networks", arxiv_id="2606.00003", categories=("cs.LG",), primary_category="cs.LG"),
]


def test_the_box_takes_queries_and_keeps_plain_words_fast() -> None:
    model = PaperModel(PAPERS, {"hot": "upvotes:>=20"})
    assert model.set_query("diffusion") == [0, 1]
    assert model.set_query("diffusion -survey") == [1]
    assert model.set_query("upvotes:>=10 OR cat:cs.LG") == [0, 2]
    assert model.set_query("@hot") == [0]
    assert model.set_query("扩散") == [1]
    assert model.set_query("lovelace") == [0]  # plain words in the box also search authors, as before


def test_a_half_typed_query_keeps_the_list_and_says_why() -> None:
    model = PaperModel(PAPERS)
    assert model.set_query("cat:cs.CV") == [0]
    assert model.set_query("cat:cs.CV upvotes:>=") == [0]  # not a query yet: the list stays
    assert model.query_error is not None and "column 21" in model.query_error  # where the number goes
    assert model.set_query("cat:cs.CV upvotes:>=40") == []
    assert model.query_error is None
    # back to plain words: the narrowing path starts from every paper, not the query's result
    assert model.set_query("graph") == [2]


def test_seen_and_library_markers_filter_once_known() -> None:
    model = PaperModel(PAPERS)
    assert model.set_query("-in:library") == [0, 1, 2]
    assert model.query_needs == {"library"}
    model.in_library = {1}
    model.seen = {2: Sighting.__new__(Sighting)}
    assert model.refilter() == [0, 2]
    assert model.set_query("seen:yes") == [2]


def test_the_category_filter_applies_under_a_query() -> None:
    model = PaperModel(PAPERS)
    model.set_query("-survey")
    assert model.set_category("cs.LG") == [2]
    assert model.replaced(PAPERS).visible == [2]


def test_a_tldr_arriving_is_seen_by_the_next_query() -> None:
    model = PaperModel(PAPERS)
    assert model.set_query("tldr:yes") == [1]
    assert model.update_paper(PAPERS[2].replace(summary=Summary(tldr="图网络。")))
    assert model.refilter() == [1, 2]  # the query's cached columns were dropped with the change
