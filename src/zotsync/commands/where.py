"""`--where QUERY`: pick papers by rules (zotsync.core.query) on every command that reads
digests. The query is checked before any digest is read; `seen:` asks the local store,
`in:library` the Zotero library (only when the query uses them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from zotsync.commands.common import RunContext, note
from zotsync.core.paper import Paper
from zotsync.core.query import Query, QuerySyntaxError, matching_indexes, parse_query
from zotsync.errors import ZotsyncError

F = TypeVar("F", bound=Callable[..., Any])


def query_error_line(text: str, error: QuerySyntaxError) -> str:
    """`column 11 of 'upvotes:>=x -survey': upvotes: needs a whole number ...`"""
    shown = error.text if error.filter_name else text
    where = f"filter @{error.filter_name}, " if error.filter_name else ""
    return f"{where}column {error.column} of {shown!r}: {error.message}"


def compile_where(run: RunContext, text: str) -> Query:
    """`text` parsed with the config's named filters; a ZotsyncError naming the column."""
    try:
        return parse_query(text, run.settings.filters)
    except QuerySyntaxError as error:
        raise ZotsyncError(f"--where: {query_error_line(text, error)}",
                           hint="see docs/usage.md, section --where") from None


def _where(ctx: click.Context, param: click.Parameter, value: str | None) -> Query | None:
    if value is None:
        return None
    run = ctx.ensure_object(RunContext)
    try:
        return parse_query(value, run.settings.filters)
    except QuerySyntaxError as error:
        raise click.BadParameter(query_error_line(value, error)) from None


def where_option(fn: F) -> F:
    return click.option(
        "--where", "where", default=None, metavar="QUERY", callback=_where,
        help="Only the papers this query picks: words (title, abstract, TL;DR), -word, "
             "a OR b, \"phrases\", cat:, author:, title:, upvotes:>=N, seen:yes|no, tldr:yes|no, "
             "in:library, @name (a [filters] entry). See docs/usage.md.")(fn)


def _library_holds(run: RunContext, papers: Sequence[Paper]) -> set[int]:
    from zotsync.core.library import find_existing  # noqa: PLC0415  (only for in:library)
    from zotsync.sync import open_library  # noqa: PLC0415

    library = open_library(run.settings, run.store)
    index = library.index
    return {i for i, p in enumerate(papers) if find_existing(p, index.candidates(p)) is not None}


def apply_where(run: RunContext, papers: Sequence[Paper], query: Query | None,
                digests: Sequence[str]) -> list[Paper]:
    """The papers `query` picks (all without one), in order, with a count on stderr.

    TL;DRs `zotsync summarize` stored count for `tldr:` (the papers returned are as given).
    """
    papers = list(papers)
    if query is None:
        return papers
    seen: set[int] = set()
    if "seen" in query.needs:
        seen = set(run.store.earlier_sightings(papers, list(digests)))
    held: set[int] = set()
    if "library" in query.needs:
        held = _library_holds(run, papers)
    from zotsync.summaries import attach_summaries  # noqa: PLC0415

    seen_as = attach_summaries(papers, run.settings, run.store)
    picked = matching_indexes(seen_as, query, seen=seen.__contains__, in_library=held.__contains__)
    chosen = [papers[i] for i in picked]
    note(f"--where picked {len(chosen)} of {len(papers)} papers")
    return chosen
