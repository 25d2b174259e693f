"""One citation key per paper, everywhere: the key `push` writes into the Zotero item and
`bib` writes into every .bib.

A key already chosen wins: the library item's own key (Zotero's `citationKey` field, or
a `Citation Key:` / `citationKey:` line in Extra, Better BibTeX's pinned keys), then the
key zotsync gave or found for the paper before (the `bib_keys` memory in the store).
Otherwise the key format makes one, with a suffix when another paper has it (in the
memory or in the library). Whatever is chosen is remembered, so `bib` writes it later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from zotsync.bibstore import KeyMemory
from zotsync.core.bibmatch import bib_ident, bib_same_paper, paper_order
from zotsync.core.citekeys import DEFAULT_FORMAT, KeyFormat, base_key, fold_key, unique_key
from zotsync.core.identity import Ident
from zotsync.core.paper import Paper
from zotsync.store import Store
from zotsync.zotero.index import ItemIndex


def pinned_keys(papers: Iterable[Paper], index: ItemIndex | None) -> dict[str, str]:
    """{paper identity: key} for papers whose library item carries a citation key."""
    if index is None:
        return {}
    found: dict[str, str] = {}
    for paper in papers:
        item = index.find(paper)
        if item is not None and item.citation_key:
            found[paper.identity] = item.citation_key
    return found


def choose_keys(papers: Sequence[Paper], store: Store, *, index: ItemIndex | None = None,
                key_format: KeyFormat = DEFAULT_FORMAT) -> dict[str, str]:
    """{paper identity: its key}: pinned in the library, else remembered, else made.

    Made keys are unique case-insensitively against the keys of other papers in the
    memory, the citation keys of other library items, and each other. Nothing is stored:
    `remember_keys` does that once the items are written.
    """
    memory = KeyMemory(store)
    pinned = pinned_keys(papers, index)
    library_keys = index.citation_keys() if index is not None else {}
    chosen: dict[str, str] = {}
    given: dict[str, Ident] = {}
    for paper in sorted(papers, key=paper_order):
        if paper.identity in chosen:
            continue
        ident = bib_ident(paper)

        def taken(candidate: str, ident: Ident = ident) -> bool:
            folded = fold_key(candidate)
            if folded in given and not bib_same_paper(given[folded], ident):
                return True
            if folded in library_keys:
                return True  # another item's key (the paper's own item would have pinned it)
            owner = memory.owner(candidate)
            return owner is not None and bib_same_paper(owner, ident) is None

        key = pinned.get(paper.identity)
        if key is None:
            remembered = memory.current_key(ident)
            key = remembered if remembered is not None and not taken(remembered) else None
        if key is None:
            key = unique_key(base_key(paper, key_format), taken)
        chosen[paper.identity] = key
        given[fold_key(key)] = ident
    return chosen


def remember_keys(store: Store, pairs: Iterable[tuple[str, Paper]]) -> None:
    """Remember (key, paper) pairs: `bib` then writes these keys for these papers."""
    KeyMemory(store).record([(key, bib_ident(paper)) for key, paper in pairs])


def key_pairs(papers: Iterable[Paper], keys: Mapping[str, str]) -> list[tuple[str, Paper]]:
    return [(keys[p.identity], p) for p in papers if p.identity in keys]
