"""Plain lists of papers: one arXiv ID, arXiv or Hugging Face URL, or DOI per line.

Accepted (docs/formats.md §7): `2506.02013`, `2506.02013v2`, `arXiv:2506.02013`,
`https://arxiv.org/abs|pdf|html/<id>[vN][.pdf]` (also export.arxiv.org, query strings
and fragments ignored), old-style `hep-th/9901001`, `https://huggingface.co/papers/<id>`,
`10.48550/arXiv.<id>`, any other DOI (`10.1145/...`, `doi:...`, `https://doi.org/...`),
and a trailing `[cs.CL]` as arXiv prints after IDs. Blank lines and `#` comments
(whole-line, or after whitespace) are skipped; any other line is a warning naming it.

A DOI-only entry knows no title yet: `Paper.title` is `""` until a lookup fills it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from zotsync.core.identity import ArxivId, arxiv_abs_url, arxiv_pdf_url, normalize_doi, parse_arxiv_id
from zotsync.core.paper import Paper, Source
from zotsync.core.text import quoted
from zotsync.errors import InputError
from zotsync.readers.base import ReaderWarning, ReadResult

_COMMENT = re.compile(r"(?:^|\s)#.*$")
_CATEGORY_SUFFIX = re.compile(r"\s+\[[\w.-]+\]$")
_URL_TAIL = re.compile(r"[?#].*$")
_HINT = "list one arXiv ID, arXiv or Hugging Face URL, or DOI per line"
# How many lines looks_like_id_list examines; a sniffer need not read a huge file.
_SNIFF_LINES = 2000


def _text(line: str) -> str:
    """A line without its comment and surrounding whitespace (may be empty): what to quote."""
    return _COMMENT.sub("", line).strip()


def _content(line: str) -> str:
    """`_text` also without the `<...>` of an autolink: what to identify."""
    return _text(line).strip("<>").strip()


def identify(text: str) -> ArxivId | str | None:
    """What one list line names: an `ArxivId`, a journal DOI (str), or None.

    An arXiv DOI (`10.48550/arXiv.<id>`) is the arXiv ID; a `10.48550/...` DOI whose
    ID cannot be read is None rather than a journal DOI.
    """
    s = _CATEGORY_SUFFIX.sub("", text)
    parsed = parse_arxiv_id(s)
    if parsed is None and "://" in s:
        parsed = parse_arxiv_id(_URL_TAIL.sub("", s))
    if parsed is not None:
        return parsed
    doi = normalize_doi(s)
    if doi is None or doi.lower().startswith("10.48550/"):
        return None
    return doi


def _lines(text: str) -> Iterator[str]:
    """`text.split("\n")`, one line at a time: the sniffer stops after a few lines of a
    25 MB digest, and splitting it whole took longer than reading it."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def looks_like_id_list(text: str) -> bool:
    """True when (nearly) every non-blank, non-comment line names a paper, and one does.

    "Nearly": up to 1 line in 10 may be something else (a stray heading) once there
    are 10 good lines; below that, every line must be good. Looks at the first
    2000 content lines at most, and gives up early on text that is mostly not IDs.
    """
    good = bad = 0
    for line in _lines(text):
        content = _content(line)
        if not content:
            continue
        if identify(content) is None:
            bad += 1
        else:
            good += 1
        if good + bad >= _SNIFF_LINES or (bad > 10 and bad * 10 > good):
            break  # enough seen, or hopeless: prose, Markdown, a page of text
    return good > 0 and (bad == 0 or (good >= 10 and bad * 10 <= good))


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    result = ReadResult()
    first_bad: tuple[int, str] | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        content = _content(raw.lstrip("\ufeff"))
        if not content:
            continue
        found = identify(content)
        if found is None:
            shown = _text(raw.lstrip("\ufeff"))  # as written: `<div>` keeps its `<`
            first_bad = first_bad or (number, shown)
            result.warnings.append(ReaderWarning(
                source, number, f"not an arXiv ID, arXiv/Hugging Face URL or DOI: {quoted(shown)}; skipped"))
        elif isinstance(found, str):
            result.entries.append(Paper(title="", doi=found, sources=(Source(source, number),)))
        else:
            result.entries.append(Paper(
                title="",
                arxiv_id=found.id,
                version=found.version,
                url=arxiv_abs_url(found.id),
                pdf_url=arxiv_pdf_url(found.id),
                sources=(Source(source, number),),
            ))
    if not result.entries:
        if first_bad is not None:
            number, content = first_bad
            raise InputError(source, f"no arXiv ID, URL or DOI found (first line: {content[:60]!r})",
                             line=number, hint=_HINT)
        raise InputError(source, "lists no papers (only blank lines and comments)", hint=_HINT)
    return result
