"""Library orchestration shared by the CLI and the TUI: papers -> plan -> apply -> report.

    with push_lock(settings):                      # one push per library at a time
        library = open_library(settings, store)    # client + refreshed index
        plan = plan_for(papers, library, "Reading/2025-06", options)
        report = apply_plan(plan, library.target, library.index)

and the way back for `bib --from-zotero`: `collection_papers(library, "A/B")`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from zotsync.config import Settings
from zotsync.core.library import LibraryItem, name_problem, pinned_key, split_collection_path
from zotsync.core.paper import Paper
from zotsync.core.sync_plan import (
    ItemAction,
    Plan,
    PushOptions,
    plan_push,
    resolve_collection,
    similar_collections,
)
from zotsync.core.zotero_paper import find_collection, item_paper, note_tldr
from zotsync.errors import PushBusy, ZotsyncError
from zotsync.keys import choose_keys, pinned_keys
from zotsync.store import Store
from zotsync.zotero.api import LibraryTarget, new_object_key
from zotsync.zotero.index import LibraryIndex
from zotsync.zotero.web import ZoteroWeb

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


@dataclass
class Library:
    target: LibraryTarget
    index: LibraryIndex


def library_id(settings: Settings) -> str:
    """The index's name for a library: server and prefix (never the key)."""
    return f"{settings.zotero_url}{settings.library_prefix}"


_LOOPBACK = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_library(settings: Settings) -> str:
    """One name for one library however its server's URL is spelled: scheme, host
    (lower case; every loopback spelling is `localhost`), port (default dropped), path,
    library type and ID. `http://localhost:8080` and `http://127.0.0.1:8080/` agree."""
    parts = urlsplit(settings.zotero_url.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    if host in _LOOPBACK or host.startswith("127."):
        host = "localhost"
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = None
    path = parts.path.rstrip("/")
    return f"{host}:{port}{path}/{settings.library_type}s/{settings.library_id}"


def push_lock_name(settings: Settings) -> str:
    """The lock file's name for the settings' library (see `canonical_library`)."""
    return f"push-{hashlib.sha256(canonical_library(settings).encode('utf-8')).hexdigest()[:16]}.lock"


@contextmanager
def push_lock(settings: Settings) -> Iterator[None]:
    """Held from reading the library to the last write of a push.

    Two pushes to one library at once (a cron job and a manual run, the TUI and the
    CLI) would each plan a missing paper and each create it under its own key. The
    lock is a file in the store's folder, named by the canonical library (so two
    spellings of one server share it), locked with flock (released by the kernel if
    zotsync dies); where flock does not exist (Windows) pushes are not serialized.
    Pushes from other stores (other machines) are kept exactly-once by the library's
    versions instead (see zotsync.sync_apply). Busy: `PushBusy` (exit 5).
    """
    if fcntl is None:  # pragma: no cover - not on POSIX
        yield
        return
    folder = settings.store_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / push_lock_name(settings)).open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PushBusy("another zotsync is pushing to this library right now",
                           hint="wait for it to finish, then run again (nothing was written)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_library(settings: Settings, store: Store, *, refresh: bool = True) -> Library:
    target = ZoteroWeb(settings)
    index = LibraryIndex(store, library_id(settings))
    if refresh:
        index.refresh(target)
    return Library(target, index)


# The item types zotsync creates (their schema decides where the citation key goes).
WRITTEN_TYPES = ("preprint", "journalArticle", "conferencePaper")


def citation_key_types(library: Library) -> frozenset[str]:
    """The item types whose schema on this server has a `citationKey` field.

    Schema v41 gives every type one; an older server's does not (its items carry the key
    as an Extra line instead). Asked once per server and schema version
    (`/itemTypeFields`, one request per type), then remembered in the store.
    """
    target, index = library.target, library.index
    server = getattr(target, "settings", None)
    server_id = getattr(server, "zotero_url", target.library_label)
    # A run whose only read was a 304 (which the server sends before its version headers)
    # has not heard the schema version: the last one seen stands in. A server upgraded since
    # then gets Extra lines until its next full answer, which Zotero reads as keys too.
    schema = target.schema_version or index.last_schema(server_id)
    if schema is not None:
        known = {t: index.schema_fields(server_id, schema, t) for t in WRITTEN_TYPES}
        if all(fields is not None for fields in known.values()):
            return frozenset(t for t, fields in known.items() if fields and "citationKey" in fields)
    asked = {t: target.item_type_fields(t) for t in WRITTEN_TYPES}
    schema = target.schema_version
    if schema is not None:
        for item_type, fields in asked.items():
            index.remember_schema_fields(server_id, schema, item_type, fields)
    return frozenset(t for t, fields in asked.items() if "citationKey" in fields)


def plan_for(papers: Sequence[Paper], library: Library | None, collection: str,
             options: PushOptions, *, store: Store | None = None) -> Plan:
    """Plan a push into `collection` ("A/B/C"); missing collections are planned too.

    With no library (no credentials, `--dry-run`), plans against an empty one. New items
    get the paper's citation key (`zotsync.keys`): the key `bib` writes for it.
    """
    path = split_collection_path(collection)
    if not path:
        raise ZotsyncError("the collection path is empty", hint='pass --collection "Name" or "A/B/C"')
    for name in path:
        problem = name_problem(name)
        if problem:
            raise ZotsyncError(f"collection name {name[:60]!r} {problem}",
                               hint="choose another name (write a slash in a name as \\/)")
    for tag in options.tags:
        problem = name_problem(tag)
        if problem:
            raise ZotsyncError(f"tag {tag[:60]!r} {problem}", hint="choose a shorter tag")
    view = library.index if library is not None else _EmptyLibrary()
    existing = library.index.collections() if library is not None else []
    reserved_collections = library.index.reserved_collections() if library is not None else {}
    key, steps = resolve_collection(path, existing, new_object_key, reserved_collections)
    written = library.index.written_notes() if library is not None else {}
    reserved = library.index.reserved() if library is not None else {}
    store = store or (library.index.store if library is not None else None)
    keys = choose_keys(papers, store, index=library.index if library is not None else None) if (
        store is not None) else {}
    plan = plan_push(papers, view, key, options=options, new_key=new_object_key,
                     written_notes=written, reserved=reserved, collection_path=path,
                     new_collections=steps, citation_keys=keys)
    if library is not None and any(p.action is ItemAction.CREATE for p in plan.papers):
        plan = replace(plan, options=replace(options, citation_key_types=citation_key_types(library)))
    return replace(plan, warnings=tuple(similar_collections(steps, existing)))


def collection_papers(library: Library, collection: str, *, with_tldr: bool = False) -> list[Paper]:
    """The papers in a Zotero collection ("A/B/C"), in the library's order."""
    return collection_papers_and_keys(library, collection, with_tldr=with_tldr)[0]


def collection_papers_and_keys(library: Library, collection: str, *,
                               with_tldr: bool = False) -> tuple[list[Paper], dict[str, str]]:
    """The papers in a Zotero collection ("A/B/C"), in the library's order, and the
    citation keys their items carry ({paper identity: key}: native field or Extra line).

    Notes and attachments are not papers. With `with_tldr`, the TL;DR is read back from
    zotsync's summary notes (one request per 50 notes); without, no note is fetched.
    """
    path = split_collection_path(collection)
    if not path:
        raise ZotsyncError("the collection path is empty", hint='pass --collection "Name" or "A/B/C"')
    found = find_collection(path, library.index.collections())
    if found is None:
        raise ZotsyncError(f"no collection {collection!r} in {library.target.library_label}",
                           hint="run `zotsync collections` to list them")
    items = [item for page in library.target.collection_items(found.key) for item in page.data
             if not item.get("data", {}).get("deleted")]
    tldrs: dict[str, str] = {}
    if with_tldr:
        note_keys = {child.key: parent for parent in (str(i.get("key")) for i in items)
                     for child in library.index.children(parent)
                     if child.zotsync_note and not child.deleted}
        for note in library.target.items_by_key(sorted(note_keys)):
            text = note_tldr(str(note.get("data", {}).get("note") or ""))
            if text:
                tldrs[note_keys[str(note.get("key"))]] = text
    papers: list[Paper] = []
    keys: dict[str, str] = {}
    for item in items:
        paper = item_paper(item, tldr=tldrs.get(str(item.get("key"))))
        if paper is None:
            continue
        papers.append(paper)
        key = pinned_key(item.get("data", item))
        if key:
            keys.setdefault(paper.identity, key)
    return papers, keys


# How old the library index may be for `bib FILE...` to read pinned keys from it without
# asking the server (a push or a TUI session refreshes it).
FRESH_SECONDS = 600.0


def library_keys(settings: Settings, store: Store,
                 papers: Sequence[Paper]) -> tuple[dict[str, str], str | None]:
    """Keys pinned in Zotero for these papers ({identity: key}), for `bib FILE...` when
    Zotero is configured; and a warning when the library could not be read.

    The library index answers; it is refreshed first (one conditional request) only when
    it is older than FRESH_SECONDS. Zotero being unreachable is no reason to stop a
    .bib export: the index as it is (or nothing) is used, with a warning.
    """
    if not (settings.api_key and settings.library_id):
        return {}, None
    warning = None
    index = LibraryIndex(store, library_id(settings))
    age = index.age()
    if age is None or age > FRESH_SECONDS:
        try:
            target = ZoteroWeb(settings)
            try:
                index.refresh(target)
            finally:
                target.close()
        except ZotsyncError as error:
            warning = (f"keys pinned in Zotero were not checked ({error.message}); "
                       "the last known state of the library is used")
    if index.version is None:
        return {}, warning
    return pinned_keys(papers, index), warning


class _EmptyLibrary:
    """What `--dry-run` without credentials plans against."""

    def candidates(self, paper: Paper) -> list[LibraryItem]:
        return []

    def children(self, key: str) -> list[LibraryItem]:
        return []
