"""`zotsync refresh`: preprints that have been published become their published version.

    report = refresh_library(settings, store, library, collection="A/B", dry_run=False)

Which items: the preprints zotsync created (remembered when written, or carrying
zotsync's summary note), or, with a collection, every arXiv preprint in it. They are
looked up again, ignoring the cache: arXiv 100 IDs per request (`journal_ref`,
`<arxiv:doi>`), then Crossref once per paper that arXiv gives a journal DOI. A published
one is read again (50 per request, for its current data and version) and updated with
`core.upgrade.item_upgrade`, 50 objects per write, each with its version: an item the
user changed in between is refused (412), read again and planned again — an item that is
no preprint any more, or has the DOI already, is left as the user made it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from zotsync.config import Settings
from zotsync.core.library import LibraryItem, split_collection_path
from zotsync.core.paper import Paper
from zotsync.core.upgrade import ItemUpgrade, is_published, item_upgrade
from zotsync.core.zotero_paper import find_collection
from zotsync.enrich import enrich_papers
from zotsync.errors import ZotsyncError
from zotsync.lookup import Lookups
from zotsync.store import Store
from zotsync.sync import Library

BATCH = 50


@dataclass
class RefreshReport:
    checked: list[LibraryItem] = field(default_factory=list)
    upgrades: list[ItemUpgrade] = field(default_factory=list)  # planned (dry run) or sent
    written: list[ItemUpgrade] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)  # (item key, why) changed by the user
    failed: list[tuple[str, str]] = field(default_factory=list)  # (item key, reason)
    journal_ref_only: list[tuple[LibraryItem, str]] = field(default_factory=list)  # no DOI to go by
    requests: dict[str, int] = field(default_factory=dict)
    write_requests: int = 0
    titles: dict[str, str] = field(default_factory=dict)  # item key -> title
    warnings: list[str] = field(default_factory=list)


@dataclass
class LookedUp:
    """Preprints asked about again: the answers by arXiv ID, requests per source."""

    papers: dict[str, Paper]
    requests: dict[str, int]
    warnings: list[str]
    failed: bool  # a source was given up on: some papers were not checked


def look_up_again(papers: Sequence[Paper], settings: Settings, store: Store,
                  lookups: Lookups | None = None) -> LookedUp:
    """Ask arXiv (100 IDs per request) and Crossref (the papers arXiv gives a DOI) again
    about `papers` (arXiv preprints), ignoring the cache: its answers are what was true
    when they were fetched. Shared by `refresh` and `bib --upgrade`."""
    if not papers:
        return LookedUp({}, {}, [], failed=False)
    enriched = enrich_papers(papers, replace(settings, cache_days=0), store, force=True, lookups=lookups)
    problems = [line for s in enriched.sources.values() if (line := s.line())]
    return LookedUp({p.arxiv_id: p for p in enriched.papers if p.arxiv_id},
                    {s.name: s.requests for s in enriched.sources.values()},
                    problems + list(enriched.warnings), failed=bool(problems))


def candidates(library: Library, collection: str | None) -> list[LibraryItem]:
    """The preprints to check: zotsync's own, or every arXiv preprint of `collection`."""
    index = library.index
    if collection is not None:
        path = split_collection_path(collection)
        found = find_collection(path, index.collections()) if path else None
        if found is None:
            raise ZotsyncError(f"no collection {collection!r} in {library.target.library_label}",
                               hint="run `zotsync collections` to list them")
        items = index.collection_members(found.key)
    else:
        items = index.created_by_zotsync()
    return [i for i in items if i.item_type == "preprint" and i.arxiv_id and not i.deleted
            and not i.parent]


def refresh_library(settings: Settings, store: Store, library: Library, *, collection: str | None = None,
                    dry_run: bool = False, lookups: Lookups | None = None) -> RefreshReport:
    report = RefreshReport()
    items = candidates(library, collection)
    report.checked = items
    if not items:
        return report
    looked = look_up_again([Paper(title=i.title, arxiv_id=i.arxiv_id, authors=i.creators) for i in items],
                           settings, store, lookups)
    report.requests = looked.requests
    report.warnings += looked.warnings
    published: dict[str, Paper] = {}
    for item in items:
        paper = looked.papers.get(item.arxiv_id or "")
        if paper is None:
            continue
        if is_published(paper):
            published[item.key] = paper
        elif paper.journal_ref and not paper.doi:
            report.journal_ref_only.append((item, paper.journal_ref))
    report.titles = {i.key: i.title for i in items}
    upgrades = _plan(library, published, report)
    report.upgrades = upgrades
    if dry_run or not upgrades:
        return report
    retry = _send(library, upgrades, report)
    if retry:  # changed in Zotero since read: read again, plan again, send once more
        again = _plan(library, {k: published[k] for k in retry}, report)
        report.upgrades = [u for u in report.upgrades if u.key not in retry] + again
        for key in _send(library, again, report):
            report.failed.append((key, "changed in Zotero again while writing; run again"))
    return report


def _plan(library: Library, published: dict[str, Paper], report: RefreshReport) -> list[ItemUpgrade]:
    """Read the published items' current data and plan their updates."""
    if not published:
        return []
    found = library.target.items_by_key(sorted(published))
    current = {str(obj.get("key")): obj.get("data", obj) for obj in found}
    upgrades = []
    for key, paper in published.items():
        data = current.get(key)
        if data is None or data.get("deleted"):
            report.left.append((key, "deleted in Zotero"))
            continue
        upgrade = item_upgrade(data, paper)
        if upgrade is None:
            report.left.append((key, f"already a {data.get('itemType')}" if data.get("itemType") != "preprint"
                                else "already has the journal DOI"))
            continue
        upgrades.append(upgrade)
    return upgrades


def _send(library: Library, upgrades: Sequence[ItemUpgrade], report: RefreshReport) -> set[str]:
    """Write the updates, 50 per request; returns the keys refused as changed meanwhile (412)."""
    stale: set[str] = set()
    for start in range(0, len(upgrades), BATCH):
        batch = upgrades[start:start + BATCH]
        result = library.target.write_items([u.update for u in batch])
        report.write_requests += 1
        written: list[dict[str, Any]] = []
        for index, upgrade in enumerate(batch):
            if index in result.successful or index in result.unchanged:
                report.written.append(upgrade)
                if index in result.successful and "data" in result.successful[index]:
                    written.append(result.successful[index])
                continue
            failure = result.failed.get(index, {})
            if failure.get("code") == 412:
                stale.add(upgrade.key)
            else:
                report.failed.append((upgrade.key, f"{failure.get('code', '?')} {failure.get('message', '')}"
                                      .strip()))
        library.index.record_written(written)
    return stale
