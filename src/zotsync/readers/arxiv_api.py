"""arXiv API answers: the Atom feed of `https://export.arxiv.org/api/query`.

One `<entry>` per paper found::

    <entry>
      <id>http://arxiv.org/abs/2606.13677v1</id>          versioned
      <title>...</title>  <summary>...</summary>           wrapped
      <published>2026-06-11T17:59:49Z</published>         v1
      <updated>2026-06-11T17:59:49Z</updated>             this version
      <author><name>...</name><arxiv:affiliation>...</arxiv:affiliation></author>
      <category term="cs.RO"/> ...  <arxiv:primary_category term="cs.RO"/>
      <arxiv:comment>  <arxiv:journal_ref>  <arxiv:doi>    optional
      <link rel="alternate"/> <link title="pdf"/> <link title="doi"/>
    </entry>

`opensearch:totalResults` counts what the query found; an unknown ID simply has no
entry. A malformed ID makes arXiv answer HTTP 400 with one entry titled `Error` whose
id is `.../api/errors#...`: that is an `InputError` carrying arXiv's message.

`parse_feed` is the reusable part (the arXiv API client pages with it); `read` is the
digest reader. `XmlItems`, `entry_lines` and `cite_lines` are shared with `arxiv_feed`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from zotsync.core.identity import arxiv_abs_url, arxiv_pdf_url, normalize_doi, parse_arxiv_id
from zotsync.core.paper import Paper, Source
from zotsync.core.text import quoted
from zotsync.errors import InputError
from zotsync.readers.base import ReaderWarning, ReadResult, collapse, small_count, split_categories

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(r"<[^?!]")
_FIRST_CHARACTER = re.compile(r"[^\s\ufeff]")
_POSITION = re.compile(r":\s*line \d+, column \d+$")


@dataclass(slots=True)
class ApiFeed:
    """One page of an arXiv API answer.

    `entries` in feed order, `warnings` for entries skipped, and the paging numbers
    the feed states (`opensearch:totalResults`, `startIndex`, `itemsPerPage`; None
    when absent): a client asks for the next page while `start_index + len(entries)`
    is below `total_results`.
    """

    entries: list[Paper] = field(default_factory=list)
    warnings: list[ReaderWarning] = field(default_factory=list)
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None


class XmlItems:
    """The elements named `tags` of an XML text, each as soon as it is complete.

    Iterating parses the text in chunks and clears each element once the loop body
    is done with it, so a 10,000-entry feed never holds all its entries as elements
    at once (a whole tree of them makes every garbage collection walk it again).
    `root` is the document element once iteration has finished; its other children
    (feed title, paging numbers) are kept.

    Malformed XML is an InputError with the line. Documents with a DOCTYPE or entity
    declarations are refused: arXiv never sends them, and that is where XML's
    entity-expansion attacks live.
    """

    _CHUNK = 1 << 14

    def __init__(self, text: str, source: str, tags: frozenset[str]) -> None:
        self.text = text
        self.source = source
        self.tags = tags
        self.root: ET.Element | None = None

    def __iter__(self) -> Iterator[ET.Element]:
        text, source = self.text, self.source
        first = _FIRST_CHARACTER.search(text)
        if first is None or first.group() != "<":
            line = text.count("\n", 0, first.start()) + 1 if first else 1
            raise InputError(source, "is not XML (expected '<')", line=line,
                             hint="pass an arXiv API or rss.arxiv.org answer, or --format to choose")
        root_start = _ROOT_START.search(text)  # a DOCTYPE can only come before the root
        declared = _DTD.search(text, 0, root_start.start() if root_start else len(text))
        if declared:
            raise InputError(source, "XML with a DOCTYPE or entity declaration is not accepted",
                             line=text.count("\n", 0, declared.start()) + 1,
                             hint="arXiv feeds have none: download the feed again")
        # Safe here: no DTD (refused above), so no entity expansion; no external fetches.
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
        last: ET.Element | None = None
        tags = self.tags
        try:
            for start in range(0, len(text), self._CHUNK):
                parser.feed(text[start:start + self._CHUNK])
                # Only "end" events were asked for: each is ("end", element).
                ended: Iterator[tuple[str, ET.Element]] = parser.read_events()  # type: ignore[assignment]
                for _, element in ended:
                    last = element
                    if element.tag in tags:
                        yield element
                        element.clear()
            parser.close()
        except ET.ParseError as exc:
            line, column = exc.position
            reason = _POSITION.sub("", str(exc))
            raise InputError(source, f"is not well-formed XML: {reason} (column {column + 1})", line=line,
                             hint="the file looks truncated or edited: download it again") from None
        rest: Iterator[tuple[str, ET.Element]] = parser.read_events()  # type: ignore[assignment]
        for _, element in rest:
            last = element
        self.root = last


def root_name(root: ET.Element | None) -> str:
    """The local name of the document element, for messages."""
    return root.tag.rpartition("}")[2] if root is not None else "none"


def entry_lines(text: str, tag: str) -> list[int]:
    """The line each `<tag ...>` start tag is on, in document order.

    ElementTree keeps no positions, so the start tags are found in the text. Callers
    compare the count with the elements parsed: they differ only when the tag also
    appears inside a comment or CDATA, and then no line can be trusted.
    """
    lines: list[int] = []
    line, last = 1, 0
    for match in re.finditer(rf"<(?:[\w.-]+:)?{tag}[\s/>]", text):
        line += text.count("\n", last, match.start())
        last = match.start()
        lines.append(line)
    return lines


def cite_lines(entries: list[Paper], lines: list[int], count: int) -> list[Paper]:
    """`entries` as read; if the start tags found were not one per element parsed
    (`count`), every entry cites line 1 rather than a wrong line."""
    if len(lines) == count:
        return entries
    return [p.replace(sources=(Source(p.sources[0].file, 1),)) for p in entries]


def iso_date(text: str | None) -> date | None:
    """The date of an ISO 8601 timestamp (`2026-06-11T17:59:49Z`), else None."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def journal_doi(*candidates: str | None) -> str | None:
    """The first journal DOI among `candidates` (each may list several, space-separated).

    arXiv's own DataCite DOI (`10.48550/arXiv.*`) is not a journal DOI: it is derived
    from the arXiv ID, so it is skipped.
    """
    for candidate in candidates:
        for token in (candidate or "").split():
            doi = normalize_doi(token)
            if doi and not doi.lower().startswith("10.48550/"):
                return doi
    return None


def _int(text: str | None) -> int | None:
    return small_count(text)


# Tags of an API entry, read in one pass over its children (cheaper than findtext()).
_ID, _TITLE, _SUMMARY = f"{ATOM}id", f"{ATOM}title", f"{ATOM}summary"
_PUBLISHED, _UPDATED = f"{ATOM}published", f"{ATOM}updated"
_AUTHOR, _NAME, _CATEGORY, _LINK = f"{ATOM}author", f"{ATOM}name", f"{ATOM}category", f"{ATOM}link"
_PRIMARY, _COMMENT = f"{ARXIV}primary_category", f"{ARXIV}comment"
_JOURNAL_REF, _DOI = f"{ARXIV}journal_ref", f"{ARXIV}doi"


def _paper(entry: ET.Element, line: int, source: str, warnings: list[ReaderWarning]) -> Paper | None:
    text: dict[str, str] = {}
    authors: list[str] = []
    cats: list[str] = []
    primary: str | None = None
    dois: list[str | None] = []
    for child in entry:
        tag = child.tag
        if tag == _AUTHOR:
            name = collapse(child.findtext(_NAME))
            if name:
                authors.append(name)
        elif tag == _CATEGORY:
            cats.append(child.get("term") or "")
        elif tag == _LINK:
            if child.get("title") == "doi":
                dois.append(child.get("href"))
        elif tag == _PRIMARY:
            primary = (child.get("term") or "").strip() or None
        elif tag not in text:
            text[tag] = child.text or ""
    raw_id = text.get(_ID, "").strip()
    parsed = parse_arxiv_id(raw_id)
    if parsed is None:
        warnings.append(ReaderWarning(source, line, f"no arXiv ID in entry (id: {quoted(raw_id)}); skipped"))
        return None
    title = collapse(text.get(_TITLE))
    if title is None:
        warnings.append(ReaderWarning(source, line, f"{parsed.id} has no title; skipped"))
        return None
    categories = split_categories(cats, primary)
    return Paper(
        title=title,
        arxiv_id=parsed.id,
        version=parsed.version,
        doi=journal_doi(text.get(_DOI), *dois),
        authors=tuple(authors),
        abstract=collapse(text.get(_SUMMARY)),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=iso_date(text.get(_PUBLISHED)),
        updated=iso_date(text.get(_UPDATED)),
        url=arxiv_abs_url(parsed.id),
        pdf_url=arxiv_pdf_url(parsed.id),
        comment=collapse(text.get(_COMMENT)),
        journal_ref=collapse(text.get(_JOURNAL_REF)),
        sources=(Source(source, line),),
    )


def _is_error_entry(entry: ET.Element) -> bool:
    """arXiv's error entry whose id is not under /api/errors (a bad sortBy links the manual):
    titled `Error`, written by `arXiv api core`."""
    return (entry.findtext(_TITLE) or "").strip() == "Error" and any(
        (author.findtext(_NAME) or "").strip() == "arXiv api core" for author in entry.iter(_AUTHOR))


def parse_feed(text: str, source: str) -> ApiFeed:
    """An arXiv API answer (`/api/query`) as papers plus its paging numbers.

    Raises InputError for malformed XML, a document that is not an Atom feed, and
    arXiv's error feed (HTTP 400, e.g. a malformed ID), with arXiv's message. A
    feed without entries is a valid answer: nothing was found.
    """
    feed = ApiFeed()
    lines = entry_lines(text, "entry")
    items = XmlItems(text, source, frozenset({f"{ATOM}entry"}))
    count = 0
    for count, entry in enumerate(items, start=1):  # count is used after the loop
        line = lines[count - 1] if count <= len(lines) else 1
        raw_id = entry.findtext(_ID) or ""
        if "/api/errors" in raw_id or _is_error_entry(entry):
            message = collapse(entry.findtext(_SUMMARY)) or collapse(entry.findtext(_TITLE))
            raise InputError(source, f"arXiv API error: {message}", line=line,
                             hint="fix the arXiv ID or search query it names and ask again")
        paper = _paper(entry, line, source, feed.warnings)
        if paper is not None:
            feed.entries.append(paper)
    root = items.root
    if root is None or root.tag != f"{ATOM}feed":
        raise InputError(source, f"is not an arXiv API Atom feed (root element <{root_name(root)}>)",
                         line=1, hint="pass --format to choose another reader")
    feed.entries = cite_lines(feed.entries, lines, count)
    feed.total_results = _int(root.findtext(f"{OPENSEARCH}totalResults"))
    feed.start_index = _int(root.findtext(f"{OPENSEARCH}startIndex"))
    feed.items_per_page = _int(root.findtext(f"{OPENSEARCH}itemsPerPage"))
    return feed


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    feed = parse_feed(text, source)
    return ReadResult(feed.entries, feed.warnings)
