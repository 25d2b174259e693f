"""Without credentials or without Zotero: the list, detail, help and .bib export still work;
the Zotero actions say what is missing and how to set it up."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from test_tui_support import SAMPLE, make_tui, settle
from zotsync.config import load_settings
from zotsync.tui.screens.export import ExportScreen
from zotsync.tui.screens.help import HelpScreen, MessageScreen


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_no_credentials_list_detail_and_push_explains_login(tmp_path: Path) -> None:
    app = make_tui(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.zotero.state == "not set up"
        status = str(app.screen.query_one("#status").render())
        assert "8 papers" in status and "zotsync login" in status
        await pilot.press("down")
        detail = app.screen.query_one("#detail").plain  # type: ignore[attr-defined]
        assert "A Brain Graph Foundation Model" in detail and "TL;DR" in detail and "Abstract" in detail
        await pilot.press("p")  # nothing selected yet
        assert not isinstance(app.screen, MessageScreen)
        await pilot.press("space", "p")
        await pilot.pause()
        assert isinstance(app.screen, MessageScreen)
        assert app.screen.title_text == "Zotero is not set up"
        assert "Missing: API key and library ID" in app.screen.body
        assert "zotsync login" in app.screen.body
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, MessageScreen)


async def test_unreachable_zotero_is_explained_and_retried(tmp_path: Path) -> None:
    settings = load_settings(environ={"ZOTERO_API_KEY": "k" * 24, "ZOTERO_LIBRARY_ID": "1",
                                      "ZOTSYNC_ZOTERO_URL": f"http://127.0.0.1:{closed_port()}",
                                      "ZOTSYNC_ZOTERO_RETRIES": "0", "ZOTSYNC_ZOTERO_BACKOFF": "0"})
    app = make_tui(tmp_path, settings=settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.zotero.state == "unavailable"
        assert "k" * 24 not in str(app.zotero.failure)
        await pilot.press("space", "p")
        await pilot.pause()
        assert isinstance(app.screen, MessageScreen)
        assert app.screen.title_text == "Cannot reach Zotero"
        assert "press r" in app.screen.body
        failures = [n for n in app._notifications if n.title == "Cannot read your library"]
        await pilot.press("escape", "r")  # try again
        await settle(app, pilot)
        assert app.zotero.state == "unavailable"
        assert len([n for n in app._notifications if n.title == "Cannot read your library"]) == \
            len(failures) + 1


async def test_export_merges_the_selection_into_a_bib(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{mine,\n  title = {Something I wrote},\n}\n", encoding="utf-8")
    app = make_tui(tmp_path, export_path=bib)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "down", "space", "e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        await pilot.click("#style-biblatex")  # the mouse works too
        await pilot.click("#export-go")
        await settle(app, pilot)
        assert not isinstance(app.screen, ExportScreen)
        text = bib.read_text(encoding="utf-8")
        assert text.startswith("@misc{mine,")  # the user's entry untouched
        assert text.count("@online{") == 2 and "2506.02013" in text and "2506.02044" in text
        assert (tmp_path / "refs.bib.bak").exists()
        await pilot.press("e", "enter")  # again: both already present, file unchanged
        await settle(app, pilot)
        assert bib.read_text(encoding="utf-8") == text
        assert app.export_request.style == "biblatex"


async def test_export_error_is_shown(tmp_path: Path) -> None:
    app = make_tui(tmp_path, export_path=tmp_path / "missing-folder" / "refs.bib")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "e")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportScreen)  # open, to correct the path
        error = str(app.screen.query_one("#export-error").render())
        assert f"the folder {tmp_path / 'missing-folder'} does not exist" in error


async def test_help_screen_and_mouse(tmp_path: Path) -> None:
    app = make_tui(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.click("#papers", offset=(1, 3))  # the mark column of the third row
        assert app.model.selected == {2}
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    assert app.return_value is None
    assert SAMPLE.exists()


async def test_category_filter_and_hide_with_the_keyboard(tmp_path: Path) -> None:
    app = make_tui(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "down", "enter")  # the first category: q-bio.NC (5 papers)
        await pilot.pause()
        assert app.model.category == "q-bio.NC" and len(app.model.visible) == 5
        app.model.in_library = {0}  # as the library worker would mark it
        await pilot.press("h", "a")
        assert app.model.visible == [1, 2, 3, 4] and app.model.selected == {1, 2, 3, 4}
        await pilot.press("c")
        assert app.model.selected == set()
