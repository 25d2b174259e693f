"""Plan a push: what must be written so the library holds these papers, once. Pure.

`plan_push` decides, per paper: create the item (with its note and PDF link), or —
when the library already holds it — file it into the collection (`--if-exists file`)
or leave it (`skip`); and for its note: create, update (the digest's summary changed
since zotsync wrote it), leave (unchanged), or keep (edited in Zotero since).
`Plan.batches()` packs the objects into requests of at most 50, each parent with its
children. `--dry-run` prints the plan; `zotsync.sync_apply.apply_plan` writes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zotsync.core.library import Collection, ItemLookup, LibraryItem, existing_prefix, find_existing
from zotsync.core.paper import Paper
from zotsync.core.zotero_item import note_item, note_text, paper_item, pdf_attachment, summary_note_html

MAX_BATCH = 50  # objects per write request (the API answers 413 above)


class ItemAction(StrEnum):
    CREATE = "create"  # new item
    FILE = "file"  # already in the library: add it to the collection
    FILED = "filed"  # already in the library and in the collection
    SKIP = "skip"  # already in the library, left where it is (--if-exists skip)


class NoteAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"  # the digest's summary changed since zotsync wrote the note
    LEAVE = "leave"  # the note already says this
    KEEP_EDITED = "keep_edited"  # edited in Zotero since zotsync wrote it: not overwritten
    NONE = "none"  # no summary, --no-notes, or the user deleted zotsync's note


@dataclass(frozen=True, slots=True)
class ActionLabels:
    """Every wording of one action, in one place."""

    row: str  # a paper's row in `push --dry-run`'s table
    short: str  # a paper's row in the TUI review (a narrow column)
    planned: str | None  # a plan's count ("items to create"); None: not counted there
    done: str | None  # a push's count ("items created"); None: not counted there


ITEM_LABELS: Mapping[ItemAction, ActionLabels] = {
    ItemAction.CREATE: ActionLabels("create", "create", "items to create", "items created"),
    ItemAction.FILE: ActionLabels("file existing", "file existing", "existing items to file",
                                  "existing items filed"),
    ItemAction.FILED: ActionLabels("already in collection", "already there", "already in the collection",
                                   "already in the collection"),
    ItemAction.SKIP: ActionLabels("skip (in library)", "skip", "skipped", "skipped"),
}
NOTE_LABELS: Mapping[NoteAction, ActionLabels] = {
    NoteAction.CREATE: ActionLabels("create", "create", "notes to create", "notes created"),
    NoteAction.UPDATE: ActionLabels("update", "update", "notes to update", "notes updated"),
    NoteAction.LEAVE: ActionLabels("unchanged", "unchanged", "notes unchanged", None),
    # short: the counts say "edited in Zotero (kept)"
    NoteAction.KEEP_EDITED: ActionLabels("edited in Zotero: kept", "edited: kept",
                                         "notes edited in Zotero (kept)", "notes kept (edited in Zotero)"),
    NoteAction.NONE: ActionLabels("-", "-", None, None),
}


@dataclass(frozen=True, slots=True)
class PlanCounts:
    """How many papers of a plan get each item and note action."""

    items: Mapping[ItemAction, int]
    notes: Mapping[NoteAction, int]
    collections_to_create: int

    def as_json(self) -> dict[str, int]:
        """The documented `counts` of `push --json`'s plan."""
        return ({a.value: self.items[a] for a in ItemAction}
                | {f"note_{n.value}": self.notes[n] for n in NoteAction}
                | {"collections_to_create": self.collections_to_create})

    def labelled(self) -> list[tuple[str, int]]:
        """(label, count) of every count a plan's summary shows, in order."""
        return [("collections to create", self.collections_to_create),
                *((ITEM_LABELS[a].planned or "", self.items[a]) for a in ItemAction),
                *((label, self.notes[n]) for n in NoteAction if (label := NOTE_LABELS[n].planned))]


def text_hash(text: str) -> str:
    """Fingerprint of a note's plain text (`note_text`, as the library index keeps it)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def written_hash(note_html: str) -> str:
    """What zotsync remembers of a note it sent: the fingerprint of the text the server
    will keep (sanitized, tags stripped). Compared with `text_hash(item.note_text)`."""
    return text_hash(note_text(note_html))


@dataclass(frozen=True, slots=True)
class WrittenNote:
    """What zotsync last wrote as a paper's note (kept in the store)."""

    note_key: str
    text_hash: str


@dataclass(frozen=True, slots=True)
class ReservedKeys:
    """Keys an earlier, interrupted push chose for a paper's new objects.

    Reusing them makes an interrupted push and its re-run write the *same* objects, so
    even a request that was still in flight when the first run died cannot add a
    second copy: whichever arrives second is refused as already existing.
    """

    item: str
    note: str
    attachment: str


@dataclass(frozen=True, slots=True)
class PushOptions:
    tags: tuple[str, ...] = ()
    notes: bool = True
    pdf_link: bool = True
    if_exists: str = "file"  # "file" | "skip"
    # Item types whose schema on the server has `citationKey` (None: all, as in schema v41);
    # the others get the key as an Extra line.
    citation_key_types: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class CollectionStep:
    """A collection to create; `parent` is an existing key or an earlier step's key."""

    key: str
    name: str
    parent: str | None

    def payload(self) -> dict[str, Any]:
        return {"key": self.key, "version": 0, "name": self.name, "parentCollection": self.parent or False}


@dataclass(frozen=True, slots=True)
class PaperPlan:
    paper: Paper
    action: ItemAction
    item_key: str
    existing: LibraryItem | None = None
    note: NoteAction = NoteAction.NONE
    note_key: str | None = None
    note_version: int = 0
    note_html: str | None = None
    attachment_key: str | None = None
    citation_key: str | None = None  # the paper's key (written into a new item)

    @property
    def writes(self) -> bool:
        return self.action in {ItemAction.CREATE, ItemAction.FILE} or self.note in {
            NoteAction.CREATE, NoteAction.UPDATE}

    def objects(self, collection_key: str, options: PushOptions) -> list[dict[str, Any]]:
        """The JSON objects this paper needs written: parent first, then its children."""
        out: list[dict[str, Any]] = []
        if self.action is ItemAction.CREATE:
            item = paper_item(self.paper, tags=options.tags, collections=[collection_key],
                              citation_key=self.citation_key,
                              native_key_types=options.citation_key_types)
            out.append({"key": self.item_key, "version": 0, **item})
        elif self.action is ItemAction.FILE:
            assert self.existing is not None
            out.append({"key": self.item_key, "version": self.existing.version,
                        "collections": [*self.existing.collections, collection_key]})
        if self.note is NoteAction.CREATE:
            assert self.note_key and self.note_html
            out.append({"key": self.note_key, "version": 0, **note_item(self.note_html, self.item_key)})
        elif self.note is NoteAction.UPDATE:
            assert self.note_key and self.note_html
            out.append({"key": self.note_key, "version": self.note_version, "note": self.note_html})
        if self.attachment_key:
            attachment = pdf_attachment(self.paper, self.item_key)
            assert attachment is not None
            out.append({"key": self.attachment_key, "version": 0, **attachment})
        return out


@dataclass(frozen=True)
class Plan:
    collection_path: tuple[str, ...]
    collection_key: str
    new_collections: tuple[CollectionStep, ...]
    papers: tuple[PaperPlan, ...]
    options: PushOptions = field(default_factory=PushOptions)
    warnings: tuple[str, ...] = ()  # worth a look before writing (a near-duplicate name)

    def tally(self) -> PlanCounts:
        items = dict.fromkeys(ItemAction, 0)
        notes = dict.fromkeys(NoteAction, 0)
        for paper in self.papers:
            items[paper.action] += 1
            notes[paper.note] += 1
        return PlanCounts(items, notes, len(self.new_collections))

    def counts(self) -> dict[str, int]:
        """The counts as `push --json` writes them (`tally` for the typed ones)."""
        return self.tally().as_json()

    @property
    def writes(self) -> bool:
        return bool(self.new_collections) or any(p.writes for p in self.papers)

    def batches(self) -> list[list[PaperPlan]]:
        """Papers grouped so each request carries at most 50 objects and a parent is
        always sent together with its children (so a child never names a parent
        that does not exist yet)."""
        batches: list[list[PaperPlan]] = []
        current: list[PaperPlan] = []
        size = 0
        for paper in self.papers:
            count = len(paper.objects(self.collection_key, self.options))
            if count == 0:
                continue
            if size + count > MAX_BATCH:
                batches.append(current)
                current, size = [], 0
            current.append(paper)
            size += count
        if current:
            batches.append(current)
        return batches


def similar_collections(steps: Sequence[CollectionStep], collections: Iterable[Collection]) -> list[str]:
    """Warnings for collections to create beside a sibling differing only in case or
    spacing ("reading" beside "Reading"): Zotero allows both, but it is rarely meant."""
    by_parent: dict[str | None, list[str]] = {}
    for c in collections:
        by_parent.setdefault(c.parent, []).append(c.name)
    found = []
    for step in steps:
        wanted = " ".join(step.name.split()).casefold()
        for name in by_parent.get(step.parent, ()):
            if " ".join(name.split()).casefold() == wanted:
                found.append(f"creating collection {step.name!r} beside the existing {name!r}")
                break
    return found


def resolve_collection(
    path: Sequence[str], collections: Iterable[Collection], new_key: Callable[[], str],
    reserved: Mapping[tuple[str | None, str], str] | None = None,
) -> tuple[str, tuple[CollectionStep, ...]]:
    """The key of collection `path` ("A/B/C" split), and the steps creating what is missing.

    Names compare exactly as Zotero shows them, after trimming; of two same-named
    siblings the one with the lowest key is used (stable across runs). `reserved` maps
    (parent key, name) to the key an interrupted push chose for that collection.
    """
    reserved = reserved or {}
    if not path:
        raise ValueError("empty collection path")
    found = existing_prefix(path, collections)
    parent = found[-1].key if found else None
    steps: list[CollectionStep] = []
    for name in path[len(found):]:
        step = CollectionStep(reserved.get((parent, name)) or new_key(), name, parent)
        steps.append(step)
        parent = step.key
    assert parent is not None
    return parent, tuple(steps)


def _plan_note(
    paper: Paper, item_key: str, children: list[LibraryItem], written: WrittenNote | None,
    options: PushOptions, new_key: Callable[[], str],
) -> tuple[NoteAction, str | None, int, str | None]:
    wanted = summary_note_html(paper) if options.notes else None
    ours = sorted((c for c in children if c.zotsync_note and not c.deleted), key=lambda c: c.key)
    if wanted is None:
        return NoteAction.NONE, None, 0, None
    if not ours:
        if written is not None:  # zotsync wrote one and it is gone: the user deleted it
            return NoteAction.NONE, None, 0, None
        return NoteAction.CREATE, new_key(), 0, wanted
    note = ours[0]
    current = note.note_text or ""
    if current == note_text(wanted):
        return NoteAction.LEAVE, note.key, note.version, None
    if written is not None and written.note_key == note.key and written.text_hash == text_hash(current):
        return NoteAction.UPDATE, note.key, note.version, wanted
    return NoteAction.KEEP_EDITED, note.key, note.version, None


def plan_push(
    papers: Sequence[Paper],
    library: ItemLookup,
    collection_key: str,
    *,
    options: PushOptions,
    new_key: Callable[[], str],
    written_notes: Mapping[str, WrittenNote] | None = None,
    reserved: Mapping[str, ReservedKeys] | None = None,
    collection_path: Sequence[str] = (),
    new_collections: Sequence[CollectionStep] = (),
    citation_keys: Mapping[str, str] | None = None,
) -> Plan:
    """Decide what to write for each paper (see the module docstring).

    `written_notes` maps an item key to the note zotsync last wrote for it; `reserved`
    maps a paper's identity to the keys an interrupted push chose for it;
    `citation_keys` a paper's identity to its citation key (given to the items created).
    """
    citation_keys = citation_keys or {}
    written_notes = written_notes or {}
    reserved = reserved or {}
    planned: list[PaperPlan] = []
    claimed: set[str] = set()  # library items an earlier paper of this plan matched
    for paper in papers:
        keys = reserved.get(paper.identity)
        existing = find_existing(paper, library.candidates(paper))
        if existing is not None and existing.key in claimed:
            # Two entries the digests could not tell are one paper (an arXiv ID in one,
            # only the journal DOI in the other) match one item: file it and write its
            # note once, for the first.
            planned.append(PaperPlan(paper, ItemAction.SKIP, existing.key, existing))
            continue
        if existing is not None:
            claimed.add(existing.key)

        # Keys an interrupted push reserved are reused; one it left blank (that push made
        # no note or no PDF link, e.g. --no-notes) gets a fresh key.
        def note_keys(keys: ReservedKeys | None = keys) -> str:
            return keys.note if keys and keys.note else new_key()

        if existing is None:
            item_key = keys.item if keys and keys.item else new_key()
            note, note_key, note_version, html_text = _plan_note(
                paper, item_key, [], None, options, note_keys)
            attachment = (keys.attachment if keys and keys.attachment else new_key()) if (
                options.pdf_link and paper.arxiv_id) else None
            planned.append(PaperPlan(paper, ItemAction.CREATE, item_key, None, note, note_key,
                                     note_version, html_text, attachment,
                                     citation_keys.get(paper.identity)))
            continue
        if options.if_exists == "skip":
            action = ItemAction.SKIP
        elif collection_key in existing.collections:
            action = ItemAction.FILED
        else:
            action = ItemAction.FILE
        if action is ItemAction.SKIP:
            planned.append(PaperPlan(paper, action, existing.key, existing))
            continue
        note, note_key, note_version, html_text = _plan_note(
            paper, existing.key, library.children(existing.key), written_notes.get(existing.key),
            options, note_keys)
        planned.append(PaperPlan(paper, action, existing.key, existing, note, note_key, note_version,
                                 html_text, citation_key=existing.citation_key))
    return Plan(tuple(collection_path), collection_key, tuple(new_collections), tuple(planned), options)
