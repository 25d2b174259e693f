"""The Zotero desktop target: opening it, and writing into Zotero 7-9 through the connector.

Zotero 10 and later: the local API takes Web API writes, so `open_desktop` returns a
library whose target is `ZoteroLocal` and the usual engine (zotsync.sync_apply) does the
push: dedup against the library, nested collections, notes, PDF links, exactly-once.

Zotero 7-9: the local API only reads. The plan is made the same way (dedup against the
library read through the local API); `apply_connector` then writes what can be written
from outside Zotero:

* new items with their note: `POST /connector/saveItems` (a batch per session), then
  `POST /connector/updateSession {target: "C…"}` files them into the collection;
* the session ID is derived from the batch's content, so a batch resent after a lost
  answer is refused (409) instead of saved twice; a 409 on a first send (an earlier run
  used that ID, and Zotero keeps session IDs until it quits) is checked against the
  library: saved items are found, missing ones are saved under a new ID;
* afterwards the new items are read back through the local API and their keys recorded
  (notes zotsync wrote, citation keys, created items), as after a Web API push.

What the connector cannot do is said, never attempted: create a collection (the path to
create is named, nothing is written), add an existing item to a collection or change its
note (those papers fail with the reason), attach a PDF link (the connector keeps only
web-page links: a warning).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from zotsync.config import Settings
from zotsync.core.sync_plan import ItemAction, NoteAction, PaperPlan, Plan, written_hash
from zotsync.errors import ZoteroError, ZotsyncError
from zotsync.keys import remember_keys
from zotsync.store import Store
from zotsync.sync import Library, canonical_library, push_lock
from zotsync.sync_apply import CANCELLED, PaperResult, SyncReport
from zotsync.zotero.api import EmptyTarget, Versioned
from zotsync.zotero.desktop import LOCAL_API_SETTING, ZoteroConnector, ZoteroLocal, iter_batches, session_id
from zotsync.zotero.index import ItemIndex

BATCH = 10  # papers per connector session
SETTLE_SECONDS = 10.0  # how long a 409's items may take to appear in the local API


def local_settings(settings: Settings) -> Settings:
    """The settings as the Web API client and the push lock see the desktop library."""
    return replace(settings, zotero_url=f"{settings.desktop_url}/api", library_id="0", library_type="user")


@dataclass
class DesktopLibrary(Library):
    """A library in Zotero desktop: `target` reads it (local API); `connector` writes into
    Zotero 7-9 (None on 10+, where `target` writes)."""

    connector: ZoteroConnector | None = None
    app_version: str | None = None
    warnings: list[str] = field(default_factory=list)
    checked: bool = True  # False: the local API is off, the index is zotsync's own record

    @property
    def label(self) -> str:
        return f"Zotero desktop {self.app_version or '?'}"


NO_CHECK_WARNING = ("--no-library-check: Zotero's local API is off, so zotsync checked only its own record "
                    "of what it pushed into this Zotero; papers added otherwise are not seen and may be "
                    "saved twice (tick the setting to have the library checked)")


class _RecordTarget(EmptyTarget):
    """Zotero 7-9 with the local API off (`--no-library-check`): nothing can be read, so
    the index is zotsync's own record of what it pushed and a refresh keeps it."""

    has_deletion_log = True

    def __init__(self, settings: Settings) -> None:
        self.server = f"{settings.desktop_url}/api"
        self.library_label = "your library in Zotero desktop (not checked)"

    def item_versions(self, since: int) -> Versioned | None:
        return None  # "not modified": the record stays as it is


def _record_library(settings: Settings, store: Store) -> DesktopLibrary:
    connector = ZoteroConnector(settings)
    version = connector.ping()
    if (connector.version or (0,)) >= (10,):
        raise ZoteroError(f"Zotero {version} writes only through its local API, which is off",
                          hint=LOCAL_API_SETTING)
    index = ItemIndex(store, f"desktop-record:{canonical_library(local_settings(settings))}")
    index.start_record()
    index.record_collections([{"key": t.id, "version": 0,
                               "data": {"name": t.path[-1], "parentCollection": t.parent}}
                              for t in connector.targets() if t.path])
    library = DesktopLibrary(_RecordTarget(settings), index, lambda: push_lock(local_settings(settings)),
                             connector=connector, app_version=version, warnings=[NO_CHECK_WARNING],
                             checked=False)
    library.writer = lambda plan, on_progress, should_stop: apply_connector(
        plan, library, on_progress=on_progress, should_stop=should_stop)
    return library


def open_desktop(settings: Settings, store: Store, *, refresh: bool = True,
                 on_retry: Callable[[str], None] | None = None, library_check: bool = True) -> DesktopLibrary:
    """The user library of the Zotero desktop app at `desktop_url`, its index refreshed
    through the local API unless `refresh=False`. Without `library_check`, Zotero 7-9 with
    the local API off are pushed to against zotsync's own record (with a warning)."""
    local = ZoteroLocal(settings)
    local.on_retry = on_retry
    try:
        local.probe()  # not running / local API off: a one-line error here
    except ZoteroError as error:
        if library_check or error.message != "Zotero's local API is off":
            raise
        return _record_library(settings, store)
    where = canonical_library(local_settings(settings))
    index = ItemIndex(store, f"desktop:{where}" + (f"#{local.server_id}" if local.server_id else ""))
    if refresh:
        index.refresh(local)
    library = DesktopLibrary(local, index, lambda: push_lock(local_settings(settings)),
                             app_version=local.app_version)
    if not local.writable:  # Zotero 7-9: writes go through the connector
        library.connector = ZoteroConnector(settings)
        library.writer = lambda plan, on_progress, should_stop: apply_connector(
            plan, library, on_progress=on_progress, should_stop=should_stop)
    return library


# -- writing through the connector ---------------------------------------------------------


def _translator_item(plan: PaperPlan, collection_key: str, plan_all: Plan) -> tuple[dict[str, Any], bool]:
    """The connector's item JSON for a new paper (its note in `notes`), and whether a PDF
    link had to be left out."""
    objects = plan.objects(collection_key, plan_all.options)
    item = {k: v for k, v in objects[0].items()
            if k not in ("key", "version", "collections", "relations", "parentItem", "deleted")}
    item["tags"] = [t["tag"] for t in item.get("tags") or []]
    item["id"] = hashlib.sha256(plan.paper.identity.encode("utf-8")).hexdigest()[:16]
    notes = [{"note": o["note"], "tags": [t["tag"] for t in o.get("tags") or []]}
             for o in objects[1:] if o.get("itemType") == "note"]
    if notes:
        item["notes"] = notes
    dropped_pdf = any(o.get("itemType") == "attachment" for o in objects[1:])
    return item, dropped_pdf


def _connector_target(library: DesktopLibrary, plan: Plan) -> str:
    assert library.connector is not None
    path = tuple(plan.collection_path)
    for target in library.connector.targets():
        if target.path == path:
            return target.id
    shown = "/".join(path)
    steps = " → ".join(path)
    raise ZotsyncError(f'collection "{shown}" does not exist in Zotero, and Zotero {library.app_version} '
                       "cannot create one from outside; nothing was written",
                       hint=f"create it in Zotero (New Collection: {steps}), then run again")


class _ConnectorWriter:
    def __init__(self, library: DesktopLibrary, plan: Plan, on_progress: Callable[[int], None],
                 should_stop: Callable[[], bool], sleep: Callable[[float], None]) -> None:
        assert library.connector is not None
        self.library = library
        self.connector = library.connector
        self.plan = plan
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.sleep = sleep
        self.report = SyncReport(plan=plan)

    def run(self) -> SyncReport:
        plan = self.plan
        creating = [p for p in plan.papers if p.action is ItemAction.CREATE]
        if plan.new_collections or creating:
            target = _connector_target(self.library, plan)  # before anything is written
        for paper in plan.papers:
            if paper.action is ItemAction.CREATE:
                continue
            if paper.action is ItemAction.FILE:
                self._fail(paper, f"already in your library, not in this collection: Zotero "
                                  f"{self.library.app_version} cannot add an existing item to a collection "
                                  "from outside (drag it there in Zotero, or push with --if-exists skip)")
            elif paper.note in (NoteAction.CREATE, NoteAction.UPDATE):
                verb = "added" if paper.note is NoteAction.CREATE else "updated"
                self._fail(paper, f"its note cannot be {verb}: Zotero {self.library.app_version} cannot "
                                  "change an existing item from outside (Zotero 10 can)")
            else:
                self.report.results.append(PaperResult(paper))
        self.on_progress(len(self.report.results))
        dropped_pdf = False
        for batch in iter_batches(creating, BATCH):
            if self.should_stop():
                self.report.cancelled = True
                self.report.results.extend(PaperResult(p, ok=False, reason=CANCELLED) for p in batch)
                continue
            if self.report.stopped_by is not None:
                why = f"not sent: {self.report.stopped_by.message}"
                self.report.results.extend(PaperResult(p, ok=False, reason=why) for p in batch)
                continue
            items = []
            for paper in batch:
                item, dropped = _translator_item(paper, plan.collection_key, plan)
                items.append(item)
                dropped_pdf = dropped_pdf or dropped
            try:
                self._save(batch, items, target)
            except ZoteroError as error:
                self.report.stopped_by = error
                self.report.results.extend(PaperResult(p, ok=False, reason=error.message) for p in batch)
            self.on_progress(len(batch))
        if dropped_pdf:
            self.library.warnings.append(
                f"PDF links were not attached: Zotero {self.library.app_version}'s connector keeps only "
                "web-page links (Zotero 10 takes them through its local API)")
        return self.report

    def _fail(self, paper: PaperPlan, reason: str) -> None:
        self.report.results.append(PaperResult(paper, ok=False, reason=reason))

    def _save(self, batch: Sequence[PaperPlan], items: list[dict[str, Any]], target: str) -> None:
        library = self.library.index.library
        sid = session_id(library, target, items)
        outcome = self.connector.save_items(sid, items)
        # "exists": an earlier run used this ID (Zotero keeps them until it quits): were its
        # items kept? If they are gone (deleted since), save them under a new ID.
        if outcome == "exists" and self.library.checked and not self._read_back(batch, wait=SETTLE_SECONDS):
            sid = session_id(library, target, [*items, {"again": time.time()}])
            self.connector.save_items(sid, items)
        self.connector.update_session(sid, target)
        if self.library.checked:
            self._read_back(batch, wait=SETTLE_SECONDS, record=True)
        else:
            self._record(batch)

    def _record(self, batch: Sequence[PaperPlan]) -> None:
        """No local API: remember what was sent (under the plan's keys, in the record)."""
        index = self.library.index
        sent = [obj for paper in batch for obj in paper.objects(self.plan.collection_key, self.plan.options)
                if obj.get("itemType") != "attachment"]
        index.record_written(sent)
        index.remember_notes([(p.item_key, p.note_key, written_hash(p.note_html)) for p in batch
                              if p.note is NoteAction.CREATE and p.note_key and p.note_html])
        remember_keys(index.store, [(p.citation_key, p.paper) for p in batch if p.citation_key])
        self.report.results.extend(PaperResult(p) for p in batch)

    def _read_back(self, batch: Sequence[PaperPlan], *, wait: float, record: bool = False) -> bool:
        """Refresh the index through the local API until every paper of `batch` is found
        (or `wait` seconds pass); with `record`, report and remember what was written."""
        index, target = self.library.index, self.library.target
        deadline = time.monotonic() + wait
        while True:
            index.refresh(target)
            found = {p.paper.identity: index.find(p.paper) for p in batch}
            if all(found.values()) or time.monotonic() >= deadline:
                break
            self.sleep(0.5)
        if not record:
            return all(found.values())
        notes: list[tuple[str, str, str]] = []
        keys: list[tuple[str, Any]] = []
        created: list[str] = []
        for paper in batch:
            item = found[paper.paper.identity]
            if item is None or self.plan.collection_key not in item.collections:
                self._fail(paper, "saved through the connector but not found in the collection afterwards "
                                  "(check the collection selected in Zotero; run again to retry)")
                continue
            created.append(item.key)
            if paper.note is NoteAction.CREATE and paper.note_html:
                note = next((c for c in index.children(item.key) if c.zotsync_note and not c.deleted), None)
                if note is not None:
                    notes.append((item.key, note.key, written_hash(paper.note_html)))
            if paper.citation_key:
                keys.append((paper.citation_key, paper.paper))
            self.report.results.append(PaperResult(replace(paper, item_key=item.key)))
        if created:
            index.remember_created(created)
        if notes:
            index.remember_notes(notes)
        if keys:
            remember_keys(index.store, keys)
        return True


def apply_connector(plan: Plan, library: DesktopLibrary, *, on_progress: Callable[[int], None] | None = None,
                    should_stop: Callable[[], bool] | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> SyncReport:
    """Write `plan` into Zotero 7-9 through the connector (see the module docstring)."""
    return _ConnectorWriter(library, plan, on_progress or (lambda _n: None), should_stop or (lambda: False),
                            sleep).run()

