"""The one place the TUI calls the .bib merge of `zotsync bib` (zotsync.bibfile).

Read the file (or start it), plan the merge (papers already in it keep their entry
and key), append the new entries atomically with a `.bak`, and remember the keys:
exactly what `zotsync bib FILE... -o PATH` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zotsync.bibfile import MergePlan, merge_bib
from zotsync.core.bibmatch import ExportOptions
from zotsync.core.citekeys import DEFAULT_KEY_FORMAT, parse_key_format
from zotsync.core.paper import Paper
from zotsync.store import Store

STYLES = ("bibtex", "biblatex")


@dataclass(frozen=True, slots=True)
class ExportRequest:
    path: Path
    style: str = "bibtex"
    abstract: bool = False
    tldr: bool = False
    key_format: str = DEFAULT_KEY_FORMAT  # the [bib] key_format (checked when settings load)


def export_bib(papers: Sequence[Paper], request: ExportRequest, store: Store) -> MergePlan:
    options = ExportOptions(style=request.style, abstract=request.abstract, tldr=request.tldr,
                            key_format=parse_key_format(request.key_format))
    return merge_bib(papers, request.path, store, options)


def summary(plan: MergePlan) -> str:
    """One line, as `zotsync bib` prints it."""
    tail = "" if plan.changed else " (file unchanged)"
    return (f"{plan.bib.path}: added {len(plan.added)}, already present {len(plan.present)}, "
            f"skipped {len(plan.skipped)}{tail}")
