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


def test_bib_defaults_come_from_the_config_file(run_cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[bib]\nstyle = "biblatex"\nkey_format = "{auth}{year}"\ntldr = true\n',
                      encoding="utf-8")
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


def test_a_bad_bib_default_names_the_setting(run_cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             monkeypatch: pytest.MonkeyPatch) -> None:
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
    assert set(names) == {"Reading", "Daily"}
    assert names["Daily"]["parentCollection"] == names["Reading"]["key"]
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


# -- TUI: sort, open links, copy \cite ---------------------------------------------------


def test_sort_orders_with_ties_in_digest_order() -> None:
    from zotsync.tui.model import SORTS, PaperModel, sort_order

    papers = [Paper(title="b paper", arxiv_id="2501.00001", upvotes=3, primary_category="cs.LG"),
              Paper(title="A paper", arxiv_id="2506.00002", upvotes=None, primary_category="cs.AI"),
              Paper(title="c paper", arxiv_id="2503.00003", upvotes=10),
              Paper(title="a Paper", arxiv_id="2506.00004", upvotes=3, primary_category="cs.AI")]
    assert sort_order(papers, "date") == [1, 3, 2, 0]  # newest first, ties in digest order
    assert sort_order(papers, "upvotes") == [2, 0, 3, 1]  # most first, none last
    assert sort_order(papers, "title") == [1, 3, 0, 2]  # case-insensitive A to Z
    assert sort_order(papers, "category") == [1, 3, 0, 2]  # none last
    model = PaperModel(papers)
    model.set_query("paper")
    model.set_sort("upvotes")
    assert model.visible == [2, 0, 3, 1]
    model.set_query("paper cs.ai")  # narrowing keeps the order
    assert model.visible == [3, 1]
    assert model.next_sort() == SORTS[(SORTS.index("upvotes") + 1) % len(SORTS)]


async def test_s_sorts_the_list_and_the_header_says_so(tmp_path: Path) -> None:
    app = make_tui(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        first = app.model.visible[:]
        await pilot.press("s")  # date
        await pilot.pause()
        assert app.model.sort == "date" and "sorted by date" in app.sub_title
        await pilot.press("s", "s")  # title, then upvotes
        await pilot.press("s")
        await pilot.pause()
        assert app.model.sort == "category"
        await pilot.press("s")
        await pilot.pause()
        assert app.model.sort == "digest order" and "sorted" not in app.sub_title
        assert app.model.visible == first


async def test_o_and_O_open_the_abstract_and_the_pdf_with_browser(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import time

    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text(f"import sys\nopen({str(opened)!r}, 'a').write(sys.argv[1] + '\\n')\n",
                      encoding="utf-8")
    monkeypatch.setenv("BROWSER", f"{sys.executable} {script}")
    app = make_tui(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        arxiv_id = app.model.papers[app.model.visible[0]].arxiv_id
        await pilot.press("o", "O")
        await pilot.pause()
        deadline = time.monotonic() + 20
        def count() -> int:
            return len(opened.read_text().splitlines()) if opened.exists() else 0

        while time.monotonic() < deadline and count() < 2:
            await pilot.pause(0.05)
    assert sorted(opened.read_text().splitlines()) == sorted(
        [f"https://arxiv.org/abs/{arxiv_id}", f"https://arxiv.org/pdf/{arxiv_id}"])


def test_without_a_browser_the_url_is_shown() -> None:
    from zotsync.tui.outside import open_in_browser, paper_url

    paper = Paper(title="T", doi="10.1/x")
    assert paper_url(paper, pdf=False) == "https://doi.org/10.1/x"
    assert paper_url(paper, pdf=True) is None
    problem = open_in_browser("https://doi.org/10.1/x", {})  # no $BROWSER, no display
    assert problem is not None and "set $BROWSER" in problem
    assert open_in_browser("https://x", {"BROWSER": "/nonexistent/browser"}) == (
        "no command in $BROWSER could be started")


async def test_y_copies_the_cite_command_with_the_keys_bib_writes(run_cli, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from zotsync.tui.outside import clipboard_caveat

    monkeypatch.delenv("TMUX", raising=False)
    app = make_tui(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("space", "down", "space", "y")
        await settle(app, pilot)
        cite = app.clipboard
        await pilot.press("Y")
        await settle(app, pilot)
        keys = app.clipboard
    assert cite == "\\cite{" + keys + "}" and len(keys.split(",")) == 2
    # the same keys as `bib` then writes (they are remembered in the store)
    import shutil

    app.store.close()
    (tmp_path / "data").mkdir()
    shutil.copy(tmp_path / "store.sqlite3", tmp_path / "data" / "zotsync.sqlite3")
    monkeypatch.setenv("ZOTSYNC_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "r.bib"
    ids = ",".join(p.arxiv_id or "" for p in app.model.selected_papers())
    assert run_cli("bib", DIGEST, "-o", str(out), "--select", ids, "--offline").exit_code == 0
    written = [line.split("{", 1)[1].rstrip(",") for line in out.read_text(encoding="utf-8").splitlines()
               if line.startswith("@")]
    assert sorted(written) == sorted(keys.split(","))
    assert clipboard_caveat({"TMUX": "/tmp/t"}) is not None and clipboard_caveat({}) is None


async def test_the_status_line_says_zotero_is_being_retried(zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: while a request is retried the TUI said only "reading the library…"."""
    from textual.widgets import Static

    from servers.zotero_emulator import Fault

    zotero_emu.inject(Fault.unavailable("GET", "", retry_after=2, times=1))
    app = make_tui(tmp_path, emu=zotero_emu)
    seen: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(200):  # the 2 s wait, then the library is read
            await pilot.pause(0.02)
            seen.append(str(app.screen.query_one("#status", Static).render()))
            if app.zotero.state == "ready":
                break
        assert app.zotero.state == "ready"
        status = str(app.screen.query_one("#status", Static).render())
    assert any("Zotero: unavailable (503); trying again (2/" in line for line in seen), seen[-1]
    assert "trying again" not in status  # gone once the library is read


def test_a_refused_key_is_said_before_any_lookup(run_cli, zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The arXiv lookups ran (and printed their warnings) before push said the key was refused."""
    from servers.arxiv_standin import ArxivStandIn

    ids = tmp_path / "ids.txt"
    ids.write_text("2506.02013\n2506.02044\n", encoding="utf-8")
    arxiv = ArxivStandIn()
    with arxiv.serving("/api/query"):
        env = {**zotero_emu.env, "ZOTERO_API_KEY": "WrongKey0000000000000000",
               "ZOTSYNC_ARXIV_URL": arxiv.url, "ZOTSYNC_ARXIV_DELAY": "0"}
        result = run_cli("push", str(ids), "-c", "X", env=env)
        assert result.exit_code == 3
        assert "Invalid key" in result.stderr or "key" in result.stderr.splitlines()[-1]
        assert arxiv.requests() == []  # nothing looked up for a push that cannot happen
