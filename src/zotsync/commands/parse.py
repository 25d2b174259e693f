"""`zotsync parse`: read digests, deduplicate, show the papers."""

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
    note,
    pass_run,
    print_table,
    resolve_as_of,
)
from zotsync.commands.enrichment import enrich_for_command, enrich_option, offline_option
from zotsync.commands.where import apply_where, where_option
from zotsync.core.paper import Paper
from zotsync.core.query import Query
from zotsync.inputs import LoadResult, load_papers
from zotsync.store import Sighting
from zotsync.summaries import attach_summaries


def _inputs(files: int, sources: tuple[str, ...]) -> str:
    """`3 files`, `hf:2026-06-08`, `2 sources`, `1 file and hf:2026-06-08`..."""
    parts = []
    if files:
        parts.append(f"{files} file{'s' if files != 1 else ''}")
    if len(sources) == 1:
        parts.append(sources[0])
    elif sources:
        parts.append(f"{len(sources)} sources")
    return " and ".join(parts)


def report_counts(loaded: LoadResult, inputs: int) -> None:
    """Counts and warnings on stderr, one line each."""
    where = _inputs(inputs - len(loaded.sources), loaded.sources)
    note(f"read {loaded.entries_read} entries from {where}: "
         f"{len(loaded.papers)} papers, {loaded.merged} duplicates merged, "
         f"{len(loaded.warnings)} warnings")
    for warning in loaded.warnings:
        note(f"warning: {warning}")


def paper_json(paper: Paper, sighting: Sighting | None) -> dict[str, Any]:
    document = paper.to_dict()
    document["seen_before"] = sighting is not None
    document["first_seen"] = sighting.first_seen.isoformat() if sighting else None
    return document


def _print_table(papers: list[Paper], sightings: dict[int, Sighting]) -> None:
    from rich.table import Table  # noqa: PLC0415

    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("arXiv", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=3)
    table.add_column("Authors", overflow="ellipsis", ratio=1)
    table.add_column("Cat.", no_wrap=True)
    table.add_column("Date", no_wrap=True)
    table.add_column("TL;DR", justify="center")
    table.add_column("Seen", justify="center")
    for index, paper in enumerate(papers):
        if paper.authors:
            authors = paper.authors[0] + (" et al." if len(paper.authors) > 1 else "")
        else:
            authors = f"({paper.author_count} authors)" if paper.author_count else ""
        sighting = sightings.get(index)
        table.add_row(
            str(index + 1),
            paper.arxiv_id or (paper.doi or "-"),
            paper.title,
            authors,
            paper.primary_category or "",
            paper.date_label,  # as the TUI shows it (the ID's year-month without a date)
            "yes" if paper.summary else "",
            sighting.first_seen.isoformat() if sighting else "",
        )
    print_table(table)


@click.command()
@files_argument
@format_option
@as_of_option
@json_option
@where_option
@click.option("--record/--no-record", default=True, show_default=True,
              help="Remember these papers in the local store (marks them seen in later digests).")
@enrich_option
@offline_option
@pass_run
def parse(run: RunContext, files: tuple[str, ...], fmt: str | None, as_of: Any,
          as_json: bool, where: Query | None, record: bool, enrich: bool, offline: bool) -> None:
    """Read digests and list their papers, duplicates merged.

    FILE can be any supported digest (see docs/formats.md); `-` reads stdin.
    Papers shown by an earlier digest are marked as seen (`seen_before` in JSON).

    \b
    Example:
      zotsync parse examples/arxiv-daily-digest.md --json | jq '.[].arxiv_id'
    """
    day = resolve_as_of(as_of)
    loaded = load_papers(list(files), fmt, as_of=day, max_size=run.settings.input_max_size,
                         settings=run.settings)
    report_counts(loaded, len(files))
    papers = loaded.papers
    if enrich:
        papers = enrich_for_command(run, papers, offline=offline).papers
    store = run.store
    papers = attach_summaries(papers, run.settings, store)  # TL;DRs `zotsync summarize` wrote
    papers = apply_where(run, papers, where, files)
    sightings = store.earlier_sightings(papers, list(files))
    if record:
        store.record_sightings(papers, day)
    if as_json:
        emit_json([paper_json(p, sightings.get(i)) for i, p in enumerate(papers)])
    else:
        _print_table(papers, sightings)
