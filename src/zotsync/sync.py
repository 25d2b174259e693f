"""Push orchestration shared by the CLI and the TUI: papers -> plan -> apply -> report.

    library = open_library(settings, store)        # client + refreshed index
    plan = plan_for(papers, library, "Reading/2025-06", options)
    report = apply_plan(plan, library.target, library.index)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zotsync.config import Settings
from zotsync.core.library import LibraryItem, split_collection_path
from zotsync.core.paper import Paper
from zotsync.core.sync_plan import Plan, PushOptions, plan_push, resolve_collection
from zotsync.errors import ZotsyncError
from zotsync.store import Store
from zotsync.zotero.api import LibraryTarget, new_object_key
from zotsync.zotero.index import LibraryIndex
from zotsync.zotero.web import ZoteroWeb


@dataclass
class Library:
    target: LibraryTarget
    index: LibraryIndex


def library_id(settings: Settings) -> str:
    """The index's name for a library: server and prefix (never the key)."""
    return f"{settings.zotero_url}{settings.library_prefix}"


def open_library(settings: Settings, store: Store, *, refresh: bool = True) -> Library:
    target = ZoteroWeb(settings)
    index = LibraryIndex(store, library_id(settings))
    if refresh:
        index.refresh(target)
    return Library(target, index)


def plan_for(papers: Sequence[Paper], library: Library | None, collection: str,
             options: PushOptions) -> Plan:
    """Plan a push into `collection` ("A/B/C"); missing collections are planned too.

    With no library (no credentials, `--dry-run`), plans against an empty one.
    """
    path = split_collection_path(collection)
    if not path:
        raise ZotsyncError("the collection path is empty", hint='pass --collection "Name" or "A/B/C"')
    view = library.index if library is not None else _EmptyLibrary()
    existing = library.index.collections() if library is not None else []
    reserved_collections = library.index.reserved_collections() if library is not None else {}
    key, steps = resolve_collection(path, existing, new_object_key, reserved_collections)
    written = library.index.written_notes() if library is not None else {}
    reserved = library.index.reserved() if library is not None else {}
    return plan_push(papers, view, key, options=options, new_key=new_object_key,
                     written_notes=written, reserved=reserved, collection_path=path,
                     new_collections=steps)


class _EmptyLibrary:
    """What `--dry-run` without credentials plans against."""

    def candidates(self, paper: Paper) -> list[LibraryItem]:
        return []

    def children(self, key: str) -> list[LibraryItem]:
        return []
