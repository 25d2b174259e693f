"""What the TUI tests share: building the app against the emulator (or offline), waiting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from servers.zotero_emulator import ZoteroEmulator
from zotsync.config import Settings, load_settings
from zotsync.core.paper import Paper
from zotsync.inputs import load_papers
from zotsync.store import Store
from zotsync.tui.app import ZotsyncApp

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
