"""`{date}` in the TUI's collection picker, as in `push -c 'Reading/{date}'`: typed in a new
collection's path or configured as `[push] collection`, it is the source's day (the TUI
over `hf:2026-06-08` files into Reading/2026-06-08), and the review shows the name."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from servers.hf_standin import HfStandIn
from servers.source_fixtures import DAY
from servers.zotero_emulator import ZoteroEmulator
from test_tui_support import emulator_settings, make_tui, settle
from zotsync.store import Store
from zotsync.tui.app import make_app
from zotsync.tui.screens.collections import CollectionPicker, NameDialog
from zotsync.tui.screens.progress import ResultScreen
from zotsync.tui.screens.review import ReviewScreen

LISTED = date(2026, 6, 9)


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


def _filed_into(emu: ZoteroEmulator) -> set[tuple[str | None, str]]:
    collections = emu.library().collections
    return {(collections[c["parentCollection"]]["name"] if c.get("parentCollection") else None, c["name"])
            for c in collections.values()}


async def test_typing_reading_date_files_into_the_sources_day(zotero_emu: ZoteroEmulator,
                                                              tmp_path: Path) -> None:
    app = make_tui(tmp_path, emu=zotero_emu, source_day=LISTED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await pilot.pause()
        assert isinstance(app.screen, CollectionPicker)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NameDialog)
        await pilot.press(*"Reading/{date}")
        await pilot.pause()
        preview = dialog.query_one("#new-preview").render()
        assert "2026-06-09" in str(preview) and "{date}" not in str(preview)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # use the new Reading/2026-06-09
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.plan.collection_path == ("Reading", "2026-06-09")
        assert "Reading/2026-06-09" in str(review.query_one("#review-title").render())
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
    assert _filed_into(zotero_emu) == {(None, "Reading"), ("Reading", "2026-06-09")}


@pytest.mark.parametrize(("keys", "path"), [
    (("enter",), ("Reading", "2026-06-09")),  # the picker opens on it: enter alone takes it
    (("n", *"Neuro", "enter", "enter"), ("Reading", "2026-06-09", "Neuro")),  # n: a sub-collection of it
])
async def test_a_configured_dated_collection_is_offered_first(zotero_emu: ZoteroEmulator, tmp_path: Path,
                                                             keys: tuple[str, ...],
                                                             path: tuple[str, ...]) -> None:
    settings = emulator_settings(zotero_emu, ZOTSYNC_PUSH_COLLECTION="Reading/{date}")
    app = make_tui(tmp_path, emu=zotero_emu, settings=settings, source_day=LISTED)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CollectionPicker)
        recent: Any = picker.query_one("#recent")
        assert [str(o.prompt) for o in recent.options] == ["Reading/2026-06-09"]
        assert recent.has_focus and recent.highlighted == 0
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            if isinstance(app.screen, NameDialog):
                assert app.screen.parent_label == "Reading/2026-06-09"
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.plan.collection_path == path
        assert "/".join(path) in str(app.screen.query_one("#review-title").render())


async def test_a_file_without_a_day_uses_today(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    app = make_tui(tmp_path, emu=zotero_emu)  # the sample digest file: no source day
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Daily/{date}", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.plan.collection_path == ("Daily", date.today().isoformat())


def test_the_tui_over_a_source_knows_its_day(hf_days: HfStandIn, tmp_path: Path) -> None:
    from zotsync.config import load_settings

    settings = load_settings(environ=hf_days.env)
    app = make_app([f"hf:{DAY}"], settings=settings, store=Store(tmp_path / "s.sqlite3"), enrich=False)
    assert app.collection_day == date.fromisoformat(DAY)
