"""Zotero items read back as Papers, for `zotsync bib --from-zotero`. Pure.

The inverse of `zotero_item.paper_item`, for items zotsync made and for items made by
Zotero's translators or by hand: the arXiv ID comes from archiveID, DOI, URL or Extra
(any version), categories from Extra's `[primary]` and the translator's category tags,
the TL;DR from zotsync's own child note.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from zotsync.core.arxiv_categories import ARCHIVES, STANDALONE, SUBJECTS, category_tag
from zotsync.core.identity import normalize_doi, parse_arxiv_id
from zotsync.core.library import Collection, arxiv_id_of, existing_prefix
from zotsync.core.paper import Paper, Publication, Summary

# Item types that are papers; notes, attachments and annotations are not.
_NOT_PAPERS = frozenset({"note", "attachment", "annotation"})
_CATEGORY_BY_TAG = {category_tag(code): code for code in (*SUBJECTS, *STANDALONE, *ARCHIVES)}
_EXTRA_PRIMARY = re.compile(r"(?:^|\n)\s*arXiv:\s*\S+\s*\[([A-Za-z.-]+)\]", re.IGNORECASE)
_EXTRA_VERSION = re.compile(r"(?:^|\n)\s*version:\s*(\d+)\s*(?:\n|$)", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_NOTE_TLDR = re.compile(r"<strong>\s*TL;DR:\s*</strong>\s*(.*?)</p>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def _full_date(text: object) -> date | None:
    """A date from "YYYY-MM-DD..." (Zotero's parsedDate); None for partial or odd dates."""
    match = _ISO_DATE.match(str(text or ""))
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None  # "2025-00-00": Zotero's way of saying "year only"


def _authors(creators: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Author names ("First Last" or the single-field name); other roles only when no
    creator is an author (an edited volume keeps its editors)."""
    listed = [c for c in creators if isinstance(c, Mapping)]
    authors = [c for c in listed if c.get("creatorType", "author") == "author"] or listed
    names = []
    for c in authors:
        name = str(c.get("name") or f"{c.get('firstName', '')} {c.get('lastName', '')}").strip()
        if name:
            names.append(" ".join(name.split()))
    return tuple(names)


def _categories(data: Mapping[str, Any]) -> tuple[tuple[str, ...], str | None]:
    extra = str(data.get("extra") or "")
    primary_match = _EXTRA_PRIMARY.search(extra)
    primary = primary_match[1] if primary_match else None
    from_tags = [_CATEGORY_BY_TAG[t["tag"]] for t in data.get("tags") or ()
                 if isinstance(t, Mapping) and t.get("tag") in _CATEGORY_BY_TAG]
    ordered = ([primary] if primary else []) + from_tags
    categories = tuple(dict.fromkeys(ordered))
    return categories, primary or (categories[0] if categories else None)


def item_paper(item: Mapping[str, Any], *, tldr: str | None = None) -> Paper | None:
    """The Paper an item describes (the API's item object, or its `data`); None for
    notes, attachments, annotations and items without a title."""
    data: Mapping[str, Any] = item.get("data", item)
    meta: Mapping[str, Any] = item.get("meta") or {}
    if data.get("itemType") in _NOT_PAPERS:
        return None
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        return None
    arxiv_id = arxiv_id_of(data)
    version = None
    if arxiv_id:
        for value in (data.get("archiveID"), data.get("url")):
            parsed = parse_arxiv_id(str(value or ""))
            if parsed and parsed.version:
                version = parsed.version
                break
        extra_version = _EXTRA_VERSION.search(str(data.get("extra") or ""))
        if version is None and extra_version:
            version = int(extra_version[1])
    doi = normalize_doi(str(data.get("DOI") or "")) or None
    if doi and parse_arxiv_id(doi):
        doi = None  # arXiv's own DOI: the arXiv ID says it
    when = _full_date(meta.get("parsedDate")) or _full_date(data.get("date"))
    categories, primary = _categories(data) if arxiv_id else ((), None)
    url = str(data.get("url") or "") or None
    publication = _publication(data, meta) if doi else None
    if publication is not None and arxiv_id:
        when = None  # the item's date is the journal's: the ID still gives the preprint's year
    return Paper(
        title=title,
        arxiv_id=arxiv_id,
        version=version,
        doi=doi,
        authors=_authors(data.get("creators") or ()),
        abstract=" ".join(str(data.get("abstractNote") or "").split()) or None,
        categories=categories,
        primary_category=primary,
        # An arXiv item's date is its latest version's (as the translator sets it); the
        # ID tells the first submission's year and month, which a citation wants.
        published=None if arxiv_id else when,
        updated=when if arxiv_id else None,
        url=f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else url,
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}" if arxiv_id else None,
        publication=publication,
        summary=Summary(tldr=tldr, language=_language_of(tldr)) if tldr else None,
    )


def _language_of(text: str) -> str | None:
    """"zh" for a note's TL;DR in Chinese (the digests' language), so `annote` reads
    "TL;DR (zh):" from `--from-zotero` as from a digest; None when it cannot be told."""
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else None


_ISO_PARTIAL = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?")
_VENUES = {"journalArticle": ("journal-article", "publicationTitle"),
           "conferencePaper": ("proceedings-article", "proceedingsTitle")}


def _split(value: object) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())


def _publication(data: Mapping[str, Any], meta: Mapping[str, Any]) -> Publication | None:
    """A journal article's or conference paper's venue (as `zotero_item` writes it)."""
    kind, container_field = _VENUES.get(str(data.get("itemType")), (None, None))
    container = " ".join(str(data.get(container_field) or "").split()) if container_field else ""
    if kind is None or not container:
        return None
    parsed = _ISO_PARTIAL.match(str(meta.get("parsedDate") or data.get("date") or ""))
    date_text = parsed[0] if parsed else None
    if date_text:
        date_text = re.sub(r"(-00)+$", "", date_text)  # Zotero's "2006-12-00": month known, day not

    def text(name: str) -> str | None:
        return " ".join(str(data.get(name) or "").split()) or None

    return Publication(kind=kind, container=container, container_short=text("journalAbbreviation"),
                       volume=text("volume"), issue=text("issue"), pages=text("pages"),
                       issn=_split(data.get("ISSN")), isbn=_split(data.get("ISBN")),
                       publisher=text("publisher"), date=date_text)


def note_tldr(note_html: str) -> str | None:
    """The TL;DR of a zotsync summary note (`summary_note_html`), as plain text."""
    match = _NOTE_TLDR.search(note_html)
    if not match:
        return None
    return " ".join(html.unescape(_TAGS.sub(" ", match[1])).split()) or None


def find_collection(path: Sequence[str], collections: Iterable[Collection]) -> Collection | None:
    """The collection at `path` (names, outermost first), as a push would find it."""
    found = existing_prefix(path, collections)
    return found[-1] if path and len(found) == len(path) else None
