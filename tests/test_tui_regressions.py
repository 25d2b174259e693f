"""Defects a QA pass found in the TUI, each driven with Pilot against the Zotero emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Label, OptionList, Static

from servers.zotero_emulator import ZoteroEmulator
from test_tui_support import make_tui, settle
from zotsync.core.paper import Paper, Summary
from zotsync.tui.screens.collections import CollectionPicker, NameDialog
from zotsync.tui.screens.progress import ResultScreen
from zotsync.tui.screens.review import ReviewScreen


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")


def shown(widget: Label | Static) -> str:
    return str(widget.render())


MARKUP_TITLE = "[/i] Closing tags [b]everywhere[/b] \\[x]"


async def test_markup_like_names_and_titles_are_shown_as_they_are(zotero_emu: ZoteroEmulator,
                                                                  tmp_path: Path) -> None:
    """A collection called `a [/b] b` crashed the review (MarkupError); `[bold]` in a name
    was drawn bold instead of shown. Paths show a "/" in a name as "\\/", as Recent does."""
    zotero_emu.seed_collections(collections=[{"key": "AAAAAAAA", "name": "a [/b] b"},
                                             {"key": "BBBBBBBB", "name": "粗体 [bold]x[/bold]"}])
    papers = [Paper(title=MARKUP_TITLE, arxiv_id="2506.00001", summary=Summary("总结", language="zh")),
              Paper(title="Plain", arxiv_id="2506.00002")]
    app = make_tui(tmp_path, emu=zotero_emu, papers=papers)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await settle(app, pilot)
        assert isinstance(app.screen, CollectionPicker)
        await pilot.press("down", "n")  # a new collection under "a [/b] b"
        await settle(app, pilot)
        assert isinstance(app.screen, NameDialog)
        assert shown(app.screen.query_one(Label)) == "New collection in a [\\/b] b"
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("enter")  # use "a [/b] b"
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert "into a [\\/b] b (My Library)" in shown(app.screen.query_one("#review-title", Label))
        table = app.screen.query_one(DataTable)
        assert str(table.get_row_at(0)[3]) == MARKUP_TITLE
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        assert "Done: a [\\/b] b" in shown(app.screen.query_one("#result-summary", Static))
        await pilot.press("enter")
        await settle(app, pilot)

        await pilot.press("down", "space", "p")  # now into 粗体 [bold]x[/bold], by search
        await settle(app, pilot)
        picker = app.screen
        assert isinstance(picker, CollectionPicker)
        recent = picker.query_one("#recent", OptionList)
        assert [str(o.prompt) for o in recent.options] == ["a [\\/b] b"]
        await pilot.press("slash", *"粗体")
        await settle(app, pilot)
        matches = picker.query_one("#matches", OptionList)
        assert [str(o.prompt) for o in matches.options] == ["粗体 [bold]x[\\/bold]"]
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.plan.collection_key == "BBBBBBBB"
        title = shown(app.screen.query_one("#review-title", Label))
        assert "into 粗体 [bold]x[\\/bold] (My Library)" in title
