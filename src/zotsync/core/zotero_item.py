"""`Paper` -> Zotero item JSON, as Zotero's arXiv translator would make it.

Pure: no HTTP, no state. The Web API rejects any field the item type lacks, so every
payload is checked against `ITEM_FIELDS` (Zotero schema v41) before it leaves here.

- arXiv papers become `preprint` items: title, creators, abstractNote, repository
  `arXiv`, archiveID `arXiv:ID`, DOI `10.48550/arXiv.ID`, url, date, extra
  `arXiv:ID [primary]` (+ `version: N`), libraryCatalog `arXiv.org`, shortTitle,
  category tags (automatic, type 1) and the user's tags.
- Papers with only a journal DOI become `journalArticle` items; papers with neither
  become `preprint` items from what the digest knows.
- The digest's summary becomes a child note (`summary_note_html`), tagged
  `NOTE_TAG` so zotsync finds its own note again; the PDF a linked-URL attachment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from zotsync.core.arxiv_categories import category_tag
from zotsync.core.identity import arxiv_abs_url, arxiv_doi, arxiv_pdf_url
from zotsync.core.paper import Paper, Publication, Summary
from zotsync.core.summarize import ORIGIN_GENERATED

NOTE_TAG = "zotsync:summary"
PDF_TITLE = "arXiv PDF"

# Zotero schema v41 fields of the item types zotsync writes (checked against
# ../shared/reference/zotero-schema.json by tests/test_conformance_zotero_schema.py).
SCHEMA_VERSION = 41  # the schema ITEM_FIELDS is: a server answering with it needs no asking
ITEM_FIELDS: Mapping[str, frozenset[str]] = {
    "preprint": frozenset({
        "title", "abstractNote", "genre", "repository", "archiveID", "place", "date", "series",
        "seriesNumber", "DOI", "citationKey", "url", "accessDate", "archive", "archiveLocation",
        "shortTitle", "language", "libraryCatalog", "callNumber", "rights", "extra",
    }),
    "journalArticle": frozenset({
        "title", "abstractNote", "publicationTitle", "publisher", "place", "date", "volume", "issue",
        "section", "partNumber", "partTitle", "pages", "series", "seriesTitle", "seriesText",
        "journalAbbreviation", "DOI", "citationKey", "url", "accessDate", "PMID", "PMCID", "ISSN",
        "archive", "archiveLocation", "shortTitle", "language", "libraryCatalog", "callNumber",
        "rights", "extra",
    }),
    "conferencePaper": frozenset({
        "title", "abstractNote", "date", "proceedingsTitle", "conferenceName", "place", "publisher",
        "volume", "pages", "series", "language", "DOI", "ISBN", "shortTitle", "url", "accessDate",
        "archive", "archiveLocation", "libraryCatalog", "callNumber", "rights", "extra", "citationKey",
        "eventPlace", "ISSN", "issue", "numberOfVolumes", "seriesNumber",
    }),
    # Notes and attachments have no schema fields beyond these; the rest are their own
    # properties (the note's HTML, an attachment's link mode and file data).
    "note": frozenset({"note"}),
    "attachment": frozenset({
        "title", "accessDate", "url",
        "note", "contentType", "charset", "linkMode", "filename", "md5", "mtime", "path",
    }),
}
# Properties every item may carry besides its fields.
ITEM_PROPERTIES = frozenset({
    "key", "version", "itemType", "creators", "tags", "collections", "relations", "parentItem",
    "deleted", "dateAdded", "dateModified",
})

# Words that mark an organisation rather than a person ("The ATLAS Collaboration").
_ORGANISATION = re.compile(
    r"\b(collaboration|consortium|team|group|project|laborator(y|ies)|institute|university|"
    r"initiative|committee|association|society|inc\.?|ltd\.?|corporation)\b",
    re.IGNORECASE,
)
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def creator(name: str, creator_type: str = "author") -> dict[str, str]:
    """One author as Zotero stores it.

    "First Last" is split at the last space, as the translator does; "Last, First" at
    the comma; a one-word name (also a CJK name written without spaces) or an
    organisation becomes a single-field `name`. A trailing "Jr."/"III" stays with
    the last name.
    """
    clean = " ".join(name.split())
    if "," in clean:
        last, _, first = clean.partition(",")
        if first.strip().lower() not in _SUFFIXES:
            return {"creatorType": creator_type, "firstName": first.strip(), "lastName": last.strip()}
    words = clean.split(" ")
    if len(words) == 1 or _ORGANISATION.search(clean):
        return {"creatorType": creator_type, "name": clean}
    split = -2 if words[-1].lower().rstrip(",") in _SUFFIXES and len(words) > 2 else -1
    return {
        "creatorType": creator_type,
        "firstName": " ".join(words[:split]).rstrip(","),
        "lastName": " ".join(words[split:]).replace(",", ""),
    }


def short_title(title: str) -> str | None:
    """The translator's shortTitle: the title up to its first colon, if it has one."""
    head, colon, _ = title.partition(":")
    head = head.strip()
    return head if colon and head else None


def item_date(paper: Paper) -> str | None:
    """The version's date (as the translator uses `<updated>`), else the first one.

    Without any date a new-style ID still gives year and month (`2506.02013` -> 2025-06).
    """
    when = paper.updated or paper.published
    if when is not None:
        return when.isoformat()
    if paper.arxiv_id and "." in paper.arxiv_id and "/" not in paper.arxiv_id:
        return f"20{paper.arxiv_id[:2]}-{paper.arxiv_id[2:4]}"
    return None


def arxiv_extra(paper: Paper) -> str:
    """`arXiv:ID [primary]` (old-style IDs get no bracket) and `version: N` if known."""
    assert paper.arxiv_id
    line = f"arXiv:{paper.arxiv_id}"
    if paper.primary_category and "/" not in paper.arxiv_id:
        line += f" [{paper.primary_category}]"
    if paper.version:
        line += f"\nversion: {paper.version}"
    return line


def item_tags(paper: Paper, user_tags: Iterable[str]) -> list[dict[str, Any]]:
    """Category tags (automatic, type 1, like a translator's), then the user's tags."""
    tags: list[dict[str, Any]] = []
    seen: set[str] = set()
    for category in paper.categories:
        name = category_tag(category)
        if name not in seen:
            seen.add(name)
            tags.append({"tag": name, "type": 1})
    for tag in user_tags:
        name = tag.strip()
        if name and name not in seen:
            seen.add(name)
            tags.append({"tag": name})
    return tags


def published_fields(paper: Paper, publication: Publication) -> tuple[str, dict[str, Any]]:
    """The item type and venue fields of a paper's published version (Crossref's record),
    as Zotero's arXiv import makes them through the DOI: a journal article or a conference
    paper carrying the journal DOI, its date, and the arXiv ID in Extra."""
    assert paper.doi
    fields: dict[str, Any] = {
        "DOI": paper.doi,
        "date": publication.date or item_date(paper),
        "volume": publication.volume,
        "issue": publication.issue,
        "pages": publication.pages,
        "publisher": publication.publisher,
        "ISSN": ", ".join(publication.issn),
    }
    if publication.kind == "journal-article":
        item_type = "journalArticle"
        fields |= {"publicationTitle": publication.container,
                   "journalAbbreviation": publication.container_short}
    else:
        item_type = "conferencePaper"
        fields |= {"proceedingsTitle": publication.container, "ISBN": ", ".join(publication.isbn)}
    if paper.arxiv_id:
        extra = f"arXiv:{paper.arxiv_id}"
        if paper.primary_category and "/" not in paper.arxiv_id:
            extra += f" [{paper.primary_category}]"
        fields |= {"url": arxiv_abs_url(paper.arxiv_id), "extra": extra, "libraryCatalog": "arXiv.org"}
    else:
        fields |= {"url": paper.url or f"https://doi.org/{paper.doi}", "libraryCatalog": "DOI.org (Crossref)"}
    return item_type, fields


def citation_key_line(key: str) -> str:
    """The Extra line that carries a citation key where the schema has no `citationKey`
    field (Zotero 7 and Better BibTeX read it)."""
    return f"citationKey: {key}"


def with_citation_key(item: dict[str, Any], key: str | None, *, native: bool) -> dict[str, Any]:
    """`item` carrying `key`: in the `citationKey` field, or as an Extra line."""
    if not key:
        return item
    if native:
        item["citationKey"] = key
        return item
    extra = str(item.get("extra") or "")
    item["extra"] = f"{extra}\n{citation_key_line(key)}" if extra else citation_key_line(key)
    return item


def paper_item(paper: Paper, *, tags: Iterable[str] = (), collections: Iterable[str] = (),
               citation_key: str | None = None,
               native_key_types: frozenset[str] | None = None) -> dict[str, Any]:
    """The item JSON for a paper (without `key`/`version`: the planner adds those).

    `citation_key` is the key `zotsync bib` writes for the paper: in Zotero's `citationKey`
    field when the server's schema gives the item type one (`native_key_types`, None: every
    type), else as a `citationKey:` line in Extra."""
    fields: dict[str, Any] = {
        "title": paper.title,
        "abstractNote": paper.abstract,
        "date": item_date(paper),
        "shortTitle": short_title(paper.title),
    }
    publication = paper.publication if paper.doi else None
    if publication is not None:
        item_type, venue = published_fields(paper, publication)
        fields |= venue
    elif paper.arxiv_id:
        item_type = "preprint"
        fields |= {
            "repository": "arXiv",
            "archiveID": f"arXiv:{paper.arxiv_id}",
            "DOI": arxiv_doi(paper.arxiv_id),
            "url": arxiv_abs_url(paper.arxiv_id),
            "extra": arxiv_extra(paper),
            "libraryCatalog": "arXiv.org",
        }
    elif paper.doi:
        item_type = "journalArticle"
        fields |= {"DOI": paper.doi, "url": paper.url or f"https://doi.org/{paper.doi}"}
    else:
        item_type = "preprint"
        fields |= {"url": paper.url}
    item: dict[str, Any] = {"itemType": item_type}
    item.update({name: value for name, value in fields.items() if value})
    with_citation_key(item, citation_key,
                      native=native_key_types is None or item_type in native_key_types)
    item["creators"] = [creator(name) for name in paper.authors]
    item["tags"] = item_tags(paper, tags)
    item["collections"] = list(collections)
    item["relations"] = {}
    check_item(item)
    return item


_SECTION_TITLES = (
    ("motivation", "Motivation"),
    ("method", "Method"),
    ("result", "Result"),
    ("conclusion", "Conclusion"),
)


def note_credit(summary: Summary | None) -> str:
    """Who wrote the note's summary: the model that generated it (`zotsync summarize`), else
    a digest. The same words whichever digest the paper came from: a note changes only
    when its summary does."""
    if summary is not None and summary.origin == ORIGIN_GENERATED and summary.model:
        return f"AI summary written by {summary.model}, added by zotsync."
    return "AI summary from a daily paper digest, added by zotsync."


def summary_note_html(paper: Paper) -> str | None:
    """The child note's HTML: TL;DR first (it becomes the note's title in Zotero), then
    the four sections under headings and the arXiv comment.

    Every digest string is HTML-escaped. None when there is nothing to say.
    """
    summary = paper.summary
    parts: list[str] = []
    if summary is not None:
        if summary.tldr:
            parts.append(f"<p><strong>TL;DR:</strong> {html.escape(summary.tldr)}</p>")
        for name, heading in _SECTION_TITLES:
            text = getattr(summary, name)
            if text:
                parts.append(f"<h2>{heading}</h2>\n<p>{html.escape(text)}</p>")
    if paper.comment:
        parts.append(f"<p><strong>Comment:</strong> {html.escape(paper.comment)}</p>")
    if not parts:
        return None
    parts.append(f"<p><em>{html.escape(note_credit(summary))}</em></p>")
    return "<div>\n" + "\n".join(parts) + "\n</div>"


def note_item(note_html: str, parent_key: str) -> dict[str, Any]:
    """A child note carrying zotsync's marker tag."""
    return {
        "itemType": "note",
        "parentItem": parent_key,
        "note": note_html,
        "tags": [{"tag": NOTE_TAG, "type": 1}],
        "relations": {},
    }


def pdf_attachment(paper: Paper, parent_key: str) -> dict[str, Any] | None:
    """A linked-URL attachment to the arXiv PDF (nothing is downloaded)."""
    if not paper.arxiv_id:
        return None
    return {
        "itemType": "attachment",
        "linkMode": "linked_url",
        "parentItem": parent_key,
        "title": PDF_TITLE,
        "url": arxiv_pdf_url(paper.arxiv_id),
        "contentType": "application/pdf",
        "tags": [],
        "relations": {},
    }


def check_item(item: Mapping[str, Any]) -> None:
    """Raise ValueError for a property the item type does not have (a bug here)."""
    allowed = ITEM_FIELDS[item["itemType"]] | ITEM_PROPERTIES
    extra = sorted(set(item) - allowed)
    if extra:
        raise ValueError(f"{extra} not valid for {item['itemType']}")


_TAGS = re.compile(r"<[^>]+>")


def note_text(note_html: str) -> str:
    """A note's text for comparisons: the server sanitizes notes, so bytes differ."""
    return " ".join(html.unescape(_TAGS.sub(" ", note_html)).split())
