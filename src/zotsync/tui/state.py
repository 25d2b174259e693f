"""What the TUI knows besides the papers, and the status line that says it (no UI here).

`ZoteroState` is the library as the app last read it (or why it could not), `Lookups`
the background work under way (metadata lookups, TL;DRs). The app replaces them as the
workers' messages arrive; `status_line` turns them and the paper model into the line
under the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from zotsync.config import Settings
from zotsync.core.library import Collection
from zotsync.sync import Library
from zotsync.tui.messages import Failure
from zotsync.tui.model import PaperModel

LibraryState = Literal["not set up", "reading", "ready", "unavailable"]


@dataclass(frozen=True, slots=True)
class ZoteroState:
    """The Zotero library as the TUI last read it, or why it could not."""

    state: LibraryState
    group: str | None = None  # the group library's ID (None: the user's library)
    desktop: bool = False  # target = desktop: the Zotero app on this computer
    library: Library | None = None
    failure: Failure | None = None  # why it is unavailable
    collections: list[Collection] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)  # collections last pushed to, newest first
    recent_tags: list[str] | None = None  # the last push's tags (None: none remembered)
    retrying: str | None = None  # why Zotero is being asked again, while it is

    @classmethod
    def at_start(cls, settings: Settings) -> ZoteroState:
        desktop = settings.target == "desktop"
        can_read = desktop or bool(settings.api_key and settings.library_id)
        return cls("reading" if can_read else "not set up",
                   group=settings.library_id if settings.library_type == "group" else None, desktop=desktop)

    @property
    def label(self) -> str:
        """"My Library", "Group 123", "My Library in Zotero desktop 7.0.11" (its version once read)."""
        if self.desktop:
            version = getattr(self.library, "app_version", None)
            return "My Library in Zotero desktop" + (f" {version}" if version else "")
        return f"Group {self.group}" if self.group is not None else "My Library"

    def reading(self) -> ZoteroState:
        return replace(self, state="reading")

    def retrying_because(self, problem: str) -> ZoteroState:
        return replace(self, retrying=problem)

    def read(self, library: Library, collections: list[Collection], recent: list[str],
             recent_tags: list[str] | None) -> ZoteroState:
        return replace(self, state="ready", library=library, failure=None, collections=collections,
                       recent=recent, recent_tags=recent_tags, retrying=None)

    def failed(self, failure: Failure) -> ZoteroState:
        return replace(self, state="unavailable", failure=failure, retrying=None)

    def status(self) -> str:
        if self.state == "ready":
            return f"Zotero: {self.label} · {len(self.collections)} collections"
        if self.state == "reading" and self.retrying:
            return f"Zotero: {self.retrying}…"
        if self.state == "reading":
            return "Zotero: reading the library…"
        if self.state == "unavailable":
            return "Zotero: unavailable (r retries)"
        return "Zotero: not set up (zotsync login)"


@dataclass(frozen=True, slots=True)
class Lookups:
    """The background work under way: metadata lookups (enrichment) and TL;DRs."""

    enriching: str | None = None  # "waiting", "starting", "arxiv 3/10" while looking up
    note: str | None = None  # how the lookups ended
    summarizing: str | None = None  # "3/10" while TL;DRs are being written

    def status(self) -> list[str]:
        parts = []
        if self.enriching:
            parts.append(f"looking up: {self.enriching}")
        elif self.note:
            parts.append(f"lookups: {self.note}")
        if self.summarizing:
            parts.append(f"TL;DR: {self.summarizing}")
        return parts


def status_line(model: PaperModel, zotero: ZoteroState, lookups: Lookups) -> str:
    """The line under the list: counts, the search's problem, Zotero, the background work."""
    parts = [f"{len(model)} papers · {len(model.visible)} shown · {len(model.selected)} selected"]
    if model.query_error:
        parts.insert(0, f"search: {model.query_error}")
    parts.append(zotero.status())
    parts.extend(lookups.status())
    return "  │  ".join(parts)
