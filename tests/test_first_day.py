"""Issue 10's first-day defects, each pinned by a test that failed before the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_tui_support import make_tui, settle
from zotsync.core.paper import Paper, Summary
from zotsync.core.zotero_item import summary_note_html
from zotsync.tui.model import FLAG_HF_ENGLISH, FLAG_NOTE, row_for
from zotsync.tui.widgets import DetailView


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")


HF_ONLY = Paper(title="A Hugging Face paper", arxiv_id="2506.09999", abstract="An abstract.",
                ai_summary="The paper proposes a thing that works.")


def test_the_summary_marker_promises_only_the_note_push_writes() -> None:
    """An HF paper with only the English ai_summary was marked `T`, yet push wrote no note."""
    assert summary_note_html(HF_ONLY) is None
    assert row_for(HF_ONLY).tldr == FLAG_HF_ENGLISH != FLAG_NOTE
    with_tldr = HF_ONLY.replace(summary=Summary(tldr="本文提出一种方法。", language="zh"))
    assert summary_note_html(with_tldr) is not None
    assert row_for(with_tldr).tldr == FLAG_NOTE
    assert row_for(HF_ONLY.replace(ai_summary=None)).tldr == ""


async def test_the_detail_pane_says_the_english_summary_is_not_written(tmp_path: Path) -> None:
    app = make_tui(tmp_path, papers=[HF_ONLY])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        text = app.screen.query_one(DetailView).text.plain
        assert "Hugging Face summary (English; not written to Zotero" in text
        assert HF_ONLY.ai_summary in text
