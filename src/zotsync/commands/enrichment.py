"""What the commands that enrich papers share: `--offline`, and running enrichment
with progress on stderr and the report's lines after it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

import click

from zotsync.commands.common import RunContext, note
from zotsync.core.paper import Paper
from zotsync.enrich import EnrichReport, Progress, enrich_papers

F = TypeVar("F", bound=Callable[..., Any])


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
        report = enrich_papers(papers, run.settings, run.store, offline=offline, force=force,
                               hf_dates=hf_dates, on_progress=progress)
    for line in report.lines():
        note(line)
    return report
