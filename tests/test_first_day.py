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


# -- [bib] and [push] defaults: daily use is one short command ----------------------------

DIGEST = str(Path(__file__).parent / "data" / "arxiv-daily-digest.md")


def test_bib_defaults_come_from_the_config_file(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text('[bib]\nstyle = "biblatex"\nkey_format = "{auth}{year}"\ntldr = true\n', encoding="utf-8")
    monkeypatch.setenv("ZOTSYNC_CONFIG", str(config))
    out = tmp_path / "r.bib"
    result = run_cli("bib", DIGEST, "-o", str(out), "--select", "2506.02013", "--offline")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("@online{ye2025,")  # biblatex style, the key format from [bib]
    assert "annote = {TL;DR (zh):" in text
    # a flag still wins over the file
    out2 = tmp_path / "r2.bib"
    assert run_cli("bib", DIGEST, "-o", str(out2), "--select", "2506.02013", "--offline",
                   "--style", "bibtex", "--no-tldr").exit_code == 0
    text2 = out2.read_text(encoding="utf-8")
    assert text2.startswith("@misc{") and "annote" not in text2


def test_a_bad_bib_default_names_the_setting(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text('[bib]\nkey_format = "{nope}"\n', encoding="utf-8")
    monkeypatch.setenv("ZOTSYNC_CONFIG", str(config))
    result = run_cli("bib", DIGEST, "-o", str(tmp_path / "r.bib"), "--offline")
    assert result.exit_code == 2
    assert "invalid bib.key_format = '{nope}' from" in result.stderr


def test_push_defaults_come_from_the_config_file(run_cli, zotero_emu, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[push]\ncollection = "Reading/Daily"\ntags = ["digest", "todo"]\n', encoding="utf-8")
    monkeypatch.setenv("ZOTSYNC_CONFIG", str(config))
    result = run_cli("push", DIGEST, "--select", "2506.02013", "--tag", "todo", "--tag", "mine",
                     env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    library = zotero_emu.library()
    [item] = [i for i in library.items.values() if i["itemType"] == "preprint"]
    assert [t["tag"] for t in item["tags"]][-3:] == ["digest", "todo", "mine"]  # after the category tag
    names = {c["name"]: c for c in library.collections.values()}
    assert set(names) == {"Reading", "Daily"} and names["Daily"]["parentCollection"] == names["Reading"]["key"]
    assert item["collections"] == [names["Daily"]["key"]]


# -- TUI: tags on push, remembered; push.collection offered first -------------------------


async def test_tui_push_tags_are_given_and_remembered(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Input

    from test_tui_support import emulator_settings
    from zotsync.tui.screens.collections import CollectionPicker
    from zotsync.tui.screens.progress import ResultScreen
    from zotsync.tui.screens.review import ReviewScreen, plan_summary

    settings = emulator_settings(zotero_emu, ZOTSYNC_PUSH_TAGS="digest",
                                 ZOTSYNC_PUSH_COLLECTION="Reading/Daily")
    app = make_tui(tmp_path, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CollectionPicker)
        assert picker.recent == ["Reading/Daily"]  # push.collection, offered first
        assert picker.query_one("#push-tags", Input).value == "digest"  # push.tags at first
        await pilot.press("t", "end", *", to read", "enter")  # t: the tags; enter: back to the tree
        picker.query_one("#recent").focus()
        await pilot.press("enter")  # Reading/Daily
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        plan = app.screen.plan
        assert plan.options.tags == ("digest", "to read")
        assert "tags on new items: digest, to read" in plan_summary(plan).plain
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("down", "space", "p")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CollectionPicker)
        assert picker.query_one("#push-tags", Input).value == "digest, to read"  # remembered
        assert picker.recent[0] == "Reading/Daily"
    [item] = [i for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]
    assert {"digest", "to read"} <= {t["tag"] for t in item["tags"]}
