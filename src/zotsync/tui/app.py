"""The zotsync TUI: browse digests, pick papers and a collection, review, push, export.

`ZotsyncApp` takes its collaborators (papers, settings, store, the library opener) so
tests hand it the emulator's settings; `make_app` reads the digest files for the CLI.

Everything slow runs in thread workers that only post messages (`messages.py`):
reading the Zotero library, marking papers seen or in the library, enrichment,
planning, pushing and exporting. The Zotero workers share the injected store under
one lock (the library index lives there); the others open their own connection to the
same file (a `:memory:` store is shared under the lock instead).
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen
from textual.worker import get_current_worker

from zotsync.config import Settings
from zotsync.core.library import dated_collection, find_existing, join_collection_path
from zotsync.core.paper import Paper
from zotsync.core.sync_plan import Plan, PushOptions
from zotsync.errors import OutputPathError, ZotsyncError, redact
from zotsync.inputs import load_papers
from zotsync.readers import ReaderWarning
from zotsync.store import Store
from zotsync.summaries import attach_summaries
from zotsync.sync import Library, library_id, open_library, plan_for
from zotsync.sync import push as push_papers
from zotsync.tui.bibexport import ExportRequest, export_bib, summary
from zotsync.tui.messages import (
    EnrichDone,
    EnrichProgress,
    ExportDone,
    Failure,
    LibraryFailed,
    LibraryReady,
    Marked,
    PlanFailed,
    PlanReady,
    PushDone,
    PushProgress,
    SummaryArrived,
    SummaryProgress,
    ZoteroRetrying,
)
from zotsync.tui.model import SORTS, PaperModel
from zotsync.tui.outside import cite_text, clipboard_caveat, open_in_browser, paper_url, tmux_passes_clipboard
from zotsync.tui.push_job import PushJob
from zotsync.tui.recent import RecentTargets
from zotsync.tui.screens.collections import CollectionPicker, PushTarget
from zotsync.tui.screens.export import ExportScreen
from zotsync.tui.screens.help import HelpScreen, MessageScreen
from zotsync.tui.screens.papers import PapersScreen
from zotsync.tui.screens.progress import ProgressScreen, ResultScreen
from zotsync.tui.screens.review import ReviewScreen
from zotsync.tui.state import Lookups, ZoteroState, status_line

LibraryOpener = Callable[..., Library]  # (settings, store, *, on_retry) -> Library
ScreenT = TypeVar("ScreenT", bound=Screen[Any])

LOGIN_HELP = (
    "zotsync needs a Zotero API key and your library ID to read and write your library.\n\n"
    "Missing: {missing}.\n\n"
    "Run `zotsync login` in a shell (it asks for the key and finds your user ID), or set "
    "ZOTERO_API_KEY and ZOTERO_LIBRARY_ID; then start `zotsync tui` again.\n\n"
    "The list, the detail pane and the .bib export work without it."
)

LLM_HELP = (
    "To write the missing TL;DRs, zotsync needs an OpenAI-compatible model: set ZOTSYNC_LLM_URL "
    "and ZOTSYNC_LLM_MODEL (and ZOTSYNC_LLM_API_KEY), or [llm] url and model in config.toml, then "
    "start `zotsync tui` again.\n\n"
    "docs/summaries.md lists working settings for DeepSeek, Qwen, OpenAI, Ollama and llama.cpp."
)


def failure_of(error: BaseException) -> Failure:
    if isinstance(error, ZotsyncError):
        return Failure(redact(error.message), redact(error.hint) if error.hint else None,
                       path_fix=isinstance(error, OutputPathError))
    return Failure(redact(f"{type(error).__name__}: {error}"))


T = TypeVar("T")


def abandonable(job: Callable[[], T]) -> T | None:
    """Run `job` (network lookups) in a daemon thread for the current thread worker; None
    when the worker is cancelled first, as on quitting. The worker's own thread is then free
    at once: quitting waited for lookups in flight (2.2 s in the first seconds). What the
    abandoned job would have cached is simply looked up again next time."""
    worker = get_current_worker()
    box: dict[str, object] = {}
    finished = threading.Event()

    def run() -> None:
        try:
            box["value"] = job()
        except BaseException as error:
            box["error"] = error
        finally:
            finished.set()

    threading.Thread(target=run, name="zotsync-lookups", daemon=True).start()
    while not finished.wait(0.05):
        if worker.is_cancelled:
            return None
    if "error" in box:
        raise cast("BaseException", box["error"])
    return cast("T", box["value"])


def in_library(papers: Sequence[Paper], library: Library) -> set[int]:
    """Which papers (by index) the library already holds, as the planner would find them."""
    index = library.index
    return {i for i, p in enumerate(papers) if find_existing(p, index.candidates(p)) is not None}


class ZotsyncApp(App[None]):
    CSS_PATH = "zotsync.tcss"
    TITLE = "zotsync"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+c", "quit", "Quit", show=False)]
    # Screen classes the layout follows (zotsync.tcss): below 110 columns the detail pane
    # goes under the list; below 32 rows the dialogs drop their spacing (80x24 fits).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 - Textual's type
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012
    # What the papers screen shows, bound to its own (get_default_screen):
    model: var[PaperModel] = var(lambda: PaperModel([]), init=False)  # replaced by enrichment
    revision: var[int] = var(0, init=False)  # bumped when the model changed in place
    status: var[str] = var("", init=False)  # the line under the list

    def __init__(
        self,
        papers: Sequence[Paper],
        *,
        settings: Settings,
        store: Store,
        digests: Sequence[str] = (),
        as_of: date | None = None,
        library_opener: LibraryOpener = open_library,
        enrich: bool = False,
        offline: bool = False,
        record: bool = False,
        warnings: Sequence[ReaderWarning] = (),
        export_path: Path | None = None,
        source_day: date | None = None,
    ) -> None:
        super().__init__()
        # `{date}` in a collection path (the picker, `[push] collection`): the source's day
        # (`hf:2026-06-08`, the listing of `arxiv:cs.CL`), today for a file, as `push -c`.
        self.source_day = source_day
        self.model = PaperModel(papers, settings.filters)
        self.generation = 0  # bumped when enrichment replaces the papers
        self.settings = settings
        self.store = store
        self.digests = list(digests)
        self.as_of = as_of or date.today()
        self.library_opener = library_opener
        self.enrich = enrich
        self.offline = offline
        self.record = record
        self.load_warnings = list(warnings)
        self.zotero = ZoteroState.at_start(settings)
        self.lookups = Lookups(enriching="waiting" if enrich else None)
        self.export_request = ExportRequest(export_path or Path("references.bib"), style=settings.bib_style,
                                            abstract=settings.bib_abstract, tldr=settings.bib_tldr,
                                            key_format=settings.bib_key_format)
        self._export_papers: list[Paper] = []
        self._zotero_lock = threading.Lock()
        # The push under way: `zotsync tui` asks it, after the app has ended, what a quit
        # cut short (push_interruption).
        self.push_job = PushJob()
        self.show_sort()
        self.refresh_status()

    # -- set-up ------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        # The screen follows the model, its changes and the status line through bound
        # reactives; what the user changes there comes back as PapersScreen.Changed.
        self._papers_screen = PapersScreen(self.model).data_bind(
            ZotsyncApp.model, ZotsyncApp.revision, ZotsyncApp.status)
        return self.fitted(self._papers_screen)

    def fitted(self, screen: ScreenT) -> ScreenT:
        """`screen` with the breakpoint classes of the terminal's size already set: Textual
        sets them on the first resize event, after a first paint in the wide layout (at 80x24
        the picker showed without its buttons for a moment)."""
        width, height = self.size
        for breakpoints, size in ((self.HORIZONTAL_BREAKPOINTS or [], width),
                                  (self.VERTICAL_BREAKPOINTS or [], height)):
            current = max((b for b in breakpoints if b[0] <= size), default=None)
            for _, name in breakpoints:
                screen.set_class(current is not None and name == current[1], name)
        return screen

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(screen, Screen):
            self.fitted(screen)
        return super().push_screen(screen, *args, **kwargs)

    def switch_screen(self, screen: Any) -> Any:
        if isinstance(screen, Screen):
            self.fitted(screen)
        return super().switch_screen(screen)

    def on_mount(self) -> None:
        self.call_after_refresh(self._start_background)  # after the first paint

    def _start_background(self) -> None:
        self._mark_seen(self.generation, list(self.model.papers), record=self.record)
        if self.has_credentials:
            self._open_library(self.generation, list(self.model.papers))
        if self.enrich:
            self.lookups = replace(self.lookups, enriching="starting")
            self._enrich(list(self.model.papers))
        if self.load_warnings:
            self.notify(f"{len(self.load_warnings)} warnings while reading the digests "
                        f"(first: {self.load_warnings[0]})", severity="warning", timeout=6, markup=False)
        self.refresh_status()

    @property
    def has_credentials(self) -> bool:
        return self.settings.target == "desktop" or bool(self.settings.api_key and self.settings.library_id)

    @property
    def papers_screen(self) -> PapersScreen:
        return self._papers_screen

    @contextmanager
    def _side_store(self) -> Iterator[Store]:
        """A store connection for a worker that does not touch the library index."""
        if str(self.store.path) == ":memory:":
            with self._zotero_lock:
                yield self.store
            return
        store = Store(self.store.path)
        try:
            yield store
        finally:
            store.close()

    # -- status ------------------------------------------------------------------------

    def refresh_status(self) -> None:
        self.status = status_line(self.model, self.zotero, self.lookups)

    @on(PapersScreen.Changed)
    def _papers_changed(self) -> None:
        self.show_sort()
        self.refresh_status()

    def _zotero_retrying(self, problem: str) -> None:
        """From the worker thread: a Zotero request is about to be tried again."""
        self.post_message(ZoteroRetrying(problem))

    @on(ZoteroRetrying)
    def _retrying(self, message: ZoteroRetrying) -> None:
        self.zotero = self.zotero.retrying_because(message.problem)
        self.refresh_status()

    # -- background: markers, library, enrichment -------------------------------------

    @work(thread=True, exit_on_error=False, group="marks")
    def _mark_seen(self, generation: int, papers: list[Paper], *, record: bool) -> None:
        try:
            with self._side_store() as store:
                seen = store.earlier_sightings(papers, self.digests)
                if record:
                    store.record_sightings(papers, self.as_of)
        except Exception:  # the markers are a nicety: the list works without them
            return
        self.post_message(Marked(generation, seen=seen))

    @work(thread=True, exit_on_error=False, group="zotero")
    def _open_library(self, generation: int, papers: list[Paper]) -> None:
        try:
            with self._zotero_lock:
                library = self.library_opener(self.settings, self.store, on_retry=self._zotero_retrying)
                collections = library.index.collections()
                targets = RecentTargets(self.store, library_id(self.settings))
                recent, tags = targets.list(), targets.tags()
                held = in_library(papers, library)
        except Exception as error:  # every failure is shown; none ends the app
            self.post_message(LibraryFailed(failure_of(error)))
            return
        self.post_message(LibraryReady(library, collections, recent, tags))
        self.post_message(Marked(generation, in_library=held))

    @work(thread=True, exit_on_error=False, group="zotero")
    def _mark_library(self, generation: int, papers: list[Paper]) -> None:
        library = self.zotero.library
        if library is None:
            return
        try:
            with self._zotero_lock:
                held = in_library(papers, library)
        except Exception:  # as above; the next push refreshes the library anyway
            return
        self.post_message(Marked(generation, in_library=held))

    @work(thread=True, exit_on_error=False, group="enrich")
    def _enrich(self, papers: list[Paper]) -> None:
        from zotsync.enrich import enrich_papers  # noqa: PLC0415

        def progress(step: str, done: int, total: int) -> None:
            self.post_message(EnrichProgress(step, done, total))

        def lookups() -> EnrichDone:
            with self._side_store() as store:
                report = enrich_papers(papers, self.settings, store, offline=self.offline,
                                       on_progress=progress)
                enriched = attach_summaries(report.papers, self.settings, store)
            return EnrichDone(enriched, report.lines())

        try:
            done = abandonable(lookups)
        except Exception as error:
            self.post_message(EnrichDone(None, [], failure_of(error)))
            return
        if done is not None:
            self.post_message(done)

    @on(Marked)
    def _marked(self, message: Marked) -> None:
        if message.generation != self.generation:
            return  # for papers enrichment has replaced since
        if message.seen is not None:
            self.model.seen = message.seen
        if message.in_library is not None:
            self.model.in_library = message.in_library
            if self.model.hide_in_library:
                self.model.refilter()
        if self.model.query_needs:  # seen:/in:library in the search box: now known
            self.model.refilter()
        self.revision += 1
        self.refresh_status()

    @on(LibraryReady)
    def _library_ready(self, message: LibraryReady) -> None:
        self.zotero = self.zotero.read(message.library, message.collections, message.recent,
                                       message.recent_tags)
        self.refresh_status()

    @on(LibraryFailed)
    def _library_failed(self, message: LibraryFailed) -> None:
        self.zotero = self.zotero.failed(message.failure)
        self.notify(f"Zotero: {message.failure}", title="Cannot read your library", severity="error",
                    timeout=8, markup=False)
        self.refresh_status()

    @on(EnrichProgress)
    def _enrich_progress(self, message: EnrichProgress) -> None:
        self.lookups = replace(self.lookups, enriching=f"{message.step} {message.done}/{message.total}")
        self.refresh_status()

    @on(EnrichDone)
    def _enrich_done(self, message: EnrichDone) -> None:
        """How the lookups went goes to the status line; a toast over the list (8 rows at
        every offline start) only when they failed outright, and in one line."""
        note = None
        if message.failure is not None:
            note = f"failed: {message.failure.message}"
            self.notify(f"Lookups failed: {message.failure.message}", severity="warning", timeout=4,
                        markup=False)
        elif message.papers is not None and list(message.papers) != self.model.papers:
            self.model = self.model.replaced(message.papers)
            self.generation += 1
            self._mark_seen(self.generation, list(self.model.papers), record=False)
            if self.zotero.library is not None:
                self._mark_library(self.generation, list(self.model.papers))
        if message.failure is None:
            # the last line says what went wrong, if anything did; the first what was done
            note = " ".join((message.lines[-1] if message.lines else "done").split())
        self.lookups = replace(self.lookups, enriching=None, note=note)
        self.refresh_status()

    def show_sort(self) -> None:
        """The header: the digests, and the list's order when it is not the digest's."""
        names = ", ".join(Path(d).name for d in self.digests)
        sort = self.model.sort
        self.sub_title = names if sort == SORTS[0] else f"{names} · sorted by {sort}"

    # -- outside the terminal: links and citation keys ---------------------------------

    def action_open_paper(self, which: str) -> None:
        """`o` the highlighted paper's abstract page, `O` its PDF, in a web browser."""
        papers = self.papers_screen.highlighted_papers()
        if not papers:
            return
        url = paper_url(papers[0], pdf=which == "pdf")
        if url is None:
            self.notify("This paper has no link", severity="warning", timeout=3)
            return
        problem = open_in_browser(url)
        if problem is None:
            self.notify(f"opening {url}", timeout=3, markup=False)
        else:
            self.notify(f"{problem}: {url}", severity="warning", timeout=10, markup=False)

    def action_copy_cite(self, bare: bool = False) -> None:
        """`y` copies `\\cite{key,...}` of the selected papers (else the highlighted one),
        `Y` the keys alone: the keys `bib` writes for them (remembered from now on)."""
        papers = self.model.selected_papers() or self.papers_screen.highlighted_papers()
        if papers:
            self._copy_keys(papers, bare)

    @work(thread=True, exit_on_error=False, group="keys")
    def _copy_keys(self, papers: list[Paper], bare: bool) -> None:
        from zotsync.core.citekeys import parse_key_format  # noqa: PLC0415
        from zotsync.keys import choose_keys, key_pairs, remember_keys  # noqa: PLC0415

        try:
            with self._zotero_lock:  # the store and the index are shared with the workers
                library = self.zotero.library
                index = library.index if library is not None else None
                keys = choose_keys(papers, self.store, index=index,
                                   key_format=parse_key_format(self.settings.bib_key_format))
                remember_keys(self.store, key_pairs(papers, keys))
        except Exception as error:
            self.call_from_thread(self.notify, f"Cannot make the keys: {failure_of(error)}",
                                  severity="error", markup=False)
            return
        text = cite_text([keys[p.identity] for p in papers], bare=bare)
        caveat = clipboard_caveat(tmux_on=bool(os.environ.get("TMUX")) and tmux_passes_clipboard())
        self.call_from_thread(self._copied, text, caveat)

    def _copied(self, text: str, caveat: str | None) -> None:
        self.copy_to_clipboard(text)  # OSC 52: works over SSH, and in tmux when allowed
        shown = text if len(text) <= 120 else text[:117] + "…"
        if caveat is None:
            self.notify(f"copied {shown}", timeout=4, markup=False)
        else:
            self.notify(f"sent {shown} to the clipboard, but {caveat}", severity="warning",
                        timeout=10, markup=False)

    # -- TL;DRs: generate the missing ones (zotsync summarize) --------------------------

    def action_summarize(self) -> None:
        """Generate the TL;DRs of the selected papers (else the highlighted one) that have
        none; each shows in the detail pane as it arrives."""
        papers = self.model.selected_papers() or self.papers_screen.highlighted_papers()
        if not papers:
            return
        if not (self.settings.llm_url and self.settings.llm_model):
            self.push_screen(MessageScreen("No LLM configured", LLM_HELP))
            return
        if self.lookups.summarizing:
            self.notify("Still writing TL;DRs; press g again when they are done", timeout=3)
            return
        self.lookups = replace(self.lookups, summarizing=f"0/{len(papers)}")
        self.refresh_status()
        self._summarize(papers)

    @work(thread=True, exit_on_error=False, group="summarize")
    def _summarize(self, papers: list[Paper]) -> None:
        from zotsync.summaries import summarize_papers  # noqa: PLC0415

        def arrived(_index: int, paper: Paper) -> None:
            self.post_message(SummaryArrived(paper))

        def progress(done: int, total: int) -> None:
            self.post_message(SummaryProgress(f"{done}/{total}"))

        try:
            with self._side_store() as store:
                report = summarize_papers(papers, self.settings, store, on_summary=arrived,
                                          on_progress=progress)
        except Exception as error:
            self.post_message(SummaryProgress(None, [str(failure_of(error))]))
            return
        self.post_message(SummaryProgress(None, report.lines()))

    @on(SummaryArrived)
    def _summary_arrived(self, message: SummaryArrived) -> None:
        if self.model.update_paper(message.paper):
            self.revision += 1
            self.refresh_status()

    @on(SummaryProgress)
    def _summary_progress(self, message: SummaryProgress) -> None:
        self.lookups = replace(self.lookups, summarizing=message.progress)
        if message.lines is not None:
            failed = any(line.startswith(("failed:", "stopped:")) for line in message.lines)
            self.notify("\n".join(message.lines[:4]), title="TL;DR", timeout=6, markup=False,
                        severity="warning" if failed else "information")
        self.refresh_status()

    # -- push: pick, plan, review, apply, result --------------------------------------

    def _zotero_ready(self) -> bool:
        """Whether Zotero can be used now; otherwise say what is missing and how to fix it."""
        if not self.has_credentials:
            missing = [name for name, value in (("API key", self.settings.api_key),
                                                ("library ID", self.settings.library_id)) if not value]
            self.push_screen(MessageScreen("Zotero is not set up",
                                           LOGIN_HELP.format(missing=" and ".join(missing))))
            return False
        zotero = self.zotero
        if zotero.state == "unavailable":
            body = f"{zotero.failure}\n\nCheck your connection and press r to try again."
            if zotero.failure and "403" in zotero.failure.message:
                body += "\nIf the key was revoked, run `zotsync login` again."
            self.push_screen(MessageScreen("Cannot reach Zotero", body))
            return False
        if zotero.state == "reading" or zotero.library is None:
            self.notify("Still reading your Zotero library; try again in a moment", timeout=3)
            return False
        return True

    def action_push(self) -> None:
        papers = self.model.selected_papers()
        if not papers:
            self.notify("Select papers first (space), then press p", severity="warning", timeout=3)
            return
        if not self._zotero_ready():
            return
        if self.lookups.enriching:
            self.notify("Still looking up paper metadata; push in a moment", timeout=3)
            return
        zotero = self.zotero
        recent = list(zotero.recent)
        default = self.settings.push_collection
        if default and default not in recent:  # push.collection: the first choice offered
            recent.insert(0, default)
        tags = zotero.recent_tags if zotero.recent_tags is not None else self.settings.push_tags
        picker = CollectionPicker(zotero.collections, recent, library=zotero.label,
                                  papers=len(papers), tags=tags, day=self.collection_day)
        self.push_screen(picker, partial(self._target_chosen, papers))

    @property
    def collection_day(self) -> date:
        return self.source_day or date.today()

    def _target_chosen(self, papers: list[Paper], target: PushTarget | None) -> None:
        if target is not None and target.path:
            self._plan(papers, dated_collection(target.path, self.collection_day), target.tags)

    def push_options(self, tags: tuple[str, ...] = ()) -> PushOptions:
        return PushOptions(pdf_link=self.settings.pdf_link, tags=tags)

    @work(thread=True, exit_on_error=False, group="zotero")
    def _plan(self, papers: list[Paper], path: str, tags: tuple[str, ...] = ()) -> None:
        library = self.zotero.library
        assert library is not None  # pushing waits for the library (_zotero_ready)
        try:
            with self._zotero_lock:
                plan = plan_for(papers, library, path, self.push_options(tags))
        except Exception as error:
            self.post_message(PlanFailed(failure_of(error)))
            return
        self.post_message(PlanReady(plan))

    @on(PlanFailed)
    def _plan_failed(self, message: PlanFailed) -> None:
        self.push_screen(MessageScreen("Cannot plan the push", str(message.failure)))

    @on(PlanReady)
    def _plan_ready(self, message: PlanReady) -> None:
        plan = message.plan
        self.push_screen(ReviewScreen(plan, library=self.zotero.label),
                         lambda go: self._start_push(plan) if go else None)

    def _start_push(self, plan: Plan) -> None:
        self.push_job.start(len(plan.papers))
        self.push_screen(ProgressScreen(plan, self.push_job.stop))
        self._push(plan)

    @work(thread=True, exit_on_error=False, group="zotero")
    def _push(self, plan: Plan) -> None:
        try:
            self._push_now(plan)
        finally:
            self.push_job.finished()

    def _push_now(self, plan: Plan) -> None:
        library = self.zotero.library
        assert library is not None
        papers = list(self.model.papers)
        generation = self.generation

        def progress(count: int) -> None:
            self.push_job.advanced(count)
            self.post_message(PushProgress(count))

        try:
            with self._zotero_lock:
                # The library may have changed since the review (another zotsync, the
                # user in Zotero): the push session catches up and plans again under
                # the library's lock, then writes.
                outcome = push_papers([p.paper for p in plan.papers], library,
                                      join_collection_path(plan.collection_path), plan.options,
                                      on_progress=progress, should_stop=self.push_job.should_stop)
                plan, report = outcome.plan, outcome.report
                assert report is not None
                self.push_job.ran(report)
                recent = RecentTargets(self.store, library_id(self.settings))
                if any(r.ok for r in report.results):
                    recent.remember(join_collection_path(plan.collection_path))
                    recent.remember_tags(plan.options.tags)
                collections, remembered, tags = library.index.collections(), recent.list(), recent.tags()
                held = in_library(papers, library)
        except Exception as error:
            self.post_message(PushDone(plan, None, failure_of(error)))
            return
        self.post_message(PushDone(plan, report))
        self.post_message(LibraryReady(library, collections, remembered, tags))
        self.post_message(Marked(generation, in_library=held))

    @on(PushProgress)
    def _push_progress(self, message: PushProgress) -> None:
        if isinstance(self.screen, ProgressScreen):
            self.screen.advance(message.advance)

    @on(PushDone)
    def _push_done(self, message: PushDone) -> None:
        if self.push_job.quitting:  # it has stopped: quit now (`zotsync tui` says what is left)
            self.exit()
            return
        result = ResultScreen(message.plan, message.report, message.failure)
        if message.report is not None:
            written = {r.paper.identity for r in message.report.results if r.ok}
            self.model.selected = {i for i in self.model.selected
                                   if self.model.papers[i].identity not in written}
            self.revision += 1
            self.refresh_status()
        if isinstance(self.screen, ProgressScreen):
            self.switch_screen(result)
        else:
            self.push_screen(result)

    def action_reconnect(self) -> None:
        if not self.has_credentials:
            self._zotero_ready()
            return
        if self.zotero.state == "reading":
            return
        self.zotero = self.zotero.reading()
        self.refresh_status()
        self._open_library(self.generation, list(self.model.papers))

    # -- export ------------------------------------------------------------------------

    def action_export(self) -> None:
        papers = self.model.selected_papers()
        if not papers:
            self.notify("Select papers first (space), then press e", severity="warning", timeout=3)
            return
        self.push_screen(ExportScreen(len(papers), self.export_request),
                         partial(self._export_chosen, papers))

    def _export_chosen(self, papers: list[Paper], request: ExportRequest | None) -> None:
        if request is not None:
            self.export_request = request
            self._export_papers = papers
            self._export(papers, request)

    @work(thread=True, exit_on_error=False, group="export")
    def _export(self, papers: list[Paper], request: ExportRequest) -> None:
        try:
            with self._side_store() as store:
                plan = export_bib(papers, request, store)
        except Exception as error:
            self.post_message(ExportDone(None, failure_of(error)))
            return
        self.post_message(ExportDone(plan))

    @on(ExportDone)
    def _export_done(self, message: ExportDone) -> None:
        if message.plan is None:
            failure = message.failure or Failure("the export failed")
            # When another path is the fix, the dialog's path field says it better than a hint.
            error = failure.message if failure.path_fix else str(failure)
            self.notify(error, title="Export failed", severity="error", timeout=8, markup=False)
            if isinstance(self.screen, PapersScreen):  # the dialog again, to correct the path
                papers = self._export_papers
                self.push_screen(ExportScreen(len(papers), self.export_request, error=error),
                                 partial(self._export_chosen, papers))
            return
        lines = [summary(message.plan), *message.plan.warnings[:3]]
        self.notify("\n".join(lines), title="Exported", timeout=6, markup=False)

    async def action_quit(self) -> None:
        """Quit; during a push, first stop it after the current request (no paper is left
        half-written), and quit when it has stopped. Quitting again does not wait."""
        self.push_job.stop()
        if self.push_job.running and not self.push_job.quitting:
            self.push_job.quitting = True
            if isinstance(self.screen, ProgressScreen):
                self.screen.stopping(quitting=True)
            return
        await super().action_quit()

    def push_interruption(self, wait: float = 60.0) -> str | None:
        """After the app has ended: one line when quitting cut a push short, else None."""
        return self.push_job.interruption(wait)

    # -- help --------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


def make_app(files: Sequence[str], *, settings: Settings, store: Store, fmt: str | None = None,
             as_of: date | None = None, enrich: bool = True, offline: bool = False) -> ZotsyncApp:
    """Read the digests (errors raise before any screen is drawn) and build the app."""
    loaded = load_papers(list(files), fmt, as_of=as_of, max_size=settings.input_max_size,
                         settings=settings)
    papers = attach_summaries(loaded.papers, settings, store)  # TL;DRs `zotsync summarize` wrote
    # The papers live as long as the app: keep the collector from walking them again and
    # again (a 5,000-paper digest made full collections show up as 30-60 ms keystrokes).
    gc.freeze()
    return ZotsyncApp(papers, settings=settings, store=store, digests=files, as_of=as_of,
                      enrich=enrich, offline=offline, record=True, warnings=loaded.warnings,
                      source_day=loaded.day)
