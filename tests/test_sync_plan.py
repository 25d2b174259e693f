"""The push planner and library matching (pure; the engine is tested against the emulator)."""

from __future__ import annotations

import itertools

import pytest

from zotsync.core.library import (
    Collection,
    LibraryItem,
    collection_path,
    find_existing,
    library_item,
    split_collection_path,
)
from zotsync.core.paper import Paper, Summary
from zotsync.core.selection import select_papers, split_selectors
from zotsync.core.sync_plan import (
    ItemAction,
    NoteAction,
    PushOptions,
    ReservedKeys,
    WrittenNote,
    plan_push,
    resolve_collection,
    written_hash,
)
from zotsync.core.zotero_item import NOTE_TAG, summary_note_html

ZH = Summary("中文总结", "动机", "方法", "结果", "结论", language="zh")


def paper(n: int, **fields: object) -> Paper:
    base: dict[str, object] = {"title": f"Paper number {n}", "arxiv_id": f"2506.{n:05d}",
                               "authors": ("Ada Lovelace",), "summary": ZH, "primary_category": "cs.LG",
                               "categories": ("cs.LG",)}
    return Paper(**(base | fields))  # type: ignore[arg-type]


class Library:
    """An in-memory ItemLookup over LibraryItems."""

    def __init__(self, items: list[LibraryItem]) -> None:
        self.items = items

    def candidates(self, p: Paper) -> list[LibraryItem]:
        return self.items

    def children(self, key: str) -> list[LibraryItem]:
        return [i for i in self.items if i.parent == key]


def keys() -> object:
    counter = itertools.count()
    return lambda: f"K{next(counter):07d}"


def test_library_item_reads_arxiv_id_from_every_place() -> None:
    base = {"key": "AAAA2222", "version": 3, "itemType": "journalArticle", "title": "T"}
    assert library_item(base | {"archiveID": "arXiv:2506.02013"}).arxiv_id == "2506.02013"
    assert library_item(base | {"DOI": "10.48550/arXiv.2506.02013"}).arxiv_id == "2506.02013"
    assert library_item(base | {"url": "http://arxiv.org/abs/2506.02013v2"}).arxiv_id == "2506.02013"
    assert library_item(base | {"extra": "tex.x: y\narXiv: 2506.02013v1 [cs.LG]"}).arxiv_id == "2506.02013"
    assert library_item(base | {"DOI": "10.48550/arXiv.2506.02013"}).doi is None
    journal = library_item(base | {"DOI": "https://doi.org/10.1000/ABC", "date": "March 2021"})
    assert (journal.doi, journal.year) == ("10.1000/ABC", 2021)


def test_find_existing_by_arxiv_then_doi_then_title_with_vetoes() -> None:
    by_title = LibraryItem("TTTT2222", 1, "journalArticle", title="Paper Number 1!",
                           creators=("A. Lovelace",), year=2025)
    vetoed = LibraryItem("VVVV2222", 1, "journalArticle", title="Paper number 1", creators=("Bob Smith",))
    assert find_existing(paper(1), [vetoed]) is None
    assert find_existing(paper(1), [vetoed, by_title]) == by_title
    by_doi = LibraryItem("DDDD2222", 5, "journalArticle", title="Other", doi="10.1/X")
    assert find_existing(paper(1, doi="10.1/x"), [by_title, by_doi]) == by_doi
    by_id = LibraryItem("IIII2222", 9, "preprint", title="Whatever", arxiv_id="2506.00001")
    assert find_existing(paper(1, doi="10.1/x"), [by_title, by_doi, by_id]) == by_id
    trashed = LibraryItem("XXXX2222", 9, "preprint", arxiv_id="2506.00001", deleted=True)
    assert find_existing(paper(1), [trashed]) is None
    note = LibraryItem("NNNN2222", 9, "note", title="Paper number 1", parent="IIII2222")
    assert find_existing(paper(1), [note]) is None


def test_new_papers_get_item_note_and_pdf_in_one_batch() -> None:
    plan = plan_push([paper(i) for i in range(8)], Library([]), "COLL2222",
                     options=PushOptions(), new_key=keys())  # type: ignore[arg-type]
    assert [p.action for p in plan.papers] == [ItemAction.CREATE] * 8
    assert all(p.note is NoteAction.CREATE and p.attachment_key for p in plan.papers)
    [batch] = plan.batches()
    objects = [o for p in batch for o in p.objects(plan.collection_key, plan.options)]
    assert len(objects) == 24
    assert [o["itemType"] for o in objects[:3]] == ["preprint", "note", "attachment"]
    assert objects[0]["version"] == 0 and objects[0]["collections"] == ["COLL2222"]
    assert objects[1]["parentItem"] == objects[0]["key"]
    assert objects[1]["tags"] == [{"tag": NOTE_TAG, "type": 1}]


def test_batches_hold_at_most_50_objects_and_keep_children_with_parents() -> None:
    plan = plan_push([paper(i) for i in range(100)], Library([]), "COLL2222",
                     options=PushOptions(pdf_link=False), new_key=keys())  # type: ignore[arg-type]
    batches = plan.batches()
    assert len(batches) == 4  # 200 objects, 25 papers x 2 per request
    for batch in batches:
        objects = [o for p in batch for o in p.objects(plan.collection_key, plan.options)]
        assert len(objects) <= 50
        keys_sent = {o["key"] for o in objects}
        assert all(o.get("parentItem") in keys_sent for o in objects if "parentItem" in o)


def test_existing_item_is_filed_or_skipped() -> None:
    existing = LibraryItem("EXIS2222", 7, "preprint", title="Paper number 1", arxiv_id="2506.00001",
                           collections=("OTHR2222",))
    lib = Library([existing])
    plan = plan_push([paper(1)], lib, "COLL2222", options=PushOptions(), new_key=keys())  # type: ignore[arg-type]
    [p] = plan.papers
    assert p.action is ItemAction.FILE and p.item_key == "EXIS2222"
    [filing, note] = p.objects("COLL2222", plan.options)
    assert filing == {"key": "EXIS2222", "version": 7, "collections": ["OTHR2222", "COLL2222"]}
    assert note["parentItem"] == "EXIS2222" and p.attachment_key is None
    skip = plan_push([paper(1)], lib, "COLL2222", options=PushOptions(if_exists="skip"), new_key=keys())  # type: ignore[arg-type]
    assert skip.papers[0].action is ItemAction.SKIP
    assert skip.papers[0].objects("COLL2222", skip.options) == []


def note_item_for(p: Paper, key: str, parent: str, text: str | None = None) -> LibraryItem:
    from zotsync.core.zotero_item import note_text

    html = summary_note_html(p)
    assert html
    return LibraryItem(key, 4, "note", parent=parent, note_text=text or note_text(html), zotsync_note=True)


def test_note_leave_update_keep_edited_and_deleted() -> None:
    p = paper(1)
    item = LibraryItem("EXIS2222", 7, "preprint", arxiv_id="2506.00001", collections=("COLL2222",))
    same = Library([item, note_item_for(p, "NOTE2222", "EXIS2222")])
    plan = plan_push([p], same, "COLL2222", options=PushOptions(), new_key=keys())  # type: ignore[arg-type]
    assert (plan.papers[0].action, plan.papers[0].note) == (ItemAction.FILED, NoteAction.LEAVE)
    assert not plan.writes

    changed = p.replace(summary=Summary("新的总结", language="zh"))
    sent = summary_note_html(p)
    assert sent is not None
    written = {"EXIS2222": WrittenNote("NOTE2222", written_hash(sent))}  # as the applier records it
    plan = plan_push([changed], same, "COLL2222", options=PushOptions(), new_key=keys(),  # type: ignore[arg-type]
                     written_notes=written)
    assert plan.papers[0].note is NoteAction.UPDATE
    [update] = plan.papers[0].objects("COLL2222", plan.options)
    assert update["key"] == "NOTE2222" and update["version"] == 4 and "新的总结" in update["note"]

    edited = Library([item, note_item_for(p, "NOTE2222", "EXIS2222", text="my own words")])
    plan = plan_push([changed], edited, "COLL2222", options=PushOptions(), new_key=keys(),  # type: ignore[arg-type]
                     written_notes=written)
    assert plan.papers[0].note is NoteAction.KEEP_EDITED

    deleted = Library([item])
    plan = plan_push([p], deleted, "COLL2222", options=PushOptions(), new_key=keys(),  # type: ignore[arg-type]
                     written_notes=written)
    assert plan.papers[0].note is NoteAction.NONE


def test_no_notes_option_and_no_summary() -> None:
    plan = plan_push([paper(1), paper(2, summary=None)], Library([]), "C", options=PushOptions(notes=False),  # type: ignore[arg-type]
                     new_key=keys())
    assert [p.note for p in plan.papers] == [NoteAction.NONE, NoteAction.NONE]
    plan = plan_push([paper(2, summary=None)], Library([]), "C", options=PushOptions(), new_key=keys())  # type: ignore[arg-type]
    assert plan.papers[0].note is NoteAction.NONE


def test_resolve_collection_creates_only_missing_parts() -> None:
    existing = [Collection("READ2222", 1, "Reading"), Collection("OLDD2222", 1, "2025-05", "READ2222")]
    key, steps = resolve_collection(["Reading", "2025-06", "Week 1"], existing, keys())  # type: ignore[arg-type]
    assert [(s.name, s.parent) for s in steps] == [("2025-06", "READ2222"), ("Week 1", steps[0].key)]
    assert key == steps[-1].key
    assert steps[0].payload() == {"key": steps[0].key, "version": 0, "name": "2025-06",
                                  "parentCollection": "READ2222"}
    key, steps = resolve_collection(["Reading", "2025-05"], existing, keys())  # type: ignore[arg-type]
    assert (key, steps) == ("OLDD2222", ())
    assert collection_path(existing, "OLDD2222") == "Reading/2025-05"


def test_split_collection_path() -> None:
    assert split_collection_path(" Reading / 2025-06 ") == ["Reading", "2025-06"]
    assert split_collection_path("A\\/B/C") == ["A/B", "C"]
    assert split_collection_path("//") == []


def test_select_papers_by_any_spelling() -> None:
    papers = [paper(1), paper(2, doi="10.1000/Y"), paper(3)]
    chosen, unknown = select_papers(papers, split_selectors(["arXiv:2506.00003v2,10.1000/y", "2506.99999"]))
    assert [p.arxiv_id for p in chosen] == ["2506.00002", "2506.00003"]
    assert unknown == ["2506.99999"]
    assert select_papers(papers, ["nonsense"])[1] == ["nonsense"]


@pytest.mark.parametrize("if_exists", ["file", "skip"])
def test_plan_counts(if_exists: str) -> None:
    existing = LibraryItem("EXIS2222", 7, "preprint", arxiv_id="2506.00001")
    plan = plan_push([paper(1), paper(2)], Library([existing]), "C", options=PushOptions(if_exists=if_exists),  # type: ignore[arg-type]
                     new_key=keys())
    counts = plan.counts()
    assert counts["create"] == 1
    assert counts["file" if if_exists == "file" else "skip"] == 1


def test_a_note_with_markup_characters_is_still_updated() -> None:
    """The applier remembers the note it sent by `written_hash(html)`; the index holds the
    server's text. `<`, `>` and `&` must not make the two disagree."""
    p = paper(1).replace(summary=Summary("if a < b && c > d then <b>bold</b>", language="en"))
    item = LibraryItem("EXIS2222", 7, "preprint", arxiv_id="2506.00001", collections=("COLL2222",))
    sent = summary_note_html(p)
    assert sent is not None
    library = Library([item, note_item_for(p, "NOTE2222", "EXIS2222")])
    written = {"EXIS2222": WrittenNote("NOTE2222", written_hash(sent))}
    changed = p.replace(summary=Summary("a new summary", language="en"))
    plan = plan_push([changed], library, "COLL2222", options=PushOptions(), new_key=keys(),  # type: ignore[arg-type]
                     written_notes=written)
    assert plan.papers[0].note is NoteAction.UPDATE


def test_blank_reserved_keys_get_fresh_ones() -> None:
    """A push with --no-notes (or no PDF link) reserved no note key; a later push with
    notes must not reuse the blank."""
    p = paper(1)
    reserved = {p.identity: ReservedKeys("ITEM2222", "", "")}
    plan = plan_push([p], Library([]), "COLL2222", options=PushOptions(), new_key=keys(),  # type: ignore[arg-type]
                     reserved=reserved)
    [planned] = plan.papers
    assert planned.item_key == "ITEM2222"
    assert planned.note_key and planned.attachment_key and planned.note is NoteAction.CREATE
    assert [o["key"] for o in planned.objects("COLL2222", plan.options)] == [
        "ITEM2222", planned.note_key, planned.attachment_key]


def test_two_papers_matching_one_item_write_one_note() -> None:
    by_id = paper(1).replace(doi=None)
    by_doi = Paper(title="A different title entirely", doi="10.1000/journal.1")
    item = LibraryItem("EXIS2222", 7, "journalArticle", arxiv_id="2506.00001", doi="10.1000/journal.1")
    plan = plan_push([by_id, by_doi], Library([item]), "COLL2222", options=PushOptions(),
                     new_key=keys())  # type: ignore[arg-type]
    first, second = plan.papers
    assert (first.action, first.note) == (ItemAction.FILE, NoteAction.CREATE)
    assert (second.action, second.note) == (ItemAction.SKIP, NoteAction.NONE)
    objects = [o for p in plan.papers for o in p.objects("COLL2222", plan.options)]
    assert sum(o.get("itemType") == "note" for o in objects) == 1


def test_every_action_has_its_wordings_and_the_json_counts_keep_their_names() -> None:
    from zotsync.core.sync_plan import ITEM_LABELS, NOTE_LABELS, ItemAction, NoteAction

    assert set(ITEM_LABELS) == set(ItemAction) and set(NOTE_LABELS) == set(NoteAction)
    plan = plan_push([paper(1), paper(2, summary=None)], Library([]), "C",  # type: ignore[arg-type]
                     options=PushOptions(), new_key=keys())
    tally = plan.tally()
    assert tally.items[ItemAction.CREATE] == 2 and tally.notes[NoteAction.CREATE] == 1
    assert list(plan.counts()) == ["create", "file", "filed", "skip", "note_create", "note_update",
                                   "note_leave", "note_keep_edited", "note_none", "collections_to_create"]
    assert ("items to create", 2) in tally.labelled() and ("notes to create", 1) in tally.labelled()
