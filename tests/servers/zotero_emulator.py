"""A strict Zotero Web API v3 emulator for zotsync's tests and benchmarks.

Standard library only: one ``ThreadingHTTPServer`` on 127.0.0.1 (port 0 by default),
served at ``/`` with no path prefix, so the real pyzotero client can talk to it after
``zot.endpoint = emu.url``. It enforces the rules of ``docs/zotero-api.md`` (the §11
checklist) the way api.zotero.org does: auth and key rights, versions and
preconditions, the 50-object batch, per-object write reports, client keys and the 428
trap, write tokens, item validation against an embedded field table (schema v41),
note sanitizing, trash, the deletion log, pagination headers.

    with ZoteroEmulator() as emu:
        emu.add_user(1, "alice")
        key = emu.add_key(user_id=1, write=True)
        zot = zotero.Zotero("1", "user", key)
        zot.endpoint = emu.url
        report = zot.create_items([{"itemType": "preprint", "title": "BERT"}])
        assert report["failed"] == {} and len(emu.writes) == 1
        assert emu.library("/users/1").version == 1

Faults are injected per request (`emu.inject(Fault.rate_limited(retry_after=1))`, see
`Fault`). Every request is logged (`emu.log`); nothing is redacted there (test-only),
and the emulator never prints a key.

Run as a script (benchmarks), it seeds user 1 and prints ``NAME=value`` lines on
stdout (the URL, a write key, the library id and type), then serves until SIGINT or
SIGTERM:

    python tests/servers/zotero_emulator.py --port 0 --latency 0.01 --seed-items 100000
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import json
import random
import re
import signal
import socket
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape as html_escape
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

__all__ = [
    "ALL_CREATOR_TYPES",
    "ALL_FIELDS",
    "ALL_ITEM_TYPES",
    "BASE_FIELDS",
    "CREATOR_TYPES",
    "ITEM_TYPE_FIELDS",
    "KEY_ALPHABET",
    "LINK_MODES",
    "PRIMARY_CREATOR_TYPE",
    "SCHEMA_VERSION",
    "Fault",
    "LibraryView",
    "LoggedRequest",
    "ZoteroEmulator",
    "sanitize_note",
    "synthetic_preprints",
]

SCHEMA_VERSION = 41
API_VERSION = 3
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
MAX_WRITE_OBJECTS = 50  # objects per POST, keys per itemKey=/collectionKey=/DELETE
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
MAX_FIELD_BYTES = 65535
MAX_NOTE_CHARS = 500_000
MAX_NAME_CHARS = 255  # tag names, collection names
AUTH_FAILURES_ALLOWED = 5
AUTH_FAILURE_WINDOW = 300.0
WRITE_TOKEN_TTL = 12 * 3600.0
WWW = "https://www.zotero.org"

# ---------------------------------------------------------------------------------------
# The field table. Facts of zotero-schema v41 for the item types zotsync and its tests
# use; `field=baseField` marks a base-mapped field, `*` the primary creator type.
# tests/test_zotero_emulator_schema.py checks it against the real schema when
# ../shared is present.
# ---------------------------------------------------------------------------------------

_TYPE_TABLE: dict[str, tuple[str, str]] = {
    "preprint": (
        "title abstractNote genre=type repository=publisher archiveID=number place date series"
        " seriesNumber DOI citationKey url accessDate archive archiveLocation shortTitle language"
        " libraryCatalog callNumber rights extra",
        "*author contributor editor translator reviewedAuthor",
    ),
    "journalArticle": (
        "title abstractNote publicationTitle publisher place date volume issue section partNumber"
        " partTitle pages series seriesTitle seriesText journalAbbreviation DOI citationKey url"
        " accessDate PMID PMCID ISSN archive archiveLocation shortTitle language libraryCatalog"
        " callNumber rights extra",
        "*author contributor editor translator reviewedAuthor",
    ),
    "conferencePaper": (
        "title abstractNote proceedingsTitle=publicationTitle conferenceName publisher place date"
        " eventPlace volume issue numberOfVolumes pages series seriesNumber DOI ISBN citationKey url"
        " accessDate ISSN archive archiveLocation shortTitle language libraryCatalog callNumber"
        " rights extra",
        "*author contributor editor translator seriesEditor",
    ),
    "book": (
        "title abstractNote series seriesNumber volume numberOfVolumes edition date publisher place"
        " originalDate originalPublisher originalPlace format=medium numPages ISBN DOI citationKey"
        " url accessDate ISSN archive archiveLocation shortTitle language libraryCatalog callNumber"
        " rights extra",
        "*author contributor editor translator seriesEditor",
    ),
    "bookSection": (
        "title abstractNote bookTitle=publicationTitle series seriesNumber volume numberOfVolumes"
        " edition date publisher place originalDate originalPublisher originalPlace format=medium"
        " pages ISBN DOI citationKey url accessDate ISSN archive archiveLocation shortTitle"
        " language libraryCatalog callNumber rights extra",
        "*author contributor editor bookAuthor translator seriesEditor",
    ),
    "report": (
        "title abstractNote reportNumber=number reportType=type institution=publisher place date"
        " seriesTitle seriesNumber pages DOI ISBN citationKey url accessDate ISSN archive"
        " archiveLocation shortTitle language libraryCatalog callNumber rights extra",
        "*author editor contributor translator seriesEditor",
    ),
    "thesis": (
        "title abstractNote thesisType=type university=publisher place date series seriesNumber"
        " numPages DOI ISBN citationKey url accessDate ISSN archive archiveLocation shortTitle"
        " language libraryCatalog callNumber rights extra",
        "*author contributor",
    ),
    "webpage": (
        "title abstractNote websiteTitle=publicationTitle websiteType=type date publisher place DOI"
        " citationKey url accessDate shortTitle language rights extra",
        "*author contributor translator",
    ),
    "manuscript": (
        "title abstractNote manuscriptType=type institution=publisher place date numPages number DOI"
        " citationKey url accessDate archive archiveLocation shortTitle language libraryCatalog"
        " callNumber rights extra",
        "*author contributor translator",
    ),
    "note": ("", ""),
    "attachment": ("title accessDate url", ""),
}

# Every item type, field name (base fields included) and creator type of schema v41: a
# name outside these is "invalid"; one inside but not valid for the type is "not valid
# for type"; a type outside _TYPE_TABLE is refused as unsupported by this emulator.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ALL_ITEM_TYPES = _words(
    "annotation artwork attachment audioRecording bill blogPost book bookSection case"
    " computerProgram conferencePaper dataset dictionaryEntry document email encyclopediaArticle"
    " film forumPost hearing instantMessage interview journalArticle letter magazineArticle"
    " manuscript map newspaperArticle note patent podcast preprint presentation radioBroadcast"
    " report standard statute thesis tvBroadcast videoRecording webpage"
)
ALL_FIELDS = _words(
    "abstractNote accessDate applicationNumber archive archiveID archiveLocation artworkMedium"
    " artworkSize assignee audioFileType audioRecordingFormat authority billNumber blogTitle"
    " bookTitle callNumber caseName citationKey code codeNumber codePages codeVolume committee"
    " company conferenceName country court date dateDecided dateEnacted dictionaryTitle"
    " distributor docketNumber documentNumber DOI edition encyclopediaTitle episodeNumber"
    " eventPlace extra filingDate firstPage format forumTitle genre history identifier"
    " institution interviewMedium ISBN ISSN issue issueDate issuingAuthority journalAbbreviation"
    " label language legalStatus legislativeBody letterType libraryCatalog manuscriptType mapType"
    " medium meetingName nameOfAct network number numberOfVolumes numPages organization"
    " originalDate originalPlace originalPublisher pages partNumber partTitle patentNumber place"
    " PMCID PMID postType presentationType priorityDate priorityNumbers proceedingsTitle"
    " programmingLanguage programTitle publicationTitle publicLawNumber publisher references"
    " reporter reporterVolume reportNumber reportType repository repositoryLocation rights"
    " runningTime scale section series seriesNumber seriesText seriesTitle session sessionTitle"
    " shortTitle status studio subject system thesisType title type university url versionNumber"
    " videoRecordingFormat volume websiteTitle websiteType"
)
ALL_CREATOR_TYPES = _words(
    "artist attorneyAgent author bookAuthor cartographer castMember chair commenter composer"
    " contributor cosponsor counsel creator director editor executiveProducer guest host"
    " interviewee interviewer inventor narrator organizer originalCreator performer podcaster"
    " presenter producer programmer recipient reviewedAuthor scriptwriter seriesCreator"
    " seriesEditor sponsor translator wordsBy"
)
LINK_MODES = ("imported_file", "imported_url", "linked_file", "linked_url")


def _parse_type_table() -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, str]],
                                 dict[str, tuple[str, ...]], dict[str, str]]:
    fields: dict[str, tuple[str, ...]] = {}
    bases: dict[str, dict[str, str]] = {}
    creator_types: dict[str, tuple[str, ...]] = {}
    primary: dict[str, str] = {}
    for item_type, (field_spec, creator_spec) in _TYPE_TABLE.items():
        names: list[str] = []
        bases[item_type] = {}
        for token in field_spec.split():
            name, _, base = token.partition("=")
            names.append(name)
            if base:
                bases[item_type][name] = base
        fields[item_type] = tuple(names)
        creator_types[item_type] = tuple(c.lstrip("*") for c in creator_spec.split())
        primary.update((item_type, c[1:]) for c in creator_spec.split() if c.startswith("*"))
    return fields, bases, creator_types, primary


# per item type: fields in schema order; {field: base field}; creator types; the primary creator type
ITEM_TYPE_FIELDS, BASE_FIELDS, CREATOR_TYPES, PRIMARY_CREATOR_TYPE = _parse_type_table()
_FIELD_SETS = {t: frozenset(f) for t, f in ITEM_TYPE_FIELDS.items()}
_CHILD_TYPES = ("note", "attachment")
_ATTACHMENT_PROPS = frozenset({"contentType", "charset", "filename", "md5", "mtime", "path"})
_KEY_SPACE = 33**8
_DATETIME_RE = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\dZ?")
_KEY_RE = re.compile(r"[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}")
_ITEM_URI_RE = re.compile(r"http://zotero\.org/(users|groups)/[0-9]+/items/[A-Z0-9]{8}")
_COLLECTION_URI_RE = re.compile(r"http://zotero\.org/(users|groups)/[0-9]+/collections/[A-Z0-9]{8}")
_RELATION_PREDICATES = ("owl:sameAs", "dc:replaces", "dc:relation")
_DELETED_KINDS = ("collections", "items", "searches", "tags", "settings")
_SORT_FIELDS = frozenset(
    {"dateModified", "dateAdded", "title", "creator", "itemType", "date", "publisher",
     "publicationTitle", "journalAbbreviation", "language", "accessDate", "libraryCatalog",
     "callNumber", "rights", "addedBy", "serverDateModified"}  # (no "name": collections sort by title)
)
_UNSUPPORTED_FORMATS = frozenset(
    {"atom", "bib", "citation", "csljson", "bibtex", "biblatex", "bookmarks", "coins", "mods",
     "refer", "rdf_bibliontology", "rdf_dc", "rdf_zotero", "ris", "tei", "wikipedia", "globalKeys"}
)


def _check_query_params(ctx: _Ctx, sub: list[str]) -> None:
    """`Zotero_API::parseQueryParams`: the last step of `ApiController::init()` before the
    version headers, so its 400s go out without them (an `_EarlyError`). `sub` is the path
    after the library; its action is the last of items/collections/searches/tags in it."""
    actions = [part for part in sub if part in ("items", "collections", "searches", "tags")]
    action = "items" if sub[-1:] == ["children"] else (actions[-1] if actions else (sub[0] if sub else ""))
    single = (len(sub) == 2 and sub[0] in ("items", "collections", "searches")
              and sub[1] not in ("top", "trash"))
    fmt = ctx.param("format")
    if fmt is not None and action == "items" and not (
            fmt in ("json", "atom", "bib", "globalKeys") or fmt in _UNSUPPORTED_FORMATS
            or (fmt in ("keys", "versions") and not single)):
        raise _EarlyError(400, f"Invalid 'format' value '{fmt}'")
    for name in ("since", "sincetime"):
        value = ctx.param(name)
        if value is not None and not re.fullmatch(r"\d+", value):  # (stricter than PHP's is_numeric)
            raise _EarlyError(400, f"Invalid value for '{name}' parameter")
    sort = ctx.param("sort")
    if sort is not None and sort not in ("asc", "desc") and sort not in _SORT_FIELDS:
        raise _EarlyError(400, f"Invalid 'sort' value '{sort}'")
    for name, valid in (("direction", ("asc", "desc")), ("qmode", ("titleCreatorYear", "everything"))):
        value = ctx.param(name)
        if value is not None and value not in valid:
            raise _EarlyError(400, f"Invalid '{name}' value '{value}'")
    for name in ("itemKey", "collectionKey", "searchKey"):
        value = ctx.param(name)
        if value is not None and not all(_is_key(k) for k in value.strip(",").split(",")):
            raise _EarlyError(400, f"Invalid '{name}' value '{value}'")


def _is_key(value: object) -> bool:
    return isinstance(value, str) and _KEY_RE.fullmatch(value) is not None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _localized(name: str) -> str:
    """`journalArticle` -> `Journal Article` (the emulator has no locale files)."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return words[:1].upper() + words[1:]


def _html_special(text: str) -> str:
    """PHP htmlspecialchars(ENT_COMPAT): & < > and double quotes, not single quotes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _is_empty(value: object) -> bool:
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def _excerpt(text: str, size: int = 50) -> str:
    flat = " ".join(re.sub(r"<[^>]*>", " ", text).split())
    return flat if len(flat) <= size else flat[:size] + "…"


# ---------------------------------------------------------------------------------------
# Note sanitizing (the dataserver runs notes through HTML Purifier)
# ---------------------------------------------------------------------------------------

_DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "applet", "frame",
                                "frameset", "noscript", "template"})
_DROP_TAG_ONLY = frozenset({"html", "head", "body", "meta", "link", "base", "form", "input",
                            "button", "textarea", "select"})
_VOID = frozenset({"br", "hr", "img", "col", "area", "wbr", "source", "track", "param"})
_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "background", "poster", "xlink:href",
                        "cite", "longdesc", "usemap", "dynsrc", "lowsrc"})


class _NoteSanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip: list[str] = []

    def _attrs(self, attrs: list[tuple[str, str | None]]) -> str:
        kept: list[str] = []
        for name, value in attrs:
            lowered = name.lower()
            if lowered.startswith("on") or (lowered == "style" and value and "expression(" in value.lower()):
                continue
            if lowered in _URL_ATTRS and value is not None:
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    continue
            if value is None:
                kept.append(f" {lowered}")
            else:
                kept.append(f' {lowered}="{html_escape(value, quote=True)}"')
        return "".join(kept)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            self._skip.append(tag)
            return
        if tag in _DROP_TAG_ONLY:
            return
        self.out.append(f"<{tag}{self._attrs(attrs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip or tag in _DROP_WITH_CONTENT or tag in _DROP_TAG_ONLY:
            return
        attributes = self._attrs(attrs)
        self.out.append(f"<{tag}{attributes} />" if tag in _VOID else f"<{tag}{attributes}></{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.pop()
            return
        if tag in _DROP_WITH_CONTENT or tag in _DROP_TAG_ONLY or tag in _VOID:
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(html_escape(data, quote=False))


def sanitize_note(note: str) -> str:
    """Drop script-like elements, `on*` attributes and javascript: URLs; keep other HTML.

    Like the dataserver, the stored note is not byte-equal to what was sent: compare
    notes by their normalized text.
    """
    parser = _NoteSanitizer()
    parser.feed(note)
    parser.close()
    return "".join(parser.out).strip()


# ---------------------------------------------------------------------------------------
# Public records: faults, the request log, library snapshots
# ---------------------------------------------------------------------------------------


@dataclass
class Fault:
    """A fault applied to requests whose method and path match, `times` times (None: always).

    `method` is "*" or names joined by "|" ("POST|PUT"); `path` is a regex searched in the
    request path (no query string). Effects, combinable:

    - `delay`: sleep this long before answering;
    - `status`: answer this status (429, 503, 409 …) with `message` and `retry_after`
      instead of processing the request (nothing is written);
    - `backoff`: add a `Backoff` header to the (processed) answer, even a 200;
    - `fail_indexes`: in a batch write, these objects fail with a per-object 500;
    - `drop="before"`: close the connection without processing or answering;
    - `drop="after"`: process (commit) the request, then close without answering.

    The class methods build the usual ones; `hits` counts the requests it affected.
    """

    method: str = "*"
    path: str = ""
    status: int | None = None
    message: str | None = None
    retry_after: float | None = None
    backoff: float | None = None
    delay: float = 0.0
    fail_indexes: tuple[int, ...] = ()
    drop: Literal["before", "after"] | None = None
    times: int | None = 1
    hits: int = field(default=0, init=False)

    @classmethod
    def rate_limited(cls, method: str = "*", path: str = "", *, retry_after: float | None = 1,
                     times: int | None = 1) -> Fault:
        """429 Too Many Requests, with `Retry-After` unless `retry_after` is None."""
        return cls(method, path, status=429, retry_after=retry_after, times=times)

    @classmethod
    def unavailable(cls, method: str = "*", path: str = "", *, retry_after: float | None = None,
                    times: int | None = 1) -> Fault:
        """503 Service Unavailable (maintenance), with an optional `Retry-After`."""
        return cls(method, path, status=503, retry_after=retry_after, times=times)

    @classmethod
    def locked(cls, method: str = "POST|PUT|PATCH|DELETE", path: str = "", *,
               times: int | None = 1) -> Fault:
        """409 "The target library is locked"."""
        return cls(method, path, status=409, message="The target library is locked", times=times)

    @classmethod
    def with_backoff(cls, seconds: float, method: str = "*", path: str = "", *,
                     times: int | None = 1) -> Fault:
        """A normal answer carrying `Backoff: <seconds>`."""
        return cls(method, path, backoff=seconds, times=times)

    @classmethod
    def object_errors(cls, indexes: Iterable[int], method: str = "POST", path: str = "", *,
                      times: int | None = 1) -> Fault:
        """In a batch write, the objects at `indexes` fail with a per-object 500."""
        return cls(method, path, fail_indexes=tuple(indexes), times=times)

    @classmethod
    def drop_after_commit(cls, method: str = "POST", path: str = "", *,
                          times: int | None = 1) -> Fault:
        """Apply the write, then close the socket without an answer (a crash mid-sync)."""
        return cls(method, path, drop="after", times=times)

    @classmethod
    def drop_before(cls, method: str = "*", path: str = "", *, times: int | None = 1) -> Fault:
        """Close the socket without applying or answering."""
        return cls(method, path, drop="before", times=times)

    @classmethod
    def slow(cls, seconds: float, method: str = "*", path: str = "", *,
             times: int | None = 1) -> Fault:
        """Answer normally, `seconds` late."""
        return cls(method, path, delay=seconds, times=times)

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method != "*" and method.upper() not in self.method.upper().split("|"):
            return False
        return re.search(self.path, path) is not None


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator saw it. `headers` names are lower-case; `query` keeps
    the last value of repeated parameters; `status` is None when the connection was
    dropped by a fault. Nothing is redacted (keys included): the log is test-only."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes | None
    status: int | None

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body or b"null")

    @property
    def is_write(self) -> bool:
        return self.method != "GET"


class LibraryView:
    """The current state of one library, for assertions. Every property returns copies.

    `items` and `collections` map keys to the API `data` dicts (a trashed item has
    `"deleted": 1`); `deleted` maps "items"/"collections"/"tags" to {key: version of
    the deletion}.
    """

    def __init__(self, emulator: ZoteroEmulator, library: _Library) -> None:
        self._emulator = emulator
        self._library = library

    @property
    def version(self) -> int:
        with self._emulator._lock:
            return self._library.version

    @property
    def items(self) -> dict[str, dict[str, Any]]:
        with self._emulator._lock:
            return copy.deepcopy(self._library.items)

    @property
    def collections(self) -> dict[str, dict[str, Any]]:
        with self._emulator._lock:
            return copy.deepcopy(self._library.collections)

    @property
    def deleted(self) -> dict[str, dict[str, int]]:
        with self._emulator._lock:
            return copy.deepcopy(self._library.deleted)

    @property
    def trashed(self) -> set[str]:
        with self._emulator._lock:
            return {k for k, d in self._library.items.items() if d.get("deleted")}

    def item(self, key: str) -> dict[str, Any] | None:
        with self._emulator._lock:
            found = self._library.items.get(key)
            return copy.deepcopy(found) if found is not None else None

    def collection(self, key: str) -> dict[str, Any] | None:
        with self._emulator._lock:
            found = self._library.collections.get(key)
            return copy.deepcopy(found) if found is not None else None


# ---------------------------------------------------------------------------------------
# Internal state
# ---------------------------------------------------------------------------------------


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class _EarlyError(_HTTPError):
    """An error the dataserver raises in `ApiController::init()` before it sets
    `Zotero-API-Version` (its last step): the answer carries neither that header nor
    `Zotero-Schema-Version` nor `Last-Modified-Version` (docs/zotero-api.md §1.1)."""


class _ObjectError(Exception):
    """A per-object failure: `failed[i]` in a write report, or the status of a single write."""

    def __init__(self, code: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


@dataclass
class _Key:
    key: str
    user_id: int
    library: bool
    notes: bool
    write: bool
    files: bool
    groups: dict[int, bool]


@dataclass
class _Group:
    group_id: int
    name: str
    owner: int | None
    members: set[int]
    created: str


class _Library:
    def __init__(self, kind: Literal["user", "group"], lib_id: int, name: str) -> None:
        self.kind = kind
        self.id = lib_id
        self.name = name
        self.version = 0
        self.items: dict[str, dict[str, Any]] = {}  # in modification order, oldest first
        self.collections: dict[str, dict[str, Any]] = {}
        self.seq: dict[str, int] = {}  # key -> modification sequence (items and collections)
        self.children: dict[str, set[str]] = {}
        self.members: dict[str, set[str]] = {}  # collection key -> item keys
        self.deleted: dict[str, dict[str, int]] = {kind: {} for kind in _DELETED_KINDS}
        self.mutations = 0

    @property
    def prefix(self) -> str:
        return f"/{self.kind}s/{self.id}"

    @property
    def www(self) -> str:
        return f"{WWW}/{self.name.lower()}" if self.kind == "user" else f"{WWW}/groups/{self.id}"


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Ctx:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes | None
    client_ip: str
    fail_indexes: frozenset[int] = frozenset()
    key: _Key | None = None
    lib: _Library | None = None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class _ListParams:
    fmt: str
    start: int
    limit: int  # 0: no limit
    since: int | None
    keys: tuple[str, ...] | None
    include_trashed: bool
    q: str
    qmode: str
    item_types: tuple[str, ...]
    tags: tuple[str, ...]
    sort: str
    direction: str
    link_params: dict[str, str]


def _json_response(document: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> _Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return _Response(status, body, {"Content-Type": "application/json", **(headers or {})})


def _text_response(status: int, text: str, headers: Mapping[str, str] | None = None) -> _Response:
    return _Response(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8", **(headers or {})})


def _int_header(ctx: _Ctx, name: str) -> int | None:
    raw = ctx.headers.get(name.lower())
    if raw is None:
        return None
    if not re.fullmatch(r"\s*\d+\s*", raw):
        raise _HTTPError(400, f"Invalid {name} header '{raw}'")
    return int(raw)


def _split_keys(raw: str) -> tuple[str, ...]:
    """The keys of an `itemKey`-style parameter (their spelling was checked in _init)."""
    return tuple(raw.strip(",").split(","))


_ISO_DATE_RE = re.compile(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_YEAR_RE = re.compile(r"\b(\d{4})\b")


def _parsed_date(value: str) -> str | None:
    if not value:
        return None
    found = _ISO_DATE_RE.match(value)
    if found:
        year, month, day = found.groups()
        return "-".join([year] + [part.zfill(2) for part in (month, day) if part])
    found = _YEAR_RE.search(value)
    return found.group(1) if found else None


def _creator_summary(creators: list[dict[str, Any]], item_type: str) -> str:
    primary = PRIMARY_CREATOR_TYPE.get(item_type, "author")
    for wanted in (primary, "editor", "contributor"):
        names = [c.get("lastName") or c.get("name") or "" for c in creators if c.get("creatorType") == wanted]
        if names:
            if len(names) == 1:
                return names[0]
            if len(names) == 2:
                return f"{names[0]} and {names[1]}"
            return f"{names[0]} et al."
    return ""


def _blank_item(item_type: str, link_mode: str | None = None) -> dict[str, Any]:
    blank = _BLANK_REGULAR.get(item_type)
    if blank is not None:
        data = dict(blank)
        data.update(creators=[], tags=[], collections=[], relations={})
        return data
    data = {"itemType": item_type}
    if item_type == "note":
        data["note"] = ""
    elif item_type == "attachment":
        assert link_mode is not None
        data["linkMode"] = link_mode
        for name in ITEM_TYPE_FIELDS["attachment"]:
            data[name] = ""
        data.update(note="", contentType="", charset="")
        if link_mode.startswith("imported_"):
            data.update(filename="", md5=None, mtime=None)
        if link_mode == "linked_file":
            data["path"] = ""
    else:
        for name in ITEM_TYPE_FIELDS[item_type]:
            data[name] = ""
        data["creators"] = []
    data.update(tags=[], collections=[], relations={})
    return data


# the item JSON order: creators right after the title
_FIELD_ORDER: dict[str, tuple[str, ...]] = {
    t: ((*fields[:1], "creators", *fields[1:]) if t not in _CHILD_TYPES else fields)
    for t, fields in ITEM_TYPE_FIELDS.items()
}
_BLANK_REGULAR: dict[str, dict[str, Any]] = {
    t: {"itemType": t, **dict.fromkeys(fields, "")} for t, fields in ITEM_TYPE_FIELDS.items()
    if t not in _CHILD_TYPES
}


def _ordered_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """The item `data` in the dataserver's property order, every type field present."""
    item_type = data["itemType"]
    out: dict[str, Any] = {"key": data["key"], "version": data["version"]}
    if data.get("parentItem"):
        out["parentItem"] = data["parentItem"]
    out["itemType"] = item_type
    if item_type == "attachment":
        out["linkMode"] = data["linkMode"]
    get = data.get
    for name in _FIELD_ORDER[item_type]:
        out[name] = get(name, "")
    if item_type not in _CHILD_TYPES:
        out["creators"] = get("creators") or []
    else:
        out["note"] = data.get("note", "")
    if item_type == "attachment":
        out["contentType"] = data.get("contentType", "")
        out["charset"] = data.get("charset", "")
        if data["linkMode"].startswith("imported_"):
            out["filename"] = data.get("filename", "")
            out["md5"] = data.get("md5")
            out["mtime"] = data.get("mtime")
        if data["linkMode"] == "linked_file":
            out["path"] = data.get("path", "")
    out["tags"] = data.get("tags", [])
    if not data.get("parentItem"):
        out["collections"] = data.get("collections", [])
    out["relations"] = data.get("relations", {})
    if data.get("deleted"):
        out["deleted"] = 1
    if data.get("inPublications"):
        out["inPublications"] = True
    out["dateAdded"] = data["dateAdded"]
    out["dateModified"] = data["dateModified"]
    return out


def _ordered_collection(data: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        "key": data["key"],
        "version": data["version"],
        "name": data["name"],
        "parentCollection": data.get("parentCollection") or False,
        "relations": data.get("relations", {}),
    }
    if data.get("deleted"):
        out["deleted"] = True
    return out


def _same(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    ignore = ("version", "dateModified")
    return ({k: v for k, v in old.items() if k not in ignore}
            == {k: v for k, v in new.items() if k not in ignore})


def _template(item_type: str, link_mode: str | None) -> dict[str, Any]:
    """GET /items/new: a blank item as the API gives it (one empty primary creator)."""
    if item_type == "note":
        return {"itemType": "note", "note": "", "tags": [], "collections": [], "relations": {}}
    blank = _blank_item(item_type, link_mode)
    if item_type == "attachment":
        order = ["itemType", "linkMode", "title", "accessDate", "url", "note", "tags", "collections",
                 "relations", "contentType", "charset", "filename", "md5", "mtime", "path"]
        return {k: blank[k] for k in order if k in blank}
    out: dict[str, Any] = {"itemType": item_type}
    for name in ITEM_TYPE_FIELDS[item_type]:
        out[name] = ""
        if name == "title":
            out["creators"] = [{"creatorType": PRIMARY_CREATOR_TYPE[item_type], "firstName": "",
                                "lastName": ""}]
    out.update(tags=[], collections=[], relations={})
    return out


# ---------------------------------------------------------------------------------------
# The emulator
# ---------------------------------------------------------------------------------------


class ZoteroEmulator:
    """A Zotero Web API v3 server on 127.0.0.1 for tests (see the module docstring).

    Set up users, groups and keys with `add_user`, `add_group`, `add_key`; seed data with
    `seed_items`/`seed_collections`; read state with `library(prefix)`; count requests
    with `log`; inject faults with `inject`. `latency` is added to every request.
    `api_key`/`readonly_key` are free slots the pytest fixture fills; `env` is the
    environment zotsync needs for `api_key` and user library 1.
    """

    def __init__(self, *, latency: float = 0.0, port: int = 0, seed: int | None = 0,
                 schema_version: int = SCHEMA_VERSION, without_fields: Iterable[str] = ()) -> None:
        self.latency = latency
        # An older server: its Zotero-Schema-Version, and the fields its schema did not have
        # yet (e.g. `citationKey`, which v41 gives every item type): writing one is an
        # invalid property there, and /itemTypeFields leaves it out.
        self.schema_version = schema_version
        self.without_fields = frozenset(without_fields)
        self.port = port
        self.api_key: str | None = None
        self.readonly_key: str | None = None
        self._lock = threading.RLock()
        self._random = random.Random(seed)
        self._users: dict[int, str] = {}
        self._groups: dict[int, _Group] = {}
        self._keys: dict[str, _Key] = {}
        self._libraries: dict[str, _Library] = {}
        self._tokens: dict[tuple[str, str], float] = {}
        self._auth_failures: dict[str, list[float]] = {}
        self._banned: dict[str, float] = {}
        self._faults: list[Fault] = []
        self._log: list[LoggedRequest] = []
        self._list_cache: OrderedDict[tuple[Any, ...], list[str]] = OrderedDict()
        self._seq = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> ZoteroEmulator:
        """Bind 127.0.0.1:`port` (0: any free port) and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._server = _Server(("127.0.0.1", self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"zotero-emulator:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        stopper = threading.Thread(target=server.shutdown, daemon=True)
        stopper.start()
        with contextlib.suppress(OSError):  # wake the accept loop now rather than at its next poll
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        stopper.join()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ZoteroEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT` once started."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """ZOTERO_API_KEY (= `api_key`), ZOTERO_LIBRARY_ID "1", ZOTERO_LIBRARY_TYPE "user",
        ZOTSYNC_ZOTERO_URL."""
        if self.api_key is None:
            raise RuntimeError("set emu.api_key first (the zotero_emu fixture does)")
        return {
            "ZOTERO_API_KEY": self.api_key,
            "ZOTERO_LIBRARY_ID": "1",
            "ZOTERO_LIBRARY_TYPE": "user",
            "ZOTSYNC_ZOTERO_URL": self.url,
        }

    # -- accounts --------------------------------------------------------------------

    def add_user(self, user_id: int, username: str) -> None:
        """A user and their (empty) library `/users/<user_id>`."""
        with self._lock:
            self._users[user_id] = username
            self._libraries.setdefault(f"/users/{user_id}", _Library("user", user_id, username))

    def add_group(self, group_id: int, name: str, *, owner: int | None = None,
                  members: Iterable[int] = ()) -> None:
        """A group and its (empty) library `/groups/<group_id>`."""
        with self._lock:
            people = set(members) | ({owner} if owner is not None else set())
            self._groups[group_id] = _Group(group_id, name, owner, people, _now())
            self._libraries.setdefault(f"/groups/{group_id}", _Library("group", group_id, name))

    def add_key(self, key: str | None = None, *, user_id: int, write: bool = False,
                groups: Mapping[int, bool] | None = None, notes: bool = True, files: bool = True,
                library: bool = True) -> str:
        """An API key of `user_id` (24 random characters if `key` is None); `groups` maps
        group ids to write access. Returns the key."""
        with self._lock:
            if user_id not in self._users:
                raise ValueError(f"add_user({user_id}, ...) first")
            if key is None:
                alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                key = "".join(self._random.choice(alphabet) for _ in range(24))
            self._keys[key] = _Key(key, user_id, library, notes, write, files, dict(groups or {}))
            return key

    def clear_auth_failures(self) -> None:
        """Forget failed authentications (and the 429 ban they cause)."""
        with self._lock:
            self._auth_failures.clear()
            self._banned.clear()

    # -- data ------------------------------------------------------------------------

    def library(self, prefix: str = "/users/1") -> LibraryView:
        """The library at `prefix` ("/users/1", "groups/42")."""
        return LibraryView(self, self._library_at(prefix))

    def _library_at(self, prefix: str) -> _Library:
        found = self._libraries.get("/" + prefix.strip("/"))
        if found is None:
            raise KeyError(f"no library {prefix!r}: add_user/add_group first")
        return found

    def seed_collections(self, library: str = "/users/1",
                         collections: Sequence[Mapping[str, Any]] = ()) -> list[str]:
        """Insert collections without requests, validated like a write; returns their keys.
        Parents must come before their subcollections."""
        with self._lock:
            lib = self._library_at(library)
            if not collections:
                return []
            version = lib.version + 1
            keys: list[str] = []
            for index, raw in enumerate(collections):
                try:
                    data, key = self._build_collection(lib, dict(raw), raw.get("key"), None, partial=False,
                                                       index=index)
                except _ObjectError as exc:
                    raise ValueError(f"collection {index}: {exc.message}") from None
                key = key or self._new_key(lib)
                data.update(key=key, version=version)
                self._store_collection(lib, key, _ordered_collection(data))
                keys.append(key)
            lib.version = version
            lib.mutations += 1
            return keys

    def seed_items(self, library: str = "/users/1", items: Sequence[Mapping[str, Any]] = (),
                   collections: Sequence[Mapping[str, Any]] = ()) -> list[str]:
        """Bulk-insert items (and first `collections`) without requests; returns the item keys.

        Items are validated like a write (parents before children); all seeded objects
        share one new library version. Fast enough for 100k-item libraries.
        """
        collecting = gc.isenabled()
        gc.disable()  # 100k nested dicts: generational GC passes would double the time
        try:
            return self._seed_items(library, items, collections)
        finally:
            if collecting:
                gc.enable()

    def _seed_items(self, library: str, items: Sequence[Mapping[str, Any]],
                    collections: Sequence[Mapping[str, Any]]) -> list[str]:
        with self._lock:
            lib = self._library_at(library)
            self.seed_collections(library, collections)
            if not items:
                return []
            version = lib.version + 1
            now = _now()
            keys: list[str] = []
            for index, raw in enumerate(items):
                key = raw.get("key")
                if key is not None and (not _is_key(key) or key in lib.items or key in lib.collections):
                    raise ValueError(f"item {index}: key {key!r} is invalid or already used")
                try:
                    data = self._build_item(lib, raw, key, None, partial=False, index=index)
                except _ObjectError as exc:
                    raise ValueError(f"item {index}: {exc.message}") from None
                key = key or self._new_key(lib)
                data.update(key=key, version=version)
                data.setdefault("dateAdded", now)
                data.setdefault("dateModified", now)
                self._store_item(lib, key, None, _ordered_item(data))
                keys.append(key)
            lib.version = version
            lib.mutations += 1
            return keys

    # -- observation -----------------------------------------------------------------

    @property
    def log(self) -> list[LoggedRequest]:
        """Every request so far, in arrival order of their answers."""
        with self._lock:
            return list(self._log)

    @property
    def writes(self) -> list[LoggedRequest]:
        """The logged requests that were not GETs."""
        return [r for r in self.log if r.is_write]

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- faults ----------------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        """Apply `fault` to the next matching requests; returns it (see `Fault.hits`)."""
        with self._lock:
            re.compile(fault.path)
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- HTTP entry point --------------------------------------------------------------

    def _handle_http(self, method: str, target: str, headers: dict[str, str], body: bytes | None,
                     client_ip: str) -> _Response | None:
        """Answer one request; None means: close the connection without answering."""
        split = urlsplit(target)
        path = unquote(split.path) or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        logged_query = dict(parse_qsl(split.query, keep_blank_values=True))
        with self._lock:
            faults = [f for f in self._faults if f.matches(method, path)]
            for fault in faults:
                fault.hits += 1
        delay = self.latency + sum(f.delay for f in faults)
        if delay > 0:
            time.sleep(delay)

        def record(status: int | None) -> None:
            with self._lock:
                self._log.append(LoggedRequest(method, path, logged_query, dict(headers), body, status))

        if any(f.drop == "before" for f in faults):
            record(None)
            return None
        status_fault = next((f for f in faults if f.status is not None), None)
        if status_fault is not None:
            assert status_fault.status is not None
            default = {429: "Rate limit exceeded", 503: "Service Unavailable",
                       409: "The target library is locked"}.get(status_fault.status, "Error")
            response = _text_response(status_fault.status, status_fault.message or default)
            if status_fault.retry_after is not None:
                response.headers["Retry-After"] = _number(status_fault.retry_after)
            # 429 (request limiter), 503 (maintenance) and 409 (library locked) are all
            # refused in ApiController::init(), before the version headers are set.
        else:
            fail = frozenset(i for f in faults for i in f.fail_indexes)
            ctx = _Ctx(method, path, query, headers, body, client_ip, fail)
            with self._lock:
                response = self._answer(ctx)
        for fault in faults:
            if fault.backoff is not None:
                response.headers["Backoff"] = _number(fault.backoff)
        if any(f.drop == "after" for f in faults):
            record(None)
            return None
        record(response.status)
        return response

    def _answer(self, ctx: _Ctx) -> _Response:
        try:
            self._init(ctx)
        except _EarlyError as exc:  # no version headers, no Last-Modified-Version
            return _text_response(exc.status, exc.message, exc.headers)
        try:
            response = self._dispatch(ctx)
        except _HTTPError as exc:
            response = _text_response(exc.status, exc.message, exc.headers)
        except _ObjectError as exc:
            response = _text_response(exc.code, exc.message)
        except Exception as exc:  # a bug in the emulator: make it visible to the test
            traceback.print_exc(file=sys.stderr)
            response = _text_response(500, f"Zotero emulator error: {type(exc).__name__}: {exc}")
        if response.status >= 400 and response.status != 412:
            # ApiController::__call: a 4xx or 5xx drops the library version (but for 412)
            response.headers.pop("Last-Modified-Version", None)
        elif ctx.lib is not None:
            response.headers.setdefault("Last-Modified-Version", str(ctx.lib.version))
        response.headers["Zotero-API-Version"] = str(API_VERSION)
        response.headers["Zotero-Schema-Version"] = str(self.schema_version)
        return response

    # -- ApiController::init(), in the dataserver's order ---------------------------------

    def _init(self, ctx: _Ctx) -> None:
        """What the dataserver checks before it sets `Zotero-API-Version`, in its order:
        `Expect`, an empty write body, the key (header, `?key`, Bearer), the write token,
        a keyless write, the library's user or group, `If-Modified-Since-Version` on a
        multi-object read. Each failure is an `_EarlyError` (no version headers)."""
        if ctx.headers.get("expect"):
            raise _EarlyError(417, "Expect header is not supported")
        write = ctx.method != "GET"
        if ctx.method in ("POST", "PUT", "PATCH") and not ctx.body:
            raise _EarlyError(400, f"{ctx.method} data not provided")
        try:
            self._check_api_version(ctx)
            ctx.key = self._authenticate(ctx)
        except _HTTPError as exc:
            raise _EarlyError(exc.status, exc.message, exc.headers) from None
        token = ctx.headers.get("zotero-write-token")
        if write and ctx.key is not None and token:
            if not 5 <= len(token) <= 32:
                raise _EarlyError(400, "Write token must be 5-32 characters in length")
            used = self._tokens.get((ctx.key.key, token))
            if used is not None and time.monotonic() - used < WRITE_TOKEN_TTL:
                raise _EarlyError(412, "Write token already used")
        parts = [p for p in ctx.path.split("/") if p]
        if write and ctx.key is None and parts[:1] != ["keys"]:
            raise _EarlyError(403, "An API key is required for write requests.")
        if len(parts) < 2 or parts[0] not in ("users", "groups") or not parts[1].isdigit():
            return
        lib_id = int(parts[1])
        if parts[0] == "users":
            if lib_id == 0:
                raise _EarlyError(400, "Invalid user ID")
            if lib_id not in self._users:
                raise _EarlyError(404, f"User {lib_id} not found")
        else:
            if lib_id == 0:
                raise _EarlyError(400, "Invalid group ID")
            if lib_id not in self._groups:
                raise _EarlyError(404, "Not found")
        lib = self._libraries.get(f"/{parts[0]}/{lib_id}")
        sub = parts[2:]
        multi = bool(sub) and sub[0] in ("items", "collections", "searches", "settings", "tags") and not (
            len(sub) == 2 and sub[1] not in ("top", "trash"))
        since = ctx.headers.get("if-modified-since-version")
        if (lib is not None and multi and not write and since is not None
                and re.fullmatch(r"\s*\d+\s*", since) and self._can_read(ctx.key, parts[0], lib_id)
                and lib.version <= int(since)):
            raise _EarlyError(304, "")
        _check_query_params(ctx, sub)



    def _can_read(self, key: _Key | None, kind: str, lib_id: int) -> bool:
        if key is None:
            return False
        if kind == "users":
            return key.user_id == lib_id and key.library
        return lib_id in key.groups

    # -- routing -----------------------------------------------------------------------

    def _dispatch(self, ctx: _Ctx) -> _Response:
        parts = [p for p in ctx.path.split("/") if p]
        if not parts:
            raise _HTTPError(404, "Not found")
        head, rest = parts[0], parts[1:]
        if head == "keys" and len(rest) == 1:
            return self._route_keys(ctx, rest[0])
        if head == "items" and rest == ["new"]:
            self._only(ctx, "GET")
            return self._route_template(ctx)
        if not rest and head in ("itemTypes", "itemFields", "itemTypeFields", "itemTypeCreatorTypes",
                                 "creatorFields"):
            self._only(ctx, "GET")
            return self._route_schema(ctx, head)
        if head in ("users", "groups") and rest and rest[0].isdigit():
            lib_id = int(rest[0])
            if head == "users" and rest[1:] == ["groups"]:
                self._only(ctx, "GET")
                return self._route_user_groups(ctx, lib_id)
            return self._route_library(ctx, head, lib_id, rest[1:])
        raise _HTTPError(404, "Not found")

    @staticmethod
    def _only(ctx: _Ctx, *methods: str) -> None:
        if ctx.method not in methods:
            raise _HTTPError(405, "Method not allowed", {"Allow": ", ".join(methods)})

    @staticmethod
    def _check_api_version(ctx: _Ctx) -> None:
        header = ctx.headers.get("zotero-api-version")
        param = ctx.param("v")
        if header and param and header.strip() != param:
            raise _HTTPError(400, "Zotero-API-Version header does not match 'v' query parameter")
        wanted = (header or param or str(API_VERSION)).strip()
        if wanted != str(API_VERSION):
            raise _HTTPError(400, f"Invalid API version '{wanted}' (the emulator speaks version 3 only)")

    def _authenticate(self, ctx: _Ctx) -> _Key | None:
        # ApiController::init(): the Zotero-API-Key header, then ?key (400 if they
        # differ); "Authorization: Bearer" is read only when neither gave a key.
        key = ctx.headers.get("zotero-api-key") or None
        from_query = ctx.param("key")
        if from_query is not None:
            if not key:
                key = from_query
            elif from_query != key:
                raise _HTTPError(400, "Zotero-API-Key header and 'key' parameter differ")
        authorization = ctx.headers.get("authorization")
        if not key and authorization is not None and re.match(r"bearer", authorization, re.IGNORECASE):
            found = re.fullmatch(r"bearer +([a-z0-9]+)", authorization, re.IGNORECASE)
            if not found:
                raise _HTTPError(400, "Invalid Authorization header format")
            key = found.group(1)
        if not key:
            return None
        now = time.monotonic()
        if self._banned.get(ctx.client_ip, 0.0) > now:
            raise _HTTPError(429, "Too many failed authentication attempts. Try again later.")
        found_key = self._keys.get(key)
        if found_key is None:
            recent = [t for t in self._auth_failures.get(ctx.client_ip, []) if now - t < AUTH_FAILURE_WINDOW]
            recent.append(now)
            self._auth_failures[ctx.client_ip] = recent
            if len(recent) > AUTH_FAILURES_ALLOWED:
                self._banned[ctx.client_ip] = now + AUTH_FAILURE_WINDOW
            raise _HTTPError(403, "Invalid key")
        return found_key

    def _key_json(self, key: _Key) -> dict[str, Any]:
        groups = {str(gid): {"library": True, "write": bool(write)} for gid, write in key.groups.items()}
        return {
            "key": key.key,
            "userID": key.user_id,
            "username": self._users[key.user_id],
            "displayName": "",
            "access": {
                "user": {"library": key.library, "notes": key.notes, "write": key.write,
                         "files": key.files},
                "groups": groups,
            },
        }

    def _route_keys(self, ctx: _Ctx, which: str) -> _Response:
        self._only(ctx, "GET")
        if which == "current":
            if ctx.key is None:
                raise _HTTPError(403, "Forbidden")
            return _json_response(self._key_json(ctx.key))
        found = self._keys.get(which)
        if found is None:
            raise _HTTPError(404, "Key not found")
        return _json_response(self._key_json(found))

    def _route_template(self, ctx: _Ctx) -> _Response:
        item_type = ctx.param("itemType")
        if not item_type:
            raise _HTTPError(400, "'itemType' not provided")
        if item_type not in ALL_ITEM_TYPES:
            raise _HTTPError(400, f"Invalid item type '{item_type}'")
        if item_type not in ITEM_TYPE_FIELDS:
            raise _HTTPError(400, f"Item type '{item_type}' is not supported by the Zotero emulator")
        link_mode = ctx.param("linkMode")
        if item_type == "attachment":
            if not link_mode:
                raise _HTTPError(400, "linkMode required for attachment items")
            if link_mode not in LINK_MODES:
                raise _HTTPError(400, f"Invalid linkMode '{link_mode}'")
        return _json_response(_template(item_type, link_mode))

    def _route_schema(self, ctx: _Ctx, which: str) -> _Response:
        if which == "itemTypes":
            return _json_response([{"itemType": t, "localized": _localized(t)}
                                   for t in sorted(ALL_ITEM_TYPES)])
        if which == "itemFields":
            return _json_response([{"field": f, "localized": _localized(f)}
                                   for f in sorted(ALL_FIELDS - self.without_fields, key=str.lower)])
        if which == "creatorFields":
            return _json_response([{"field": "firstName", "localized": "First"},
                                   {"field": "lastName", "localized": "Last"},
                                   {"field": "name", "localized": "Name"}])
        item_type = ctx.param("itemType")
        if not item_type or item_type not in ITEM_TYPE_FIELDS:
            raise _HTTPError(400, f"Invalid item type '{item_type or ''}'")
        if which == "itemTypeFields":
            return _json_response([{"field": f, "localized": _localized(f)}
                                   for f in ITEM_TYPE_FIELDS[item_type] if f not in self.without_fields])
        return _json_response([{"creatorType": c, "localized": _localized(c)}
                               for c in CREATOR_TYPES[item_type]])

    def _route_user_groups(self, ctx: _Ctx, user_id: int) -> _Response:
        if ctx.key is None or ctx.key.user_id != user_id:
            raise _HTTPError(403, "Forbidden")
        ids = sorted(gid for gid, g in self._groups.items()
                     if user_id in g.members or gid in ctx.key.groups)
        entries = []
        for gid in ids:
            group = self._groups[gid]
            lib = self._libraries[f"/groups/{gid}"]
            entries.append({
                "id": gid,
                "version": lib.version,
                "links": {"self": {"href": f"{self.url}/groups/{gid}", "type": "application/json"},
                          "alternate": {"href": f"{WWW}/groups/{gid}", "type": "text/html"}},
                "meta": {"created": group.created, "lastModified": group.created,
                         "numItems": sum(1 for d in lib.items.values() if not d.get("deleted"))},
                "data": {"id": gid, "version": lib.version, "name": group.name, "owner": group.owner,
                         "type": "Private", "description": "", "url": "", "libraryEditing": "members",
                         "libraryReading": "members", "fileEditing": "members",
                         "members": sorted(group.members)},
            })
        return _json_response(entries, headers={"Total-Results": str(len(entries))})

    def _route_library(self, ctx: _Ctx, kind: str, lib_id: int, sub: list[str]) -> _Response:
        write = ctx.method != "GET"
        key = ctx.key
        if key is None:
            raise _HTTPError(403, "Forbidden")
        if kind == "users":
            allowed, can_write = key.user_id == lib_id and key.library, key.write
        else:
            allowed, can_write = lib_id in key.groups, bool(key.groups.get(lib_id))
        if not allowed:
            raise _HTTPError(403, "Forbidden")
        if write and not can_write:
            raise _HTTPError(403, "Write access denied")
        lib = self._libraries[f"/{kind}/{lib_id}"]  # unknown users and groups: 404 in _init
        ctx.lib = lib
        if ctx.method in ("POST", "PUT", "PATCH"):
            content_type = ctx.headers.get("content-type", "")
            if not content_type.lower().startswith("application/json"):
                raise _HTTPError(400, "Content-Type must be application/json")
        n = len(sub)
        top = sub[0] if sub else ""
        if top == "items":
            if n == 1:
                self._only(ctx, "GET", "POST", "DELETE")
                if ctx.method == "GET":
                    return self._get_items(ctx, lib, "all")
                if ctx.method == "POST":
                    return self._post_batch(ctx, lib, "items")
                return self._delete_many(ctx, lib, "items")
            if n == 2 and sub[1] in ("top", "trash"):
                self._only(ctx, "GET")
                return self._get_items(ctx, lib, sub[1])
            if n == 2:
                self._only(ctx, "GET", "PUT", "PATCH", "DELETE")
                if ctx.method == "GET":
                    return self._get_item(ctx, lib, sub[1])
                if ctx.method == "DELETE":
                    return self._delete_one(ctx, lib, "items", sub[1])
                return self._write_one(ctx, lib, "items", sub[1])
            if n == 3 and sub[2] == "children":
                self._only(ctx, "GET")
                item = lib.items.get(sub[1])
                if item is None:
                    raise _HTTPError(404, "Item not found")
                if item["itemType"] in _CHILD_TYPES:
                    raise _HTTPError(400, "/children can only be called on regular items")
                return self._get_items(ctx, lib, "children", sub[1])
        if top == "collections":
            if n == 1:
                self._only(ctx, "GET", "POST", "DELETE")
                if ctx.method == "GET":
                    return self._get_collections(ctx, lib, "all")
                if ctx.method == "POST":
                    return self._post_batch(ctx, lib, "collections")
                return self._delete_many(ctx, lib, "collections")
            if n == 2 and sub[1] == "top":
                self._only(ctx, "GET")
                return self._get_collections(ctx, lib, "top")
            if n >= 2 and sub[1] not in lib.collections and not (n == 2 and ctx.method != "GET"):
                raise _HTTPError(404, "Collection not found")
            if n == 2:
                self._only(ctx, "GET", "PUT", "PATCH", "DELETE")
                if ctx.method == "GET":
                    return self._get_collection(ctx, lib, sub[1])
                if ctx.method == "DELETE":
                    return self._delete_one(ctx, lib, "collections", sub[1])
                return self._write_one(ctx, lib, "collections", sub[1])
            if n == 3 and sub[2] == "collections":
                self._only(ctx, "GET")
                return self._get_collections(ctx, lib, "sub", sub[1])
            if n == 3 and sub[2] == "items":
                self._only(ctx, "GET")
                return self._get_items(ctx, lib, "collection", sub[1])
            if n == 4 and sub[2:] == ["items", "top"]:
                self._only(ctx, "GET")
                return self._get_items(ctx, lib, "collection-top", sub[1])
        if sub == ["deleted"]:
            self._only(ctx, "GET")
            return self._get_deleted(ctx, lib)
        if sub == ["tags"]:
            self._only(ctx, "GET", "DELETE")
            return self._get_tags(ctx, lib) if ctx.method == "GET" else self._delete_tags(ctx, lib)
        if sub == ["searches"]:
            self._only(ctx, "GET")
            return self._multi_response(ctx, lib, [], self._parse_list_params(ctx, "searches"), lambda k: {})
        if sub == ["settings"]:
            self._only(ctx, "GET")
            return _json_response({}, headers={"Last-Modified-Version": str(lib.version)})
        if sub == ["fulltext"]:
            self._only(ctx, "GET")
            return _json_response({}, headers={"Last-Modified-Version": str(lib.version)})
        raise _HTTPError(404, "Not found")

    # -- reads ---------------------------------------------------------------------------

    def _parse_list_params(self, ctx: _Ctx, kind: str) -> _ListParams:
        fmt = ctx.param("format") or "json"  # (the values were checked in _init, as the dataserver does)
        if fmt not in ("json", "keys", "versions"):
            if fmt in _UNSUPPORTED_FORMATS:
                raise _HTTPError(400, f"Format '{fmt}' is not supported by the Zotero emulator")
            raise _HTTPError(400, f"Invalid 'format' value '{fmt}'")
        if kind == "tags" and fmt != "json":
            raise _HTTPError(400, f"Invalid 'format' value '{fmt}'")
        link: dict[str, str] = {}
        if fmt != "json":
            link["format"] = fmt
        since_raw = ctx.param("since")
        since = None
        if since_raw is not None:
            since = int(since_raw)
            link["since"] = since_raw
        key_param = {"items": "itemKey", "collections": "collectionKey"}.get(kind)
        keys = None
        if key_param and ctx.param(key_param) is not None:
            keys = _split_keys(ctx.param(key_param) or "")
            if len(keys) > MAX_WRITE_OBJECTS:
                raise _HTTPError(400, f"Cannot request more than {MAX_WRITE_OBJECTS} objects "
                                      f"with '{key_param}'")
            link[key_param] = ",".join(keys)
        default_limit = 0 if fmt in ("keys", "versions") else DEFAULT_LIMIT
        limit = default_limit
        limit_raw = ctx.param("limit")
        if limit_raw is not None:
            found = re.match(r"\s*(-?\d+)", limit_raw)
            asked = int(found.group(1)) if found else 0
            if fmt == "json" and asked > MAX_LIMIT:
                asked = MAX_LIMIT
            if asked > 0:
                limit = asked
        if keys is not None:
            limit = MAX_WRITE_OBJECTS
        if limit != default_limit:
            link["limit"] = str(limit)
        start_raw = ctx.param("start")
        found = re.match(r"\s*(\d+)", start_raw or "")
        start = int(found.group(1)) if found else 0
        sort = ctx.param("sort") or "dateModified"
        direction = ctx.param("direction")
        if sort in ("asc", "desc"):
            direction, sort = sort, "dateModified"
        default_direction = "desc" if sort.startswith("date") else "asc"
        if direction is None:
            direction = default_direction
        if sort != "dateModified":
            link["sort"] = sort
        if direction != default_direction:
            link["direction"] = direction
        qmode = ctx.param("qmode") or "titleCreatorYear"
        q = (ctx.param("q") or "").strip()
        if q:
            link["q"] = q
            if qmode != "titleCreatorYear":
                link["qmode"] = qmode
        item_types = tuple(v for v in ctx.query.get("itemType", []) if v.strip())
        if item_types:
            link["itemType"] = item_types[-1]
        tags = tuple(v for v in ctx.query.get("tag", []) if v.strip())
        if tags:
            link["tag"] = tags[-1]
        include_trashed = (ctx.param("includeTrashed") or "").strip().lower() in ("1", "true")
        if include_trashed:
            link["includeTrashed"] = "1"
        return _ListParams(fmt, start, limit, since, keys, include_trashed, q, qmode, item_types, tags,
                           sort, direction, link)

    def _not_modified(self, ctx: _Ctx, version: int) -> _Response | None:
        since = _int_header(ctx, "If-Modified-Since-Version")
        if since is not None and version <= since:
            return _Response(304, b"", {"Last-Modified-Version": str(version)})
        return None

    def _item_matches(self, lib: _Library, data: Mapping[str, Any], p: _ListParams) -> bool:
        if p.since is not None and data["version"] <= p.since:
            return False
        for expression in p.item_types:
            if not _match_expression(expression, {data["itemType"]}):
                return False
        if p.tags:
            names = {t["tag"] for t in data.get("tags", ())}
            for expression in p.tags:
                if not _match_expression(expression, names):
                    return False
        if p.q:
            needle = p.q.casefold()
            haystack = [data.get("title", ""), data.get("date", "")]
            for creator in data.get("creators", ()):
                haystack.extend((creator.get("firstName", ""), creator.get("lastName", ""),
                                 creator.get("name", "")))
            if data["itemType"] == "note":
                haystack.append(_excerpt(data.get("note", ""), 80))
            if p.qmode == "everything":
                haystack.extend(v for v in data.values() if isinstance(v, str))
                haystack.extend(t["tag"] for t in data.get("tags", ()))
            if not any(needle in str(h).casefold() for h in haystack):
                return False
        return True

    def _select_items(self, lib: _Library, scope: str, anchor: str | None, p: _ListParams) -> list[str]:
        signature = (id(lib), lib.mutations, scope, anchor, p.since, p.keys, p.include_trashed, p.q,
                     p.qmode, p.item_types, p.tags, p.sort, p.direction)
        cached = self._list_cache.get(signature)
        if cached is not None:
            self._list_cache.move_to_end(signature)
            return cached
        seq = lib.seq
        candidates: Iterable[str]
        if p.keys is not None:
            candidates = sorted({k for k in p.keys if k in lib.items}, key=seq.__getitem__)
        elif scope == "children":
            candidates = sorted(lib.children.get(anchor or "", ()), key=seq.__getitem__)
        elif scope.startswith("collection"):
            candidates = sorted(lib.members.get(anchor or "", ()), key=seq.__getitem__)
        else:
            candidates = lib.items
        members = lib.members.get(anchor or "", set()) if scope.startswith("collection") else set()
        selected: list[str] = []
        for key in candidates:
            data = lib.items[key]
            trashed = bool(data.get("deleted"))
            if scope == "trash":
                if not trashed:
                    continue
            elif trashed and not p.include_trashed:
                continue
            if scope in ("top", "collection-top") and "parentItem" in data:
                continue
            if scope == "children" and data.get("parentItem") != anchor:
                continue
            if scope.startswith("collection") and key not in members:
                continue
            if not self._item_matches(lib, data, p):
                continue
            selected.append(key)
        _sort_keys(selected, lambda k: lib.items[k], p, seq)
        self._list_cache[signature] = selected
        while len(self._list_cache) > 32:
            self._list_cache.popitem(last=False)
        return selected

    def _get_items(self, ctx: _Ctx, lib: _Library, scope: str, anchor: str | None = None) -> _Response:
        p = self._parse_list_params(ctx, "items")
        not_modified = self._not_modified(ctx, lib.version)
        if not_modified is not None:
            return not_modified
        keys = self._select_items(lib, scope, anchor, p)
        return self._multi_response(ctx, lib, keys, p, lambda k: self._item_envelope(lib, k),
                                    lambda k: lib.items[k]["version"])

    def _get_item(self, ctx: _Ctx, lib: _Library, key: str) -> _Response:
        fmt = ctx.param("format") or "json"
        if fmt != "json":
            raise _HTTPError(400, f"Invalid 'format' value '{fmt}'")
        data = lib.items.get(key)
        if data is None:
            raise _HTTPError(404, "Item not found")
        not_modified = self._not_modified(ctx, data["version"])
        if not_modified is not None:
            return not_modified
        return _json_response(self._item_envelope(lib, key),
                              headers={"Last-Modified-Version": str(data["version"])})

    def _select_collections(self, lib: _Library, scope: str, anchor: str | None, p: _ListParams) -> list[str]:
        keys = list(lib.collections) if p.keys is None else [k for k in lib.collections if k in p.keys]
        selected = []
        for key in keys:
            data = lib.collections[key]
            parent = data.get("parentCollection") or None
            if scope == "top" and parent is not None:
                continue
            if scope == "sub" and parent != anchor:
                continue
            if data.get("deleted") and not p.include_trashed:
                continue
            if p.since is not None and data["version"] <= p.since:
                continue
            if p.q and p.q.casefold() not in data["name"].casefold():
                continue
            selected.append(key)
        _sort_keys(selected, lambda k: lib.collections[k], p, lib.seq)
        return selected

    def _get_collections(self, ctx: _Ctx, lib: _Library, scope: str, anchor: str | None = None) -> _Response:
        p = self._parse_list_params(ctx, "collections")
        not_modified = self._not_modified(ctx, lib.version)
        if not_modified is not None:
            return not_modified
        keys = self._select_collections(lib, scope, anchor, p)
        return self._multi_response(ctx, lib, keys, p, lambda k: self._collection_envelope(lib, k),
                                    lambda k: lib.collections[k]["version"])

    def _get_collection(self, ctx: _Ctx, lib: _Library, key: str) -> _Response:
        data = lib.collections[key]
        not_modified = self._not_modified(ctx, data["version"])
        if not_modified is not None:
            return not_modified
        return _json_response(self._collection_envelope(lib, key),
                              headers={"Last-Modified-Version": str(data["version"])})

    def _get_deleted(self, ctx: _Ctx, lib: _Library) -> _Response:
        since_raw = ctx.param("since")
        if since_raw is None:
            raise _HTTPError(400, "'since' parameter must be provided")
        if not re.fullmatch(r"\d+", since_raw):
            raise _HTTPError(400, "Invalid value for 'since' parameter")
        not_modified = self._not_modified(ctx, lib.version)
        if not_modified is not None:
            return not_modified
        since = int(since_raw)
        document = {kind: [k for k, v in lib.deleted[kind].items() if v > since] for kind in _DELETED_KINDS}
        return _json_response(document)

    def _tag_counts(self, lib: _Library) -> dict[tuple[str, int], int]:
        counts: dict[tuple[str, int], int] = {}
        for data in lib.items.values():
            for tag in data.get("tags", ()):
                ident = (tag["tag"], tag.get("type", 0))
                counts[ident] = counts.get(ident, 0) + 1
        return counts

    def _get_tags(self, ctx: _Ctx, lib: _Library) -> _Response:
        p = self._parse_list_params(ctx, "tags")
        not_modified = self._not_modified(ctx, lib.version)
        if not_modified is not None:
            return not_modified
        counts = self._tag_counts(lib)
        idents = sorted(counts, key=lambda t: (t[0].casefold(), t[1]))
        if p.direction == "desc" and p.sort != "dateModified":
            idents.reverse()

        def envelope(index: int) -> dict[str, Any]:
            name, tag_type = idents[index]
            return {"tag": name,
                    "links": {"self": {"href": f"{self.url}{lib.prefix}/tags/{name}",
                                       "type": "application/json"},
                              "alternate": {"href": f"{lib.www}/tags/{name}", "type": "text/html"}},
                    "meta": {"type": tag_type, "numItems": counts[idents[index]]}}

        positions = [str(i) for i in range(len(idents))]
        return self._multi_response(ctx, lib, positions, p, lambda i: envelope(int(i)))

    def _multi_response(self, ctx: _Ctx, lib: _Library, keys: list[str], p: _ListParams,
                        envelope: Callable[[str], dict[str, Any]],
                        version_of: Callable[[str], int] | None = None) -> _Response:
        total = len(keys)
        page = keys[p.start:p.start + p.limit] if p.limit else keys[p.start:]
        headers = {"Total-Results": str(total), "Last-Modified-Version": str(lib.version),
                   "Link": self._link_header(ctx.path, total, p)}
        if p.fmt == "keys":
            return _text_response(200, "\n".join(page) + "\n", headers)
        if p.fmt == "versions":
            assert version_of is not None
            return _json_response({k: version_of(k) for k in page}, headers=headers)
        return _json_response([envelope(k) for k in page], headers=headers)

    def _link_header(self, path: str, total: int, p: _ListParams) -> str:
        """The dataserver's `buildLinks`: first/prev/next/last unless equal to self, alternate."""
        base = f"{self.url}{path}"

        def url(params: Mapping[str, Any]) -> str:
            return base + ("?" + urlencode(sorted(params.items())) if params else "")

        own = dict(p.link_params)
        if p.start:
            own["start"] = str(p.start)
        links: dict[str, str] = {"self": url(own), "first": url(p.link_params)}
        if p.start:
            prev_start = p.start - (p.limit or p.start)
            links["prev"] = url(p.link_params | ({"start": str(prev_start)} if prev_start > 0 else {}))
        if not p.start and (p.limit == 0 or p.limit >= total):
            links["last"] = links["self"]
        elif p.limit:
            if p.start >= total:
                last_start = total - p.limit
            else:
                last_start = total - (total % p.limit)
                if last_start == total:
                    last_start = total - p.limit
            links["last"] = url(p.link_params | ({"start": str(last_start)} if last_start > 0 else {}))
            if p.start + p.limit < total:
                links["next"] = url(p.link_params | {"start": str(p.start + p.limit)})
        parts = []
        if links["first"] != links["self"]:
            parts.append(f'<{links["first"]}>; rel="first"')
        if "prev" in links:
            parts.append(f'<{links["prev"]}>; rel="prev"')
        if "next" in links:
            parts.append(f'<{links["next"]}>; rel="next"')
        if links.get("last", links["self"]) != links["self"]:
            parts.append(f'<{links["last"]}>; rel="last"')
        parts.append(f'<{WWW}{path}>; rel="alternate"')
        return ", ".join(parts)

    def _library_json(self, lib: _Library) -> dict[str, Any]:
        return {"type": lib.kind, "id": lib.id, "name": lib.name,
                "links": {"alternate": {"href": lib.www, "type": "text/html"}}}

    def _item_envelope(self, lib: _Library, key: str) -> dict[str, Any]:
        data = lib.items[key]
        links: dict[str, Any] = {
            "self": {"href": f"{self.url}{lib.prefix}/items/{key}", "type": "application/json"},
            "alternate": {"href": f"{lib.www}/items/{key}", "type": "text/html"},
        }
        parent = data.get("parentItem")
        if parent:
            links["up"] = {"href": f"{self.url}{lib.prefix}/items/{parent}", "type": "application/json"}
        meta: dict[str, Any] = {}
        if data["itemType"] not in _CHILD_TYPES:
            summary = _creator_summary(data.get("creators", []), data["itemType"])
            if summary:
                meta["creatorSummary"] = summary
            parsed = _parsed_date(data.get("date", ""))
            if parsed:
                meta["parsedDate"] = parsed
            meta["numChildren"] = sum(1 for c in lib.children.get(key, ()) if not lib.items[c].get("deleted"))
        return {"key": key, "version": data["version"], "library": self._library_json(lib), "links": links,
                "meta": meta, "data": data}

    def _collection_envelope(self, lib: _Library, key: str) -> dict[str, Any]:
        data = lib.collections[key]
        num_collections = sum(1 for c in lib.collections.values() if c.get("parentCollection") == key)
        num_items = sum(1 for k in lib.members.get(key, ()) if not lib.items[k].get("deleted"))
        links: dict[str, Any] = {
            "self": {"href": f"{self.url}{lib.prefix}/collections/{key}", "type": "application/json"},
            "alternate": {"href": f"{lib.www}/collections/{key}", "type": "text/html"},
        }
        if data.get("parentCollection"):
            links["up"] = {"href": f"{self.url}{lib.prefix}/collections/{data['parentCollection']}",
                           "type": "application/json"}
        return {"key": key, "version": data["version"], "library": self._library_json(lib), "links": links,
                "meta": {"numCollections": num_collections, "numItems": num_items}, "data": data}

    # -- writes: requests -----------------------------------------------------------

    def _json_body(self, ctx: _Ctx) -> Any:
        if not ctx.body:
            raise _HTTPError(400, "No data provided")
        try:
            return json.loads(ctx.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _HTTPError(400, f"Invalid JSON: {exc}") from None

    def _post_batch(self, ctx: _Ctx, lib: _Library, kind: Literal["items", "collections"]) -> _Response:
        assert ctx.key is not None
        token = ctx.headers.get("zotero-write-token")  # length and reuse: checked in _init
        unmodified_since = _int_header(ctx, "If-Unmodified-Since-Version")
        if unmodified_since is not None and lib.version > unmodified_since:
            raise _HTTPError(412, f"Library has been modified since specified version "
                                  f"(expected {unmodified_since}, found {lib.version})")
        payload = self._json_body(ctx)
        if not isinstance(payload, list):
            raise _HTTPError(400, "Uploaded data must be a JSON array")
        if len(payload) > MAX_WRITE_OBJECTS:
            raise _HTTPError(413, f"Cannot add more than {MAX_WRITE_OBJECTS} {kind} at a time")
        report: dict[str, dict[str, Any]] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        touched: set[str] = set()
        for index, raw in enumerate(payload):
            slot = str(index)
            try:
                if index in ctx.fail_indexes:
                    raise _ObjectError(500, "An error occurred")
                if kind == "items":
                    key, changed = self._save_item(lib, raw, partial=True,
                                                   require_version=unmodified_since is None,
                                                   touched=touched, index=index)
                else:
                    key, changed = self._save_collection(lib, raw, partial=True,
                                                         require_version=unmodified_since is None,
                                                         touched=touched, index=index)
            except _ObjectError as exc:
                failure: dict[str, Any] = {}
                if isinstance(raw, dict) and raw.get("key") not in (None, ""):
                    failure["key"] = raw["key"]
                failure["code"] = exc.code
                failure["message"] = _html_special(exc.message)
                if exc.data is not None:
                    failure["data"] = exc.data
                report["failed"][slot] = failure
                continue
            if changed:
                envelope = (self._item_envelope(lib, key) if kind == "items"
                            else self._collection_envelope(lib, key))
                report["successful"][slot] = envelope
                report["success"][slot] = key
            else:
                report["unchanged"][slot] = key
        if token:  # remembered once the request is done (ItemsController / CollectionsController)
            self._tokens[(ctx.key.key, token)] = time.monotonic()
        return _json_response(report, headers={"Last-Modified-Version": str(lib.version)})

    def _write_one(self, ctx: _Ctx, lib: _Library, kind: str, key: str) -> _Response:
        """PUT (replace) or PATCH (update) one item or collection."""
        noun = "item" if kind == "items" else "collection"
        payload = self._json_body(ctx)
        if not isinstance(payload, dict):
            raise _HTTPError(400, "Uploaded data must be a JSON object")
        if isinstance(payload.get("data"), dict):  # a whole API envelope: use its data
            payload = payload["data"]
        header = _int_header(ctx, "If-Unmodified-Since-Version")
        in_json = payload.get("version")
        if in_json is not None and (isinstance(in_json, bool) or not isinstance(in_json, int)):
            raise _HTTPError(400, "'version' must be an integer")
        if header is not None and in_json is not None and header != in_json:
            raise _HTTPError(400, f"If-Unmodified-Since-Version ({header}) does not match "
                                  f"JSON 'version' property ({in_json})")
        expected = header if header is not None else in_json
        if expected is None:
            raise _HTTPError(428, "Either If-Unmodified-Since-Version or 'version' property must be "
                                  f"provided for single-{noun} writes")
        store = lib.items if kind == "items" else lib.collections
        if not _is_key(key):
            raise _HTTPError(404, f"{noun.capitalize()} not found")
        existing = store.get(key)
        if existing is None and expected > 0:
            raise _HTTPError(404, f"{noun.capitalize()} not found")
        if existing is not None and existing["version"] > expected:
            raise _HTTPError(412, f"{noun.capitalize()} has been modified since specified version "
                                  f"(expected {expected}, found {existing['version']})")
        partial = ctx.method == "PATCH"
        if kind == "items":
            self._save_item(lib, payload, partial=partial, require_version=False, touched=set(), url_key=key,
                            check_version=False)
        else:
            self._save_collection(lib, payload, partial=partial, require_version=False, touched=set(),
                                  url_key=key, check_version=False)
        return _Response(204, b"", {"Last-Modified-Version": str(lib.version)})

    def _delete_one(self, ctx: _Ctx, lib: _Library, kind: str, key: str) -> _Response:
        noun = "item" if kind == "items" else "collection"
        expected = _int_header(ctx, "If-Unmodified-Since-Version")
        if expected is None:
            raise _HTTPError(428, "If-Unmodified-Since-Version not provided")
        store = lib.items if kind == "items" else lib.collections
        existing = store.get(key)
        if existing is None:
            raise _HTTPError(404, f"{noun.capitalize()} not found")
        if existing["version"] > expected:
            raise _HTTPError(412, f"{noun.capitalize()} has been modified since specified version "
                                  f"(expected {expected}, found {existing['version']})")
        if kind == "items":
            self._delete_items(lib, [key])
        else:
            self._delete_collections(lib, [key])
        return _Response(204, b"", {"Last-Modified-Version": str(lib.version)})

    def _delete_many(self, ctx: _Ctx, lib: _Library, kind: str) -> _Response:
        expected = _int_header(ctx, "If-Unmodified-Since-Version")
        if expected is None:
            raise _HTTPError(428, "If-Unmodified-Since-Version not provided")
        if lib.version > expected:
            raise _HTTPError(412, f"Library has been modified since specified version "
                                  f"(expected {expected}, found {lib.version})")
        param = "itemKey" if kind == "items" else "collectionKey"
        raw = ctx.param(param)
        if raw is None:
            raise _HTTPError(400, f"'{param}' parameter not provided")
        keys = _split_keys(raw)
        if len(keys) > MAX_WRITE_OBJECTS:
            raise _HTTPError(400, f"Cannot delete more than {MAX_WRITE_OBJECTS} {kind} at a time")
        if kind == "items":
            self._delete_items(lib, keys)
        else:
            self._delete_collections(lib, keys)
        return _Response(204, b"", {"Last-Modified-Version": str(lib.version)})

    def _delete_tags(self, ctx: _Ctx, lib: _Library) -> _Response:
        expected = _int_header(ctx, "If-Unmodified-Since-Version")
        if expected is None:
            raise _HTTPError(428, "If-Unmodified-Since-Version not provided")
        if lib.version > expected:
            raise _HTTPError(412, f"Library has been modified since specified version "
                                  f"(expected {expected}, found {lib.version})")
        names = {name.strip() for raw in ctx.query.get("tag", [])
                 for name in re.split(r"\s+\|\|\s+", raw) if name.strip()}
        if not names:
            raise _HTTPError(400, "'tag' parameter not provided")
        affected = [k for k, d in lib.items.items() if any(t["tag"] in names for t in d.get("tags", ()))]
        if affected:
            lib.version += 1
            for key in affected:
                data = dict(lib.items[key])
                data["tags"] = [t for t in data["tags"] if t["tag"] not in names]
                data.update(version=lib.version, dateModified=_now())
                self._store_item(lib, key, lib.items[key], data)
            for name in names:
                lib.deleted["tags"][name] = lib.version
            lib.mutations += 1
        return _Response(204, b"", {"Last-Modified-Version": str(lib.version)})

    def _delete_items(self, lib: _Library, keys: Iterable[str]) -> None:
        doomed: set[str] = set()
        for key in keys:
            if key in lib.items:
                doomed.add(key)
                doomed |= lib.children.get(key, set())
        if not doomed:
            return
        lib.version += 1
        for key in doomed:
            data = lib.items.pop(key)
            lib.seq.pop(key, None)
            parent = data.get("parentItem")
            if parent:
                lib.children.get(parent, set()).discard(key)
            for collection in data.get("collections", ()):
                lib.members.get(collection, set()).discard(key)
            lib.children.pop(key, None)
            lib.deleted["items"][key] = lib.version
        lib.mutations += 1

    def _delete_collections(self, lib: _Library, keys: Iterable[str]) -> None:
        doomed = {k for k in keys if k in lib.collections}
        grew = True
        while grew:
            more = {k for k, c in lib.collections.items() if c.get("parentCollection") in doomed} - doomed
            doomed |= more
            grew = bool(more)
        if not doomed:
            return
        lib.version += 1
        now = _now()
        for key in doomed:
            del lib.collections[key]
            lib.seq.pop(key, None)
            lib.deleted["collections"][key] = lib.version
            for item_key in sorted(lib.members.pop(key, set())):
                data = dict(lib.items[item_key])
                data["collections"] = [c for c in data["collections"] if c != key]
                data.update(version=lib.version, dateModified=now)
                self._store_item(lib, item_key, lib.items[item_key], data)
        lib.mutations += 1

    # -- writes: objects --------------------------------------------------------------

    def _new_key(self, lib: _Library) -> str:
        while True:
            number = self._random.getrandbits(41) % _KEY_SPACE
            digits = []
            for _ in range(8):
                number, digit = divmod(number, 33)
                digits.append(KEY_ALPHABET[digit])
            key = "".join(digits)
            if key not in lib.items and key not in lib.collections:
                return key

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    @staticmethod
    def _object_key(store: Mapping[str, Any], raw: Mapping[str, Any], noun: str,
                    url_key: str | None) -> tuple[str | None, dict[str, Any] | None]:
        for old, new in ((f"{noun}Key", "key"), (f"{noun}Version", "version")):
            if old in raw:
                raise _ObjectError(400, f"'{old}' property is now '{new}'")
        key = url_key
        if "key" in raw:
            value = raw["key"]
            if not isinstance(value, str):
                raise _ObjectError(400, "'key' must be a string")
            if not _is_key(value):
                raise _ObjectError(400, f"'{value}' is not a valid {noun} key")
            if url_key is not None and value != url_key:
                raise _ObjectError(409, f"'key' property in JSON does not match {noun} key of request")
            key = value
        return key, (store.get(key) if key else None)

    @staticmethod
    def _check_version(noun: str, raw: Mapping[str, Any], key: str | None, existing: Mapping[str, Any] | None,
                       require: bool, touched: set[str]) -> None:
        title = noun.capitalize()
        if "version" in raw:
            value = raw["version"]
            numeric = isinstance(value, int) or (isinstance(value, str) and value.isdigit())
            if isinstance(value, bool) or not numeric:
                raise _ObjectError(400, "'version' must be an integer")
            version = int(value)
            if key is None:
                raise _ObjectError(400, f"'version' is valid only if {noun} key is provided")
            if existing is not None and existing["version"] > version:
                if key in touched:  # modified earlier in this same request
                    return
                raise _ObjectError(412, f"{title} has been modified since specified version "
                                        f"(expected {version}, found {existing['version']})")
            if existing is None and version > 0:
                raise _ObjectError(404, f"{title} doesn't exist (expected version {version}; use 0 instead)")
        elif require and "key" in raw:
            raise _ObjectError(428, "Either If-Unmodified-Since-Version or 'version' property must be "
                                    "provided for 'key'-based writes")

    def _save_item(self, lib: _Library, raw: Any, *, partial: bool, require_version: bool, touched: set[str],
                   index: int = 0, url_key: str | None = None,
                   check_version: bool = True) -> tuple[str, bool]:
        if not isinstance(raw, dict):
            raise _ObjectError(400, f"Invalid value for index {index} in uploaded data; "
                                    "expected JSON item object")
        key, existing = self._object_key(lib.items, raw, "item", url_key)
        if check_version:
            self._check_version("item", raw, key, existing, require_version, touched)
        data = self._build_item(lib, raw, key, existing, partial=partial, index=index)
        key = key or self._new_key(lib)
        now = _now()
        data["key"] = key
        data["version"] = existing["version"] if existing is not None else 0
        data.setdefault("dateAdded", existing["dateAdded"] if existing is not None else now)
        data.setdefault("dateModified", existing["dateModified"] if existing is not None else now)
        final = _ordered_item(data)
        for name in self.without_fields:  # an older schema's items do not have them at all
            final.pop(name, None)
        if existing is not None and _same(existing, final):
            return key, False
        lib.version += 1
        final["version"] = lib.version
        if "dateModified" not in raw:
            final["dateModified"] = now
        self._store_item(lib, key, existing, final)
        lib.mutations += 1
        touched.add(key)
        return key, True

    def _store_item(self, lib: _Library, key: str, existing: Mapping[str, Any] | None,
                    data: dict[str, Any]) -> None:
        old_parent = existing.get("parentItem") if existing is not None else None
        new_parent = data.get("parentItem")
        if old_parent != new_parent:
            if old_parent:
                lib.children.get(old_parent, set()).discard(key)
            if new_parent:
                lib.children.setdefault(new_parent, set()).add(key)
        old_collections = set(existing.get("collections", ())) if existing is not None else set()
        new_collections = set(data.get("collections", ()))
        for collection in old_collections - new_collections:
            lib.members.get(collection, set()).discard(key)
        for collection in new_collections - old_collections:
            lib.members.setdefault(collection, set()).add(key)
        lib.items.pop(key, None)
        lib.items[key] = data
        lib.seq[key] = self._next_seq()
        lib.deleted["items"].pop(key, None)

    def _build_item(self, lib: _Library, raw: Mapping[str, Any], key: str | None,
                    existing: Mapping[str, Any] | None, *, partial: bool, index: int) -> dict[str, Any]:
        """Validate `raw` like the dataserver and return the new item data (no key/version)."""
        if not isinstance(raw, Mapping):
            raise _ObjectError(400, f"Invalid value for index {index} in uploaded data; "
                                    "expected JSON item object")
        is_new = existing is None
        if "itemType" in raw:
            item_type = raw["itemType"]
            if not isinstance(item_type, str):
                raise _ObjectError(400, "'itemType' must be a string")
            if item_type not in ALL_ITEM_TYPES:
                raise _ObjectError(400, f"'{item_type}' is not a valid itemType")
            if item_type not in ITEM_TYPE_FIELDS:
                raise _ObjectError(400, f"Item type '{item_type}' is not supported by the Zotero emulator")
        elif is_new or not partial:
            raise _ObjectError(400, "'itemType' property not provided")
        else:
            assert existing is not None
            item_type = existing["itemType"]
        if existing is not None and item_type != existing["itemType"] and (
                item_type in _CHILD_TYPES or existing["itemType"] in _CHILD_TYPES):
            raise _ObjectError(400, f"Cannot change item type from '{existing['itemType']}' to '{item_type}'")

        parent: str | None
        if "parentItem" in raw:
            value = raw["parentItem"]
            if value in (None, False, ""):
                parent = None
            elif not _is_key(value):
                raise _ObjectError(400, "'parentItem' must be a valid item key")
            else:
                parent = value
        else:
            parent = existing.get("parentItem") if existing is not None and partial else None
        is_child = parent is not None
        if is_child and item_type not in _CHILD_TYPES:
            raise _ObjectError(400, "Child item must be note or attachment")

        link_mode: str | None = None
        if item_type == "attachment":
            old_mode = existing.get("linkMode") if existing is not None else None
            if "linkMode" in raw:
                link_mode = raw["linkMode"]
                if link_mode not in LINK_MODES:
                    raise _ObjectError(400, f"'{link_mode}' is not a valid linkMode")
                if old_mode is not None and old_mode != link_mode:
                    raise _ObjectError(400, "Cannot change attachment linkMode")
            elif old_mode is not None:
                link_mode = old_mode
            else:
                raise _ObjectError(400, "'linkMode' property not provided")
        elif "linkMode" in raw:
            raise _ObjectError(400, "'linkMode' is valid only for attachment items")

        if existing is not None and partial:
            data = (copy.deepcopy(dict(existing)) if existing["itemType"] == item_type
                    else _retype(existing, item_type))
        else:
            data = _blank_item(item_type, link_mode)
            if existing is not None:
                data["dateAdded"] = existing["dateAdded"]
        for meta in ("key", "version", "dateModified"):
            data.pop(meta, None)
        data["itemType"] = item_type
        fields = _FIELD_SETS[item_type] - self.without_fields
        for prop, value in raw.items():
            if prop in fields:
                data[prop] = _field(prop, value)
            elif prop in ("key", "version", "itemType", "parentItem", "linkMode"):
                continue
            elif prop == "creators":
                data["creators"] = _creators(value, item_type)
            elif prop == "tags":
                data["tags"] = _tags(value)
            elif prop == "collections":
                data["collections"] = _collection_keys(value, is_child)
            elif prop == "relations":
                data["relations"] = _relations(value, _ITEM_URI_RE, "item")
            elif prop == "note":
                if item_type not in _CHILD_TYPES:
                    raise _ObjectError(400, "'note' property is valid only for note and attachment items")
                data["note"] = _note(value)
            elif prop == "deleted":
                if value in (True, 1, "1", "true"):
                    data["deleted"] = 1
                elif value in (False, 0, "0", "false", None):
                    data.pop("deleted", None)
                else:
                    raise _ObjectError(400, "'deleted' must be 0 or 1")
            elif prop == "inPublications":
                if not isinstance(value, bool):
                    raise _ObjectError(400, "'inPublications' must be a boolean")
                if value and lib.kind != "user":
                    raise _ObjectError(400, "Group items cannot be added to My Publications")
                data["inPublications"] = value
            elif prop in ("dateAdded", "dateModified"):
                if not isinstance(value, str) or not _DATETIME_RE.fullmatch(value):
                    raise _ObjectError(400, f"'{prop}' must be in ISO 8601 UTC format (YYYY-MM-DDTHH:MM:SSZ)")
                if prop == "dateModified" or is_new:
                    data[prop] = value.replace(" ", "T") + ("" if value.endswith("Z") else "Z")
            elif prop in _ATTACHMENT_PROPS:
                _attachment_prop(data, prop, value, item_type, link_mode)
            elif prop in ALL_FIELDS and prop not in self.without_fields:
                if not _is_empty(value):
                    raise _ObjectError(400, f"'{prop}' is not a valid field for type '{item_type}'")
            else:
                raise _ObjectError(400, f"Invalid property '{prop}'")

        if is_child:
            assert parent is not None
            if data.get("collections"):
                if "collections" in raw:
                    raise _ObjectError(400, "Child items cannot be assigned to collections")
                data["collections"] = []
            if parent == key:
                raise _ObjectError(400, "An item cannot be its own parent")
            parent_data = lib.items.get(parent)
            if parent_data is None:
                raise _ObjectError(409, f"Parent item {parent} not found", {"parentItem": parent})
            if parent_data["itemType"] in _CHILD_TYPES:
                raise _ObjectError(409, f"Parent item {parent} must be a regular item "
                                        "(not a note or attachment)", {"parentItem": parent})
            if key is not None and lib.children.get(key):
                raise _ObjectError(400, "An item with child items cannot become a child item")
            data["parentItem"] = parent
        else:
            data.pop("parentItem", None)
        for collection in data.get("collections", ()):
            if collection not in lib.collections:
                raise _ObjectError(409, f"Collection {collection} not found", {"collection": collection})
        return data

    def _save_collection(self, lib: _Library, raw: Any, *, partial: bool, require_version: bool,
                         touched: set[str], index: int = 0, url_key: str | None = None,
                         check_version: bool = True) -> tuple[str, bool]:
        if not isinstance(raw, dict):
            raise _ObjectError(400, f"Invalid value for index {index} in uploaded data; "
                                    "expected JSON collection object")
        key, existing = self._object_key(lib.collections, raw, "collection", url_key)
        if check_version:
            self._check_version("collection", raw, key, existing, require_version, touched)
        data, key = self._build_collection(lib, raw, key, existing, partial=partial, index=index)
        key = key or self._new_key(lib)
        data.update(key=key, version=existing["version"] if existing is not None else 0)
        final = _ordered_collection(data)
        if existing is not None and _same(existing, final):
            return key, False
        lib.version += 1
        final["version"] = lib.version
        self._store_collection(lib, key, final)
        lib.mutations += 1
        touched.add(key)
        return key, True

    def _store_collection(self, lib: _Library, key: str, data: dict[str, Any]) -> None:
        lib.collections.pop(key, None)
        lib.collections[key] = data
        lib.seq[key] = self._next_seq()
        lib.deleted["collections"].pop(key, None)

    def _build_collection(self, lib: _Library, raw: Mapping[str, Any], key: str | None,
                          existing: Mapping[str, Any] | None, *, partial: bool,
                          index: int) -> tuple[dict[str, Any], str | None]:
        if not isinstance(raw, Mapping):
            raise _ObjectError(400, f"Invalid value for index {index} in uploaded data; "
                                    "expected JSON collection object")
        if key is not None and not _is_key(key):
            raise _ObjectError(400, f"'{key}' is not a valid collection key")
        if existing is not None and partial:
            data: dict[str, Any] = copy.deepcopy(dict(existing))
        else:
            data = {"name": None, "parentCollection": False, "relations": {}}
        for prop, value in raw.items():
            if prop in ("key", "version"):
                continue
            if prop == "name":
                if not isinstance(value, str):
                    raise _ObjectError(400, "'name' must be a string")
                name = value.strip()
                if not name:
                    raise _ObjectError(400, "Collection name cannot be empty")
                if len(name) > MAX_NAME_CHARS:
                    raise _ObjectError(413, f"Collection name '{name[:50]}…' too long")
                data["name"] = name
            elif prop == "parentCollection":
                if value in (None, False, ""):
                    data["parentCollection"] = False
                elif not _is_key(value):
                    raise _ObjectError(400, f"'{value}' is not a valid collection key")
                else:
                    data["parentCollection"] = value
            elif prop == "relations":
                data["relations"] = _relations(value, _COLLECTION_URI_RE, "collection")
            elif prop == "deleted":
                data["deleted"] = bool(value) and value not in ("0", "false")
            else:
                raise _ObjectError(400, f"Invalid property '{prop}'")
        if data["name"] is None:
            raise _ObjectError(400, "Collection name cannot be empty")
        parent = data.get("parentCollection") or None
        if parent is not None:
            if parent == key:
                raise _ObjectError(400, "A collection cannot be its own parent")
            if parent not in lib.collections:
                raise _ObjectError(409, f"Parent collection {parent} not found", {"parentCollection": parent})
            ancestor = lib.collections[parent].get("parentCollection")
            while ancestor:
                if ancestor == key:
                    raise _ObjectError(400, "A collection cannot be moved into one of its subcollections")
                above = lib.collections.get(ancestor)
                ancestor = above.get("parentCollection") if above is not None else None
        return data, key


# ---------------------------------------------------------------------------------------
# Per-property validation (the dataserver's messages)
# ---------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _match_expression(expression: str, values: set[str]) -> bool:
    """`a`, `-a` (not), `a || b` (any): the API's tag= and itemType= syntax."""
    negate = expression.startswith("-")
    body = expression[1:] if negate else expression.removeprefix("\\")
    hit = any(alternative.strip() in values for alternative in re.split(r"\s+\|\|\s+", body))
    return hit != negate


def _sort_keys(keys: list[str], data_of: Callable[[str], Mapping[str, Any]], p: _ListParams,
               seq: Mapping[str, int]) -> None:
    """Sort in place; dateModified is the modification order (stable, oldest first)."""
    if p.sort in ("dateModified", "serverDateModified"):
        keys.sort(key=seq.__getitem__)
    elif p.sort == "dateAdded":
        keys.sort(key=lambda k: (data_of(k).get("dateAdded", ""), seq[k]))
    elif p.sort == "creator":
        keys.sort(key=lambda k: (_creator_summary(data_of(k).get("creators", []),
                                                  data_of(k).get("itemType", "")).casefold(), seq[k]))
    elif p.sort == "title":  # a collection's name
        keys.sort(key=lambda k: (str(data_of(k).get("title") or data_of(k).get("name") or
                                     _excerpt(data_of(k).get("note", ""), 80)).casefold(), seq[k]))
    else:
        keys.sort(key=lambda k: (str(data_of(k).get(p.sort) or "").casefold(), seq[k]))
    if p.direction == "desc":
        keys.reverse()


def _field(name: str, value: Any) -> str:
    if type(value) is str:
        text = value.strip()
    elif value is None or value is False:
        return ""
    elif isinstance(value, (list, dict)):
        raise _ObjectError(400, f"Unexpected array for property '{name}'")
    else:
        text = "1" if value is True else str(value).strip()
    if len(text) > MAX_FIELD_BYTES // 4 and len(text.encode()) > MAX_FIELD_BYTES:
        raise _ObjectError(413, f"Value for '{name}' too long")
    if name == "accessDate" and text:
        if text == "CURRENT_TIMESTAMP":
            return _now()
        if not re.fullmatch(r"\d{4}-\d\d-\d\d([T ]\d\d:\d\d:\d\dZ?)?", text):
            raise _ObjectError(400, "'accessDate' must be in ISO 8601 or UTC 'YYYY-MM-DD[ hh:mm:ss]' format "
                                    "or 'CURRENT_TIMESTAMP'")
        if " " in text:
            text = text.replace(" ", "T") + ("" if text.endswith("Z") else "Z")
    return text


def _creators(value: Any, item_type: str) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise _ObjectError(400, "'creators' property must be an array")
    out: list[dict[str, str]] = []
    allowed = CREATOR_TYPES[item_type]
    for creator in value:
        if not isinstance(creator, dict):
            raise _ObjectError(400, "Creator must be an object")
        if "creatorType" not in creator:
            raise _ObjectError(400, "creator object must contain 'creatorType'")
        named = False
        for name_prop in ("name", "firstName", "lastName"):
            text = creator.get(name_prop)
            if isinstance(text, str) and text.strip():
                named = True
                break
        if not named:
            break  # an all-empty creator ends the list: the server drops it and the rest
        for prop, text in creator.items():
            if prop == "creatorType":
                if text not in ALL_CREATOR_TYPES:
                    raise _ObjectError(400, f"'{text}' is not a valid creator type")
                if text not in allowed and not (text == "author" and item_type not in _CHILD_TYPES):
                    raise _ObjectError(400, f"'{text}' is not a valid creator type "
                                            f"for item type '{item_type}'")
            elif prop in ("firstName", "lastName"):
                other = "lastName" if prop == "firstName" else "firstName"
                if other not in creator:
                    raise _ObjectError(400, f"'{other}' creator field must be set if '{prop}' is set")
                if "name" in creator:
                    raise _ObjectError(400, f"'{prop}' and 'name' creator fields are mutually exclusive")
            elif prop == "name":
                if "firstName" in creator or "lastName" in creator:
                    other = "firstName" if "firstName" in creator else "lastName"
                    raise _ObjectError(400, f"'{other}' and 'name' creator fields are mutually exclusive")
            else:
                raise _ObjectError(400, f"Invalid creator property '{prop}'")
            if prop != "creatorType" and not isinstance(text, str):
                raise _ObjectError(400, f"Creator '{prop}' must be a string")
        if "name" in creator:
            out.append({"creatorType": creator["creatorType"], "name": creator["name"].strip()})
        else:
            out.append({"creatorType": creator["creatorType"], "firstName": creator["firstName"].strip(),
                        "lastName": creator["lastName"].strip()})
    return out


def _tags(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _ObjectError(400, "'tags' property must be an array")
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for tag in value:
        if not isinstance(tag, dict):
            raise _ObjectError(400, "Tag must be an object")
        if not tag:
            raise _ObjectError(400, "Tag object is empty")
        name: str | None = None
        tag_type = 0
        for prop, item in tag.items():
            if prop == "tag":
                if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                    raise _ObjectError(400, "Invalid tag name")
                if item == "":
                    raise _ObjectError(400, "Tag cannot be empty")
                name = str(item)
            elif prop == "type":
                if isinstance(item, bool) or not re.fullmatch(r"\d+", str(item)) or int(item) not in (0, 1):
                    raise _ObjectError(400, f"Invalid tag type '{item}'")
                tag_type = int(item)
            else:
                raise _ObjectError(400, f"Invalid tag property '{prop}'")
        if name is None or not name.strip():
            raise _ObjectError(400, "Tag cannot be empty")
        name = name.strip()
        if len(name) > MAX_NAME_CHARS:
            raise _ObjectError(413, f"Tag '{name[:50]}…' too long")
        if (name, tag_type) in seen:
            continue
        seen.add((name, tag_type))
        out.append({"tag": name, "type": tag_type} if tag_type else {"tag": name})
    return out


def _collection_keys(value: Any, is_child: bool) -> list[str]:
    if not isinstance(value, list):
        raise _ObjectError(400, "'collections' property must be an array")
    if is_child and value:
        raise _ObjectError(400, "Child items cannot be assigned to collections")
    out: list[str] = []
    for key in value:
        if not _is_key(key):
            raise _ObjectError(400, f"'{key}' is not a valid collection key")
        if key not in out:
            out.append(key)
    return out


def _relations(value: Any, uri: re.Pattern[str], noun: str) -> dict[str, Any]:
    if isinstance(value, list) and not value:
        return {}
    if not isinstance(value, dict):
        raise _ObjectError(400, "'relations' property must be an object")
    out: dict[str, Any] = {}
    for predicate, target in value.items():
        if predicate not in _RELATION_PREDICATES:
            raise _ObjectError(400, f"Unsupported predicate '{predicate}'")
        targets = target if isinstance(target, list) else [target]
        for one in targets:
            if not isinstance(one, str) or not uri.fullmatch(one):
                raise _ObjectError(400, f"'relations' values currently must be Zotero {noun} URIs")
        out[predicate] = target if isinstance(target, str) else list(targets)
    return out


def _note(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _ObjectError(400, "'note' must be a string")
    if len(value) > MAX_NOTE_CHARS:
        raise _ObjectError(413, f"Note '{_excerpt(value)}' too long")
    return sanitize_note(value)


def _attachment_prop(data: dict[str, Any], prop: str, value: Any, item_type: str,
                     link_mode: str | None) -> None:
    if item_type != "attachment":
        raise _ObjectError(400, f"'{prop}' is valid only for attachment items")
    assert link_mode is not None
    if prop in ("filename", "md5", "mtime") and not link_mode.startswith("imported_"):
        raise _ObjectError(400, f"'{prop}' is valid only for imported attachment items")
    if prop == "path" and link_mode != "linked_file":
        if _is_empty(value):
            return
        raise _ObjectError(400, "'path' is valid only for linked-file attachments")
    if prop == "md5":
        if value in (None, ""):
            data["md5"] = None
        elif isinstance(value, str) and re.fullmatch(r"[a-f0-9]{32}", value):
            data["md5"] = value
        else:
            raise _ObjectError(400, f"'{value}' is not a valid MD5 hash")
    elif prop == "mtime":
        if value is None:
            data["mtime"] = None
        elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            data["mtime"] = value
        else:
            raise _ObjectError(400, "'mtime' must be a timestamp in milliseconds")
    elif value is None:
        data[prop] = ""
    elif isinstance(value, str):
        data[prop] = value.strip()
    else:
        raise _ObjectError(400, f"'{prop}' must be a string")


def _retype(existing: Mapping[str, Any], new_type: str) -> dict[str, Any]:
    """An existing regular item as another regular type: fields move through base fields,
    creator types the new type lacks become 'contributor' (as the dataserver does)."""
    old_type = existing["itemType"]
    data = _blank_item(new_type)
    new_fields = _FIELD_SETS[new_type]
    by_base = {base: name for name, base in BASE_FIELDS[new_type].items()}
    for name in ITEM_TYPE_FIELDS[old_type]:
        value = existing.get(name, "")
        if not value:
            continue
        if name in new_fields:
            data[name] = value
            continue
        base = BASE_FIELDS[old_type].get(name, name)
        target = by_base.get(base) or (base if base in new_fields else None)
        if target:
            data[target] = value
    data["creators"] = [
        c if c["creatorType"] in CREATOR_TYPES[new_type] else {**c, "creatorType": "contributor"}
        for c in existing.get("creators", [])
    ]
    for prop in ("tags", "collections", "relations", "deleted", "inPublications", "dateAdded"):
        if prop in existing:
            data[prop] = copy.deepcopy(existing[prop])
    return data


# ---------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def version_string(self) -> str:
        return "ZoteroEmulator/1.0"

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        if length is None:
            return None
        return self.rfile.read(int(length))

    def _serve(self) -> None:
        body = self._read_body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        response = self.server.emulator._handle_http(self.command, self.path, headers, body,
                                                     self.client_address[0])
        if response is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.status not in (204, 304) and response.body:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the emulator's log is `ZoteroEmulator.log`."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: ZoteroEmulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


# ---------------------------------------------------------------------------------------
# Synthetic data and the command line
# ---------------------------------------------------------------------------------------


def synthetic_preprints(count: int, *, start: int = 0) -> Iterator[dict[str, Any]]:
    """`count` distinct arXiv-like preprints (as the arXiv translator would make them)."""
    for n in range(start, start + count):
        arxiv_id = f"{24 + n // 1_200_000:02d}{1 + (n // 100_000) % 12:02d}.{n % 100_000:05d}"
        yield {
            "itemType": "preprint",
            "title": f"Synthetic study number {n} of attention in language models",
            "creators": [{"creatorType": "author", "firstName": "Ada", "lastName": f"Lovelace{n % 997}"},
                         {"creatorType": "author", "firstName": "Alan", "lastName": f"Turing{n % 991}"}],
            "abstractNote": f"We study synthetic problem {n}.",
            "date": f"20{arxiv_id[:2]}-{arxiv_id[2:4]}-15",
            "repository": "arXiv",
            "archiveID": f"arXiv:{arxiv_id}",
            "DOI": f"10.48550/arXiv.{arxiv_id}",
            "url": f"http://arxiv.org/abs/{arxiv_id}",
            "extra": f"arXiv:{arxiv_id} [cs.CL]",
            "libraryCatalog": "arXiv.org",
            "tags": [{"tag": "Computer Science - Computation and Language", "type": 1}],
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve a Zotero Web API v3 emulator on 127.0.0.1 until SIGINT/SIGTERM. Prints "
                    "ZOTSYNC_ZOTERO_URL=, ZOTERO_API_KEY=, ZOTERO_LIBRARY_ID=, ZOTERO_LIBRARY_TYPE= lines.")
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--seed-items", type=int, default=0, help="synthetic preprints in user 1's library")
    parser.add_argument("--key", default="EmulatorWriteKey00000001", help="the write key to create")
    args = parser.parse_args(argv)
    emulator = ZoteroEmulator(latency=args.latency, port=args.port)
    emulator.add_user(1, "bench")
    key = emulator.add_key(args.key, user_id=1, write=True)
    if args.seed_items:
        emulator.seed_items("/users/1", list(synthetic_preprints(args.seed_items)))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    emulator.start()
    sys.stdout.write(f"ZOTSYNC_ZOTERO_URL={emulator.url}\nZOTERO_API_KEY={key}\n"
                     "ZOTERO_LIBRARY_ID=1\nZOTERO_LIBRARY_TYPE=user\n")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
