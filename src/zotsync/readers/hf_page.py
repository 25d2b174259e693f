"""Hugging Face Daily Papers page text, as copied from the browser.

No IDs and no author names: each entry is a title, an abstract (one long line) and
a trailer of `  • N authors`, a lone `·` and a date. Blank lines separate everything.
Dates come as `Apr 14, 2025`, without a year (`May 2`: resolved against `as_of` as
the latest such date not after it) and with a trailing upvote count (`May 21, 2025 2`).
Some entries have no trailer, or no abstract either.

Text in which no entry has a trailer (or fewer than one entry in `_MIN_TRAILER_SHARE`)
is not such a page, whatever `--format` said: every line of it would otherwise
become a "paper". That is an `InputError` naming the format the text looks like.
"""

from __future__ import annotations

import re
from datetime import date

from zotsync.core.paper import Paper, Source
from zotsync.core.text import quoted
from zotsync.errors import InputError
from zotsync.readers.base import ReaderWarning, ReadResult, collapse, small_count

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_DATE = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2,8})\.? (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?: (?P<votes>\d+))?$"
)
_AUTHORS = re.compile(r"^\u2022\s*(?P<n>\d+)\s+authors?$")
_DOT = "\u00b7"
_HEADER = {
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
}
_SENTENCE_END = (".", "!", "?", "\u3002")
# A page has a trailer on (nearly) every entry; the sample, 55 of 57. Below one in ten,
# the trailers found are stray lines in some other text.
_MIN_TRAILER_SHARE = 10


def _reads_as_abstract(line: str) -> bool:
    """Whether a line after a title is its abstract rather than the next entry's title.

    Only asked when no trailer follows to settle it (the page has entries without an
    abstract): abstracts are long, or are sentences; titles rarely end with a period.
    """
    return len(line) >= 200 or (len(line) >= 60 and line.endswith(_SENTENCE_END)) or (
        len(line) >= 100 and ". " in line)


def resolve_date(month: int, day: int, year: int | None, as_of: date) -> date | None:
    """The date; without a year, the latest (month, day) not after `as_of`."""
    try:
        if year is not None:
            return date(year, month, day)
        for candidate_year in range(as_of.year, as_of.year - 8, -1):
            try:
                candidate = date(candidate_year, month, day)
            except ValueError:  # Feb 29 in a non-leap year
                continue
            if candidate <= as_of:
                return candidate
    except ValueError:
        return None
    return None


def _parse_date(line: str, as_of: date) -> tuple[date | None, int | None] | None:
    match = _DATE.match(line)
    if not match or match["mon"][:3].lower() not in _MONTHS:
        return None
    when = resolve_date(_MONTHS[match["mon"][:3].lower()], int(match["day"]),
                        int(match["year"]) if match["year"] else None, as_of)
    return when, small_count(match["votes"]) if match["votes"] else None


class _Draft:
    __slots__ = ("abstract", "author_count", "line", "published", "title", "upvotes")

    def __init__(self, title: str, line: int) -> None:
        self.title = title
        self.line = line
        self.abstract: str | None = None
        self.author_count: int | None = None
        self.published: date | None = None
        self.upvotes: int | None = None


def _check_structure(text: str, source: str, drafts: list[_Draft]) -> None:
    """Raise unless the entries read have the page's structure (see the module doc)."""
    trailed = sum(1 for d in drafts if d.author_count is not None or d.published is not None)
    if not drafts or trailed * _MIN_TRAILER_SHARE >= len(drafts):
        return  # no entries at all: the caller's "no papers found"
    from zotsync.readers import sniff  # noqa: PLC0415  (the package imports its readers lazily)

    looks_like = sniff(text)
    if looks_like is not None and looks_like != "hf-page":
        hint = f"it looks like {looks_like}: use --format {looks_like}, or no --format to sniff"
    else:
        hint = "copy the page text from huggingface.co/papers, or use --format to choose another reader"
    why = (f"only {trailed} of {len(drafts)} entries have" if trailed else "no entry has")
    raise InputError(source, "does not look like a Hugging Face Daily Papers page "
                     f"({why} the '\u2022 N authors' / date lines under its title)", hint=hint)


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    result = ReadResult()
    lines = [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    position = 0
    # Page header: known chrome lines, then the page's own date ("Jun 8").
    while position < len(lines) and lines[position][1].casefold() in _HEADER:
        position += 1
    if position < len(lines) and position > 0 and _parse_date(lines[position][1], as_of):
        position += 1

    drafts: list[_Draft] = []
    draft: _Draft | None = None
    trailer_open = False  # after "• N authors" / "·", before the date
    body = lines[position:]
    for index, (number, line) in enumerate(body):
        authors = _AUTHORS.match(line)
        if authors:
            if draft is None:
                result.warnings.append(ReaderWarning(source, number, "author count without a title"))
                continue
            draft.author_count = small_count(authors["n"])
            trailer_open = True
            continue
        if line == _DOT:
            trailer_open = draft is not None
            continue
        parsed = _parse_date(line, as_of) if draft is not None else None
        if parsed is not None and draft is not None and (trailer_open or draft.abstract):
            draft.published, draft.upvotes = parsed
            if draft.published is None:
                result.warnings.append(ReaderWarning(source, number, f"impossible date {quoted(line)}"))
            drafts.append(draft)
            draft, trailer_open = None, False
            continue
        if draft is not None and draft.abstract is None and not trailer_open:
            following = body[index + 1][1] if index + 1 < len(body) else ""
            if _AUTHORS.match(following) or following == _DOT or _reads_as_abstract(line):
                draft.abstract = line
                continue
        if draft is not None:  # a new title: the previous entry had no (complete) trailer
            drafts.append(draft)
        draft, trailer_open = _Draft(line, number), False
    if draft is not None:
        drafts.append(draft)

    _check_structure(text, source, drafts)
    for d in drafts:
        title = collapse(d.title)
        if not title:
            continue
        result.entries.append(Paper(
            title=title,
            abstract=collapse(d.abstract),
            published=d.published,
            upvotes=d.upvotes,
            author_count=d.author_count,
            sources=(Source(source, d.line),),
        ))
    if not result.entries:
        raise InputError(source, "no papers found in Hugging Face page text",
                         hint="copy the page text from huggingface.co/papers, or pass --format")
    return result
