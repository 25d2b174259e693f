"""Messages the thread workers post to the app: the only way results reach the UI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.message import Message

from zotsync.bibfile import MergePlan
from zotsync.core.library import Collection
from zotsync.core.paper import Paper
from zotsync.core.sync_plan import Plan
from zotsync.store import Sighting
from zotsync.sync import Library
from zotsync.sync_apply import SyncReport


@dataclass(frozen=True, slots=True)
class Failure:
    """What went wrong (one line) and what to do about it."""

    message: str
    hint: str | None = None
    path_fix: bool = False  # the fix is another path for the file written (OutputPathError)

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class LibraryReady(Message):
    def __init__(self, library: Library, collections: list[Collection], recent: list[str],
                 recent_tags: list[str] | None) -> None:
        super().__init__()
        self.library = library
        self.collections = collections
        self.recent = recent  # the collections last pushed to, newest first
        self.recent_tags = recent_tags  # the last push's tags (None: none remembered)


class LibraryFailed(Message):
    def __init__(self, failure: Failure) -> None:
        super().__init__()
        self.failure = failure


class Marked(Message):
    """Markers computed for generation `generation` of the paper list."""

    def __init__(self, generation: int, *, seen: dict[int, Sighting] | None = None,
                 in_library: set[int] | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.seen = seen
        self.in_library = in_library


class EnrichProgress(Message):
    def __init__(self, step: str, done: int, total: int) -> None:
        super().__init__()
        self.step = step
        self.done = done
        self.total = total


class EnrichDone(Message):
    def __init__(self, papers: Sequence[Paper] | None, lines: list[str],
                 failure: Failure | None = None) -> None:
        super().__init__()
        self.papers = papers
        self.lines = lines
        self.failure = failure


class PlanReady(Message):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan


class PlanFailed(Message):
    def __init__(self, failure: Failure) -> None:
        super().__init__()
        self.failure = failure


class PushProgress(Message):
    def __init__(self, advance: int) -> None:
        super().__init__()
        self.advance = advance


class PushDone(Message):
    def __init__(self, plan: Plan, report: SyncReport | None, failure: Failure | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.report = report
        self.failure = failure


class ExportDone(Message):
    def __init__(self, plan: MergePlan | None, failure: Failure | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.failure = failure


class SummaryArrived(Message):
    """A paper with the TL;DR just generated for it."""

    def __init__(self, paper: Paper) -> None:
        super().__init__()
        self.paper = paper


class SummaryProgress(Message):
    """TL;DRs being written: "done/total", or None and the report's lines when finished."""

    def __init__(self, progress: str | None, lines: Sequence[str] | None = None) -> None:
        super().__init__()
        self.progress = progress
        self.lines = lines


class ZoteroRetrying(Message):
    """A Zotero request failed and is about to be tried again: why, and which attempt."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem
