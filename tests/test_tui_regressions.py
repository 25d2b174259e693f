"""Defects a QA pass found in the TUI, each driven with Pilot against the Zotero emulator."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, OptionList, ProgressBar, Static
from textual.widgets._footer import FooterKey

from servers.zotero_emulator import Fault, ZoteroEmulator
from test_tui_support import SAMPLE, make_tui, settle
from zotsync.core.paper import Paper, Summary
from zotsync.errors import ExitCode
from zotsync.tui.app import ZotsyncApp
from zotsync.tui.screens.collections import CollectionPicker, NameDialog
from zotsync.tui.screens.export import ExportScreen
from zotsync.tui.screens.help import HelpScreen
from zotsync.tui.screens.progress import ProgressScreen, ResultScreen
from zotsync.tui.screens.review import ReviewScreen
from zotsync.tui.widgets import PaperList


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


def forty_papers() -> list[Paper]:
    """40 papers of 3 objects each: the push sends 3 requests (16, 16 and 8 papers)."""
    return [Paper(title=f"Paper {i}", arxiv_id=f"2506.{i:05d}", authors=("Ada Lovelace",),
                  summary=Summary(f"总结 {i}", language="zh")) for i in range(40)]


async def start_slow_push(app: ZotsyncApp, pilot: Pilot[None], emu: ZoteroEmulator) -> ProgressScreen:
    """Select everything, push into a new collection "Target", wait for the first request."""
    emu.inject(Fault.slow(0.4, "POST", r"/items$", times=None))
    await settle(app, pilot)
    await pilot.press("a", "p")
    await settle(app, pilot)
    await pilot.press("n")
    await settle(app, pilot)
    await pilot.press(*"Target", "enter")
    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    await pilot.press("p")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ProgressScreen)
    bar = screen.query_one("#push-bar", ProgressBar)
    for _ in range(100):
        if (bar.progress or 0) >= 16:
            break
        await pilot.pause(0.05)
    return screen


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quitting_during_a_push_stops_it_and_says_what_is_left(
        zotero_emu: ZoteroEmulator, tmp_path: Path, key: str) -> None:
    """Quitting mid-push ended silently (and `q` did nothing on the progress screen)."""
    app = make_tui(tmp_path, emu=zotero_emu, papers=forty_papers())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start_slow_push(app, pilot, zotero_emu)
        await pilot.press(key)
        await pilot.pause()
        assert "then quitting" in shown(screen.query_one("#push-state", Static))
        for _ in range(100):  # the app quits by itself once the current request is answered
            if not app.is_running:
                break
            await pilot.pause(0.05)
        assert not app.is_running
    parents = [i for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]
    assert 16 <= len(parents) < 40 and len(parents) % 16 == 0  # whole requests only
    assert app.push_interruption() == (f"push interrupted: {len(parents)} of 40 papers written; "
                                       "run again to finish")


async def test_quitting_without_a_push_says_nothing(tmp_path: Path) -> None:
    app = make_tui(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
    assert app.push_interruption() is None


def test_the_command_reports_an_interrupted_push_and_exits_130(run_cli: Any, zotero_emu: ZoteroEmulator,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`zotsync tui` end to end (the app headless): q while the push creates its collection
    (slowly), before any paper is sent."""
    # Slow enough for `q` to come while the collection is created: pressing `p` alone takes
    # Pilot up to ~0.7 s on a loaded machine, more when 2 cores run many workers (0.5 s, then
    # 2 s, let the push finish first).
    zotero_emu.inject(Fault.slow(4.0, "POST", r"/collections$"))

    async def drive(app: ZotsyncApp) -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            for keys in (("a", "p"), ("n",), (*"New", "enter"), ("enter",)):
                await pilot.press(*keys)
                await settle(app, pilot)
            await pilot.press("p", "q")  # push, and quit while the collection is being created
            for _ in range(100):
                if not app.is_running:
                    break
                await pilot.pause(0.05)

    monkeypatch.setattr(ZotsyncApp, "run", lambda self, *a, **k: asyncio.run(drive(self)))
    result = run_cli("tui", str(SAMPLE), "--no-enrich", env=zotero_emu.env)
    assert result.exit_code == ExitCode.INTERRUPTED == 130
    assert result.stderr == "zotsync: push interrupted: 0 of 8 papers written; run again to finish\n"
    assert not [i for i in zotero_emu.library().items.values() if i["itemType"] == "preprint"]

async def test_cancelled_papers_are_not_sent_not_failed(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    """A cancel counted the papers it kept back as failures ("24 failed", and a "Not written"
    table of "cancelled before sending"); only Zotero's refusals are failures."""
    app = make_tui(tmp_path, emu=zotero_emu, papers=forty_papers())
    async with app.run_test(size=(100, 30)) as pilot:
        zotero_emu.inject(Fault.object_errors([0], "POST", r"/items$", times=2))  # the first paper fails
        await start_slow_push(app, pilot, zotero_emu)
        await pilot.press("escape")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ResultScreen) and screen.report is not None
        written = sum(r.ok for r in screen.report.results)
        assert 0 < written < 39
        summary = shown(screen.query_one("#result-summary", Static))
        assert f"Cancelled: {39 - written} papers were not sent" in summary
        assert f"{39 - written}  not sent (cancelled)" in summary
        assert "    1  failed" in summary
        table = screen.query_one("#failures", DataTable)
        assert table.row_count == 1 and "cancelled" not in str(table.get_row_at(0)[1])


async def test_a_cancel_with_no_failure_shows_no_failure_table(zotero_emu: ZoteroEmulator,
                                                               tmp_path: Path) -> None:
    app = make_tui(tmp_path, emu=zotero_emu, papers=forty_papers())
    async with app.run_test(size=(100, 30)) as pilot:
        await start_slow_push(app, pilot, zotero_emu)
        await pilot.press("c")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ResultScreen)
        summary = shown(screen.query_one("#result-summary", Static))
        assert "not sent (cancelled)" in summary and "failed" not in summary
        assert not screen.query("#failures") and "Not written" not in [shown(w) for w in screen.query(Label)]


def footer_keys(app: ZotsyncApp) -> dict[str, str]:
    """The footer's keys wholly on screen, as key -> description."""
    width = app.size.width
    return {k.key: k.description for k in app.screen.query(FooterKey)
            if k.region.width and k.region.right <= width}


async def test_the_main_actions_are_in_the_footer_at_80_columns(tmp_path: Path) -> None:
    """At 80x24 the footer ended at "c Clear": p, e, ? and q only showed from ~120 columns."""
    app = make_tui(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        keys = footer_keys(app)
        assert {"p": "Push", "e": "Export", "question_mark": "Help", "q": "Quit"}.items() <= keys.items()
        assert {"space", "slash"} <= keys.keys()


async def test_the_tldr_marker_shows_beside_the_scrollbar(tmp_path: Path) -> None:
    """With more papers than rows, the scrollbar covered the last column (the T marker):
    the columns were laid out in the list's whole width. The header was one cell wider
    than the rows too."""
    app = make_tui(tmp_path, papers=forty_papers())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        papers = app.screen.query_one(PaperList)
        assert papers.show_vertical_scrollbar
        width = papers.scrollable_content_region.width
        assert width < papers.size.width
        header, row = (strip.text for strip in papers.render_lines(Region(0, 0, width, 2)))
        assert row.rstrip().endswith("··T") and header.rstrip().endswith("ZST")
        assert header.index("ZST") == row.index("··T") and header.index("arXiv") == row.index("2506")


async def test_dialogs_show_their_own_keys_in_the_footer(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    """The picker, name, export and help dialogs showed the paper list's keys in the footer."""
    app = make_tui(tmp_path, emu=zotero_emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await settle(app, pilot)
        assert isinstance(app.screen, CollectionPicker)
        assert footer_keys(app) == {"enter": "Use", "escape": "Cancel", "n": "New sub-collection",
                                    "slash": "Search"}
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, NameDialog) and footer_keys(app) == {"escape": "Cancel"}
        await pilot.press("escape", "escape", "e")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportScreen) and footer_keys(app) == {"escape": "Cancel"}
        await pilot.press("escape", "question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen) and footer_keys(app) == {"escape": "Close"}


async def test_the_export_dialog_fits_80x24_with_its_buttons(tmp_path: Path) -> None:
    """At 80x24 the Export and Cancel buttons were below the dialog's edge."""
    app = make_tui(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "e")
        await settle(app, pilot)
        dialog = app.screen.query_one("#export")
        for button in ("#export-go", "#export-cancel"):
            assert dialog.content_region.contains_region(app.screen.query_one(button).region), button
        await pilot.click("#export-cancel")
        await settle(app, pilot)
        assert not isinstance(app.screen, ExportScreen)


async def test_the_export_dialog_scrolls_to_its_buttons_when_smaller(tmp_path: Path) -> None:
    app = make_tui(tmp_path)
    async with app.run_test(size=(80, 18)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "e", "tab", "tab", "tab", "tab")  # path, style, 2 options, Export
        await settle(app, pilot)
        dialog, go = app.screen.query_one("#export"), app.screen.query_one("#export-go")
        assert app.focused is go and dialog.content_region.contains_region(go.region)


async def test_exporting_to_a_folder_keeps_the_dialog_open(tmp_path: Path) -> None:
    """A folder as the path closed the dialog and showed `zotsync bib`'s advice ("pass a .bib
    file with -o"): now the dialog says so and keeps the path for a correction."""
    app = make_tui(tmp_path, export_path=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "e", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        error = shown(screen.query_one("#export-error", Static))
        assert error == f"{tmp_path}: is a folder: give a .bib file path"  # as every path error reads
        path = screen.query_one("#bib-path", Input)
        assert path.value == str(tmp_path) and app.focused is path
        assert not any("-o" in n.message for n in app._notifications)
        await pilot.press(*"/refs.bib", "enter")  # the cursor is at the end of the path
        await settle(app, pilot)
        assert not isinstance(app.screen, ExportScreen)
        assert "2506.02013" in (tmp_path / "refs.bib").read_text(encoding="utf-8")


async def test_a_failed_export_opens_the_dialog_again(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_bytes(b"\x00\x01 not a bib")
    app = make_tui(tmp_path, export_path=bib)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "e", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert shown(screen.query_one("#export-error", Static)) == f"{bib}: is a binary file, not a .bib"
        assert screen.query_one("#bib-path", Input).value == str(bib)
        assert app._notifications and list(app._notifications)[-1].title == "Export failed"


async def test_down_from_the_search_goes_to_the_list(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    """↓ in the search field did nothing: the space typed next went into the query."""
    app = make_tui(tmp_path, emu=zotero_emu)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"graph", "down", "space")
        await settle(app, pilot)
        assert isinstance(app.focused, PaperList)
        assert app.screen.query_one("#search", Input).value == "graph"
        assert len(app.model.selected) == 1


async def test_using_the_library_root_says_to_choose_a_collection(zotero_emu: ZoteroEmulator,
                                                                  tmp_path: Path) -> None:
    """enter (or Use) on the library itself did nothing, silently."""
    app = make_tui(tmp_path, emu=zotero_emu)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CollectionPicker)
        messages = [n.message for n in app._notifications]
        assert messages[-1:] == ["Choose a collection, or press n to create one"]
        await pilot.click("#use")
        await settle(app, pilot)
        assert isinstance(app.screen, CollectionPicker) and len(app._notifications) == len(messages) + 1


async def test_one_paper_into_a_slashed_name_and_long_paths(zotero_emu: ZoteroEmulator,
                                                             tmp_path: Path) -> None:
    """The review said "1 papers", and a name with "/" read as two collections in its title;
    the new-collection dialog cut long paths at the end, where the collection's name is."""
    zotero_emu.seed_collections(collections=[{"key": "AAAAAAAA", "name": "2025/06"}])
    app = make_tui(tmp_path, emu=zotero_emu)
    long = ("A collection with a rather long name", "及其中文子集合的名字也很长", "Leaf")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await settle(app, pilot)
        picker = app.screen
        for name in long[:2]:
            await pilot.press("n")
            await settle(app, pilot)
            await pilot.press(*name, "enter")
            await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        label = app.screen.query_one(Label)
        title = shown(label)
        assert title.startswith("New collection in …") and title.endswith("/及其中文子集合的名字也很长")
        assert label.content_region.width >= cell_len(title)  # not cut
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is picker
        await pilot.press("home", "down", "enter")  # the existing 2025/06
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.plan.collection_key == "AAAAAAAA"
        title = shown(app.screen.query_one("#review-title", Label))
        assert title == "Review: 1 paper into 2025\\/06 (My Library)"


async def test_a_new_collection_path_nests_as_push_c_does(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    """`n` then `Reading/2025-06` made one top-level collection named "Reading/2025-06"
    (the review said `Reading\\/2025-06`); `push -c` nests. The dialog shows what it adds."""
    zotero_emu.seed_collections(collections=[{"key": "AAAAAAAA", "name": "Reading"}])
    app = make_tui(tmp_path, emu=zotero_emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "p")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, NameDialog)
        await pilot.press(*"Reading/2025-06/a\\/b")
        await pilot.pause()
        preview = shown(dialog.query_one("#new-preview", Static)).splitlines()
        assert preview == ["Reading  exists", "  └ 2025-06  new", "    └ a/b  new"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CollectionPicker)
        await pilot.press("enter")
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        assert review.plan.collection_path == ("Reading", "2025-06", "a/b")
        assert [step.name for step in review.plan.new_collections] == ["2025-06", "a/b"]
        assert "into Reading/2025-06/a\\/b (My Library)" in shown(review.query_one("#review-title", Label))


async def test_toggles_read_without_colour(tmp_path: Path) -> None:
    """"▐X▌ Hide in library" looked ticked when off, and so did the export's options and
    styles: the state was in the colour alone."""
    from textual.widgets import Checkbox, RadioButton

    app = make_tui(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        hide = app.screen.query_one("#hide", Checkbox)
        assert str(hide.render()).startswith("[ ] Hide in library")
        await pilot.press("h")
        await pilot.pause()
        assert str(hide.render()).startswith("[x] Hide in library")
        await pilot.press("space", "e")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        drawn = {b.id: str(b.render()).strip() for b in screen.query(RadioButton)}
        assert drawn == {"style-bibtex": "(•) bibtex", "style-biblatex": "( ) biblatex"}
        assert str(screen.query_one("#bib-abstract", Checkbox).render()).startswith("[ ] Include")


def on_screen(app: ZotsyncApp, selector: str, within: str | None = None) -> bool:
    """Whether the widget is wholly shown: on the screen, and inside `within`'s content."""
    widget = app.screen.query_one(selector)
    region = widget.region
    box = app.screen.query_one(within).content_region if within else app.screen.region
    return bool(region.width and region.height) and box.contains_region(region) \
        and app.screen.region.contains_region(region)


async def test_everything_fits_80x24_and_reflows(zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    """At 80x24 the picker's hint and Use/New/Cancel were off-screen (Tab went into invisible
    buttons), the review's Title column was ~7 cells and the list's ~17, with no Date column."""
    zotero_emu.seed_collections(collections=[{"key": "AAAAAAAA", "name": "Reading"}])
    app = make_tui(tmp_path, emu=zotero_emu)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.resize_terminal(80, 24)  # and it reflows when resized
        await settle(app, pilot)
        papers = app.screen.query_one(PaperList)
        header = papers.render_lines(Region(0, 0, papers.scrollable_content_region.width, 1))[0].text
        assert "Date" in header
        assert header.index("Cat.") - header.index("Title") >= 30  # the title column
        detail = app.screen.query_one("#detail")
        assert detail.region.y > papers.region.y and detail.region.width >= 70  # under the list

        await pilot.press("space", "p")
        await settle(app, pilot)
        assert isinstance(app.screen, CollectionPicker)
        for selector in ("#use", "#new", "#cancel", "#tree", "#collection-search", ".hint"):
            assert on_screen(app, selector, "#picker"), selector
        seen = set()
        for _ in range(6):  # Tab only reaches what is shown
            await pilot.press("tab")
            focused = app.focused
            assert focused is not None and on_screen(app, f"#{focused.id}", "#picker"), focused
            seen.add(focused.id)
        assert {"use", "new", "cancel"} <= seen

        await pilot.press("escape", "p")
        await settle(app, pilot)
        await pilot.press("down", "enter")  # Reading
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        for selector in ("#confirm", "#back", "#review-table", "#review-counts"):
            assert on_screen(app, selector), selector
        narrow = review.query_one(DataTable).ordered_columns[3].width
        assert narrow >= 30
        await pilot.resize_terminal(140, 40)
        await settle(app, pilot)
        assert review.query_one(DataTable).ordered_columns[3].width > narrow + 10


async def test_lookup_results_go_to_the_status_line_not_a_toast(tmp_path: Path) -> None:
    """Every (offline) start showed an ~8-row enrichment toast over the list and the status
    line ("arXiv: host name does not resolve…")."""
    papers = [Paper(title="A paper without an ID", authors=("Ada Lovelace",))]
    app = make_tui(tmp_path, papers=papers, enrich=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.lookups.enriching is None
        assert all(len(n.message.splitlines()) <= 1 for n in app._notifications)
        assert not [n for n in app._notifications if n.title == "Enrichment"]
        status = shown(app.screen.query_one("#status", Static))
        assert "lookups: " in status


async def test_quitting_does_not_wait_for_lookups_in_flight(tmp_path: Path) -> None:
    """`q` in the first seconds waited for the startup lookups (2.2 s): the worker's thread,
    which quitting waits for, sat in the request. Now only an abandoned daemon thread does."""
    import socket
    import sys

    from zotsync.config import load_settings

    with socket.socket() as server:  # accepts connections (backlog) and never answers
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        settings = load_settings(environ={"ZOTSYNC_ARXIV_URL": f"{url}/api/query", "ZOTSYNC_HF_URL": url,
                                          "ZOTSYNC_CROSSREF_URL": url, "ZOTSYNC_ARXIV_DELAY": "0"})
        papers = [Paper(title="A paper without an ID", authors=("Ada Lovelace",))]
        app = make_tui(tmp_path, papers=papers, settings=settings, enrich=True)
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):  # until a lookup is on its way
                if app.lookups.enriching and app.lookups.enriching not in {"waiting", "starting"}:
                    break
                await pilot.pause(0.05)
            await pilot.press("q")
        frames = sys._current_frames()
        waiting = [t.name for t in threading.enumerate() if not t.daemon and t.ident in frames
                   and "zotsync/enrich.py" in "".join(str(f) for f in _stack(frames[t.ident]))]
        assert waiting == []


def _stack(frame: Any) -> list[str]:
    names = []
    while frame is not None:
        names.append(frame.f_code.co_filename)
        frame = frame.f_back
    return names
