"""arXiv daily listing e-mails (`<archive> daily N new + M crosses received`) and the
same text served as `listings/new`.

After the mail header, entries are separated by lines of 78 `-`::

    \\\\
    arXiv:2303.08867                                     (`(*cross-listing*)` in crosses)
    Date: Wed, 15 Mar 2023 18:34:08 GMT   (243kb,D)      v1; `replaced with revised
    Date (revised v2): Thu, 16 Mar 2023 ...   (250kb)      version <date>` in replacements

    Title: A Bayesian derivation of the square root law of market impact
      (continuation lines are indented)
    Authors: Louis Saddier and Matteo Marsili          (`, ` and ` and `)
    Categories: q-fin.TR cond-mat.stat-mech            (primary first)
    Comments: ...   Journal-ref: ...   DOI: ...   Report-no/MSC-class/ACM-class: ...
    \\\\
      Abstract, wrapped ...
    \\\\ ( https://arxiv.org/abs/2303.08867 ,  243kb)

`%-%-%-...` starts the cross-lists, `%%--%%--...` the replacements (no abstract),
`%%%---...` ends the listing. Every block is an entry, cited at its `arXiv:` line.

Dates: `Date:` is the first version's (`published`); the last `Date (revised vN):`
gives the version and `updated`; without one the entry is version 1. A replacement
names only the new version's date (`updated`), not its number.
"""

from __future__ import annotations

import re
from datetime import date

from zotsync.core.identity import arxiv_abs_url, arxiv_pdf_url, parse_arxiv_id
from zotsync.core.paper import Paper, Source
from zotsync.core.text import quoted
from zotsync.errors import InputError
from zotsync.readers.arxiv_api import journal_doi
from zotsync.readers.arxiv_feed import mail_date
from zotsync.readers.base import (
    ReaderWarning,
    ReadResult,
    collapse,
    small_count,
    split_authors,
    split_categories,
)

_ID_LINE = re.compile(r"^arXiv:(?P<id>\S+)(?:\s+\(\*cross-listing\*\))?\s*$", re.IGNORECASE)
_FIELD = re.compile(r"^(?P<key>[A-Z][A-Za-z-]*(?: \(revised v(?P<v>\d+)\))?):\s?(?P<value>.*)$")
_REPLACED = re.compile(r"^replaced with revised version\s+(?P<date>.*)$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^(?:-{20,}|(?:%-){10,}%?-?|(?:%%--){5,}%*|(?:%%%---){5,})\s*$")
_LINK_LINE = "\\\\ ("  # `\\ ( https://arxiv.org/abs/ID ,  243kb)`


def _is_backslashes(line: str) -> bool:
    return line.strip() == "\\\\"


class _Block:
    """The lines of one entry, gathered as the listing is walked."""

    __slots__ = ("abstract", "fields", "line", "raw_id", "replaced", "revisions")

    def __init__(self, raw_id: str, line: int) -> None:
        self.raw_id = raw_id
        self.line = line
        self.fields: dict[str, list[str]] = {}
        self.revisions: list[tuple[int, str]] = []
        self.replaced: str | None = None
        self.abstract: list[str] = []


def _paper(block: _Block, source: str, warnings: list[ReaderWarning]) -> Paper | None:
    parsed = parse_arxiv_id(block.raw_id)
    if parsed is None:
        warnings.append(ReaderWarning(source, block.line,
                                      f"not an arXiv ID: {quoted(block.raw_id)}; skipped"))
        return None

    def field(name: str) -> str | None:
        return collapse(" ".join(block.fields.get(name, ())))

    title = field("title")
    if title is None:
        warnings.append(ReaderWarning(source, block.line, f"{parsed.id} has no Title: line; skipped"))
        return None
    cats = (field("categories") or "").split()
    categories = split_categories(cats, cats[0] if cats else None)
    first = mail_date(field("date"))
    if block.replaced is not None:
        version, published, updated = parsed.version, None, mail_date(block.replaced)
    elif block.revisions:
        number, when = max(block.revisions)
        version, published, updated = number, first, mail_date(when)
    else:
        version, published, updated = parsed.version or 1, first, first
    return Paper(
        title=title,
        arxiv_id=parsed.id,
        version=version,
        doi=journal_doi(field("doi")),
        authors=split_authors(field("authors")),
        abstract=collapse(" ".join(block.abstract)),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=published,
        updated=updated,
        url=arxiv_abs_url(parsed.id),
        pdf_url=arxiv_pdf_url(parsed.id),
        comment=field("comments"),
        journal_ref=field("journal-ref"),
        sources=(Source(source, block.line),),
    )


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    result = ReadResult()
    lines = text.split("\n")
    block: _Block | None = None
    last_field: str | None = None
    in_header = False  # between `arXiv:` and the `\\` that opens the abstract

    def finish() -> None:
        nonlocal block
        if block is not None:
            paper = _paper(block, source, result.warnings)
            if paper is not None:
                result.entries.append(paper)
        block = None

    for index, raw in enumerate(lines):
        line = raw.rstrip("\r")
        # An entry starts with `\\` followed by `arXiv:ID` (whatever came before it).
        if _is_backslashes(line) and index + 1 < len(lines):
            found = _ID_LINE.match(lines[index + 1].rstrip("\r"))
            if found:
                finish()
                block = _Block(found["id"], index + 2)
                in_header, last_field = True, None
                continue
        if block is None:
            continue
        if index + 1 == block.line:  # the `arXiv:` line itself
            continue
        if line.startswith(_LINK_LINE) or _SEPARATOR.match(line):
            finish()
            continue
        if not in_header:
            block.abstract.append(line)
            continue
        if _is_backslashes(line):
            in_header = False
            continue
        if not line.strip():
            last_field = None
            continue
        if line[0] in " \t" and last_field is not None:  # continuation of Title:, Authors:, ...
            block.fields[last_field].append(line)
            continue
        replaced = _REPLACED.match(line)
        if replaced:
            block.replaced = replaced["date"]
            continue
        found = _FIELD.match(line)
        if found is None:
            continue
        if found["v"]:
            number = small_count(found["v"])
            if number:  # an absurd version number is no revision
                block.revisions.append((number, found["value"]))
            last_field = None
            continue
        last_field = found["key"].lower()
        block.fields.setdefault(last_field, []).append(found["value"])
    finish()  # a listing cut off inside its last entry
    if not result.entries and not result.warnings:
        raise InputError(source, "no listing entries found (expected '\\\\' then 'arXiv:ID' blocks)",
                         hint="pass an arXiv listing e-mail or listings/new text, or --format to choose")
    return result
