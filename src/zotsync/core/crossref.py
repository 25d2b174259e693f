"""A Crossref work (`GET /works/{doi}`) read as a Paper with its Publication. Pure.

Only what zotsync uses: the DOI, title, authors, the published version's venue, volume,
issue, pages, ISSN/ISBN, publisher and date. Works of other types than journal and
proceedings articles keep no Publication (a posted preprint, a dataset, a book chapter
is not "the published version" of an arXiv paper).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from zotsync.core.identity import normalize_doi
from zotsync.core.paper import Paper, Publication

PUBLISHED_KINDS = frozenset({"journal-article", "proceedings-article"})
_TAGS = re.compile(r"<[^>]+>")  # Crossref titles may carry JATS/MathML markup


class NotAWork(ValueError):
    """The JSON is not a Crossref work message."""


def _text(value: Any) -> str | None:
    """The first string of a Crossref list field (or the string itself), markup removed."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    return " ".join(html.unescape(_TAGS.sub("", value)).split()) or None


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value if isinstance(v, str) and v.strip()))


def _date_parts(work: Mapping[str, Any]) -> list[int]:
    """`issued` (the earliest of print and online, what Zotero's DOI import uses), else
    the print date, else the online one."""
    for name in ("issued", "published-print", "published-online"):
        block = work.get(name)
        if not isinstance(block, Mapping):
            continue
        outer = block.get("date-parts")
        parts = outer[0] if isinstance(outer, list) and outer and isinstance(outer[0], list) else []
        numbers = [int(p) for p in parts if isinstance(p, int | str) and str(p).isdigit()]
        if numbers:
            return numbers[:3]
    return []


def _iso(parts: Sequence[int]) -> str | None:
    if not parts:
        return None
    text = f"{parts[0]:04d}"
    for part in parts[1:]:
        text += f"-{part:02d}"
    return text


def _full_date(parts: Sequence[int]) -> date | None:
    if len(parts) < 3:
        return None
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        return None


def _author(person: Mapping[str, Any]) -> str | None:
    given = str(person.get("given") or "").strip()
    family = str(person.get("family") or "").strip()
    name = f"{given} {family}".strip() or str(person.get("name") or "").strip()
    return " ".join(name.split()) or None


def work_paper(document: Mapping[str, Any]) -> Paper:
    """The work as a Paper (`publication` set for journal and proceedings articles).

    `document` is the API answer (`{"status": "ok", "message": {...}}`) or its message.
    Raises NotAWork when it is neither.
    """
    if not isinstance(document, Mapping):
        raise NotAWork("not a Crossref work (not a JSON object)")
    work = document.get("message", document)
    if not isinstance(work, Mapping) or not isinstance(work.get("DOI"), str):
        raise NotAWork("not a Crossref work (no DOI)")
    doi = normalize_doi(work["DOI"])
    if doi is None:
        raise NotAWork(f"not a DOI: {work['DOI']!r}")
    parts = _date_parts(work)
    kind = str(work.get("type") or "")
    container = _text(work.get("container-title"))
    publication = None
    if kind in PUBLISHED_KINDS and container:
        publication = Publication(
            kind=kind,
            container=container,
            container_short=_text(work.get("short-container-title")),
            volume=_text(work.get("volume")),
            issue=_text(work.get("issue")),
            pages=_text(work.get("page")) or _text(work.get("article-number")),
            issn=_strings(work.get("ISSN")),
            isbn=_strings(work.get("ISBN")),
            publisher=_text(work.get("publisher")),
            date=_iso(parts),
        )
    people = work.get("author")
    authors = tuple(name for person in (people if isinstance(people, list) else ())
                    if isinstance(person, Mapping) and (name := _author(person)))
    return Paper(
        title=_text(work.get("title")) or "",
        doi=doi,
        authors=authors,
        published=_full_date(parts),
        url=f"https://doi.org/{doi}",
        publication=publication,
    )
