"""`zotsync summarize`: write the missing TL;DRs with the configured model, and keep them."""

from __future__ import annotations

from collections.abc import Sequence
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
)
from zotsync.commands.enrichment import (
    choose_papers,
    enrich_option,
    offline_option,
    progress_on_stderr,
    select_option,
)
from zotsync.commands.parse import paper_json, report_counts
from zotsync.commands.where import apply_where, where_option
from zotsync.core.paper import Paper
from zotsync.core.query import Query
from zotsync.errors import LookupFailed
from zotsync.inputs import load_papers
from zotsync.summaries import PaperOutcome, SummaryReport, require_llm, summarize_papers


def llm_options(fn: Any) -> Any:
    """`--model`, `--language`, `--concurrency`: the [llm] settings for one run."""
    fn = click.option("--concurrency", type=int, default=None, metavar="N",
                      help="LLM requests in flight at once (llm.concurrency, default 4).")(fn)
    fn = click.option("--language", default=None, metavar="NAME",
                      help="Language of the summaries (llm.language, default Chinese).")(fn)
    return click.option("--model", default=None, metavar="NAME",
                        help="The model that writes them (llm.model).")(fn)


def apply_llm_options(run: RunContext, model: str | None, language: str | None,
                      concurrency: int | None) -> None:
    run.overrides.update(llm_model=model, summary_language=language, llm_concurrency=concurrency)


def run_summaries(run: RunContext, papers: Sequence[Paper], *, force: bool, offline: bool) -> SummaryReport:
    """Summarize with a progress bar on stderr, then the report's lines."""
    with progress_on_stderr() as progress:
        report = summarize_papers(
            papers, run.settings, run.store, force=force, offline=offline,
            on_progress=(lambda done, total: progress("summarizing", done, total)) if progress else None)
    for line in report.lines():
        note(line)
    return report


def raise_for_report(report: SummaryReport) -> None:
    """Ctrl-C: exit 130 (what was done is kept); a stop or failures: exit 4, as `resolve`."""
    if report.interrupted:
        raise KeyboardInterrupt
    if report.stopped:
        raise LookupFailed(f"summaries stopped: {report.stopped}",
                           hint="fix the [llm] settings (`zotsync config` shows them) and run again")
    if report.failed:
        raise LookupFailed(f"{len(report.failed)} of {len(report.papers)} summaries failed",
                           hint="see the reasons above; run again to retry them (the others are "
                                "stored and not asked again)")


def _print_table(papers: list[Paper], outcomes: list[PaperOutcome]) -> None:
    from rich.table import Table  # noqa: PLC0415

    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("arXiv", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=2)
    table.add_column("Summary", no_wrap=True)
    table.add_column("TL;DR", overflow="fold", ratio=3)
    for index, (paper, outcome) in enumerate(zip(papers, outcomes, strict=True)):
        tldr = paper.summary.tldr if paper.summary and paper.summary.tldr else (outcome.reason or "")
        table.add_row(str(index + 1), paper.arxiv_id or (paper.doi or "-"), paper.title, outcome.status, tldr)
    print_table(table)


@click.command()
@files_argument
@select_option("Only these papers (arXiv IDs in any spelling, or DOIs). Repeatable.")
@where_option
@click.option("--force", is_flag=True,
              help="Ask again, also for papers whose digest or the store already has a summary.")
@llm_options
@enrich_option
@offline_option
@format_option
@as_of_option
@json_option
@pass_run
def summarize(run: RunContext, files: tuple[str, ...], select: tuple[str, ...], where: Query | None,
              force: bool,
              model: str | None, language: str | None, concurrency: int | None, enrich: bool,
              offline: bool, fmt: str | None, as_of: Any, as_json: bool) -> None:
    """Write the missing TL;DRs (and motivation, method, result, conclusion) with an LLM.

    Any OpenAI-compatible server (DeepSeek, Qwen, OpenAI, Ollama, llama.cpp, vLLM...):
    set `llm.url` and `llm.model` (see docs/summaries.md). Papers whose digest has a real
    summary are not sent, nor papers summarized before by the same model in the same
    language: summaries are kept in the local store, and `parse`, `push`, `bib --tldr` and
    the TUI use them. `--offline` sends nothing and shows what is stored.

    \b
    Examples:
      zotsync summarize examples/hf-daily-papers.txt
      zotsync summarize digest.md --select 2506.02013 --force --json
    """
    apply_llm_options(run, model, language, concurrency)
    if not offline:
        require_llm(run.settings)  # before any lookup: a missing setting is said at once
    loaded = load_papers(list(files), fmt, as_of=resolve_as_of(as_of),
                         max_size=run.settings.input_max_size, settings=run.settings)
    report_counts(loaded, len(files))
    papers = choose_papers(run, loaded.papers, select, enrich=enrich, offline=offline)
    papers = apply_where(run, papers, where, files)
    report = run_summaries(run, papers, force=force, offline=offline)
    if as_json:
        sightings = run.store.earlier_sightings(report.papers, list(files))
        pairs = enumerate(zip(report.papers, report.outcomes, strict=True))
        emit_json([paper_json(paper, sightings.get(index)) | outcome.to_dict()
                   for index, (paper, outcome) in pairs])
    else:
        _print_table(report.papers, report.outcomes)
    raise_for_report(report)
