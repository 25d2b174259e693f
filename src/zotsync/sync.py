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
from zotsync.core.library import LibraryItem, name_problem, split_collection_path
from zotsync.core.paper import Paper
from zotsync.core.sync_plan import Plan, PushOptions, plan_push, resolve_collection, similar_collections
from zotsync.core.zotero_paper import find_collection, item_paper, note_tldr
from zotsync.errors import PushBusy, ZotsyncError
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


def plan_for(papers: Sequence[Paper], library: Library | None, collection: str,
             options: PushOptions) -> Plan:
    """Plan a push into `collection` ("A/B/C"); missing collections are planned too.

    With no library (no credentials, `--dry-run`), plans against an empty one.
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
    plan = plan_push(papers, view, key, options=options, new_key=new_object_key,
                     written_notes=written, reserved=reserved, collection_path=path,
                     new_collections=steps)
    return replace(plan, warnings=tuple(similar_collections(steps, existing)))


def collection_papers(library: Library, collection: str, *, with_tldr: bool = False) -> list[Paper]:
    """The papers in a Zotero collection ("A/B/C"), in the library's order.

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
    papers = (item_paper(item, tldr=tldrs.get(str(item.get("key")))) for item in items)
    return [paper for paper in papers if paper is not None]


class _EmptyLibrary:
    """What `--dry-run` without credentials plans against."""

    def candidates(self, paper: Paper) -> list[LibraryItem]:
        return []

    def children(self, key: str) -> list[LibraryItem]:
        return []
