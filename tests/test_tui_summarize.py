"""The TUI's `g`: TL;DRs for the highlighted or selected papers, shown in the detail pane
as they arrive — against the Chat Completions stand-in (real HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from servers.llm_fixtures import many_papers
from servers.llm_standin import ChatStandIn, chinese_answer
from test_tui_support import make_tui, settle
from zotsync.config import load_settings
from zotsync.inputs import load_papers
from zotsync.tui.screens.help import MessageScreen
from zotsync.tui.widgets import DetailView


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")


async def test_g_writes_the_tldr_of_the_highlighted_then_the_selected_papers(
    llm_standin: ChatStandIn, tmp_path: Path,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 5)
    papers = load_papers([str(digest)]).papers
    app = make_tui(tmp_path, papers=papers, settings=load_settings(environ=llm_standin.env))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        detail = app.screen.query_one(DetailView)
        assert "TL;DR" not in detail.text.plain
        await pilot.press("g")  # nothing selected: the highlighted paper
        await settle(app, pilot)
        await pilot.pause()
        first = app.model.papers[0]
        assert first.summary is not None and first.summary.model == "standin-chat"
        assert chinese_answer(first.title)["tldr"] in detail.text.plain  # shown live
        assert [r.title for r in llm_standin.requests()] == [first.title]
        assert app.model.rows[0].tldr
        await pilot.press("down", "space", "down", "space")  # papers 2 and 3
        await pilot.press("g")
        await settle(app, pilot)
        await pilot.pause()
        asked = [r.title or "" for r in llm_standin.requests()]
        assert sorted(asked[1:]) == sorted([papers[1].title, papers[2].title])  # only those two
        assert {p.title for p in app.model.papers if p.summary} == {p.title for p in papers[:3]}
        assert chinese_answer(papers[2].title)["tldr"] in detail.text.plain  # the highlighted one
        assert app.lookups.summarizing is None  # done: the status bar no longer says "TL;DR: n/m"


async def test_g_without_an_llm_explains_the_settings(tmp_path: Path) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 1)
    app = make_tui(tmp_path, papers=load_papers([str(digest)]).papers, settings=load_settings(environ={}))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, MessageScreen)
