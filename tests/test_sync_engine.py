"""The plan/apply engine at library level, against the emulator (real HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from servers.zotero_emulator import Fault
from zotsync.config import load_settings
from zotsync.core.paper import Paper, Summary
from zotsync.core.sync_plan import ItemAction, PushOptions
from zotsync.store import Store
from zotsync.sync import apply_plan, open_library, plan_for

PAPER = Paper(title="A paper", arxiv_id="2506.02013", authors=("Ada Lovelace",),
              summary=Summary("总结", language="zh"), primary_category="cs.LG", categories=("cs.LG",))


def settings_for(emu):  # type: ignore[no-untyped-def]
    return load_settings(environ=emu.env)


def test_item_changed_in_zotero_after_planning_is_replanned(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    [key] = zotero_emu.seed_items(items=[{"itemType": "preprint", "title": "Mine",
                                          "archiveID": "arXiv:2506.02013"}])
    store = Store(tmp_path / "s.sqlite3")
    library = open_library(settings_for(zotero_emu), store)
    plan = plan_for([PAPER], library, "Target", PushOptions())
    assert plan.papers[0].action is ItemAction.FILE
    version = zotero_emu.library().item(key)["version"]
    edit = requests.patch(f"{zotero_emu.url}/users/1/items/{key}", json={"title": "Mine, edited"},
                          headers={"Zotero-API-Key": zotero_emu.api_key,
                                   "If-Unmodified-Since-Version": str(version)}, timeout=5)
    assert edit.status_code == 204
    report = apply_plan(plan, library)
    assert report.failed == []
    item = zotero_emu.library().item(key)
    assert item["title"] == "Mine, edited"  # the user's change survives (PATCH semantics)
    assert len(item["collections"]) == 1
    notes = [i for i in zotero_emu.library().items.values() if i["itemType"] == "note"]
    assert len(notes) == 1 and notes[0]["parentItem"] == key
    posts = [(r.path.rsplit("/", 1)[-1], r.status) for r in zotero_emu.log if r.method == "POST"]
    # The first write (the collection) says the version planned against, is refused whole
    # (nothing written), and the re-planned writes follow.
    assert posts == [("collections", 412), ("collections", 200), ("items", 200)]
    assert report.replans == 1
    counts = report.counts()  # what happened, though the re-plan found the note's parent changed
    assert (counts["filed"], counts["notes_created"], counts["created"]) == (1, 1, 0)


def test_cancel_between_requests_leaves_whole_papers(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    papers = [PAPER.replace(arxiv_id=f"2506.{i:05d}", title=f"Paper {i}") for i in range(40)]
    store = Store(tmp_path / "s.sqlite3")
    library = open_library(settings_for(zotero_emu), store)
    plan = plan_for(papers, library, "Target", PushOptions())
    assert len(plan.batches()) == 3
    sent: list[int] = []
    report = apply_plan(plan, library, on_progress=sent.append,
                        should_stop=lambda: len(sent) >= 2)  # progress: initial 0, then batch 1
    assert report.cancelled
    items = zotero_emu.library().items.values()
    parents = {i["key"] for i in items if i["itemType"] == "preprint"}
    assert len(parents) == 16
    assert {i["parentItem"] for i in items if i["itemType"] != "preprint"} == parents
    assert sum(not r.ok for r in report.results) == 24
    again = apply_plan(plan_for(papers, library, "Target", PushOptions()), library)
    assert again.counts()["created"] == 24
    assert len([i for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]) == 40


def test_a_lost_answer_does_not_pass_off_a_refused_filing_as_done(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The batch is committed but its answer lost; the resend is told "write token already
    used". The filing of an item the user changed meanwhile was refused (412) inside that
    batch: reading it back shows a newer version, which is *not* proof of our write. It
    must be re-planned, not counted as filed."""
    [key] = zotero_emu.seed_items(items=[{"itemType": "preprint", "title": "Mine",
                                          "archiveID": "arXiv:2506.02013"}])
    store = Store(tmp_path / "s.sqlite3")
    library = open_library(settings_for(zotero_emu), store)
    new_paper = PAPER.replace(arxiv_id="2506.09999", title="Another paper")
    plan = plan_for([PAPER, new_paper], library, "Target", PushOptions(notes=False))
    assert [p.action for p in plan.papers] == [ItemAction.FILE, ItemAction.CREATE]
    version = zotero_emu.library().item(key)["version"]
    edit = requests.patch(f"{zotero_emu.url}/users/1/items/{key}", json={"title": "Mine, edited"},
                          headers={"Zotero-API-Key": zotero_emu.api_key,
                                   "If-Unmodified-Since-Version": str(version)}, timeout=5)
    assert edit.status_code == 204
    zotero_emu.inject(Fault.drop_after_commit("POST", "/items"))
    report = apply_plan(plan, library)
    assert report.failed == []
    mine = zotero_emu.library().item(key)
    assert mine["title"] == "Mine, edited" and len(mine["collections"]) == 1  # really filed
    preprints = [i for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]
    assert len(preprints) == 2  # and the new paper made once


def test_zotero_going_away_mid_push_reports_what_was_written(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    papers = [PAPER.replace(arxiv_id=f"2506.{i:05d}", title=f"Paper {i}") for i in range(40)]
    store = Store(tmp_path / "s.sqlite3")
    settings = load_settings(environ={**zotero_emu.env, "ZOTSYNC_ZOTERO_RETRIES": "2",
                                      "ZOTSYNC_ZOTERO_BACKOFF": "0"})
    library = open_library(settings, store)
    plan = plan_for(papers, library, "Target", PushOptions())

    def progress(count: int) -> None:
        if count:  # after the first batch: Zotero goes down for good
            zotero_emu.inject(Fault.unavailable("POST", "/items", times=None))

    report = apply_plan(plan, library, on_progress=progress)
    assert report.stopped_by is not None and "unavailable (503)" in report.stopped_by.message
    assert sum(r.ok for r in report.results) == 16 and len(report.failed) == 24
    assert all("not sent" in (r.reason or "") or "unavailable" in (r.reason or "") for r in report.failed)
    assert len([i for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]) == 16

    zotero_emu.clear_faults()
    again = apply_plan(plan_for(papers, open_library(settings, store), "Target", PushOptions()),
                       library)
    assert again.failed == [] and again.stopped_by is None
    preprints = [i for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]
    assert len(preprints) == 40 and len({p["archiveID"] for p in preprints}) == 40


def test_a_reserved_collection_key_is_forgotten_once_it_exists(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from zotsync.core.sync_plan import ReservedKeys

    store = Store(tmp_path / "s.sqlite3")
    library = open_library(settings_for(zotero_emu), store)
    # A push died after creating "Target" but before forgetting the key it reserved.
    [key] = zotero_emu.seed_collections(collections=[{"name": "Target", "key": "TGTK2345"}])
    library.index.reserve([("collection:/Target", ReservedKeys(key, "", ""))])
    assert library.index.reserved_collections() == {(None, "Target"): key}
    library.index.refresh(library.target)
    assert library.index.reserved_collections() == {}


def test_the_push_session_holds_the_library_lock_from_reading_to_the_last_write(
        zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from contextlib import contextmanager

    from zotsync.sync import Library, push

    opened = open_library(settings_for(zotero_emu), Store(tmp_path / "s.sqlite3"), refresh=False)
    seen: list[tuple[str, int]] = []

    @contextmanager
    def lock():  # type: ignore[no-untyped-def]
        seen.append(("locked", len(zotero_emu.log)))
        yield
        seen.append(("unlocked", len(zotero_emu.log)))

    library = Library(opened.target, opened.index, lock)
    outcome = push([PAPER], library, "A/B", PushOptions())
    assert outcome.report is not None and outcome.report.failed == []
    assert outcome.report.counts()["created"] == 1 and outcome.plan.counts()["collections_to_create"] == 2
    assert seen == [("locked", 0), ("unlocked", len(zotero_emu.log))]
    assert len(zotero_emu.log) > 0
    seen.clear()
    dry = push([PAPER], library, "A/B", PushOptions(), dry_run=True)  # no lock, nothing written
    assert seen == [] and dry.report is None and dry.plan.papers[0].action is ItemAction.FILED


def test_an_empty_library_plans_everything_new_and_takes_no_writes() -> None:
    from zotsync.errors import ZoteroError
    from zotsync.sync import empty_library, push

    library = empty_library()
    outcome = push([PAPER], library, "A/B", PushOptions(), dry_run=True)
    assert outcome.report is None
    assert [p.action for p in outcome.plan.papers] == [ItemAction.CREATE]
    assert [s.name for s in outcome.plan.new_collections] == ["A", "B"]
    with pytest.raises(ZoteroError) as refused:
        push([PAPER], library, "A/B", PushOptions())
    assert refused.value.message == "no Zotero library to write to"


def _requests(emu) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{r.method} {r.path.rsplit('/', 1)[-1]}" + (f" {r.status}" if r.method == "GET" else "")
            for r in emu.log]


@pytest.mark.parametrize("notes", [False, True])
def test_a_first_push_writes_and_reads_nothing_more_than_it_must(zotero_emu, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 notes: bool) -> None:
    """Into an empty library: fill the index (items, collections), create the collection,
    write the papers; no schema questions (the server runs the schema zotsync carries) and no
    read-back after writing (the index is updated from the write answers)."""
    from zotsync.sync import push

    papers = [PAPER.replace(arxiv_id=f"2507.{i:05d}", title=f"Paper {i}",
                            summary=PAPER.summary if notes else None) for i in range(57)]
    store = Store(tmp_path / "s.sqlite3")
    settings = settings_for(zotero_emu)
    outcome = push(papers, open_library(settings, store, refresh=False), "Bench", PushOptions())
    assert outcome.report is not None and outcome.report.counts()["created"] == 57
    # 57 papers with their PDF links: 114 objects, 25 papers (50 objects) a request; with
    # notes 171 objects, 16 papers (48 objects) a request
    assert _requests(zotero_emu) == ["GET items 200", "GET collections 200", "POST collections",
                                     *["POST items"] * (4 if notes else 3)]
    zotero_emu.clear_log()
    again = push(papers, open_library(settings, store, refresh=False), "Bench", PushOptions())
    assert again.report is not None and again.report.counts()["unchanged"] == 57
    assert _requests(zotero_emu) == ["GET items 304"]


def test_the_index_after_a_push_is_the_library_as_a_full_read_finds_it(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from zotsync.sync import push
    from zotsync.zotero.index import ItemIndex

    [mine] = zotero_emu.seed_items(items=[{"itemType": "preprint", "title": "Mine",
                                           "archiveID": "arXiv:2506.02013"}])
    papers = [PAPER, PAPER.replace(arxiv_id="2507.00001", title="New")]
    settings = settings_for(zotero_emu)
    store = Store(tmp_path / "s.sqlite3")
    library = open_library(settings, store, refresh=False)
    push(papers, library, "A/B", PushOptions())  # files one, creates one, notes, links, collections
    fresh = open_library(settings, Store(tmp_path / "fresh.sqlite3"))  # read in full
    assert library.index.version == fresh.index.version
    keys = sorted(zotero_emu.library().items)
    assert mine in keys and len(keys) == 5  # 2 items, 2 notes, 1 link
    assert [library.index.get(k) for k in keys] == [fresh.index.get(k) for k in keys]
    assert library.index.collections() == fresh.index.collections()
    assert ItemIndex(store, library.index.library).version == fresh.index.version
