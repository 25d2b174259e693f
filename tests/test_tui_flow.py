"""The TUI's whole flow against the Zotero emulator, driven with the keyboard (Pilot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from servers.zotero_emulator import Fault, ZoteroEmulator
from test_tui_support import SAMPLE, emulator_settings, make_tui, settle
from zotsync.core.paper import Paper, Summary
from zotsync.core.zotero_item import NOTE_TAG
from zotsync.tui.recent import RecentTargets
from zotsync.tui.screens.collections import CollectionPicker
from zotsync.tui.screens.progress import ProgressScreen, ResultScreen
from zotsync.tui.screens.review import ReviewScreen


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")


def items_of(emu: ZoteroEmulator, item_type: str) -> list[dict[str, Any]]:
    return [i for i in emu.library().items.values() if i["itemType"] == item_type]


async def test_filter_select_create_collection_review_push(zotero_emu: ZoteroEmulator,
                                                           tmp_path: Path) -> None:
    app = make_tui(tmp_path, emu=zotero_emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.zotero.state == "ready"
        await pilot.press("slash", *"brain", "enter")  # filter: 6 of the 8 mention "brain"
        assert len(app.model.visible) == 6
        await pilot.press("space", "down", "down", "space", "down", "space")
        chosen = {app.model.papers[i].arxiv_id for i in app.model.selected}
        assert len(chosen) == 3
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, CollectionPicker)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Reading", "enter")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"2025-06", "enter")
        await pilot.pause()
        await pilot.press("enter")  # use the new Reading/2025-06
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        counts = app.screen.plan.counts()
        assert (counts["create"], counts["note_create"], counts["collections_to_create"]) == (3, 3, 2)
        assert zotero_emu.writes == []  # the review comes before anything is written
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        assert app.screen.report is not None and app.screen.report.counts()["created"] == 3
        summary = str(app.screen.query_one("#result-summary").render())
        assert "Done: Reading/2025-06" in summary
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.model.selected == set()  # the pushed papers are unselected ...
        assert {app.model.papers[i].arxiv_id for i in app.model.in_library} == chosen  # ... and marked

    preprints = items_of(zotero_emu, "preprint")
    assert {p["archiveID"] for p in preprints} == {f"arXiv:{i}" for i in chosen}
    collections = zotero_emu.library().collections
    reading = next(k for k, c in collections.items() if c["name"] == "Reading")
    month = next(k for k, c in collections.items() if c["name"] == "2025-06")
    assert collections[month]["parentCollection"] == reading
    assert all(p["collections"] == [month] for p in preprints)
    notes = items_of(zotero_emu, "note")
    assert sorted(n["parentItem"] for n in notes) == sorted(p["key"] for p in preprints)
    assert all({"tag": NOTE_TAG, "type": 1} in n["tags"] for n in notes)
    assert all("本文" in n["note"] or "模型" in n["note"] or "提出" in n["note"] for n in notes)
    assert RecentTargets(app.store, app_library(zotero_emu)).list() == ["Reading/2025-06"]


def app_library(emu: ZoteroEmulator) -> str:
    return f"{emu.url}/users/1"


async def test_existing_collection_search_and_recent(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    zotero_emu.seed_collections(collections=[{"key": "AAAAAAAA", "name": "Reading"}])
    zotero_emu.seed_collections(collections=[{"key": "BBBBBBBB", "name": "Neuro",
                                              "parentCollection": "AAAAAAAA"}])
    app = make_tui(tmp_path, emu=zotero_emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CollectionPicker)
        await pilot.press("slash", *"neu")
        await pilot.pause()
        options = picker.query_one("#matches")
        assert options.display and [str(o.prompt) for o in options.options] == ["Reading/Neuro"]  # type: ignore[attr-defined]
        await pilot.press("enter", "enter")  # to the matches, then use the first
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.plan.collection_key == "BBBBBBBB"
        assert app.screen.plan.new_collections == ()
        await pilot.press("escape")  # back: nothing written
        await settle(app, pilot)
        assert zotero_emu.writes == []


async def test_cancel_mid_push_leaves_whole_papers(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    # 40 papers of 3 objects each: 3 requests of 16, 16 and 8 papers
    papers = [Paper(title=f"Paper {i}", arxiv_id=f"2506.{i:05d}", authors=("Ada Lovelace",),
                    summary=Summary(f"总结 {i}", language="zh")) for i in range(40)]
    app = make_tui(tmp_path, emu=zotero_emu, papers=papers)
    # each request slow enough that the cancel comes before the last one on a loaded machine
    zotero_emu.inject(Fault.slow(0.8, "POST", r"/items$", times=None))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("a", "p")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Target", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProgressScreen)
        bar = app.screen.query_one("#push-bar")
        for _ in range(600):  # the first request (16 papers) answered (30 s: a loaded machine)
            if bar.progress >= 16:  # type: ignore[attr-defined]
                break
            await pilot.pause(0.05)
        state = app.screen.query_one("#push-state")
        await pilot.press("escape")
        # read from the widget: on a loaded machine the result may have replaced the screen already
        assert "Stopping after the current request" in str(state.render())
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        report = app.screen.report
        assert report is not None and report.cancelled
        assert "Cancelled" in str(app.screen.query_one("#result-summary").render())
    items = zotero_emu.library().items.values()
    parents = {i["key"] for i in items if i["itemType"] == "preprint"}
    assert 16 <= len(parents) < 40
    assert len(parents) % 16 == 0  # whole requests: no paper half-written
    children = [i for i in items if i["itemType"] != "preprint"]
    assert len(children) == 2 * len(parents) and {c["parentItem"] for c in children} == parents
    assert sum(not r.ok for r in report.results) == 40 - len(parents)


async def test_push_failure_is_shown_with_its_reason(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    app = make_tui(tmp_path, emu=zotero_emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "down", "space", "p")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Inbox", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        zotero_emu.inject(Fault.object_errors([0], "POST", r"/items$", times=2))  # the first paper's item
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        report = app.screen.report
        assert report is not None and len(report.failed) == 1
        assert "1 of 2 papers failed" in str(app.screen.query_one("#result-summary").render())
        assert app.screen.query_one("#failures").row_count == 1  # type: ignore[attr-defined]
    assert SAMPLE.exists()


async def test_push_into_a_group_library(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    zotero_emu.seed_collections("/groups/42", [{"key": "GGGGGGGG", "name": "Lab reading"}])
    settings = emulator_settings(zotero_emu, ZOTERO_LIBRARY_TYPE="group", ZOTERO_LIBRARY_ID="42")
    app = make_tui(tmp_path, settings=settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CollectionPicker) and picker.library_label == "Group 42"
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
    [item] = [i for i in zotero_emu.library("/groups/42").items.values() if i["itemType"] == "preprint"]
    assert item["collections"] == ["GGGGGGGG"]
    assert zotero_emu.library("/users/1").items == {}
