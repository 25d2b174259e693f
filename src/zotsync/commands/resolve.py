"""`zotsync resolve`: find arXiv IDs and fill metadata from arXiv and Hugging Face."""

from __future__ import annotations

from typing import Any

import click

from zotsync.commands.common import (
    RunContext,
    as_of_option,
    emit_json,
    files_argument,
    format_option,
    json_option,
    pass_run,
    print_table,
    resolve_as_of,
)
from zotsync.commands.enrichment import enrich_for_command, offline_option
from zotsync.commands.parse import paper_json, report_counts
from zotsync.commands.where import apply_where, where_option
from zotsync.core.paper import Paper
from zotsync.core.query import Query
from zotsync.core.resolution import Outcome
from zotsync.errors import LookupFailed
from zotsync.inputs import load_papers


def _print_table(papers: list[Paper], outcomes: list[Outcome]) -> None:
    from rich.table import Table  # noqa: PLC0415

    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("arXiv", no_wrap=True)
    table.add_column("Resolution", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=3)
    table.add_column("Authors", overflow="ellipsis", ratio=1)
    table.add_column("Date", no_wrap=True)
    table.add_column("Note", overflow="fold", ratio=2)
    for index, (paper, outcome) in enumerate(zip(papers, outcomes, strict=True)):
        authors = paper.authors[0] + (" et al." if len(paper.authors) > 1 else "") if paper.authors else ""
        detail = outcome.reason or (outcome.via or "")
        if outcome.candidates:
            detail = f"{detail}: {', '.join(c.arxiv_id or '?' for c in outcome.candidates)}"
        table.add_row(
            str(index + 1),
            paper.arxiv_id or "-",
            outcome.status.value,
            paper.title,
            authors,
            paper.published.isoformat() if paper.published else "",
            detail,
        )
    print_table(table)


@click.command()
@files_argument
@format_option
@as_of_option
@json_option
@offline_option
@where_option
@click.option("--all", "force", is_flag=True,
              help="Look up every paper, not only those lacking an arXiv ID, authors or a date.")
@click.option("--hf-date", "hf_dates", multiple=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First match titles against the Hugging Face Daily Papers list of this day "
                   "(one request for the whole page; repeatable).")
@pass_run
def resolve(run: RunContext, files: tuple[str, ...], fmt: str | None, as_of: Any, as_json: bool,
            offline: bool, where: Query | None, force: bool, hf_dates: tuple[Any, ...]) -> None:
    """Find arXiv IDs and fill authors, dates, categories and journal data.

    Papers without an arXiv ID are looked up by title (Hugging Face, then an arXiv title
    search) and taken only when exactly one record fits: same title, author count and
    date. Then arXiv's metadata is fetched for all of them, up to 100 IDs per request,
    at most one every `arxiv.delay` seconds (3). Answers are cached (`cache.days`);
    `--offline` uses only the cache. See docs/enrichment.md.

    \b
    Example:
      zotsync resolve examples/hf-daily-papers.txt --json | jq '.[] | [.arxiv_id, .resolution]'
    """
    loaded = load_papers(list(files), fmt, as_of=resolve_as_of(as_of),
                             max_size=run.settings.input_max_size, settings=run.settings)
    report_counts(loaded, len(files))
    papers = apply_where(run, loaded.papers, where, files)  # as read: before any lookup
    report = enrich_for_command(run, papers, offline=offline, force=force,
                                hf_dates=[d.date() for d in hf_dates])
    if as_json:
        sightings = run.store.earlier_sightings(report.papers, list(files))
        emit_json([
            {**paper_json(paper, sightings.get(index)), **outcome.to_dict()}
            for index, (paper, outcome) in enumerate(zip(report.papers, report.outcomes, strict=True))
        ])
    else:
        _print_table(report.papers, report.outcomes)
    if report.failed:
        raise LookupFailed("some lookups could not be made; the papers they concern were left as "
                           "they were", hint="try again later, or use --offline")
