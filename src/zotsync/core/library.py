"""What zotsync knows of a Zotero library, and how a paper is found in it. Pure.

`LibraryItem` is the part of a Zotero item that matters for matching and planning,
read from the item JSON by `library_item`. Items zotsync did not create are found
too: by arXiv ID (from archiveID, DOI, URL or Extra, any version), by DOI, or by
title with Zotero's vetoes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from zotsync.core.identity import Ident, normalize_doi, paper_ident, parse_arxiv_id, same_paper
from zotsync.core.paper import Paper
from zotsync.core.zotero_item import NOTE_TAG

_EXTRA_ARXIV = re.compile(r"(?:^|\n)\s*arXiv:\s*(\S+)", re.IGNORECASE)
# A pinned key in Extra, as Better BibTeX and Zotero 7 keep it: `Citation Key: x`, `citationKey: x`.
_EXTRA_CITATION_KEY = re.compile(r"^[ \t]*citation[ \t]*key[ \t]*:[ \t]*(\S+)[ \t]*$",
                                 re.IGNORECASE | re.MULTILINE)
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


@dataclass(frozen=True, slots=True)
class LibraryItem:
    key: str
    version: int
    item_type: str
    title: str = ""
    arxiv_id: str | None = None
    doi: str | None = None  # a DOI other than arXiv's own
    year: int | None = None
    creators: tuple[str, ...] = ()  # "First Last" / "Name", for the author veto
    collections: tuple[str, ...] = ()
    parent: str | None = None
    note_text: str | None = None  # notes: the text (tags stripped)
    zotsync_note: bool = False  # a note carrying zotsync's marker tag
    url: str | None = None  # attachments: the link
    deleted: bool = False  # in the trash
    citation_key: str | None = None  # the key chosen for it (native field or Extra line)

    def as_paper(self) -> Paper:
        """Enough of a Paper to run the title vetoes against."""
        return Paper(title=self.title, arxiv_id=self.arxiv_id, doi=self.doi, authors=self.creators,
                     published=None if self.year is None else _year_start(self.year))

    def ident(self) -> Ident:
        """What `same_paper` compares: as a digest's paper (`identity.paper_ident`)."""
        return paper_ident(self.as_paper())


def _year_start(year: int) -> Any:
    from datetime import date  # noqa: PLC0415

    return date(year, 1, 1)


@dataclass(frozen=True, slots=True)
class Collection:
    key: str
    version: int
    name: str
    parent: str | None = None
    num_items: int | None = None
    num_collections: int | None = None


def arxiv_id_of(data: Mapping[str, Any]) -> str | None:
    """An item's arXiv ID (no version) from its archiveID, DOI, URL or Extra line."""
    for value in (data.get("archiveID"), data.get("DOI"), data.get("url")):
        if isinstance(value, str) and value:
            parsed = parse_arxiv_id(value)
            if parsed:
                return parsed.id
    extra = data.get("extra")
    if isinstance(extra, str):
        match = _EXTRA_ARXIV.search(extra)
        if match:
            parsed = parse_arxiv_id(match[1])
            if parsed:
                return parsed.id
    return None


def pinned_key(data: Mapping[str, Any]) -> str | None:
    """The citation key already chosen for an item: Zotero's own `citationKey` field, else a
    `Citation Key: x` / `citationKey: x` line in Extra (Better BibTeX's pinned keys)."""
    native = data.get("citationKey")
    if isinstance(native, str) and native.strip():
        return native.strip()
    extra = data.get("extra")
    if isinstance(extra, str):
        match = _EXTRA_CITATION_KEY.search(extra)
        if match:
            return match[1]
    return None


def _creator_name(creator: Mapping[str, Any]) -> str:
    if creator.get("name"):
        return str(creator["name"])
    return f"{creator.get('firstName', '')} {creator.get('lastName', '')}".strip()


def library_item(data: Mapping[str, Any], *, note_text: str | None = None) -> LibraryItem:
    """The matching-relevant part of an item's `data` object (as the API returns it)."""
    from zotsync.core.zotero_item import note_text as text_of  # noqa: PLC0415

    item_type = str(data.get("itemType", ""))
    doi = data.get("DOI")
    plain_doi = normalize_doi(doi) if isinstance(doi, str) else None
    if plain_doi and parse_arxiv_id(plain_doi):
        plain_doi = None  # arXiv's own DOI is the arXiv ID, kept as such
    year_match = _YEAR.search(str(data.get("date") or ""))
    tags = data.get("tags") or []
    note = data.get("note") if item_type == "note" else None
    return LibraryItem(
        key=str(data["key"]),
        version=int(data.get("version") or 0),
        item_type=item_type,
        title=str(data.get("title") or ""),
        arxiv_id=arxiv_id_of(data) if item_type not in {"note", "attachment"} else None,
        doi=plain_doi,
        year=int(year_match[1]) if year_match else None,
        creators=tuple(_creator_name(c) for c in data.get("creators") or () if _creator_name(c)),
        collections=tuple(data.get("collections") or ()),
        parent=data.get("parentItem") or None,
        note_text=note_text if note_text is not None else (text_of(note) if isinstance(note, str) else None),
        zotsync_note=item_type == "note" and any(t.get("tag") == NOTE_TAG for t in tags),
        url=str(data["url"]) if item_type == "attachment" and data.get("url") else None,
        deleted=bool(data.get("deleted")),
        citation_key=pinned_key(data) if item_type not in {"note", "attachment", "annotation"} else None,
    )


class ItemLookup(Protocol):
    """Lookups the planner needs; the library index in the store implements them."""

    def candidates(self, paper: Paper) -> Iterable[LibraryItem]:
        """Top-level, non-trashed items sharing the paper's arXiv ID, DOI or title
        fingerprint (unfiltered: `find_existing` applies the rules)."""
        ...

    def children(self, key: str) -> list[LibraryItem]: ...


def find_existing(paper: Paper, candidates: Iterable[LibraryItem]) -> LibraryItem | None:
    """The library item that is this paper, if any.

    `identity.same_paper` with its default vetoes decides; an arXiv ID match (any
    version) wins, then a DOI match, then a title match. Among several, the oldest key
    order is kept stable by preferring the lowest version (the item that was there first).
    """
    found: dict[str, list[LibraryItem]] = {"arxiv": [], "doi": [], "title": []}
    ident = paper_ident(paper)
    for item in candidates:
        if item.deleted or item.parent or item.item_type in {"note", "attachment", "annotation"}:
            continue
        how = same_paper(ident, item.ident())
        if how is not None:
            found[how].append(item)
    for group in found.values():
        if group:
            return min(group, key=lambda i: (i.version, i.key))
    return None


def existing_prefix(path: Sequence[str], collections: Iterable[Collection]) -> list[Collection]:
    """The collections along `path` (names, outermost first) that exist, outermost first:
    all of them when the whole path exists. Names compare exactly as Zotero shows them,
    after trimming; of two same-named siblings the one with the lowest key is taken (the
    same every run)."""
    existing = sorted(collections, key=lambda c: c.key)
    found: list[Collection] = []
    parent: str | None = None
    for name in path:
        match = next((c for c in existing if c.parent == parent and c.name.strip() == name), None)
        if match is None:
            break
        found.append(match)
        parent = match.key
    return found


def dated_collection(path: str, day: date) -> str:
    """`Reading/{date}` -> `Reading/2026-06-09`: `{date}` is the source's day (push -c, the TUI
    picker, `[push] collection`, `[[daily]] collection`)."""
    return path.replace("{date}", day.isoformat())


def join_collection_path(names: Iterable[str]) -> str:
    """`("Reading", "2025/06")` -> `"Reading/2025\\/06"`: the inverse of
    `split_collection_path` (a `/` or `\\` in a name escaped)."""
    return "/".join(name.replace("\\", "\\\\").replace("/", "\\/") for name in names)


def collection_path(collections: Iterable[Collection], key: str) -> str:
    """"A/B/C" for a collection key, as `--collection` takes it back."""
    by_key = {c.key: c for c in collections}
    names: list[str] = []
    seen: set[str] = set()
    current: str | None = key
    while current and current in by_key and current not in seen:
        seen.add(current)
        names.append(by_key[current].name)
        current = by_key[current].parent
    return join_collection_path(reversed(names))


MAX_NAME_CHARS = 255  # Zotero's limit for collection names and tags


def split_collection_path(path: str) -> list[str]:
    """`"Reading/2025-06"` -> `["Reading", "2025-06"]`; `\\/` keeps a slash in a name and
    `\\\\` a backslash; any other backslash is kept as it is (`A\\B` is one name)."""
    parts: list[str] = []
    current = ""
    escaped = False
    for ch in path:
        if escaped:
            current += ch if ch in "/\\" else "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "/":
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if escaped:
        current += "\\"
    parts.append(current.strip())
    return [p for p in parts if p]


def name_problem(name: str) -> str | None:
    """Why Zotero would refuse (or mangle) `name` as a collection name or tag, if it would."""
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "has a control character (a tab or a line break?)"
    if len(name) > MAX_NAME_CHARS:
        return f"is {len(name)} characters long; Zotero allows {MAX_NAME_CHARS}"
    return None
