"""Write a push plan to a library, exactly once whatever happens. The `apply` edge.

`Applier` is one push's writer: `apply(plan)` sends the plan's requests and returns the
papers that must be planned again because the library changed under them (412); the
loop that re-plans them and applies again is `zotsync.sync.apply_plan`. The writer
keeps what lasts across re-plans: the report, the library version the writes are made
against, the notes an earlier attempt created.

Every new object has a client-generated key and `version: 0`, so sending it twice
can never make two: the second attempt is refused (412) for an existing key, which
is confirmed by reading the keys back. A batch resent after a dropped connection
keeps its write token; "write token already used" means the first attempt was
applied, which is confirmed the same way. Transient per-object failures (500, a
locked library) are retried once; a stale version (412 on an existing item) makes
those papers be planned again; anything else is reported with the server's reason.
A crash between batches loses nothing: the next run's index refresh sees what was
written and plans only the rest.

Two machines (two stores) pushing into one library stay exactly-once through the
library's own optimistic concurrency, as Zotero's sync client does: every write
request carries `If-Unmodified-Since-Version` = the library version the plan was made
against (then the version our last write left). If anyone else wrote in between, the
server refuses the whole request (412) before writing anything; `apply` hands back
what is left, the index is refreshed incrementally (`since=`), that is planned again
(papers the other machine created are now filed, not created), and the push goes on.

The writer asks only the `ZoteroTarget` protocol (zotsync.zotero.api) of the library,
and keeps the local index (zotsync.zotero.index) in step with what it wrote.
"""

from __future__ import annotations

import html
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from zotsync.core.paper import Paper
from zotsync.core.sync_plan import (
    ITEM_LABELS,
    NOTE_LABELS,
    ItemAction,
    NoteAction,
    PaperPlan,
    Plan,
    ReservedKeys,
    written_hash,
)
from zotsync.core.zotero_item import note_text
from zotsync.errors import ZoteroError
from zotsync.keys import remember_keys
from zotsync.zotero.api import LibraryChanged, WriteReport, WriteTokenUsed, ZoteroTarget
from zotsync.zotero.index import ItemIndex

CANCELLED = "cancelled before sending"  # the reason of papers a cancel kept back
MAX_REPLANS = 50  # library changes by others survived in one push before giving up


class _Replan(Exception):
    # control flow, never leaves this module
    """These papers must be planned again against a refreshed index (nothing of
    theirs is unaccounted for: what was written is recorded)."""

    def __init__(self, papers: Sequence[PaperPlan]) -> None:
        super().__init__()
        self.papers = list(papers)


@dataclass(slots=True)
class PaperResult:
    plan: PaperPlan
    ok: bool = True
    reason: str | None = None

    @property
    def paper(self) -> Paper:
        return self.plan.paper

    @property
    def cancelled(self) -> bool:
        """Kept back by a cancel (not sent at all), rather than failed."""
        return self.reason == CANCELLED


@dataclass(slots=True)
class SyncReport:
    results: list[PaperResult] = field(default_factory=list)
    collections_created: int = 0
    cancelled: bool = False
    stopped_by: ZoteroError | None = None  # what ended the push early (papers after it: failed)
    replans: int = 0  # times the library changed under the push (412) and the rest was re-planned
    plan: Plan | None = None  # the plan finally applied (differs after a re-plan)

    @property
    def failed(self) -> list[PaperResult]:
        return [r for r in self.results if not r.ok]

    @property
    def written(self) -> int:
        """Papers done (written, or needing no write)."""
        return sum(1 for r in self.results if r.ok)

    def tally(self) -> PushCounts:
        ok = [r for r in self.results if r.ok]
        items = dict.fromkeys(ItemAction, 0)
        notes = dict.fromkeys(NoteAction, 0)
        for result in ok:
            items[result.plan.action] += 1
            notes[result.plan.note] += 1
        return PushCounts(items, notes, unchanged=sum(not r.plan.writes for r in ok),
                          failed=len(self.results) - len(ok), collections_created=self.collections_created)

    def counts(self) -> dict[str, int]:
        """The counts as `push --json` writes them (`tally` for the typed ones)."""
        return self.tally().as_json()


_JSON_ITEM = {ItemAction.CREATE: "created", ItemAction.FILE: "filed", ItemAction.FILED: "already_filed",
              ItemAction.SKIP: "skipped"}
_JSON_NOTE = {NoteAction.CREATE: "notes_created", NoteAction.UPDATE: "notes_updated",
              NoteAction.KEEP_EDITED: "notes_kept_edited"}


@dataclass(frozen=True, slots=True)
class PushCounts:
    """What a push did: the papers done by item and note action, and the rest."""

    items: Mapping[ItemAction, int]
    notes: Mapping[NoteAction, int]
    unchanged: int  # done, with nothing to write
    failed: int
    collections_created: int

    def as_json(self) -> dict[str, int]:
        """The documented `counts` of `push --json`."""
        return ({name: self.items[a] for a, name in _JSON_ITEM.items()}
                | {name: self.notes[n] for n, name in _JSON_NOTE.items()}
                | {"unchanged": self.unchanged, "failed": self.failed,
                   "collections_created": self.collections_created})

    def labelled(self) -> list[tuple[str, int]]:
        """(label, count) of what was done, in the order a summary shows them."""
        return [("collections created", self.collections_created),
                *((ITEM_LABELS[a].done or "", self.items[a]) for a in ItemAction),
                *((label, self.notes[n]) for n in NoteAction if (label := NOTE_LABELS[n].done))]


@dataclass(slots=True)
class _Sent:
    """One object of a batch and the paper it belongs to."""

    plan: PaperPlan
    obj: dict[str, Any]


def _reason(failure: Mapping[str, Any]) -> str:
    message = html.unescape(str(failure.get("message") or "")).strip()
    if failure.get("code") == 413:  # a field, note or tag longer than Zotero keeps: never retried
        message += " (longer than Zotero allows: shorten it in the digest; running again cannot help)"
    return f"{failure.get('code', '?')} {message}".strip()


def permanent(reason: str | None) -> bool:
    """A failure that running again cannot mend (too long, invalid data)."""
    return (reason or "").startswith(("413 ", "400 "))


class Applier:
    """One push's writer (see the module docstring); `apply` once per plan."""

    def __init__(self, target: ZoteroTarget, index: ItemIndex, *,
                 on_progress: Callable[[int], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> None:
        self.target = target
        self.index = index
        self.on_progress = on_progress or (lambda _n: None)
        self.should_stop = should_stop or (lambda: False)
        self.report = SyncReport()
        self.plan: Plan | None = None  # the plan being applied
        # The library version the plan reflects: every write says so
        # (If-Unmodified-Since-Version). None: unknown (an answer was lost), re-read first.
        self.known: int | None = index.version
        self.notes_done: set[str] = set()  # item keys whose note an earlier attempt created
        # Whether every object written was recorded from its answer (an older server may
        # answer with keys only: then the next run reads them instead).
        self.complete = True
        # Until the first plan's collections exist, an error is raised (nothing of the push
        # happened); after, it stops the push and the papers not written are reported failed.
        self.started = False

    @property
    def _plan(self) -> Plan:
        assert self.plan is not None
        return self.plan

    # -- collections -------------------------------------------------------------------

    def _send_collections(self) -> None:
        steps = self._plan.new_collections
        payload = [step.payload() for step in steps]
        pending = [(f"collection:{s.parent or ''}/{s.name}", ReservedKeys(s.key, "", "")) for s in steps]
        self.index.reserve(pending)
        try:
            report = self.target.write_collections(payload, since=self._since())
            self.known = report.version or None
        except WriteTokenUsed:
            report = WriteReport()
            self.known = None
        # (On LibraryChanged the reserved keys stay: were an earlier attempt of this very
        # request still being applied, creating again under the same keys cannot duplicate.)
        existing = {c["key"]: c for c in self.target.all_collections().data} if (
            report.failed or not report.successful) else {}
        for index, step in enumerate(steps):
            if index in report.successful:
                continue
            failure = report.failed.get(index, {})
            if step.key in existing or failure.get("code") == 412:  # created by an earlier attempt
                continue
            raise ZoteroError(f"cannot create collection {step.name!r}: {_reason(failure)}",
                              hint="check the name (1-255 characters) and your write access")
        self.report.collections_created += len(payload)
        self.index.release(identity for identity, _ in pending)
        answers = [report.successful.get(index, {}) for index in range(len(steps))]
        self.complete &= all("data" in answer for answer in answers)
        self.index.record_collections(
            [answer if "data" in answer else
             {"key": s.key, "version": 0, "data": {"name": s.name, "parentCollection": s.parent}}
             for s, answer in zip(steps, answers, strict=True)])
        self.plan = replace(self._plan, new_collections=())

    # -- optimistic concurrency ----------------------------------------------------------

    def _since(self) -> int:
        if self.known is None:  # an answer was lost: its version is unknown
            self.refresh()
        assert self.known is not None
        return self.known

    def refresh(self) -> None:
        """Bring the index up to date (incrementally) and take its version as known."""
        self.index.refresh(self.target)
        self.known = self.index.version

    def count_replan(self) -> None:
        """Count one change of the library under the push; too many end it."""
        self.report.replans += 1
        if self.report.replans > MAX_REPLANS:
            raise ZoteroError(f"{self.target.library_label} kept changing while pushing "
                              f"({MAX_REPLANS} times)",
                              hint="another push or sync is writing to it; run again when it is done "
                                   "(nothing is duplicated)")

    # -- items -------------------------------------------------------------------------

    def _send(self, sent: Sequence[_Sent]) -> WriteReport:
        """Send one batch; raises LibraryChanged (nothing written) when the library moved
        past the known version."""
        objects = [s.obj for s in sent]
        try:
            report = self.target.write_items(objects, since=self._since())
            self.known = report.version or None
        except WriteTokenUsed:  # the first attempt was applied before its answer was lost
            self.known = None
            return self._confirm(sent, WriteReport())
        if any(f.get("code") == 412 and sent[i].obj.get("version") == 0 for i, f in report.failed.items()):
            report = self._confirm(sent, report)
        return report

    def _confirm(self, sent: Sequence[_Sent], report: WriteReport) -> WriteReport:
        """Read back the objects whose outcome is unknown; those found were written."""
        unknown = [i for i in range(len(sent)) if i not in report.successful and i not in report.unchanged
                   and report.failed.get(i, {}).get("code", 412) == 412]
        found = {obj["key"]: obj for obj in self.target.items_by_key([sent[i].obj["key"] for i in unknown])}
        for i in unknown:
            obj = found.get(sent[i].obj["key"])
            if obj is not None and self._shows_our_write(sent[i].obj, obj):
                report.successful[i] = obj
                report.failed.pop(i, None)
            elif obj is not None and int(sent[i].obj.get("version") or 0) > 0:
                # Not applied, and the object has moved on: plan it again (as for a 412).
                report.failed[i] = {"code": 412, "message": "changed in Zotero meanwhile"}
            elif i not in report.failed:
                report.failed[i] = {"code": 0, "message": "not written (no answer from Zotero)"}
        return report

    def _shows_our_write(self, sent: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
        """Whether the library's copy of an object shows the write we sent.

        A new object (version 0) has a key only we know: that it exists proves it. For an
        existing one a newer version proves nothing (the user may have changed it, which
        is what a 412 says): the change itself must be there.
        """
        if int(sent.get("version") or 0) == 0:
            return True
        data = found.get("data", found)
        if "collections" in sent:
            return self._plan.collection_key in (data.get("collections") or [])
        if "note" in sent:
            return note_text(str(data.get("note") or "")) == note_text(str(sent["note"]))
        return False

    def _write_batch(self, papers: Sequence[PaperPlan]) -> None:
        sent = [_Sent(p, obj) for p in papers
                for obj in p.objects(self._plan.collection_key, self._plan.options)]
        self.index.reserve(
            (p.paper.identity, ReservedKeys(p.item_key, p.note_key or "", p.attachment_key or ""))
            for p in papers if p.action is ItemAction.CREATE or p.note is NoteAction.CREATE)
        report = self._send(sent)
        transient = {i for i, f in report.failed.items() if f.get("code") in {500, 502, 503, 504}
                     or (f.get("code") == 409 and "locked" in str(f.get("message", "")))}
        retried_keys = {sent[i].obj["key"] for i in transient}
        # Children that failed only because their parent did go along with it.
        orphans = {i for i, f in report.failed.items() if f.get("code") == 409
                   and sent[i].obj.get("parentItem") in retried_keys}
        retry = sorted(transient | orphans)
        stale: set[str] = set()
        if retry:  # transient per-object failures: once more, in one request
            try:
                again = self._send([sent[i] for i in retry])
            except LibraryChanged:  # someone wrote meanwhile: plan those papers again
                stale = {sent[i].plan.item_key for i in retry}
                again = WriteReport()
            for new_index, old_index in enumerate(retry):
                if new_index in again.successful:
                    report.successful[old_index] = again.successful[new_index]
                    report.failed.pop(old_index, None)
                elif new_index in again.failed:
                    report.failed[old_index] = again.failed[new_index]
        stale |= {sent[i].plan.item_key for i, f in report.failed.items()
                  if f.get("code") == 412 and int(sent[i].obj.get("version") or 0) > 0}
        self._record(sent, report, exclude=stale)
        if stale:
            self.notes_done |= {
                sent[i].plan.item_key for i in report.successful
                if sent[i].plan.item_key in stale and sent[i].plan.note is NoteAction.CREATE
                and sent[i].obj.get("key") == sent[i].plan.note_key}
            raise _Replan([p for p in papers if p.item_key in stale])

    def _record(self, sent: Sequence[_Sent], report: WriteReport, *, exclude: set[str]) -> None:
        self.index.record_written([obj for obj in report.successful.values() if "data" in obj])
        self.complete &= all("data" in obj for obj in report.successful.values())
        failures: dict[str, str] = {}
        for i, failure in report.failed.items():
            failures.setdefault(sent[i].plan.item_key, _reason(failure))
        self.index.release(item.plan.paper.identity for item in sent
                           if item.plan.item_key not in failures and item.plan.item_key not in exclude)
        notes = []
        keys: list[tuple[str, Paper]] = []  # the key in Zotero is the key `bib` writes
        seen: set[str] = set()
        for item in sent:
            plan = item.plan
            if plan.item_key in exclude or plan.item_key in seen:
                continue
            seen.add(plan.item_key)
            reason = failures.get(plan.item_key)
            self.report.results.append(PaperResult(self._as_done(plan), ok=reason is None, reason=reason))
            if reason is None and plan.citation_key:
                keys.append((plan.citation_key, plan.paper))
        for i, item in enumerate(sent):
            if i in report.successful and item.obj.get("itemType", "note") == "note" and "note" in item.obj:
                notes.append((item.plan.item_key, item.obj["key"], written_hash(item.obj["note"])))
        if notes:
            self.index.remember_notes(notes)
        if keys:
            remember_keys(self.index.store, keys)
        created = [plan.item_key for plan in {item.plan.item_key: item.plan for item in sent}.values()
                   if plan.action is ItemAction.CREATE and plan.item_key not in failures
                   and plan.item_key not in exclude]
        if created:
            self.index.remember_created(created)

    def _as_done(self, plan: PaperPlan) -> PaperPlan:
        """The plan as reported: a note an earlier attempt of this push created (before a
        412 made the paper be planned again, which now finds it) counts as created."""
        if plan.item_key in self.notes_done and plan.note is NoteAction.LEAVE:
            return replace(plan, note=NoteAction.CREATE)
        return plan

    def _report_unwritten(self, papers: Sequence[PaperPlan]) -> None:
        """Papers that need no write (in the collection already, skipped): done."""
        self.report.results.extend(PaperResult(self._as_done(p)) for p in papers
                                   if not p.objects(self._plan.collection_key, self._plan.options))

    def apply(self, plan: Plan) -> list[PaperPlan]:
        """Write `plan`; return the papers to plan again because the library changed
        under them (a 412: nothing of theirs is unaccounted for), [] when it is done.

        A Zotero error ends the push: the papers not written are reported failed and
        `report.stopped_by` holds it; raised instead while the first plan's collections
        are being created (then nothing was written)."""
        self.plan = self.report.plan = plan
        if plan.new_collections:
            try:
                self._send_collections()
            except LibraryChanged:
                return list(plan.papers)  # nothing written: all of it again
            except ZoteroError as error:
                if not self.started:
                    raise
                self.stop(error, plan.papers)
                return []
            finally:
                self.report.plan = self.plan
        self.started = True
        self._report_unwritten(self._plan.papers)
        self.on_progress(sum(not p.objects(self._plan.collection_key, self._plan.options)
                             for p in self._plan.papers))
        queue = deque(self._plan.batches())
        while queue:
            batch = queue.popleft()
            if self.should_stop():
                self.report.cancelled = True
                self.report.results.extend(PaperResult(p, ok=False, reason=CANCELLED)
                                           for p in batch)
                continue
            if self.report.stopped_by is not None:
                self._fail_unreported(batch, f"not sent: {self.report.stopped_by.message}")
                continue
            try:
                self._write_batch(batch)
            except (_Replan, LibraryChanged) as changed:
                # The library moved (another machine pushed): what is left is planned
                # again; papers now found are filed, not created.
                again = changed.papers if isinstance(changed, _Replan) else batch
                self.on_progress(len(batch) - len(again))
                return again + [p for b in queue for p in b]
            except ZoteroError as error:  # the library cannot be written now: report, stop
                self.report.stopped_by = error
                self._fail_unreported(batch, error.message)
            self.on_progress(len(batch))
        return []

    def stop(self, error: ZoteroError, papers: Sequence[PaperPlan]) -> None:
        """End the push on `error`: `papers` not reported yet failed with its message."""
        self.report.stopped_by = error
        self._fail_unreported(papers, error.message)

    def finish(self) -> SyncReport:
        """The report, once the last plan is applied; the index is left at the library
        version our last write answered with, so the next run starts from there.

        No read-back is needed: every write was sent with If-Unmodified-Since-Version of the
        version before it, so between the version the index was read at and `known` the
        library changed by our writes alone, and each write's answer (the objects with
        their new versions) is already recorded. The next run's incremental read (one
        "not modified" answer when nothing else changed) is the proof."""
        if self.known is not None and self.complete:
            self.index.caught_up(self.known)
        return self.report

    def _fail_unreported(self, batch: Sequence[PaperPlan], reason: str) -> None:
        """Papers of `batch` with no result yet failed (a batch cut short reports some)."""
        reported = {r.plan.item_key for r in self.report.results}
        self.report.results.extend(PaperResult(p, ok=False, reason=reason)
                                   for p in batch if p.item_key not in reported)


def interruption_line(written: int | str, total: int) -> str:
    """What a push cut short by the user says, in the CLI and the TUI alike."""
    return f"push interrupted: {written} of {total} papers written; run again to finish"
