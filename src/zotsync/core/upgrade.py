"""A preprint that has been published, as its published version. Pure.

`item_upgrade` turns a Zotero preprint item into the journal article or conference paper
Zotero's arXiv import would make through the DOI (`zotero_item.published_fields`), as a
partial update: only the item type and the venue fields are sent, so the item keeps its
key, citation key, notes, attachments, tags, collections and everything else the user
wrote; the arXiv ID stays in Extra. `entry_upgrade` does the same for a .bib entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
