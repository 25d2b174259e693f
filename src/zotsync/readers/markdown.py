"""daily-arXiv-ai-enhanced Markdown digests (`data/YYYY-MM-DD.md`).

Current template (since 2025-04-15)::

    # cs.CV [[Back]](#toc)
    ### [1] [Title](https://arxiv.org/abs/2606.25041)
    *First Author,Second Author*
    Main category: cs.CV
    TL;DR: ...
    <details> <summary>Details</summary>
    Motivation: ...   Method: ...   Result: ...   Conclusion: ...
    Abstract: wrapped over
    several lines
    </details>

The older template has `### [Title](url)` without `[N]`, a `Task:` line and `TLDR:`.
Only `Abstract:` spans paragraphs; every other field is one paragraph.
"""

from __future__ import annotations

import re
from datetime import date

from zotsync.core.identity import parse_arxiv_id
from zotsync.core.paper import Paper, Source
from zotsync.errors import InputError
from zotsync.readers.base import ReaderWarning, ReadResult, collapse, make_summary, split_categories

_HEADING = re.compile(
    r"^###\s+(?:\[\d+\]\s+)?\[(?P<title>.*)\]\((?P<url>[^()\s]*(?:\([^()\s]*\))?[^()\s]*)\)\s*$"
)
_SECTION = re.compile(r"^#\s+(?P<cat>[\w.-]+)\s+\[\[Back\]\]")
_LABEL = re.compile(
    r"^(?P<label>Main category|TL;DR|TLDR|Task|Motivation|Method|Result|Conclusion|Abstract)"
    r"\s*:\s?(?P<text>.*)$"
)
_FIELD = {
    "Main category": "category",
    "TL;DR": "tldr",
    "TLDR": "tldr",
    "Task": "task",
    "Motivation": "motivation",
    "Method": "method",
    "Result": "result",
    "Conclusion": "conclusion",
    "Abstract": "abstract",
}


class _Entry:
    __slots__ = ("authors", "fields", "line", "section", "title", "url")

    def __init__(self, title: str, url: str, line: int, section: str | None) -> None:
        self.title = title
        self.url = url
        self.line = line
        self.section = section
        self.authors: list[str] = []
        self.fields: dict[str, list[str]] = {}


def _paper(entry: _Entry, source: str, warnings: list[ReaderWarning]) -> Paper | None:
    title = collapse(entry.title)
    if not title:
        warnings.append(ReaderWarning(source, entry.line, "entry has no title; skipped"))
        return None
    parsed = parse_arxiv_id(entry.url)
    if parsed is None:
        warnings.append(ReaderWarning(source, entry.line,
                                      f"no arXiv ID in link {entry.url!r}; kept by title"))

    def text(name: str) -> str | None:
        lines = entry.fields.get(name)
        return collapse(" ".join(lines)) if lines else None

    primary = text("category")
    categories = split_categories([entry.section] if entry.section else [], primary)
    return Paper(
        title=title,
        arxiv_id=parsed.id if parsed else None,
        version=parsed.version if parsed else None,
        authors=tuple(a for a in (collapse(a) for a in entry.authors) if a),
        abstract=text("abstract"),
        categories=categories,
        primary_category=primary or (categories[0] if categories else None),
        url=entry.url if parsed is None and entry.url.startswith("http") else None,
        summary=make_summary(text("tldr"), text("motivation"), text("method"),
                             text("result"), text("conclusion")),
        sources=(Source(source, entry.line),),
    )


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    result = ReadResult()
    section: str | None = None
    entry: _Entry | None = None
    current: str | None = None  # field being continued on the next line
    in_details = False

    def finish() -> None:
        if entry is not None:
            paper = _paper(entry, source, result.warnings)
            if paper is not None:
                result.entries.append(paper)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#"):
            heading = _HEADING.match(line)
            if heading:
                finish()
                entry = _Entry(heading["title"], heading["url"], number, section)
                current, in_details = None, False
                continue
            match = _SECTION.match(line)
            if match:
                finish()
                entry, current, section = None, None, match["cat"]
                continue
        if entry is None:
            continue
        if not line:
            if current != "abstract":
                current = None
            continue
        if line.startswith("<details"):
            in_details = True
            continue
        if line.startswith("</details"):
            in_details, current = False, None
            continue
        if line.startswith("<summary") or line.startswith("<div"):
            continue
        label = _LABEL.match(line)
        if label:
            current = _FIELD[label["label"]]
            entry.fields[current] = [label["text"]]
            continue
        if not entry.authors and not entry.fields and line.startswith("*") and line.endswith("*"):
            entry.authors = line.strip("*").split(",")
            continue
        if current is not None:
            entry.fields[current].append(line)
        elif in_details or entry.fields:
            result.warnings.append(ReaderWarning(source, number, "unexpected text in entry; ignored"))
    finish()
    if not result.entries:
        raise InputError(source, "no digest entries found (expected '### [N] [Title](url)' headings)",
                         hint="is this a daily-arXiv-ai-enhanced digest? pass --format to choose")
    return result
