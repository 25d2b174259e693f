"""The small interface the sync engine needs from a Zotero library: `ZoteroTarget`.

`ZoteroWeb` (zotsync.zotero.web) implements it over the Web API; the Zotero desktop
local API (`/api/` on port 23119, same protocol since Zotero 10) can implement it too
without the planner or the engine changing (see zotsync.sync, where targets plug in).
`EmptyTarget` is a library with nothing in it that takes no writes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from zotsync.core.zotero_item import ITEM_FIELDS, SCHEMA_VERSION
from zotsync.errors import ZoteroError

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


class WriteTokenUsed(ZoteroError):
    """The server had already applied a request with this write token: the answer to
    the first attempt was lost, but its writes happened."""


class LibraryChanged(ZoteroError):
    """A write sent with `If-Unmodified-Since-Version: N` was refused as a whole (412):
    the library moved past N (another machine wrote). Nothing of it was written."""

    def __init__(self, expected: int, found: int | None) -> None:
        self.expected = expected
        self.found = found
        super().__init__(f"the library changed since version {expected} (now {found}) while writing",
                         hint="run the command again")


def new_object_key() -> str:
    """A client-generated object key: 8 characters of Zotero's key alphabet."""
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))


@dataclass(frozen=True, slots=True)
class Versioned:
    """A response's data with the library version it reflects (`Last-Modified-Version`)."""

    data: Any
    version: int


@dataclass(slots=True)
class WriteReport:
    """A batch write's outcome, by index of the object sent."""

    successful: dict[int, dict[str, Any]] = field(default_factory=dict)  # full objects
    unchanged: dict[int, str] = field(default_factory=dict)
    failed: dict[int, dict[str, Any]] = field(default_factory=dict)  # {code, message, key?, data?}
    version: int = 0  # library version after the write

    @classmethod
    def from_json(cls, document: Mapping[str, Any], version: int) -> WriteReport:
        def by_index(name: str) -> dict[int, Any]:
            section = document.get(name) or {}
            return {int(index): value for index, value in section.items()}

        successful = by_index("successful")
        for index, key in by_index("success").items():  # deprecated map, older servers
            successful.setdefault(index, {"key": key})
        return cls(successful, by_index("unchanged"), by_index("failed"), version)


class ZoteroTarget(Protocol):
    """What the engine asks of a library. All methods raise ZoteroError on failure."""

    library_label: str  # "user library 123" / "group library 42", for messages
    server: str  # the server's base URL: what its schema is remembered under
    schema_version: int | None  # the server's Zotero-Schema-Version, once it answered

    def close(self) -> None:
        """Let go of connections (the target is not used again)."""
        ...

    def item_versions(self, since: int) -> Versioned | None:
        """`{key: version}` of items changed after `since`; None when nothing changed."""
        ...

    def all_items(self) -> Iterator[Versioned]:
        """Every item (children and trash included), page by page."""
        ...

    def items_by_key(self, keys: Sequence[str]) -> list[dict[str, Any]]: ...

    def collection_items(self, collection_key: str) -> Iterator[Versioned]:
        """The collection's top-level, non-trashed items, page by page."""
        ...

    def deleted(self, since: int) -> Versioned: ...

    def item_type_fields(self, item_type: str) -> frozenset[str]:
        """The fields the server's schema gives `item_type`."""
        ...

    def all_collections(self) -> Versioned: ...

    def write_items(self, objects: Sequence[Mapping[str, Any]], *, since: int | None = None) -> WriteReport:
        """POST up to 50 objects; retried safely (same write token) on transport errors.

        With `since`, sent with `If-Unmodified-Since-Version: since`: raises
        LibraryChanged, having written nothing, when the library is newer."""
        ...

    def write_collections(self, objects: Sequence[Mapping[str, Any]], *,
                          since: int | None = None) -> WriteReport: ...



class EmptyTarget:
    """A library with nothing in it that takes no writes: what a push plans against when
    no Zotero library is configured (`--dry-run`). Its schema is the current one (every
    item type has `citationKey`)."""

    library_label = "an empty library"
    server = "empty:"
    schema_version: int | None = SCHEMA_VERSION

    def close(self) -> None:
        pass

    def item_versions(self, since: int) -> Versioned | None:
        return None

    def all_items(self) -> Iterator[Versioned]:
        yield from ()

    def items_by_key(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        return []

    def collection_items(self, collection_key: str) -> Iterator[Versioned]:
        yield from ()

    def deleted(self, since: int) -> Versioned:
        return Versioned({}, 0)

    def item_type_fields(self, item_type: str) -> frozenset[str]:
        return ITEM_FIELDS.get(item_type, frozenset())

    def all_collections(self) -> Versioned:
        return Versioned([], 0)

    def write_items(self, objects: Sequence[Mapping[str, Any]], *, since: int | None = None) -> WriteReport:
        raise ZoteroError("no Zotero library to write to", hint="run `zotsync login`")

    def write_collections(self, objects: Sequence[Mapping[str, Any]], *,
                          since: int | None = None) -> WriteReport:
        raise ZoteroError("no Zotero library to write to", hint="run `zotsync login`")
