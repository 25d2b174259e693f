"""A preprint that has been published, as its published version. Pure.

`item_upgrade` turns a Zotero preprint item into the journal article or conference paper
Zotero's arXiv import would make through the DOI (`zotero_item.published_fields`), as a
partial update: only the item type and the venue fields are sent, so the item keeps its
key, citation key, notes, attachments, tags, collections and everything else the user
wrote; the arXiv ID stays in Extra. `entry_upgrade` does the same for a .bib entry zotsync
wrote: `@misc`/`@online` becomes `@article`/`@inproceedings` with the fields `zotsync bib`
writes for a published paper, keeping the key, title, authors, eprint fields, URL, abstract
and annote lines exactly as they were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zotsync.core.bibscan import BibSyntaxError, entry_fields, scan
from zotsync.core.bibtex_entry import publication_fields
from zotsync.core.identity import normalize_doi
from zotsync.core.latex import Style, verbatim_url
from zotsync.core.paper import Paper
from zotsync.core.zotero_item import published_fields

_EXTRA_ARXIV = re.compile(r"^\s*arXiv:", re.IGNORECASE | re.MULTILINE)
# Fields the preprint had that mean something else (or nothing) for the published item:
# cleared so a moved value (repository "arXiv" -> publisher) never stays behind.
_CLEARED = ("publisher",)


@dataclass(frozen=True, slots=True)
class ItemUpgrade:
    """The partial update making one preprint item its published version."""

    key: str
    version: int
    item_type: str  # the new type
    update: dict[str, Any]  # the object to send (key and version included)
    changes: dict[str, tuple[str, str]]  # field -> (old, new), for the dry run's diff


def is_published(paper: Paper) -> bool:
    """Whether a looked-up paper has a published version zotsync can write: a journal DOI
    and Crossref's record of it."""
    return bool(paper.doi and paper.publication is not None)


def item_upgrade(data: Mapping[str, Any], paper: Paper) -> ItemUpgrade | None:
    """The update for a preprint item (`data`, the API's item data) of `paper` (looked up,
    published); None when the item is no preprint any more or already has the journal
    DOI (nothing to do, or the user has already made it something else)."""
    if data.get("itemType") != "preprint" or not is_published(paper) or paper.publication is None:
        return None
    if str(data.get("DOI") or "").lower() == str(paper.doi).lower():
        return None
    item_type, fields = published_fields(paper, paper.publication)
    wanted: dict[str, str] = {}
    for name, value in fields.items():
        if name in {"url", "libraryCatalog", "extra"}:
            continue  # the item's own stay (the arXiv URL, the user's Extra)
        if value:
            wanted[name] = str(value)
    for name in _CLEARED:
        wanted.setdefault(name, "")
    extra = str(data.get("extra") or "")
    if paper.arxiv_id and not _EXTRA_ARXIV.search(extra):
        line = str(fields.get("extra") or f"arXiv:{paper.arxiv_id}")
        wanted["extra"] = f"{line}\n{extra}" if extra else line
    changes = {name: (str(data.get(name) or ""), value) for name, value in wanted.items()
               if str(data.get(name) or "") != value}
    changes = {"itemType": ("preprint", item_type), **changes}
    update = {"key": str(data["key"]), "version": int(data.get("version") or 0), "itemType": item_type,
              **wanted}
    return ItemUpgrade(str(data["key"]), int(data.get("version") or 0), item_type, update, changes)


# --------------------------------------------------------------------------------------
# .bib entries
# --------------------------------------------------------------------------------------

_ENTRY_HEAD = re.compile(r"^@(?P<type>[A-Za-z]+)\{(?P<key>[^\s,{}]+),$")
_FIELD_LINE = re.compile(r"^  (?P<name>[A-Za-z]+) = \S.*$")
_PREPRINT_TYPES = frozenset({"misc", "online"})
# Fields a preprint entry has that the published one gets anew (or loses): the venue and
# its date replace the preprint's date and `howpublished`; `pubstate` is gone.
_REPLACED = frozenset({"howpublished", "pubstate", "year", "month", "date", "doi", "journal", "journaltitle",
                       "booktitle", "volume", "number", "pages", "publisher"})
_HEAD = frozenset({"title", "author", "key"})
_EPRINT = frozenset({"eprint", "archiveprefix", "primaryclass", "eprinttype", "eprintclass"})


def _line_values(lines: list[str]) -> dict[str, str]:
    """name -> value of one-field-per-line entry lines: braces off, bare values (`month =
    jun`) as written."""
    values = {}
    for line in lines:
        name, _, value = line.strip().rstrip(",").partition(" = ")
        values[name.lower()] = value[1:-1] if value.startswith("{") and value.endswith("}") else value
    return values


@dataclass(frozen=True, slots=True)
class EntryUpgrade:
    """A .bib preprint entry as its published version."""

    key: str
    old_type: str
    entry_type: str  # the new type: article or inproceedings
    text: str  # the new entry, `\n` newlines, from `@` to the closing brace
    changes: dict[str, tuple[str, str]]  # field -> (old, new) values, "" for none; "ENTRYTYPE" too
    warnings: tuple[str, ...] = ()


def entry_upgrade(text: str, paper: Paper) -> EntryUpgrade | None:
    """The published version of one entry zotsync wrote (`text`: the entry alone, `\n`
    newlines) for `paper` (looked up, published); None when the entry is no preprint entry
    in zotsync's format (one field per line) or already has the paper's DOI."""
    if not is_published(paper) or paper.publication is None or paper.doi is None:
        return None
    lines = text.split("\n")
    head = _ENTRY_HEAD.match(lines[0])
    if head is None or lines[-1] != "}" or len(lines) < 3:
        return None
    old_type = head["type"].lower()
    if old_type not in _PREPRINT_TYPES:
        return None
    try:
        (block,) = scan(text).entries
        fields = entry_fields(text, block)
    except (BibSyntaxError, ValueError):
        return None
    body = lines[1:-1]
    names = [m["name"].lower() if (m := _FIELD_LINE.match(line)) else "" for line in body]
    if names != [name for name, _ in fields] or len(set(names)) != len(names):
        return None  # not one field per line, as zotsync writes them
    old = dict(fields)
    doi = normalize_doi(paper.doi) or paper.doi
    if old.get("doi", "").lower() == doi.lower():
        return None
    style: Style = "biblatex" if "eprinttype" in old or old_type == "online" else "bibtex"
    venue: list[str] = []
    untypeset: list[str] = []
    entry_type = publication_fields(paper, paper.publication, style, venue, untypeset)
    kept = {name: line.rstrip(",") + "," for name, line in zip(names, body, strict=True)}
    head_lines = [kept[n] for n in names if n in _HEAD]
    eprint_lines = [kept[n] for n in names if n in _EPRINT]
    url_lines = [kept[n] for n in names if n == "url"]
    rest = [kept[n] for n in names if n not in _HEAD | _EPRINT | _REPLACED | {"url"}]
    new_fields = [*head_lines, *venue, *eprint_lines, *url_lines, f"  doi = {{{verbatim_url(doi)}}},", *rest]
    new_fields[-1] = new_fields[-1].removesuffix(",")
    new_text = f"@{entry_type}{{{head['key']},\n" + "\n".join(new_fields) + "\n}"
    new = _line_values(new_fields)
    old = _line_values(body)
    changes = {"ENTRYTYPE": (old_type, entry_type)}
    for name in [*old, *(n for n in new if n not in old)]:
        if old.get(name, "") != new.get(name, ""):
            changes[name] = (old.get(name, ""), new.get(name, ""))
    warnings: tuple[str, ...] = ()
    if untypeset:
        shown = "".join(dict.fromkeys(untypeset))[:12]
        warnings = (f"the venue keeps characters pdflatex cannot typeset ({shown}): compile with xelatex "
                    "or lualatex",)
    return EntryUpgrade(head["key"], old_type, entry_type, new_text, changes, warnings)
