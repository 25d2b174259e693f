"""The `Paper` record every reader produces and every later stage consumes."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from zotsync.core.identity import paper_keys
from zotsync.core.text import clean_text, clean_texts, has_controls, printable

SUMMARY_SECTIONS = ("motivation", "method", "result", "conclusion")


class _TextFields:
    """Text fields of a frozen dataclass, read in one call (`operator.attrgetter`)."""

    def __init__(self, *names: str) -> None:
        self.names = names
        self.values = operator.attrgetter(*names)


def _clean_fields(record: object, fields: _TextFields) -> None:
    """Remove control characters from the text `fields` of a frozen dataclass."""
    # Nearly always all printable (every control character is not): one check for all.
    if printable(" ".join(filter(None, fields.values(record)))):
        return
    for name in fields.names:
        value = getattr(record, name)
        if value and has_controls(value):
            object.__setattr__(record, name, clean_text(value))


_PAPER_TEXT = _TextFields("title", "doi", "abstract", "primary_category", "url", "pdf_url", "comment",
                          "journal_ref", "ai_summary")
_SUMMARY_TEXT = _TextFields("tldr", "motivation", "method", "result", "conclusion")
_PUBLICATION_TEXT = _TextFields("container", "container_short", "volume", "issue", "pages", "publisher")


@dataclass(frozen=True, slots=True)
class Source:
    """Where one digest entry came from: a file (as given) and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Summary:
    """The AI summary a digest carries: a TL;DR and four sections.

    Fields the digest left as placeholders ("Method extraction failed", ...) are None.
    `origin` is "digest" (read from a digest or a Zotero note) or "generated" (written by
    `model` for zotsync: `zotsync summarize`).
    """

    tldr: str | None = None
    motivation: str | None = None
    method: str | None = None
    result: str | None = None
    conclusion: str | None = None
    language: str | None = None
    origin: str = "digest"
    model: str | None = None

    def __post_init__(self) -> None:
        _clean_fields(self, _SUMMARY_TEXT)

    @property
    def filled(self) -> int:
        """How many of the five texts are real (used to prefer the richer summary)."""
        return len([text for text in _SUMMARY_TEXT.values(self) if text])

    def sections(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in SUMMARY_SECTIONS}

    def to_dict(self) -> dict[str, str | None]:
        return {
            "tldr": self.tldr,
            "motivation": self.motivation,
            "method": self.method,
            "result": self.result,
            "conclusion": self.conclusion,
            "language": self.language,
            "origin": self.origin,
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Summary:
        """The summary `to_dict` wrote (a missing key takes its default)."""
        get = document.get
        return cls(tldr=get("tldr"), motivation=get("motivation"), method=get("method"),
                   result=get("result"), conclusion=get("conclusion"), language=get("language"),
                   origin=get("origin") or "digest", model=get("model"))


@dataclass(frozen=True, slots=True)
class Publication:
    """Where a paper was published, as its DOI's registration (Crossref) says.

    `kind` is Crossref's work type: "journal-article" or "proceedings-article" (other
    types are not kept). `date` is ISO, as precise as known: "2012-01-11", "2006-12" or
    "2019". `container` is the journal or proceedings title.
    """

    kind: str
    container: str
    container_short: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    issn: tuple[str, ...] = ()
    isbn: tuple[str, ...] = ()
    publisher: str | None = None
    date: str | None = None

    def __post_init__(self) -> None:
        _clean_fields(self, _PUBLICATION_TEXT)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "container": self.container,
            "container_short": self.container_short,
            "volume": self.volume,
            "issue": self.issue,
            "pages": self.pages,
            "issn": list(self.issn),
            "isbn": list(self.isbn),
            "publisher": self.publisher,
            "date": self.date,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Publication:
        return cls(**{**document, "issn": tuple(document.get("issn") or ()),
                      "isbn": tuple(document.get("isbn") or ())})


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper, as read from one or more digest entries.

    `arxiv_id` never carries a version (that is `version`); `doi` is a DOI other than
    arXiv's own `10.48550/arXiv.*` one (that is derived from `arxiv_id`), e.g. the
    journal DOI. `author_count` keeps a count a digest states without names (the
    Hugging Face page says "6 authors"); once names are known they are what counts
    (`n_authors`), and `author_count` is None.
    """

    title: str
    arxiv_id: str | None = None
    version: int | None = None
    doi: str | None = None
    authors: tuple[str, ...] = ()
    abstract: str | None = None
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    published: date | None = None
    updated: date | None = None
    url: str | None = None
    pdf_url: str | None = None
    comment: str | None = None
    journal_ref: str | None = None
    publication: Publication | None = None  # the published version (from Crossref)
    summary: Summary | None = None
    ai_summary: str | None = None
    upvotes: int | None = None
    author_count: int | None = None
    sources: tuple[Source, ...] = field(default=())

    def __post_init__(self) -> None:
        # The one place text from outside is made safe: every reader, lookup and Zotero
        # item becomes a Paper, and nothing downstream then prints or writes a control.
        _clean_fields(self, _PAPER_TEXT)
        for name in ("authors", "categories"):
            values = getattr(self, name)
            if printable("".join(values)):  # (nearly always: no control character)
                continue
            cleaned = clean_texts(values)
            if cleaned is not values:
                object.__setattr__(self, name, cleaned)
        if self.author_count is not None and self.authors:
            object.__setattr__(self, "author_count", None)  # the names are counted: n_authors

    @property
    def year(self) -> int | None:
        """Year of first publication: the date if known, else a new-style ID's YYMM, else
        the published version's year (a paper known by its DOI alone)."""
        if self.published is not None:
            return self.published.year
        if self.arxiv_id and self.arxiv_id[:4].isdigit() and "." in self.arxiv_id:
            return 2000 + int(self.arxiv_id[:2])
        if self.arxiv_id and "/" in self.arxiv_id:
            yy = int(self.arxiv_id.split("/", 1)[1][:2])
            return (1900 if yy >= 91 else 2000) + yy
        return self.publication.year if self.publication else None

    @property
    def n_authors(self) -> int | None:
        return len(self.authors) if self.authors else self.author_count

    @property
    def identity(self) -> str:
        """The paper's strongest key: `arxiv:<id>`, else `doi:<doi>`, else `title:<fp>`."""
        keys = paper_keys(self.arxiv_id, self.doi, self.title)
        return keys[0] if keys else f"title:{self.title}"

    @property
    def label(self) -> str:
        """A short human handle: the arXiv ID, else the DOI, else the title."""
        return self.arxiv_id or self.doi or self.title

    @property
    def date_label(self) -> str:
        """The date lists show: the publication date, else the new-style arXiv ID's
        year-month (`2506.02013` -> `2025-06`), else ""."""
        if self.published is not None:
            return self.published.isoformat()
        arxiv_id = self.arxiv_id
        if arxiv_id and len(arxiv_id) >= 4 and arxiv_id[:4].isdigit() and "." in arxiv_id:
            return f"20{arxiv_id[:2]}-{arxiv_id[2:4]}"
        return ""

    def replace(self, **changes: Any) -> Paper:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping with the documented field names."""
        return {
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "doi": self.doi,
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "categories": list(self.categories),
            "primary_category": self.primary_category,
            "published": self.published.isoformat() if self.published else None,
            "updated": self.updated.isoformat() if self.updated else None,
            "url": self.url,
            "pdf_url": self.pdf_url,
            "comment": self.comment,
            "journal_ref": self.journal_ref,
            "publication": self.publication.to_dict() if self.publication else None,
            "summary": self.summary.to_dict() if self.summary else None,
            "ai_summary": self.ai_summary,
            "upvotes": self.upvotes,
            "author_count": self.n_authors,
            "sources": [{"file": s.file, "line": s.line} for s in self.sources],
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Paper:
        """The paper `to_dict` wrote: `Paper.from_dict(p.to_dict()) == p`. A missing key
        takes its default; other keys (`seen_before`, ...) are ignored."""
        get = document.get
        publication = get("publication")
        summary = get("summary")
        return cls(
            title=document["title"],
            arxiv_id=get("arxiv_id"),
            version=get("version"),
            doi=get("doi"),
            authors=tuple(get("authors") or ()),
            abstract=get("abstract"),
            categories=tuple(get("categories") or ()),
            primary_category=get("primary_category"),
            published=_date(get("published")),
            updated=_date(get("updated")),
            url=get("url"),
            pdf_url=get("pdf_url"),
            comment=get("comment"),
            journal_ref=get("journal_ref"),
            publication=Publication.from_dict(publication) if publication else None,
            summary=Summary.from_dict(summary) if summary else None,
            ai_summary=get("ai_summary"),
            upvotes=get("upvotes"),
            author_count=get("author_count"),
            sources=tuple(Source(s["file"], s["line"]) for s in get("sources") or ()),
        )


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
