"""What the TUI shows besides the papers (zotsync.tui.state), without a screen."""

from __future__ import annotations

from zotsync.config import load_settings
from zotsync.tui.messages import Failure
from zotsync.tui.model import PaperModel
from zotsync.tui.state import Lookups, ZoteroState, status_line


def test_the_status_line_follows_zotero_and_the_lookups() -> None:
    model = PaperModel([])
    zotero = ZoteroState.at_start(load_settings(environ={}))
    assert status_line(model, zotero, Lookups()) == ("0 papers · 0 shown · 0 selected  │  "
                                                     "Zotero: not set up (zotsync login)")
    group = ZoteroState.at_start(load_settings(environ={"ZOTERO_API_KEY": "k" * 24, "ZOTERO_LIBRARY_ID": "7",
                                                        "ZOTERO_LIBRARY_TYPE": "group"}))
    assert (group.state, group.label) == ("reading", "Group 7")
    retrying = group.retrying_because("Zotero answered 503, asking again")
    assert retrying.status() == "Zotero: Zotero answered 503, asking again…"
    failed = retrying.failed(Failure("cannot connect", "check the network"))
    assert failed.status() == "Zotero: unavailable (r retries)" and failed.retrying is None
    assert failed.reading().status() == "Zotero: reading the library…"
    lookups = Lookups(enriching="arxiv 3/10", note="done", summarizing="1/2")
    assert lookups.status() == ["looking up: arxiv 3/10", "TL;DR: 1/2"]  # the note once they end
    assert Lookups(note="done").status() == ["lookups: done"]
    model.set_query("upvotes:>=")
    assert status_line(model, failed, lookups).startswith("search: ")
