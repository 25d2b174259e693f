#!/usr/bin/env python3
"""Regenerate the screenshots of docs/tui.md (SVG, exported by Textual) into docs/tui/.

    python scripts/tui_screenshots.py

Drives the TUI headless (App.run_test) on examples/arxiv-daily-digest.md against the
Zotero emulator of the tests (a small collection tree, the first paper already in the
library), and saves one SVG per screen and size: `NAME-80x24.svg` (the smallest terminal
the TUI must fit) and `NAME-120x40.svg`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

import textual.constants  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from servers.zotero_emulator import ZoteroEmulator  # noqa: E402
from zotsync.config import Settings, load_settings  # noqa: E402
from zotsync.inputs import load_papers  # noqa: E402
from zotsync.store import Store  # noqa: E402
from zotsync.tui.app import ZotsyncApp  # noqa: E402

textual.constants.TEXTUAL_ANIMATIONS = "none"  # type: ignore[misc]

OUT = ROOT / "docs" / "tui"
DIGEST = ROOT / "examples" / "arxiv-daily-digest.md"
SIZES = ((80, 24), (120, 40))


def library() -> ZoteroEmulator:
    emu = ZoteroEmulator().start()
    emu.add_user(1, "alice")
    emu.api_key = emu.add_key("ZsWriteKey4Screenshots01", user_id=1, write=True)
    emu.seed_collections(collections=[{"key": "AAAAAAAA", "name": "Reading"},
                                      {"key": "CCCCCCCC", "name": "Archive"}])
    emu.seed_collections(collections=[{"key": "BBBBBBBB", "name": "Neuro", "parentCollection": "AAAAAAAA"}])
    emu.seed_items(items=[{"itemType": "preprint", "archiveID": "arXiv:2506.02013",
                           "title": "Non-invasive two-step strategy BCI: brain-muscle-hand interface",
                           "collections": ["BBBBBBBB"]}])
    return emu


async def settle(app: ZotsyncApp, pilot: Pilot[None]) -> None:
    await pilot.pause()
    for _ in range(5):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def shoot(settings: Settings, name: str, keys: Sequence[str], wait: float = 0.0) -> None:
    for size in SIZES:
        await _shoot(settings, f"{name}-{size[0]}x{size[1]}", keys, size, wait)


async def _shoot(settings: Settings, name: str, keys: Sequence[str], size: tuple[int, int],
                 wait: float) -> None:
    papers = load_papers([str(DIGEST)], as_of=date(2025, 6, 4)).papers
    with tempfile.TemporaryDirectory() as tmp:
        app = ZotsyncApp(papers, settings=settings, store=Store(Path(tmp) / "store.sqlite3"),
                         digests=[str(DIGEST)], export_path=Path("refs.bib"))
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            for key in keys:
                await pilot.press(key)
                if key in {"p", "n", "e", "enter", "question_mark"}:
                    await settle(app, pilot)
            await pilot.pause(wait)
            await settle(app, pilot)
            app.save_screenshot(f"{name}.svg", str(OUT))
    print(f"docs/tui/{name}.svg")


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    offline = load_settings(environ={})
    emu = library()
    try:
        online = load_settings(environ={**emu.env, "ZOTSYNC_ZOTERO_BACKOFF": "0.01"})
        pick = ("space", "down", "down", "space", "down", "space")
        await shoot(online, "papers", (*pick, "up"))
        await shoot(online, "search", ("slash", *"脑", "enter"), wait=0.3)
        await shoot(online, "picker", (*pick, "p", "down", "down", "space", "n", *"2025-06", "enter"))
        await shoot(online, "new-collection", (*pick, "p", "n", *"Reading/2025-06"))
        await shoot(online, "review", (*pick, "p", "n", *"Reading", "enter", "n", *"2025-06", "enter",
                                       "enter"))
        await shoot(online, "result", (*pick, "p", "n", *"Inbox", "enter", "enter", "p"))
        await shoot(offline, "not-set-up", ("space", "p"))
        await shoot(offline, "export", ("space", "down", "space", "e"))
        await shoot(offline, "help", ("question_mark",))
    finally:
        emu.stop()


if __name__ == "__main__":
    asyncio.run(main())
