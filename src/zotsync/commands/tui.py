"""`zotsync tui`: browse digests in a terminal UI, push the chosen papers, export .bib."""

from __future__ import annotations

from typing import Any

import click

from zotsync.commands.common import (
    RunContext,
    as_of_option,
    files_argument,
    format_option,
    pass_run,
    resolve_as_of,
    target_option,
)
from zotsync.commands.enrichment import offline_option
from zotsync.commands.where import where_option
from zotsync.core.query import Query
from zotsync.errors import ExitCode


@click.command("tui")
@files_argument
@format_option
@as_of_option
@click.option("--enrich/--no-enrich", default=True, show_default=True,
              help="Look up papers lacking an arXiv ID, authors or a date, in the background "
                   "after the list is shown (cached; see docs/enrichment.md).")
@offline_option
@where_option
@target_option
@pass_run
def tui(run: RunContext, files: tuple[str, ...], fmt: str | None, as_of: Any, enrich: bool,
        offline: bool, where: Query | None) -> None:
    """Browse digests, pick papers and a collection, review, push; export .bib.

    Shows one row per paper (duplicates merged) with the Chinese TL;DR beside the
    list; marks papers already in your Zotero library or seen in an earlier digest.
    Select with space, press p to pick a collection (or create one), review the plan
    and push; e exports the selection to a .bib file; ? lists every key. Without
    Zotero credentials the list, detail and export still work. `zotsync FILE...`
    (files and no command) opens it too. The search box takes the `--where` query
    language; `--where QUERY` starts with it typed in.

    \b
    Example:
      zotsync tui examples/arxiv-daily-digest.md
    """
    # Deferred: importing textual and the screens costs about 250 ms, which no other
    # command should pay.
    from zotsync.tui.app import make_app  # noqa: PLC0415

    app = make_app(list(files), settings=run.settings, store=run.store, fmt=fmt,
                   as_of=resolve_as_of(as_of), enrich=enrich, offline=offline)
    if where is not None:
        app.model.set_query(where.text)
    app.run()
    interrupted = app.push_interruption()
    if interrupted:  # quit (q, ctrl+c) during a push: say what is left, as an interrupted push does
        click.echo(f"zotsync: {interrupted}", err=True)
        raise click.exceptions.Exit(ExitCode.INTERRUPTED)
