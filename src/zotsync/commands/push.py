"""`zotsync push`: put papers into a Zotero collection with their TL;DR notes, once."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from typing import Any

import click

from zotsync.commands.common import (
    RunContext,
    as_of_option,
    emit_json,
    files_argument,
    format_option,
    json_option,
    note,
    pass_run,
    print_table,
    resolve_as_of,
    target_option,
)
from zotsync.commands.enrichment import choose_papers, enrich_option, offline_option, select_option
from zotsync.commands.parse import report_counts
from zotsync.commands.summarize import raise_for_report, run_summaries
from zotsync.commands.where import apply_where, where_option
from zotsync.core.library import dated_collection, join_collection_path
from zotsync.core.query import Query
from zotsync.core.sync_plan import (
    ITEM_LABELS,
    NOTE_LABELS,
    ItemAction,
    NoteAction,
    PaperPlan,
    Plan,
    PushOptions,
)
from zotsync.errors import SyncFailed, ZotsyncError
from zotsync.inputs import load_papers
from zotsync.summaries import attach_summaries, require_llm
from zotsync.sync import empty_library, open_library
from zotsync.sync import push as push_papers
from zotsync.sync_apply import SyncReport, interruption_line, permanent


def paper_plan_json(plan: PaperPlan) -> dict[str, Any]:
    return {
        "arxiv_id": plan.paper.arxiv_id,
        "doi": plan.paper.doi,
        "title": plan.paper.title,
        "action": plan.action.value,
        "item_key": plan.item_key,
        "note": plan.note.value,
        "note_key": plan.note_key,
        "pdf_link": plan.attachment_key is not None,
        "citation_key": plan.citation_key,
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "collection": join_collection_path(plan.collection_path),
        "collection_key": plan.collection_key,
        "collections_to_create": [step.name for step in plan.new_collections],
        "counts": plan.counts(),
        "write_requests": len(plan.batches()) + (1 if plan.new_collections else 0),
        "papers": [paper_plan_json(p) for p in plan.papers],
        "warnings": list(plan.warnings),
    }


def print_plan(plan: Plan) -> None:
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=f"Push plan: {'/'.join(plan.collection_path)}", title_justify="left")
    table.add_column("arXiv")
    table.add_column("Title", overflow="fold", ratio=3)
    table.add_column("Item")
    table.add_column("Note")
    for paper in plan.papers:
        table.add_row(paper.paper.arxiv_id or paper.paper.doi or "-", paper.paper.title,
                      ITEM_LABELS[paper.action].row, NOTE_LABELS[paper.note].row)
    print_table(table)
    if plan.new_collections:
        click.echo("collections to create: " + " / ".join(s.name for s in plan.new_collections))


def summary_line(report: SyncReport) -> str:
    c = report.tally()
    kept = c.notes[NoteAction.KEEP_EDITED]
    edited = f", notes edited in Zotero (kept) {kept}" if kept else ""
    return (f"created {c.items[ItemAction.CREATE]}, filed {c.items[ItemAction.FILE]}, "
            f"notes created {c.notes[NoteAction.CREATE]}, notes updated {c.notes[NoteAction.UPDATE]}"
            f"{edited}, unchanged {c.unchanged}, failed {c.failed}")


@contextmanager
def _ctrl_c_finishes_the_batch() -> Iterator[Callable[[], bool]]:
    """While writing: the first Ctrl-C lets the batch in flight finish and sends no more
    (the push then reports what was written, as the TUI does); a second stops at once."""
    pressed = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield pressed.is_set
        return

    def on_sigint(signum: int, frame: Any) -> None:
        if pressed.is_set():
            raise KeyboardInterrupt
        pressed.set()
        note("interrupted: finishing the batch being sent (Ctrl-C again to stop at once)")

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield pressed.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


class _Writing:
    """What the terminal shows and hears once the plan is made: the progress bar on stderr
    (a terminal only) when the plan writes, and Ctrl-C finishing the batch in flight."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack
        self._advance: Callable[[int], None] = lambda _n: None
        self._interrupted: Callable[[], bool] = lambda: False

    def advance(self, count: int) -> None:
        self._advance(count)

    def should_stop(self) -> bool:
        return self._interrupted()

    def start(self, plan: Plan) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

        self._interrupted = self.stack.enter_context(_ctrl_c_finishes_the_batch())
        if not plan.writes:
            return
        progress = self.stack.enter_context(
            Progress(TextColumn("pushing"), BarColumn(), MofNCompleteColumn(), transient=True,
                     disable=not sys.stderr.isatty(), console=_stderr_console()))
        task = progress.add_task("push", total=len(plan.papers))
        self._advance = lambda n: progress.advance(task, n)


def _stderr_console() -> Any:
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=True)


def _report_json(plan: Plan, report: SyncReport) -> dict[str, Any]:
    return {
        "dry_run": False,
        "plan": plan_json(plan),
        "counts": report.counts(),
        "replans": report.replans,
        "cancelled": report.cancelled,
        "results": [paper_plan_json(r.plan) | {"ok": r.ok, "reason": r.reason} for r in report.results],
    }


@click.command()
@files_argument
@click.option("--collection", "-c", default=None, metavar='"A/B/C"',
              help="Target collection path; missing collections are created (nested); {date} is "
                   "the source's day (today for a file) [default: push.collection].")
@select_option("Only these papers (arXiv IDs in any spelling, or DOIs). Repeatable.")
@where_option
@click.option("--tag", "tags", multiple=True, metavar="T",
              help="Add this tag to new items (besides push.tags). Repeatable.")
@click.option("--notes/--no-notes", default=True, show_default=True,
              help="Attach the digest's TL;DR and sections as a child note.")
@click.option("--pdf-link/--no-pdf-link", default=None,
              help="Attach a link to the arXiv PDF to new items [default: on].")
@click.option("--if-exists", type=click.Choice(["file", "skip"]), default="file", show_default=True,
              help="A paper already in the library: add it to the collection, or leave it.")
@click.option("--dry-run", is_flag=True, help="Print the plan and write nothing.")
@click.option("--summarize/--no-summarize", "summarize", default=None,
              help="First write the missing TL;DRs with the [llm] model, as `zotsync summarize` "
                   "[default: push.summarize, off].")
@enrich_option
@offline_option
@format_option
@as_of_option
@target_option
@click.option("--no-library-check", "library_check", flag_value=False, default=True,
              help="Zotero 7-9 with the local API off: push anyway, checking only zotsync's own record "
                   "of what it pushed there (papers added otherwise may be saved twice).")
@json_option
@pass_run
def push(run: RunContext, files: tuple[str, ...], collection: str | None, select: tuple[str, ...],
         where: Query | None,
         tags: tuple[str, ...], notes: bool, pdf_link: bool | None, if_exists: str, dry_run: bool,
         summarize: bool | None, enrich: bool, offline: bool, fmt: str | None, as_of: Any,
         library_check: bool, as_json: bool) -> None:
    """Push papers from digests into a Zotero collection, never duplicating.

    Each paper becomes a preprint item as Zotero's arXiv translator makes it, with
    the digest's Chinese TL;DR and sections as a child note and a link to the PDF
    (`--summarize`: papers without one get one from the [llm] model first). A
    paper already in the library (by arXiv ID, DOI or title, also items you added
    yourself) is filed into the collection instead; its zotsync note is updated when
    the digest's summary changed, never when you edited it in Zotero. Running the
    same push again writes nothing.

    \b
    Examples:
      zotsync push digest.md --collection "Reading/2025-06" --dry-run
      zotsync push digest.md -c Reading --select 2506.02013,2506.02044 --tag digest
      zotsync push examples/hf-daily-papers.txt -c "Reading/HF" --summarize
    """
    settings = run.settings
    collection = collection or settings.push_collection
    if not collection:
        raise click.UsageError('Missing option \'--collection\' / \'-c\' (or set push.collection in '
                               'the config file)')
    tags = tuple(dict.fromkeys((*settings.push_tags, *tags)))  # config's first, no repeats
    summarize = settings.push_summarize if summarize is None else summarize
    if summarize and notes and not dry_run:
        require_llm(settings)  # before any lookup: a missing setting is said at once
    desktop = settings.target == "desktop"  # the Zotero app on this computer: no web key needed
    has_credentials = desktop or bool(settings.api_key and settings.library_id)
    if not has_credentials and not dry_run:
        raise ZotsyncError("no Zotero credentials",
                           hint="run `zotsync login` (or set ZOTERO_API_KEY and ZOTERO_LIBRARY_ID); "
                                "--dry-run shows the plan without them")
    loaded = load_papers(list(files), fmt, as_of=resolve_as_of(as_of),
                             max_size=run.settings.input_max_size, settings=run.settings)
    report_counts(loaded, len(files))
    # `-c 'Reading/{date}'`: the source's day (hf:2026-06-08), today for a file
    collection = dated_collection(collection, loaded.day or date.today())
    if not loaded.papers:  # not even a collection is created for nothing
        raise ZotsyncError("no valid papers to push (see the warnings above); nothing was written",
                           hint="check the digest, or pass --format if it was read as the wrong one")
    # What is local or cheap first: the library's index is read (a refused key, a server
    # that is down, said at once) before the lookups, which may take minutes.
    library = open_library(settings, run.store, library_check=library_check) if has_credentials else None
    papers = choose_papers(run, loaded.papers, select, enrich=enrich, offline=offline)
    if where is not None:
        papers = apply_where(run, papers, where, files)
        if not papers and loaded.papers:  # the rules picked nothing today: not a failure
            note("nothing to push: --where picked none of the papers")
            return
    if not papers:  # not even a collection is created for nothing
        raise ZotsyncError("no valid papers to push (see the warnings above); nothing was written",
                           hint="check the digest, or pass --format if it was read as the wrong one")
    options = PushOptions(tags=tuple(tags), notes=notes,
                          pdf_link=settings.pdf_link if pdf_link is None else pdf_link,
                          if_exists=if_exists)
    summaries = None
    if summarize and notes and not dry_run:
        summaries = run_summaries(run, papers, force=False, offline=offline)
        if summaries.interrupted:
            raise KeyboardInterrupt  # nothing pushed; the summaries received are kept
        papers = summaries.papers
    papers = attach_summaries(papers, settings, run.store)  # also those `zotsync summarize` wrote
    if summarize and dry_run:
        note("dry run: no summaries generated (the plan shows the notes of summaries stored before)")
    if library is None:
        note("no Zotero credentials: planning against an empty library (run `zotsync login`)")
        library = empty_library()
    with ExitStack() as stack:
        writing = _Writing(stack)

        def planned(plan: Plan) -> None:
            for warning in plan.warnings:
                note(f"warning: {warning}")
            if dry_run and plan.new_collections and getattr(library, "connector", None) is not None:
                note(f"warning: {library.target.library_label}: Zotero "
                     f"{getattr(library, 'app_version', '')} cannot create collections from outside; "
                     "create them in Zotero first (the push would stop before writing anything)")
            if not dry_run:
                writing.start(plan)

        outcome = push_papers(papers, library, collection, options, dry_run=dry_run, store=run.store,
                              on_plan=planned, on_progress=writing.advance,
                              should_stop=writing.should_stop, refreshed=has_credentials)
    plan, report = outcome.plan, outcome.report
    if report is None:
        if as_json:
            emit_json({"dry_run": True, "plan": plan_json(plan)})
        else:
            print_plan(plan)
        counts = plan.tally()
        note(f"plan: create {counts.items[ItemAction.CREATE]}, file {counts.items[ItemAction.FILE]}, "
             f"notes create {counts.notes[NoteAction.CREATE]}, update {counts.notes[NoteAction.UPDATE]}; "
             f"{plan_json(plan)['write_requests']} write requests (dry run: nothing written)")
        return
    for warning in getattr(library, "warnings", ()):
        note(f"warning: {warning}")
    note(summary_line(report))
    if report.cancelled:
        note(interruption_line(report.written, len(report.results)))
        if as_json:
            emit_json(_report_json(plan, report))
        raise KeyboardInterrupt
    not_sent = [r for r in report.failed if (r.reason or "").startswith("not sent:")]
    for result in report.failed:
        if result not in not_sent:
            note(f"failed: {result.paper.label}: {result.reason}")
    if not_sent:
        note(f"not sent: {len(not_sent)} papers after Zotero stopped answering (run again to send them)")
    if as_json:
        emit_json(_report_json(plan, report))
    if report.stopped_by is not None:  # exit 3, after saying what was written before it
        raise report.stopped_by
    if report.failed:
        hint = ("see the reasons above; those papers need changing, running again will not help"
                if all(permanent(r.reason) for r in report.failed)
                else "see the reasons above; run again to retry them")
        raise SyncFailed(f"{len(report.failed)} of {len(report.results)} papers were not synced", hint=hint)
    if summaries is not None:  # pushed; the papers whose summary failed went without a note
        raise_for_report(summaries)
