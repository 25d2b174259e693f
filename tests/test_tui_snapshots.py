"""SVG snapshots of the TUI's main screens (pytest-textual-snapshot; plain `def` tests).

Update after reviewing the report: `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from servers.zotero_emulator import ZoteroEmulator
from test_tui_support import make_tui, settle
from zotsync.tui.app import ZotsyncApp

SIZE = (120, 34)
SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")


def seeded(emu: ZoteroEmulator) -> ZoteroEmulator:
    """A library with a small collection tree and the sample's first paper in it."""
    emu.seed_collections(collections=[{"key": "AAAAAAAA", "name": "Reading"},
                                      {"key": "CCCCCCCC", "name": "Archive"}])
    emu.seed_collections(collections=[{"key": "BBBBBBBB", "name": "Neuro", "parentCollection": "AAAAAAAA"}])
    emu.seed_items(items=[{"itemType": "preprint", "archiveID": "arXiv:2506.02013",
                           "collections": ["BBBBBBBB"],
                           "title": "Non-invasive two-step strategy BCI: brain-muscle-hand interface"}])
    return emu


def driving(*keys: str, wait: float = 0.0) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before that lets the workers finish, presses `keys` (pausing after each screen
    change), and settles."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, ZotsyncApp)
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            if key in {"p", "n", "e", "enter", "question_mark"}:
                await settle(app, pilot)
        if wait:
            await pilot.pause(wait)
        await settle(app, pilot)

    return run_before


def test_papers_screen_without_zotero(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The list, two papers selected, the detail of the third with its Chinese TL;DR."""
    app = make_tui(tmp_path, export_path=Path("refs.bib"))
    assert snap_compare(app, terminal_size=SIZE, run_before=driving("space", "down", "space", "down"))


def test_papers_screen_search_and_library_markers(snap_compare: SnapCompare, tmp_path: Path,
                                                  zotero_emu: ZoteroEmulator) -> None:
    """Searching "brain" with the library read: the first paper is marked Z."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    assert snap_compare(app, terminal_size=SIZE,
                        run_before=driving("slash", *"brain", "enter", wait=0.3))


def test_help_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """? shows every key."""
    app = make_tui(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=driving("question_mark"))


def test_not_set_up_explains_login(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """p without credentials says what is missing and how to set it up."""
    app = make_tui(tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=driving("space", "p"))


def test_collection_picker_with_a_new_subcollection(snap_compare: SnapCompare, tmp_path: Path,
                                                    zotero_emu: ZoteroEmulator) -> None:
    """The library's tree, Reading expanded, a new 2025-06 under it, highlighted."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    keys = ("space", "p", "down", "down", "space", "n", *"2025-06", "enter")
    assert snap_compare(app, terminal_size=SIZE, run_before=driving(*keys))


def test_review_screen(snap_compare: SnapCompare, tmp_path: Path, zotero_emu: ZoteroEmulator) -> None:
    """The plan before anything is written: one existing item filed, two created."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    keys = ("space", "down", "space", "down", "space", "p", "n", *"Inbox", "enter", "enter")
    assert snap_compare(app, terminal_size=SIZE, run_before=driving(*keys))


def test_result_screen(snap_compare: SnapCompare, tmp_path: Path, zotero_emu: ZoteroEmulator) -> None:
    """What the push did."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    keys = ("space", "down", "space", "down", "space", "p", "n", *"Inbox", "enter", "enter", "p")
    assert snap_compare(app, terminal_size=SIZE, run_before=driving(*keys))


def test_export_dialog(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """e: path, style and options."""
    app = make_tui(tmp_path, export_path=Path("refs.bib"))
    assert snap_compare(app, terminal_size=SIZE, run_before=driving("space", "e"))
