"""arXiv announcement feeds from rss.arxiv.org: Atom (`/atom/<cat>`) and RSS 2.0 (`/rss/<cat>`).

Atom entry (https://info.arxiv.org/help/rss_specifications.html)::

    <entry>
      <id>oai:arXiv.org:2508.13426v1</id>
      <title>...</title>
      <link href="https://arxiv.org/abs/2508.13426" rel="alternate"/>
      <summary>arXiv:2508.13426v1 Announce Type: cross
    Abstract: ...</summary>
      <category term="cs.CL"/> <category term="cs.AI"/>        primary first
      <published>2025-08-20T00:00:00-04:00</published>           announcement date
      <arxiv:announce_type>cross</arxiv:announce_type>           new|cross|replace|replace-cross
      <arxiv:journal_reference>  <arxiv:DOI>                     optional
      <dc:creator>A One, B Two, C Three</dc:creator>             one string
    </entry>

RSS 2.0 has `<item>` with `<guid>`, `<description>`, `<category>` texts and `<pubDate>`
(RFC 822). `replace*` entries are new versions of known papers: still entries.

The feed date is the announcement date: for a first version it is `published` (and
`updated`), for a later version only `updated`. An empty feed (weekends, holidays) is
a warning, not an error.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from zotsync.core.identity import arxiv_abs_url, arxiv_pdf_url, parse_arxiv_id
from zotsync.core.paper import Paper, Source
from zotsync.core.text import quoted
from zotsync.errors import InputError
from zotsync.readers.arxiv_api import (
    ARXIV,
    ATOM,
    XmlItems,
    cite_lines,
    entry_lines,
    iso_date,
    journal_doi,
    root_name,
)
from zotsync.readers.base import ReaderWarning, ReadResult, collapse, split_authors, split_categories

DC = "{http://purl.org/dc/elements/1.1/}"

_OAI = re.compile(r"^\s*oai:arXiv\.org:", re.IGNORECASE)
_PREAMBLE = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce\s+Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.IGNORECASE
)
# Feeds before 2024 ended titles with "(arXiv:2401.00001v1 [cs.AI] UPDATED)".
_OLD_TITLE_SUFFIX = re.compile(r"\s*\(arXiv:\S+(?:\s+\[[^\]]*\])?(?:\s+[A-Z ]+)?\)\s*$")
_RFC822_DATE = re.compile(r"(?P<day>\d{1,2})\s+(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<year>\d{4}|\d{2})\b")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def mail_date(text: str | None) -> date | None:
    """The date in an RFC 822 date (`Wed, 20 Aug 2025 00:00:00 -0400`, `17 Mar 23`)."""
    found = _RFC822_DATE.search(text or "")
    if not found:
        return None
    month = _MONTHS.get(found["mon"].lower())
    year = int(found["year"])
    if len(found["year"]) == 2:
        year += 1900 if year >= 91 else 2000
    try:
        return date(year, month, int(found["day"])) if month else None
    except ValueError:
        return None


# Children of an Atom entry or RSS item, read in one pass (cheaper than findtext()).
_TEXT_TAGS = {
    f"{ATOM}id": "id", "guid": "id",
    f"{ATOM}title": "title", "title": "title",
    f"{ATOM}summary": "body", "description": "body",
    f"{ATOM}published": "published", "pubDate": "pubdate",
    "link": "link",
    f"{ARXIV}announce_type": "announce",
    f"{ARXIV}DOI": "doi", f"{ARXIV}doi": "doi",
    f"{ARXIV}journal_reference": "journal_ref", f"{ARXIV}journal_ref": "journal_ref",
    f"{DC}creator": "creator",
}
_ATOM_LINK, _ATOM_AUTHOR, _ATOM_NAME = f"{ATOM}link", f"{ATOM}author", f"{ATOM}name"
_ATOM_CATEGORY = f"{ATOM}category"


def _paper(item: ET.Element, line: int, source: str, warnings: list[ReaderWarning]) -> Paper | None:
    text: dict[str, str] = {}
    cats: list[str] = []
    atom_authors: list[str] = []
    for child in item:
        tag = child.tag
        if tag == _ATOM_CATEGORY:
            cats.append(child.get("term") or "")
        elif tag == "category":
            cats.append(child.text or "")
        elif tag == _ATOM_LINK:
            if child.get("rel", "alternate") == "alternate" and "link" not in text:
                text["link"] = child.get("href") or ""
        elif tag == _ATOM_AUTHOR:  # as other feed generators write authors
            name = collapse(child.findtext(_ATOM_NAME))
            if name:
                atom_authors.append(name)
        else:
            key = _TEXT_TAGS.get(tag)
            if key is not None and key not in text:
                text[key] = child.text or ""
    raw_id = text.get("id", "").strip()
    body = text.get("body", "")
    preamble = _PREAMBLE.match(body)
    parsed = (parse_arxiv_id(_OAI.sub("", raw_id))
              or (parse_arxiv_id(preamble["id"]) if preamble else None)
              or parse_arxiv_id(text.get("link", "")))
    if parsed is None:
        warnings.append(ReaderWarning(source, line, f"no arXiv ID in entry (id: {quoted(raw_id)}); skipped"))
        return None
    title = collapse(_OLD_TITLE_SUFFIX.sub("", text.get("title", "")))
    if title is None:
        warnings.append(ReaderWarning(source, line, f"{parsed.id} has no title; skipped"))
        return None
    announce = (collapse(text.get("announce")) or (preamble["type"] if preamble else "")).lower()
    authors = split_authors(text["creator"]) if "creator" in text else tuple(atom_authors)
    announced = iso_date(text["published"]) if "published" in text else mail_date(text.get("pubdate"))
    categories = split_categories(cats, None)
    first_version = parsed.version == 1 or (parsed.version is None and not announce.startswith("replace"))
    return Paper(
        title=title,
        arxiv_id=parsed.id,
        version=parsed.version,
        doi=journal_doi(text.get("doi")),
        authors=authors,
        abstract=collapse(body[preamble.end():] if preamble else body),
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=announced if first_version else None,
        updated=announced,
        url=arxiv_abs_url(parsed.id),
        pdf_url=arxiv_pdf_url(parsed.id),
        journal_ref=collapse(text.get("journal_ref")),
        sources=(Source(source, line),),
    )


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    result = ReadResult()
    atom_lines, rss_lines = entry_lines(text, "entry"), entry_lines(text, "item")
    items = XmlItems(text, source, frozenset({f"{ATOM}entry", "item"}))
    counts = {"entry": 0, "item": 0}
    for item in items:
        kind = "item" if item.tag == "item" else "entry"
        counts[kind] += 1
        lines = rss_lines if kind == "item" else atom_lines
        line = lines[counts[kind] - 1] if counts[kind] <= len(lines) else 1
        paper = _paper(item, line, source, result.warnings)
        if paper is not None:
            result.entries.append(paper)
    root = items.root
    if root is None or root.tag not in ("rss", f"{ATOM}feed"):
        raise InputError(source, f"is not an RSS 2.0 or Atom feed (root element <{root_name(root)}>)", line=1,
                         hint="pass an rss.arxiv.org feed, or --format to choose another reader")
    kind = "item" if root.tag == "rss" else "entry"
    result.entries = cite_lines(result.entries, rss_lines if kind == "item" else atom_lines, counts[kind])
    if not counts[kind]:
        result.warnings.append(ReaderWarning(source, None, "the feed has no entries (arXiv feeds are empty "
                                                           "on weekends and holidays)"))
    return result
