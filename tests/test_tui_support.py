"""What the TUI tests share: building the app against the emulator (or offline), waiting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from servers.zotero_emulator import ZoteroEmulator
from zotsync.config import Settings, load_settings
from zotsync.core.paper import Paper, Publication
from zotsync.inputs import load_papers
from zotsync.store import Store
from zotsync.tui.app import ZotsyncApp
from zotsync.tui.widgets import detail_text

SAMPLE = Path(__file__).parent / "data" / "arxiv-daily-digest.md"
AS_OF = date(2025, 6, 4)


def emulator_settings(emu: ZoteroEmulator, **changes: str) -> Settings:
    return load_settings(environ={**emu.env, "ZOTSYNC_ZOTERO_BACKOFF": "0.01", **changes})


def make_tui(tmp_path: Path, *, emu: ZoteroEmulator | None = None, papers: Sequence[Paper] | None = None,
             settings: Settings | None = None, **options: object) -> ZotsyncApp:
    """The app over the sample digest (or `papers`), with the emulator's settings or none."""
    if settings is None:
        settings = emulator_settings(emu) if emu is not None else load_settings(environ={})
    loaded = list(papers) if papers is not None else load_papers([str(SAMPLE)], as_of=AS_OF).papers
    return ZotsyncApp(loaded, settings=settings, store=Store(tmp_path / "store.sqlite3"),
                      digests=[str(SAMPLE)], as_of=AS_OF, **options)  # type: ignore[arg-type]


async def settle(app: ZotsyncApp, pilot: Pilot[None]) -> None:
    """Let every worker finish and the messages they posted be handled."""
    await pilot.pause()
    for _ in range(5):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break


# -- the pieces without a screen ---------------------------------------------------------


def test_search_narrows_incrementally_and_matches_chinese() -> None:
    from zotsync.tui.model import PaperModel

    model = PaperModel(load_papers([str(SAMPLE)], as_of=AS_OF).papers)
    assert len(model.set_query("b")) >= len(model.set_query("br")) >= len(model.set_query("brain"))
    assert len(model.set_query("brain")) == 6
    assert model.set_query("brain transformer") == model.set_query("transformer brain")
    assert model.set_query("脑机接口") == [0]  # in the first paper's TL;DR
    assert model.set_query("") == list(range(8))
    assert [model.rows[i].category for i in model.set_category("cs.CV")] == ["cs.CV", "cs.CV"]
    model.set_category("")
    model.in_library = {0, 1}
    assert model.set_hide_in_library(True) == list(range(2, 8))


def test_selection_survives_enrichment_by_source() -> None:
    from zotsync.tui.model import PaperModel

    papers = load_papers([str(SAMPLE)], as_of=AS_OF).papers
    model = PaperModel(papers)
    model.toggle(2)
    model.set_query("brain")
    enriched = [p.replace(arxiv_id=None, doi="10.1/x") if i == 2 else p for i, p in enumerate(papers)]
    fresh = model.replaced(list(reversed(enriched)))
    assert fresh.selected == {5} and fresh.query == "brain"
    assert fresh.selected_papers()[0].doi == "10.1/x"


def test_recent_targets_keep_the_newest_five_per_library(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from zotsync.tui.recent import RecentTargets

    store = Store(tmp_path / "s.sqlite3")
    recent = RecentTargets(store, "lib-a")
    start = datetime(2025, 6, 1, tzinfo=UTC)
    for day in range(7):
        recent.remember(f"Reading/{day}", now=start + timedelta(days=day))
    recent.remember("Reading/2", now=start + timedelta(days=9))
    assert recent.list() == ["Reading/2", "Reading/6", "Reading/5", "Reading/4", "Reading/3"]
    assert RecentTargets(store, "lib-b").list() == []


def test_collection_paths_escape_slashes() -> None:
    from zotsync.core.library import Collection, collection_path, join_collection_path, split_collection_path

    assert join_collection_path(("Reading", "2025/06")) == "Reading/2025\\/06"
    for names in (("Reading", "2025/06"), ("Dept\\Lab", "C:\\data", "a\\/b")):
        assert split_collection_path(join_collection_path(names)) == list(names)
    # what `zotsync collections --json` prints goes back into --collection unchanged
    tree = [Collection("AAAA2222", 1, "x/y"), Collection("BBBB2222", 1, "z", "AAAA2222")]
    assert split_collection_path(collection_path(tree, "BBBB2222")) == ["x/y", "z"]


def test_the_detail_names_the_published_version() -> None:
    paper = Paper(title="T", arxiv_id="1107.4612", doi="10.1111/x.1", journal_ref="MNRAS 419 (2012) 1795",
                  publication=Publication(kind="journal-article", container="Monthly Notices", volume="419",
                                          issue="2", pages="1795-1803", date="2012-01-11"))
    assert "Published: Monthly Notices 419(2), 1795-1803 (2012)" in detail_text(paper).plain
    assert "Published: MNRAS 419 (2012) 1795" in detail_text(paper.replace(publication=None)).plain
    assert "Published" not in detail_text(Paper(title="T")).plain


def test_the_review_summary_shows_the_plan_warnings() -> None:
    from zotsync.core.sync_plan import Plan
    from zotsync.tui.screens.review import plan_summary

    plan = Plan(("reading",), "NEWK2345", (), (), warnings=("creating collection 'reading' beside the "
                                                            "existing 'Reading'",))
    assert "note: creating collection 'reading' beside the existing 'Reading'" in plan_summary(plan).plain
