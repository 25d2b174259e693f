"""The push session and the library reads shared by the CLI and the TUI.

One push, whoever starts it (`zotsync push`, the TUI's review screen):

    library = open_library(settings, store, refresh=False)   # target + index + lock
    outcome = push(papers, library, "Reading/2025-06", options,
                   on_plan=..., on_progress=..., should_stop=...)

`push` is the one place that does it all, in this order: take the library's lock, bring
the index up to date, plan (`plan_for`), then `apply_plan`, the re-plan loop:

    left = writer.apply(plan)            # the papers the library changed under (412)
    while left:                          # another machine wrote meanwhile
        refresh the index; plan = replan(plan, left, library); left = writer.apply(plan)

and it reports (`PushOutcome`: the plan, and the `SyncReport` of what happened to each
paper). A dry run stops after planning, without the lock.

The seam for another kind of library: `Library` is a `ZoteroTarget` (zotsync.zotero.api:
reads and writes in the Web API's JSON, versions, write reports), the local index kept
in the store, and the lock that keeps two pushes to it apart. The planner, the writer
(zotsync.sync_apply) and this session ask only that protocol; `open_library` is the one
place that builds a target (the Web API client). The Zotero desktop app's local API speaks
the same protocol at another base URL; a target that writes another way (the connector)
implements `write_items`/`write_collections` over it and answers with `WriteReport`s.
With no Zotero configured, `empty_library()` is a real library with nothing in it.

And the way back for `bib --from-zotero`: `collection_papers(library, "A/B")`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from zotsync.config import Settings
from zotsync.core.library import name_problem, pinned_key, split_collection_path
from zotsync.core.paper import Paper
from zotsync.core.sync_plan import (
    ItemAction,
    Plan,
    PushOptions,
    plan_push,
    resolve_collection,
    similar_collections,
)
from zotsync.core.zotero_item import ITEM_FIELDS, SCHEMA_VERSION
from zotsync.core.zotero_paper import find_collection, item_paper, note_tldr
from zotsync.errors import PushBusy, ZoteroError, ZotsyncError
from zotsync.keys import choose_keys, pinned_keys
from zotsync.store import Store
from zotsync.sync_apply import Applier, SyncReport
from zotsync.zotero.api import EmptyTarget, ZoteroTarget, new_object_key
from zotsync.zotero.index import ItemIndex

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


# (plan, on_progress, should_stop) -> what happened to each paper
Writer = Callable[[Plan, Callable[[int], None] | None, Callable[[], bool] | None], SyncReport]


@dataclass
class Library:
    """A Zotero library as a push sees it: the target that reads and writes it, the local
    index of it in the store, and the lock held while pushing to it."""

    target: ZoteroTarget
    index: ItemIndex
    lock: Callable[[], AbstractContextManager[None]] = field(default=nullcontext)
    # A writer other than the engine, for a library that takes no Web API writes (Zotero
    # 7-9 through the connector: zotsync.desktop_push): (plan, on_progress, should_stop).
    writer: Writer | None = None


def library_id(settings: Settings) -> str:
    """The index's name for a library: server and prefix (never the key)."""
    if settings.target == "desktop":
        return f"desktop:{settings.desktop_url}/users/0"
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


def open_library(settings: Settings, store: Store, *, refresh: bool = True,
                 on_retry: Callable[[str], None] | None = None, library_check: bool = True) -> Library:
    """The configured Zotero library (Web API, or the desktop app with `target = desktop`),
    its index refreshed unless `refresh=False`. `on_retry` is told each time a request is
    about to be tried again (and why)."""
    if settings.target == "desktop":  # the Zotero app on this computer (zotsync.desktop_push)
        from zotsync.desktop_push import open_desktop  # noqa: PLC0415 - it imports this module

        return open_desktop(settings, store, refresh=refresh, on_retry=on_retry, library_check=library_check)
    from zotsync.zotero.web import ZoteroWeb  # noqa: PLC0415 - pyzotero and httpx load only here

    target = ZoteroWeb(settings)
    target.on_retry = on_retry
    index = ItemIndex(store, library_id(settings))
    if refresh:
        index.refresh(target)
    return Library(target, index, lambda: push_lock(settings))


def empty_library() -> Library:
    """A library with nothing in it that takes no writes (its index lives in memory): what
    `push --dry-run` without credentials plans against."""
    return Library(EmptyTarget(), ItemIndex(Store(Path(":memory:")), "empty"))


# The item types zotsync creates (their schema decides where the citation key goes).
WRITTEN_TYPES = ("preprint", "journalArticle", "conferencePaper")


def citation_key_types(library: Library) -> frozenset[str]:
    """The item types whose schema on this server has a `citationKey` field.

    Schema v41 gives every type one; an older server's does not (its items carry the key
    as an Extra line instead). A server on the schema zotsync carries (`ITEM_FIELDS`,
    v41) is not asked; another is asked once per server and schema version
    (`/itemTypeFields`, one request per type). Either way the answer is remembered in the
    store.
    """
    target, index = library.target, library.index
    server_id = target.server
    if target.schema_version == SCHEMA_VERSION:
        for item_type in WRITTEN_TYPES:
            if index.schema_fields(server_id, SCHEMA_VERSION, item_type) is None:
                index.remember_schema_fields(server_id, SCHEMA_VERSION, item_type, ITEM_FIELDS[item_type])
        return frozenset(t for t in WRITTEN_TYPES if "citationKey" in ITEM_FIELDS[t])
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


def plan_for(papers: Sequence[Paper], library: Library, collection: str,
             options: PushOptions, *, store: Store | None = None) -> Plan:
    """Plan a push into `collection` ("A/B/C") against the library's index as it is;
    missing collections are planned too.

    New items get the paper's citation key (`zotsync.keys`, from `store`, by default the
    index's): the key `bib` writes for it.
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
    keys = choose_keys(papers, store or library.index.store, index=library.index)
    plan = _plan(papers, library, tuple(path), options, keys)
    if any(p.action is ItemAction.CREATE for p in plan.papers):
        plan = replace(plan, options=replace(options, citation_key_types=citation_key_types(library)))
    return replace(plan, warnings=tuple(similar_collections(plan.new_collections,
                                                            library.index.collections())))


def replan(plan: Plan, papers: Sequence[Paper], library: Library) -> Plan:
    """`papers` of `plan` planned again against the (refreshed) index: same collection,
    options and citation keys; collections created meanwhile are found, not made again."""
    keys = {p.paper.identity: p.citation_key for p in plan.papers if p.citation_key}
    return _plan(papers, library, plan.collection_path, plan.options, keys)


def _plan(papers: Sequence[Paper], library: Library, path: Sequence[str], options: PushOptions,
          keys: dict[str, str]) -> Plan:
    index = library.index
    key, steps = resolve_collection(path, index.collections(), new_object_key, index.reserved_collections())
    return plan_push(papers, index, key, options=options, new_key=new_object_key,
                     written_notes=index.written_notes(), reserved=index.reserved(),
                     collection_path=path, new_collections=steps, citation_keys=keys)


def apply_plan(plan: Plan, library: Library, *, on_progress: Callable[[int], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> SyncReport:
    """Write the plan, re-planning what is left each time the library changes under it.

    The re-plan loop: the writer applies a plan and hands back the papers a 412 (another
    machine wrote) kept back; the index is refreshed incrementally, those papers planned
    again (what the other machine created is now filed), and applied; up to MAX_REPLANS
    times. A Zotero error after the first plan's collections exist (network down, rate
    limits outlasted) ends the push early: the papers written so far are reported as done,
    the rest as failed, and `stopped_by` holds the error. Raises ZoteroError only when the
    collections cannot be created.
    """
    if library.writer is not None:
        return library.writer(plan, on_progress, should_stop)
    writer = Applier(library.target, library.index, on_progress=on_progress, should_stop=should_stop)
    left = writer.apply(plan)
    while left:
        try:
            writer.count_replan()
            writer.refresh()
            plan = replan(plan, [p.paper for p in left], library)
        except ZoteroError as error:
            if not writer.started:
                raise
            writer.stop(error, left)
            break
        left = writer.apply(plan)
    return writer.finish()


@dataclass(frozen=True)
class PushOutcome:
    plan: Plan  # as planned under the lock (`report.plan`: as finally applied, after re-plans)
    report: SyncReport | None  # None for a dry run


def push(papers: Sequence[Paper], library: Library, collection: str, options: PushOptions, *,
         dry_run: bool = False, store: Store | None = None,
         on_plan: Callable[[Plan], None] | None = None,
         on_progress: Callable[[int], None] | None = None,
         should_stop: Callable[[], bool] | None = None, refreshed: bool = False) -> PushOutcome:
    """One push: lock the library, refresh its index, plan, apply (re-planning on 412),
    report. `on_plan` sees the plan before anything is written; `on_progress` gets the
    number of papers done since its last call; `should_stop` is asked before each request.
    A dry run plans (against the refreshed index) without the lock and writes nothing.

    `refreshed`: the caller refreshed the index already in this run (the CLI does it before
    its lookups, so a refused key is said before them). Not again: a write since then is
    caught by the version every write carries (412 -> refresh, re-plan), as for another machine.
    """
    with nullcontext() if dry_run else library.lock():  # from reading the library to the last write
        if not refreshed:
            library.index.refresh(library.target)
        plan = plan_for(papers, library, collection, options, store=store)
        if on_plan is not None:
            on_plan(plan)
        if dry_run:
            return PushOutcome(plan, None)
        return PushOutcome(plan, apply_plan(plan, library, on_progress=on_progress,
                                            should_stop=should_stop))


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
    index = ItemIndex(store, library_id(settings))
    age = index.age()
    if age is None or age > FRESH_SECONDS:
        try:
            target = open_library(settings, store, refresh=False).target
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
