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

# Every screen at the smallest size the TUI must fit (80x24) and at a roomy one.
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SnapCompare = Callable[..., bool]
Size = tuple[int, int]


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


@pytest.mark.parametrize("size", SIZES)
def test_papers_screen_without_zotero(snap_compare: SnapCompare, size: Size, tmp_path: Path) -> None:
    """The list, two papers selected, the detail of the third with its Chinese TL;DR."""
    app = make_tui(tmp_path, export_path=Path("refs.bib"))
    assert snap_compare(app, terminal_size=size, run_before=driving("space", "down", "space", "down"))


@pytest.mark.parametrize("size", SIZES)
def test_papers_screen_search_and_library_markers(snap_compare: SnapCompare, size: Size, tmp_path: Path,
                                                  zotero_emu: ZoteroEmulator) -> None:
    """Searching "brain" with the library read: the first paper is marked Z."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    assert snap_compare(app, terminal_size=size,
                        run_before=driving("slash", *"brain", "enter", wait=0.3))


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare: SnapCompare, size: Size, tmp_path: Path) -> None:
    """? shows every key."""
    app = make_tui(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=driving("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_not_set_up_explains_login(snap_compare: SnapCompare, size: Size, tmp_path: Path) -> None:
    """p without credentials says what is missing and how to set it up."""
    app = make_tui(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=driving("space", "p"))


@pytest.mark.parametrize("size", SIZES)
def test_collection_picker_with_a_new_subcollection(snap_compare: SnapCompare, size: Size, tmp_path: Path,
                                                    zotero_emu: ZoteroEmulator) -> None:
    """The library's tree, Reading expanded, a new 2025-06 under it, highlighted."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    keys = ("space", "p", "down", "down", "space", "n", *"2025-06", "enter")
    assert snap_compare(app, terminal_size=size, run_before=driving(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_review_screen(snap_compare: SnapCompare, size: Size, tmp_path: Path,
                       zotero_emu: ZoteroEmulator) -> None:
    """The plan before anything is written: one existing item filed, two created."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    keys = ("space", "down", "space", "down", "space", "p", "n", *"Inbox", "enter", "enter")
    assert snap_compare(app, terminal_size=size, run_before=driving(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_result_screen(snap_compare: SnapCompare, size: Size, tmp_path: Path,
                       zotero_emu: ZoteroEmulator) -> None:
    """What the push did."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    keys = ("space", "down", "space", "down", "space", "p", "n", *"Inbox", "enter", "enter", "p")
    assert snap_compare(app, terminal_size=size, run_before=driving(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_export_dialog(snap_compare: SnapCompare, size: Size, tmp_path: Path) -> None:
    """e: path, style and options."""
    app = make_tui(tmp_path, export_path=Path("refs.bib"))
    assert snap_compare(app, terminal_size=size, run_before=driving("space", "e"))


@pytest.mark.parametrize("size", SIZES)
def test_new_collection_dialog(snap_compare: SnapCompare, size: Size, tmp_path: Path,
                               zotero_emu: ZoteroEmulator) -> None:
    """n in the picker, a path typed: the levels it adds, the existing one marked."""
    app = make_tui(tmp_path, emu=seeded(zotero_emu))
    keys = ("space", "p", "n", *"Reading/2025-06")
    assert snap_compare(app, terminal_size=size, run_before=driving(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_papers_screen_sorted_by_date(snap_compare: SnapCompare, size: Size,
                                                     tmp_path: Path) -> None:
    """s: sorted by date, the header says so."""
    app = make_tui(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=driving("s"))
