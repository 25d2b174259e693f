"""What the commands that enrich papers share: `--enrich/--no-enrich`, `--offline`,
`--select`, and running enrichment with progress on stderr and the report's lines after it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click

from zotsync.commands.common import RunContext, note
from zotsync.core.identity import normalize_doi, parse_arxiv_id
from zotsync.core.paper import Paper
from zotsync.core.selection import select_papers, split_selectors
from zotsync.errors import ZotsyncError

if TYPE_CHECKING:  # the lookups (HTTP clients) load only when a command looks something up
    from zotsync.enrich import EnrichReport, Progress

F = TypeVar("F", bound=Callable[..., Any])


def enrich_option(fn: F) -> F:
    return click.option("--enrich/--no-enrich", default=True, show_default=True,
                        help="Look up papers lacking an arXiv ID, authors or a date on arXiv and "
                             "Hugging Face (cached; see docs/enrichment.md).")(fn)


def offline_option(fn: F) -> F:
    return click.option("--offline", is_flag=True,
                        help="Use only what earlier lookups cached; send no request.")(fn)


@contextmanager
def _progress_on_stderr() -> Iterator[Progress | None]:
    """A transient progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415  (rich only when a terminal shows it)
    from rich.progress import Progress as Bar  # noqa: PLC0415
    from rich.progress import TaskID  # noqa: PLC0415

    with Bar(console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield update


progress_on_stderr = _progress_on_stderr  # for the other commands that report progress


def enrich_for_command(
    run: RunContext,
    papers: Sequence[Paper],
    *,
    offline: bool,
    force: bool = False,
    hf_dates: Sequence[date] = (),
) -> EnrichReport:
    """Enrich with the run's settings and store, progress on stderr, report lines after."""
    with _progress_on_stderr() as progress:
        from zotsync.enrich import enrich_papers  # noqa: PLC0415

        report = enrich_papers(papers, run.settings, run.store, offline=offline, force=force,
                               hf_dates=hf_dates, on_progress=progress)
    for line in report.lines():
        note(line)
    return report


def _selectors(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select a,b --select c` -> ("a", "b", "c"), checked before any digest is read."""
    selectors = tuple(split_selectors(values))
    if values and not selectors:
        raise click.BadParameter("is empty: give arXiv IDs or DOIs (leave --select out for every paper)")
    bad = [s for s in selectors if parse_arxiv_id(s) is None and normalize_doi(s) is None]
    if bad:
        raise click.BadParameter(f"{', '.join(map(repr, bad))} is neither an arXiv ID nor a DOI")
    return selectors


def select_option(help_text: str) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        return click.option("--select", "select", multiple=True, metavar="ID,...", callback=_selectors,
                            help=help_text)(fn)
    return decorate


def choose_papers(run: RunContext, papers: Sequence[Paper], select: Sequence[str], *,
                  enrich: bool, offline: bool) -> list[Paper]:
    """`--select` (arXiv IDs in any spelling, DOIs; comma-separated, repeatable), then
    enrichment unless `--no-enrich`.

    Only the chosen papers are looked up. A selector that no paper answers before
    enrichment (a Hugging Face page entry has no arXiv ID yet) enriches them all first.
    """
    selectors = list(select)  # split and checked by `select_option`
    chosen, unknown = select_papers(papers, selectors) if selectors else (list(papers), [])
    if unknown and enrich:
        enriched = enrich_for_command(run, papers, offline=offline).papers
        chosen, unknown = select_papers(enriched, selectors)
    elif enrich:
        chosen = enrich_for_command(run, chosen, offline=offline).papers
    if unknown:
        raise ZotsyncError(f"--select: {', '.join(unknown)} not among the {len(papers)} papers read",
                           hint="use arXiv IDs or DOIs as `zotsync parse` lists them")
    return chosen
