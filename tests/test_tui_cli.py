"""`zotsync tui` and bare `zotsync FILE...` build the app; enrichment runs after first paint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from servers.arxiv_standin import ArxivStandIn
from servers.hf_standin import HfStandIn
from test_tui_support import SAMPLE, settle
from zotsync.config import load_settings
from zotsync.inputs import load_papers
from zotsync.store import Store
from zotsync.tui.app import ZotsyncApp

HF_PAGE = Path(__file__).parent / "data" / "hf-daily-papers.txt"


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[ZotsyncApp]:
    """Apps the CLI would run (not run: there is no terminal here)."""
    apps: list[ZotsyncApp] = []
    monkeypatch.setattr(ZotsyncApp, "run", lambda self, *a, **k: apps.append(self))
    return apps


def test_tui_command_builds_the_app(run_cli: Any, launched: list[ZotsyncApp]) -> None:
    result = run_cli("tui", str(SAMPLE), "--no-enrich")
    assert result.exit_code == 0, result.stderr
    [app] = launched
    assert len(app.model) == 8 and not app.enrich and app.record


def test_bare_files_open_the_tui(run_cli: Any, launched: list[ZotsyncApp]) -> None:
    result = run_cli(str(SAMPLE), "--offline")
    assert result.exit_code == 0, result.stderr
    [app] = launched
    assert app.enrich and app.offline and app.digests == [str(SAMPLE)]


def test_help_and_mistyped_commands_still_work(run_cli: Any, launched: list[ZotsyncApp]) -> None:
    assert "tui" in run_cli("--help").stdout
    mistyped = run_cli("pusj", str(SAMPLE))
    assert mistyped.exit_code == 2 and "No such command 'pusj'" in mistyped.stderr
    missing = run_cli("tui", "no-such-digest.md")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    assert launched == []


async def test_enrichment_runs_in_the_background_and_keeps_the_selection(
    arxiv_standin: ArxivStandIn, hf_standin: HfStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")
    papers = load_papers([str(HF_PAGE)]).papers
    assert papers[1].arxiv_id is None
    app = ZotsyncApp(papers, settings=load_settings(), store=Store(tmp_path / "s.sqlite3"),
                     digests=[str(HF_PAGE)], enrich=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("down", "space")  # while the lookups run
        title = app.model.papers[1].title
        await settle(app, pilot)
        assert app.lookups.enriching is None
        assert app.generation == 1
        [chosen] = app.model.selected_papers()
        assert chosen.title == title and chosen.arxiv_id is not None
        assert sum(p.arxiv_id is not None for p in app.model.papers) > 40
        assert "looking up" not in str(app.screen.query_one("#status").render())
