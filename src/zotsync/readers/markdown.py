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

from zotsync.core.identity import arxiv_abs_url, arxiv_pdf_url, parse_arxiv_id
from zotsync.core.paper import Paper, Source
from zotsync.core.text import quoted
from zotsync.errors import InputError
from zotsync.readers.base import (
    ReaderWarning,
    ReadResult,
    collapse,
    make_summary,
    plain_line,
    split_categories,
)

_HEADING_LINE = (
    r"[ \t]*###[ \t]+(?:\[\d+\][ \t]+)?\[(?P<title>.*)\]"
    r"\((?P<url>[^()\s]*(?:\([^()\s]*\))?[^()\s]*)\)[ \t]*\r?$"
    r"|[ \t]*#[ \t]+(?P<cat>[\w.-]+)[ \t]+\[\[Back\]\]"
)
_FIRST_HEADING = re.compile(rf"(?:{_HEADING_LINE})", re.MULTILINE)  # matched at 0 only
# After a newline rather than at `^`: a pattern that starts with a literal is scanned for
# that character first, four times faster over a 20 MB digest.
_HEADING = re.compile(rf"\n(?:{_HEADING_LINE})", re.MULTILINE)
_LABEL = re.compile(
    r"^[ \t]*(?P<label>Main category|TL;DR|TLDR|Task|Motivation|Method|Result|Conclusion|Abstract)"
    r"[ \t]*:[ \t]?",
    re.MULTILINE,
)
_AUTHORS = re.compile(r"^[ \t]*\*(?P<names>[^\n]*)\*[ \t]*\r?$", re.MULTILINE)
_PARAGRAPH_END = re.compile(r"\n[ \t]*\r?\n|\n[ \t]*</?details|\n[ \t]*<summary")
_DETAILS_END = re.compile(r"\n[ \t]*</details")
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

_NEEDLES = tuple((label, f"\n{label}:") for label in _FIELD)

# An entry exactly as the current template writes it (nearly all of them): one regex call
# reads what `_fields` finds label by label. Only with no `TLDR:` or `Task:` line in the
# entry (the labels this template lacks) does it read the same: `_fields` would end the
# abstract at one.
_TEMPLATE = re.compile(
    r"\n\*(?P<names>[^\n]*)\*\n\n"
    r"Main category: (?P<category>[^\n]*)\n\n"
    r"TL;DR: (?P<tldr>[^\n]*)\n\n\n"
    r"<details>\n  <summary>Details</summary>\n"
    r"Motivation: (?P<motivation>[^\n]*)\n\n"
    r"Method: (?P<method>[^\n]*)\n\n"
    r"Result: (?P<result>[^\n]*)\n\n"
    r"Conclusion: (?P<conclusion>[^\n]*)\n\n"
    r"Abstract: (?P<abstract>[^\n]*(?:\n(?![ \t]*</details)[^\n]*)*)\n[ \t]*</details"
)


def _fields(text: str, start: int, end: int) -> tuple[list[str], dict[str, str]]:
    """Authors and labelled fields of one entry: `text[start:end]`, after its heading.

    A field runs to the end of its paragraph, `Abstract:` to `</details>`. Works on
    positions in the whole text rather than a copy of the entry: digests are large.
    """
    template = _TEMPLATE.match(text, start, end)
    if template is not None and text.find("\nTLDR:", start, end) < 0 and text.find("\nTask:", start, end) < 0:
        fields = template.groupdict()
        return fields.pop("names").split(","), fields
    return _fields_by_label(text, start, end)


def _fields_by_label(text: str, start: int, end: int) -> tuple[list[str], dict[str, str]]:
    """`_fields` for any entry, label by label."""
    # (position of the label, position after "Label:", label), in text order. Labels
    # start their line in the template: plain `find`s are ten times faster than a
    # multiline regex over 25 MB; the regex is the fallback for indented labels.
    labels: list[tuple[int, int, str]] = []
    for label, needle in _NEEDLES:
        at = text.find(needle, start, end)
        if at >= 0:
            after = at + len(needle)
            labels.append((at + 1, after + 1 if text.startswith(" ", after) else after, label))
    if not labels:
        labels = [(m.start(), m.end(), m["label"]) for m in _LABEL.finditer(text, start, end)]
    labels.sort()
    match = _AUTHORS.search(text, start, labels[0][0] if labels else end)
    authors = match["names"].split(",") if match else []
    fields: dict[str, str] = {}
    for index, (_, after, name) in enumerate(labels):
        stop = labels[index + 1][0] if index + 1 < len(labels) else end
        found = (_DETAILS_END if name == "Abstract" else _PARAGRAPH_END).search(text, after, stop)
        fields[_FIELD[name]] = text[after: found.start() if found else stop]
    return authors, fields


def _authors(names: list[str]) -> tuple[str, ...]:
    """The names, each collapsed, the empty ones dropped."""
    if plain_line(",".join(names)):  # then collapse() is strip() for each
        return tuple(filter(None, [name.strip() for name in names]))
    return tuple(a for a in (collapse(n) for n in names) if a)


def _paper(title: str, url: str, line: int, section: str | None, body: tuple[str, int, int],
           source: str, warnings: list[ReaderWarning]) -> Paper | None:
    clean_title = collapse(title)
    if not clean_title:
        warnings.append(ReaderWarning(source, line, "entry has no title; skipped"))
        return None
    parsed = parse_arxiv_id(url)
    if parsed is None:
        warnings.append(ReaderWarning(source, line, f"no arXiv ID in link {quoted(url)}; kept by title"))
    names, fields = _fields(*body)
    primary = collapse(fields.get("category"))
    categories = split_categories([section] if section else [], primary)
    arxiv_id = parsed.id if parsed else None
    return Paper(
        title=clean_title,
        arxiv_id=arxiv_id,
        version=parsed.version if parsed else None,
        authors=_authors(names),
        abstract=collapse(fields.get("abstract")),
        categories=categories,
        primary_category=primary or (categories[0] if categories else None),
        url=arxiv_abs_url(arxiv_id) if arxiv_id else (url if url.startswith("http") else None),
        pdf_url=arxiv_pdf_url(arxiv_id) if arxiv_id else None,
        summary=make_summary(fields.get("tldr"), fields.get("motivation"), fields.get("method"),
                             fields.get("result"), fields.get("conclusion")),  # it collapses them
        sources=(Source(source, line),),
    )


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    result = ReadResult()
    section: str | None = None
    line = 1
    last = 0
    first = _FIRST_HEADING.match(text)
    marks = ([(0, first)] if first else []) + [(m.start() + 1, m) for m in _HEADING.finditer(text)]
    for index, (at, mark) in enumerate(marks):
        line += text.count("\n", last, at)
        last = at
        if mark["cat"] is not None:
            section = mark["cat"]
            continue
        end = marks[index + 1][0] if index + 1 < len(marks) else len(text)
        paper = _paper(mark["title"], mark["url"], line, section, (text, mark.end(), end), source,
                       result.warnings)
        if paper is not None:
            result.entries.append(paper)
    if not result.entries:
        raise InputError(source, "no digest entries found (expected '### [N] [Title](url)' headings)",
                         hint="is this a daily-arXiv-ai-enhanced digest? pass --format to choose")
    return result
