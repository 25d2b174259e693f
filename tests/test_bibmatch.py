"""The pure .bib planner (core.bibmatch) runs without a store or a file: the edge only
supplies what it read (`BibSource`) and the key memory (`KeyLookup`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zotsync.core.bibmatch import (
    BlockInfo,
    ExportOptions,
    bib_ident,
    bib_same_paper,
    block_clues,
    duplicate_key_warnings,
    plan_entries,
)
from zotsync.core.bibscan import Scan, scan
from zotsync.core.bibtex_entry import format_entry
from zotsync.core.identity import Ident
from zotsync.core.paper import Paper


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    encoding: str
    newline: str
    scan: Scan


class Memory:
    def __init__(self, keys: dict[str, Ident]) -> None:
        self.keys = keys

    def current_key(self, ident: Ident) -> str | None:
        return next((k for k, owner in self.keys.items() if bib_same_paper(owner, ident)), None)

    def owner(self, key: str) -> Ident | None:
        return self.keys.get(key)


A = Paper(title="Attention Is All You Need", arxiv_id="1706.03762", authors=("Ashish Vaswani",))
B = Paper(title="Deep Residual Learning", arxiv_id="1512.03385", authors=("Kaiming He",))
C = Paper(title="Adam: A Method for Stochastic Optimization", arxiv_id="1412.6980",
          authors=("Diederik Kingma",))


def test_plan_entries_finds_the_present_and_keys_the_new_from_memory() -> None:
    text = format_entry(A, "vaswani2017").text + "\n"
    bib = Source(Path("refs.bib"), text, "utf-8", "\r\n", scan(text))
    [block] = bib.scan.entries
    infos = {0: BlockInfo("vaswani2017", "misc", block_clues(text, block), bib_ident(A))}
    memory = Memory({"resnet": bib_ident(B)})
    planned = plan_entries([A, B, C], [bib_ident(p) for p in (A, B, C)], infos, bib, memory,
                           ExportOptions(), {C.identity: "adam-pinned"})
    [present] = planned.present
    assert (present.key, present.matched_by, present.line) == ("vaswani2017", "arxiv", 1)
    assert [(a.paper, a.key) for a in planned.added] == [(B, "resnet"), (C, "adam-pinned")]
    assert planned.appended.startswith("\r\n@") and "\n@" not in planned.appended.replace("\r\n", "")
    assert planned.warnings == [] and planned.skipped == []


def test_duplicate_key_warnings_name_the_line_once_per_key() -> None:
    text = "@misc{k, title={x}}\n@misc{K, title={y}}\n@misc{k, title={z}}\n"
    bib = Source(Path("refs.bib"), text, "utf-8", "\n", scan(text))
    assert duplicate_key_warnings(bib) == [
        "refs.bib:1: the key k is used by 3 entries (BibTeX and biber keep only one)"]
