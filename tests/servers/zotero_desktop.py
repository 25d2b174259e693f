"""A strict stand-in for Zotero desktop's HTTP server (port 23119) for zotsync's tests.

Built from the Zotero source (`zotero/zotero`, read at the tags 7.0.0, 7.0.16, 7.0.32,
8.0.5, 9.0.2, 9.0.6 and 10.0.0), in the source's order:

* `chrome/content/zotero/xpcom/server/server.js` (`RequestHandler.handleRequest`,
  `_processEndpoint`): the Host check (7.0.0-7.0.15: `localhost|127.0.0.1`; gone in the
  httpd rewrite of 7.0.16; back from 9.0.2 with `[::1]`), "No endpoint found", HEAD and
  OPTIONS, the methods (GET/POST; PUT/PATCH/DELETE from 10.0), "Content-length not
  provided", the endpoint's methods, the browser check (before 9.0.2 a 403 "Request not
  allowed" for simple requests; from 9.0.2 the connection is closed without an answer),
  the content type, "Invalid JSON provided". Answers are HTTP/1.0 with
  `X-Zotero-Version` and `X-Zotero-Connector-API-Version`; a body has no Content-Length
  (the closed connection ends it); a status Zotero's table lacks has the reason
  "undefined" (401, 413, 428, 429, as the source writes it).
* `server_connector.js` + `saveSession.js` (7.0.32): `/connector/ping`,
  `/connector/getSelectedCollection`, `/connector/saveItems` (409 SESSION_EXISTS for a
  session ID seen before, or no body; items land in the collection selected in the
  window; `notes` become child notes; only web-page link attachments are kept),
  `/connector/updateSession` (SESSION_ID_NOT_PROVIDED, SESSION_NOT_FOUND,
  COLLECTION_NOT_FOUND; `tags` must be a string: an array is a 500 that moves nothing).
  Sessions are never expired (the clean-up in the source never deletes one); a
  `restart()` forgets them, as quitting Zotero does.
* `server_localAPI.js`: the local API under `/api/` (users/0 = the user library),
  off by default (403 "Local API is not enabled"), before 10 read-only (GET only:
  writes are "Endpoint does not support method") with *sync* versions (items saved
  locally keep version 0 and the library version does not move; `since=0` and
  `If-Modified-Since-Version: 0` are ignored); from 10: `POST /api/local/authorize`
  (dialog answered by `dialog`: "allow" = one write, "always", "deny", or a number of
  seconds to wait before "always"; 5 prompts a minute, then 429), `Zotero-Server-ID`
  on every answer (428 for a write without it, 412 for a wrong one), `Zotero-API-Key`
  on writes (401, without the API headers), writes in Web API format (≤ 50 objects,
  write tokens, `If-Unmodified-Since-Version`: 412 without Last-Modified-Version),
  local versions that move with every write. No `/deleted` endpoint exists.

The library itself is a `ZoteroEmulator` (the Web API model: validation, versions,
write reports), not started: local API requests are answered by it with the path
rewritten (`/api/users/0` -> `/users/1`), so item JSON is what the Web API gives.
Not modelled: schema 40 of 7.0.x (the emulator's table is v41), Link headers, sort
orders, file endpoints, other connector endpoints (404 here; they exist in Zotero).

    with ZoteroDesktop("7.0.32", local_api=True) as zd:
        zd.seed_collections([{"name": "Reading"}])
        ... zd.url, zd.library.items, zd.log
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from servers.zotero_emulator import (
    ITEM_TYPE_FIELDS,
    LibraryView,
    LoggedRequest,
    ZoteroEmulator,
    _ordered_item,
    sanitize_note,
)

__all__ = ["VERSIONS", "DesktopLog", "ZoteroDesktop"]

DesktopLog = LoggedRequest  # one request as the stand-in saw it (`status` None: closed unanswered)

# A representative release per major version (the newest tag read).
VERSIONS = {"7": "7.0.32", "8": "8.0.5", "9": "9.0.6", "10": "10.0.0"}
CONNECTOR_API_VERSION = 3
_INTERNAL_KEY = "DesktopInternalKey000001"  # the emulator's key; never seen by a client
_RESPONSE_CODES = {
    200: "OK",
    201: "Created",
    204: "No Content",
    300: "Multiple Choices",
    304: "Not Modified",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
_WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_AUTHORIZE_MAX, _AUTHORIZE_WINDOW = 5, 60.0


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass
class _Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


class _Cancel(Exception):
    """Close the connection without answering (`_cancelResponse`)."""


@dataclass
class _Endpoint:
    name: str
    methods: tuple[str, ...]
    data_types: tuple[str, ...] | None  # None: any
    handler: Any
    local_api: bool = False
    server_id_on_write: bool = True


@dataclass
class _Session:
    id: str
    items: dict[str, str] = field(default_factory=dict)  # connector id -> item key
    target: str = "L1"


class ZoteroDesktop:
    """Zotero desktop's server on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        version: str = "10.0.0",
        *,
        local_api: bool = False,
        port: int = 0,
        dialog: str | float = "always",
        server_id: str = "SRVID0000001",
    ) -> None:
        self.version = VERSIONS.get(version, version)
        self.v = _version_tuple(self.version)
        self.local_api = local_api
        self.dialog = dialog
        self.server_id = server_id
        self.port = port
        self.emulator = ZoteroEmulator()
        self.emulator.add_user(1, "local")
        self.emulator.add_key(_INTERNAL_KEY, user_id=1, write=True)
        self.selected = "L1"  # the library or collection selected in the Zotero window
        self._sessions: dict[str, _Session] = {}
        self._keys: dict[str, bool] = {}  # local API key -> remember
        self._tokens: dict[str, float] = {}
        self._authorize_times: list[float] = []
        self._collection_ids: dict[str, int] = {}
        self._lock = threading.RLock()
        self._log: list[DesktopLog] = []
        # "POST /connector/saveItems": the next such request is done, its answer lost
        self.drop_after: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> ZoteroDesktop:
        if self._server is None:
            self.emulator.start()  # the library model (its URL appears in item links only)
            self._server = _Server(("127.0.0.1", self.port), self)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"zotero-desktop:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.emulator.stop()
        stopper = threading.Thread(target=server.shutdown, daemon=True)
        stopper.start()
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        stopper.join()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def restart(self) -> None:
        """Quit and start Zotero again: connector sessions are gone (they live in memory)."""
        with self._lock:
            self._sessions.clear()

    def __enter__(self) -> ZoteroDesktop:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- set-up and observation ---------------------------------------------------------

    @property
    def library(self) -> LibraryView:
        return self.emulator.library("/users/1")

    def seed_collections(self, collections: Sequence[Mapping[str, Any]]) -> list[str]:
        """Collections made in Zotero (parents first). Synced: they have versions."""
        return self.emulator.seed_collections("/users/1", collections)

    def seed_items(self, items: Sequence[Mapping[str, Any]]) -> list[str]:
        return self.emulator.seed_items("/users/1", items)

    def add_key(self, key: str = "LocalKey0000000000000000000000001", *, remember: bool = True) -> str:
        """A key granted earlier in the dialog."""
        with self._lock:
            self._keys[key] = remember
        return key

    def select(self, target: str) -> None:
        """Select a library ("L1") or collection ("C3") in the Zotero window."""
        self.selected = target

    def collection_id(self, key: str) -> int:
        with self._lock:
            return self._collection_ids.setdefault(key, len(self._collection_ids) + 1)

    @property
    def log(self) -> list[DesktopLog]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    @property
    def writes(self) -> list[DesktopLog]:
        """Requests that changed or could change the library (not reads, not pings)."""
        reads = ("/connector/ping", "/connector/getSelectedCollection")
        return [r for r in self.log if r.method != "GET" and r.path not in reads]

    # -- HTTP ------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes | None) -> _Answer | None:
        split = urlsplit(target)
        path, query = split.path, split.query
        try:
            with self._lock:
                answer = self._handle(method, path, query, headers, body)
        except _Cancel:
            answer = None
        with self._lock:
            dropped = answer is not None and f"{method} {path}" in self.drop_after
            if dropped:
                self.drop_after.remove(f"{method} {path}")
            self._log.append(
                DesktopLog(
                    method,
                    path,
                    dict(parse_qsl(query, keep_blank_values=True)),
                    dict(headers),
                    body,
                    None if answer is None or dropped else answer.status,
                )
            )
        return None if dropped else answer

    def _response(
        self, status: int, headers: Mapping[str, str] | str | None = None, body: str = ""
    ) -> _Answer:
        if isinstance(headers, str):
            headers = {"Content-Type": headers}
        out = {"X-Zotero-Version": self.version, "X-Zotero-Connector-API-Version": str(CONNECTOR_API_VERSION)}
        out.update(headers or {})
        return _Answer(status, out, body)

    def _handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes | None
    ) -> _Answer:
        # handleRequest
        host = headers.get("host") or ""
        if self.v < (7, 0, 16):
            allowed = r"(localhost|127\.0\.0\.1)(:[0-9]+)?"
        elif self.v < (9, 0, 2):
            allowed = None  # the httpd rewrite (7.0.16) dropped the check until 9.0.2
        else:
            allowed = r"(?:127\.0\.0\.1|\[::1\]|localhost)(?::[0-9]+)?"
        if allowed is not None and (not host or not re.fullmatch(allowed, host, re.IGNORECASE)):
            return self._response(400, "text/plain", "Invalid Host header\n")
        content_type = (headers.get("content-type") or "").split(";")[0].strip() or None
        found = self._route(path)
        if found is None:
            return self._response(404, "text/plain", "No endpoint found\n")
        endpoint, params = found
        if method in ("HEAD", "OPTIONS"):
            return self._response(200)
        writes = ("POST", "PUT", "PATCH", "DELETE") if self.v >= (10,) else ("POST",)
        if method != "GET":
            if method not in writes:
                return self._response(501, "text/plain", "Method not implemented\n")
            length = headers.get("content-length")
            if (length is None or not length.isdigit()) and method != "DELETE":
                return self._response(400, "text/plain", "Content-length not provided\n")
        # _processEndpoint
        if method not in endpoint.methods:
            return self._response(400, "text/plain", "Endpoint does not support method\n")
        browser = (headers.get("user-agent") or "").startswith("Mozilla/") or "origin" in headers
        if (
            browser
            and "x-zotero-connector-api-version" not in headers
            and "zotero-allowed-request" not in headers
            and not path.startswith("/test/")
        ):
            if self.v >= (9, 0, 2):
                if not (path == "/connector/ping" and headers.get("sec-fetch-mode") == "navigate"):
                    raise _Cancel
            elif (
                (endpoint.data_types is None or any(t in _SIMPLE_TYPES for t in endpoint.data_types))
                and path != "/connector/ping"
                and not (content_type and content_type not in _SIMPLE_TYPES)
            ):
                return self._response(403, "text/plain", "Request not allowed\n")
        data: Any = None
        if method != "GET" and content_type:
            if endpoint.data_types is not None and content_type not in endpoint.data_types:
                return self._response(400, "text/plain", "Endpoint does not support content-type\n")
            if content_type == "application/json":
                try:
                    data = json.loads((body or b"").decode("utf-8") or "null")
                except (ValueError, UnicodeDecodeError):
                    return self._response(400, "text/plain", "Invalid JSON provided\n")
            else:
                data = (body or b"").decode("utf-8", "replace")
        try:
            result: _Answer = endpoint.handler(
                method=method,
                path=path,
                params=params,
                query=query,
                headers=headers,
                data=data,
                body=body,
                endpoint=endpoint,
            )
        except _Cancel:
            raise
        except Exception:
            return self._response(500)
        return result

    # -- routing -------------------------------------------------------------------------

    def _route(self, path: str) -> tuple[_Endpoint, dict[str, str]] | None:
        connector = {
            "/connector/ping": _Endpoint(
                "ping", ("GET", "POST"), ("application/json", "text/plain"), self._ping
            ),
            "/connector/getSelectedCollection": _Endpoint(
                "getSelectedCollection", ("POST",), ("application/json",), self._selected_collection
            ),
            "/connector/saveItems": _Endpoint(
                "saveItems", ("POST",), ("application/json",), self._save_items
            ),
            "/connector/updateSession": _Endpoint(
                "updateSession", ("POST",), ("application/json",), self._update_session
            ),
        }
        if path in connector:
            return connector[path], {}
        if not path.startswith("/api/"):
            return None
        ten = self.v >= (10,)
        if path == "/api/":
            return _Endpoint("root", ("GET",), None, self._local, local_api=True), {}
        if path == "/api/local/authorize" and ten:
            return _Endpoint(
                "authorize", ("POST",), ("application/json",), self._authorize, local_api=True
            ), {}
        if path in ("/api/itemTypeFields", "/api/itemTypes", "/api/itemFields", "/api/creatorFields"):
            return _Endpoint("schema", ("GET",), None, self._local, local_api=True), {}
        lib = r"/api/(?:users/(?P<userID>[^/]+)|groups/(?P<groupID>[^/]+))"
        routes: list[tuple[str, tuple[str, ...]]] = [
            (r"/items(?:/trash)?(?:/top)?", ("GET", "POST", "DELETE") if ten else ("GET",)),
            (r"/items/(?P<itemKey>[^/]+)", ("GET", "PUT", "PATCH", "DELETE") if ten else ("GET",)),
            (r"/items/(?P<itemKey>[^/]+)/children", ("GET", "POST", "DELETE") if ten else ("GET",)),
            (r"/collections(?:/top)?", ("GET", "POST", "DELETE") if ten else ("GET",)),
            (
                r"/collections/(?P<collectionKey>[^/]+)",
                ("GET", "PUT", "PATCH", "DELETE") if ten else ("GET",),
            ),
            (
                r"/collections/(?P<collectionKey>[^/]+)/collections",
                ("GET", "POST", "DELETE") if ten else ("GET",),
            ),
            (
                r"/collections/(?P<collectionKey>[^/]+)/items(?:/top)?",
                ("GET", "POST", "DELETE") if ten else ("GET",),
            ),
        ]
        for suffix, methods in routes:
            found = re.fullmatch(lib + suffix, path)
            if found:
                params = {k: v for k, v in found.groupdict().items() if v is not None}
                return _Endpoint("local", methods, None, self._local, local_api=True), params
        return None

    # -- connector -------------------------------------------------------------------------

    def _ping(self, *, method: str, **_: Any) -> _Answer:
        if method == "GET":
            return self._response(
                200, "text/html", "<!DOCTYPE html><html><body>Zotero is running</body></html>"
            )
        prefs = {
            "automaticSnapshots": True,
            "downloadAssociatedFiles": True,
            "supportsAttachmentUpload": True,
            "googleDocsAddNoteEnabled": True,
            "translatorsHash": "0",
            "sortedTranslatorHash": "0",
        }
        return self._response(200, "application/json", json.dumps({"prefs": prefs}))

    def _targets(self) -> list[dict[str, Any]]:
        """The user library and its collections, depth first by name, with `level`."""
        collections = self.library.collections
        children: dict[str | None, list[str]] = {}
        for key, col in collections.items():
            children.setdefault(col.get("parentCollection") or None, []).append(key)
        out: list[dict[str, Any]] = [{"id": "L1", "name": "My Library", "filesEditable": True, "level": 0}]

        def walk(parent: str | None, level: int) -> None:
            for key in sorted(children.get(parent, []), key=lambda k: collections[k]["name"].lower()):
                out.append(
                    {
                        "id": f"C{self.collection_id(key)}",
                        "name": collections[key]["name"],
                        "filesEditable": True,
                        "level": level,
                    }
                )
                walk(key, level + 1)

        walk(None, 1)
        return out

    def _collection_key(self, target: str) -> str | None:
        number = int(target[1:])
        for key in self.library.collections:
            if self.collection_id(key) == number:
                return key
        return None

    def _selected_collection(self, **_: Any) -> _Answer:
        response: dict[str, Any] = {
            "libraryID": 1,
            "libraryName": "My Library",
            "libraryEditable": True,
            "filesEditable": True,
            "editable": True,
        }
        key = self._collection_key(self.selected) if self.selected.startswith("C") else None
        if key is not None:
            response["id"] = self.collection_id(key)
            response["name"] = self.library.collections[key]["name"]
        else:
            response["id"] = None
            response["name"] = response["libraryName"]
        response["targets"] = self._targets()
        return self._response(200, "application/json", json.dumps(response))

    def _save_items(self, *, data: Any, headers: Mapping[str, str], **_: Any) -> _Answer:
        outdated = headers.get("x-zotero-connector-api-version")
        if outdated is not None and outdated.isdigit() and int(outdated) < CONNECTOR_API_VERSION:
            return self._response(
                400, "application/json", json.dumps({"error": "CONNECTOR_VERSION_OUTDATED"})
            )
        target = self.selected
        try:
            session_id = data["sessionID"]  # TypeError on no body: caught as the source does
            if session_id is None:
                session_id = f"random{len(self._sessions)}"
            if session_id in self._sessions:
                raise KeyError(session_id)
        except (TypeError, KeyError):
            return self._response(409, "application/json", json.dumps({"error": "SESSION_EXISTS"}))
        session = self._sessions[session_id] = _Session(str(session_id), target=target)
        collection = self._collection_key(target) if target.startswith("C") else None
        try:
            self._store_connector_items(session, data.get("items"), collection)
        except Exception:
            return self._response(500)
        return self._response(201, "application/json")

    def _store_connector_items(self, session: _Session, items: Any, collection: str | None) -> None:
        emu = self.emulator
        lib = emu._library_at("/users/1")
        bump = self.v >= (10,)  # 10 tracks versions locally; before, saved items keep version 0
        with emu._lock:
            version = lib.version + 1 if bump else 0
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            for index, sent in enumerate(items):  # TypeError for a missing list: a 500
                item = dict(sent)
                item_type = item.get("itemType") or "webpage"
                notes = item.pop("notes", None) or []
                attachments = item.pop("attachments", None) or []
                connector_id = str(item.get("id"))
                raw = {
                    name: value
                    for name, value in item.items()
                    if name in ITEM_TYPE_FIELDS.get(item_type, ()) or name == "creators"
                }
                raw["itemType"] = item_type
                raw["tags"] = [
                    {"tag": t["tag"] if isinstance(t, dict) else str(t), "type": 1}
                    for t in item.get("tags") or []
                ]
                raw["collections"] = [collection] if collection else []
                data = emu._build_item(lib, raw, None, None, partial=False, index=index)
                key = emu._new_key(lib)
                data.update(key=key, version=version, dateAdded=now, dateModified=now)
                emu._store_item(lib, key, None, _ordered_item(data))
                session.items[connector_id] = key
                for note in notes:
                    text = note.get("note") if isinstance(note, dict) else str(note)
                    note_tags = [
                        {"tag": t["tag"] if isinstance(t, dict) else str(t), "type": 1}  # forceTagType
                        for t in ((note.get("tags") if isinstance(note, dict) else None) or [])
                    ]
                    child = emu._build_item(
                        lib,
                        {
                            "itemType": "note",
                            "parentItem": key,
                            "note": sanitize_note(str(text or "")),
                            "tags": note_tags,
                        },
                        None,
                        None,
                        partial=False,
                        index=index,
                    )
                    child_key = emu._new_key(lib)
                    child.update(key=child_key, version=version, dateAdded=now, dateModified=now)
                    emu._store_item(lib, child_key, None, _ordered_item(child))
                for attachment in attachments:  # ATTACHMENT_MODE_IGNORE: web-page links only
                    if not (
                        attachment.get("mimeType") in _WEB_PAGE_TYPES
                        and attachment.get("snapshot") is False
                        and attachment.get("url")
                    ):
                        continue
                    link = emu._build_item(
                        lib,
                        {
                            "itemType": "attachment",
                            "parentItem": key,
                            "linkMode": "linked_url",
                            "title": attachment.get("title") or "",
                            "url": attachment["url"],
                            "contentType": attachment.get("mimeType"),
                        },
                        None,
                        None,
                        partial=False,
                        index=index,
                    )
                    link_key = emu._new_key(lib)
                    link.update(key=link_key, version=version, dateAdded=now, dateModified=now)
                    emu._store_item(lib, link_key, None, _ordered_item(link))
            if bump:
                lib.version = version
            lib.mutations += 1

    def _update_session(self, *, data: Any, **_: Any) -> _Answer:
        if not data.get("sessionID"):
            return self._response(400, "application/json", json.dumps({"error": "SESSION_ID_NOT_PROVIDED"}))
        session = self._sessions.get(data["sessionID"])
        if session is None:
            return self._response(400, "application/json", json.dumps({"error": "SESSION_NOT_FOUND"}))
        target = data["target"]  # missing: a TypeError, a 500
        kind = target[0]
        collection = None
        if kind == "C":
            collection = self._collection_key(target)
            if collection is None:
                return self._response(400, "application/json", json.dumps({"error": "COLLECTION_NOT_FOUND"}))
        tags = data.get("tags")
        if self.v >= (8,) and isinstance(tags, str):  # 8.0+: a string is split at commas
            tags = tags.split(",")
        if tags is None or tags is False or tags in {"", 0}:  # JS `tags || ...`
            tags = [] if self.v >= (8,) else ""
        self.selected = target  # selectByID runs before the items are updated
        if self.v >= (8,):
            names = [t.strip() for t in tags if t.strip()]  # not a list: no .map, a 500
        else:
            text = tags.strip()  # an array (even []) has no .trim(): a 500, nothing moved
            names = [t for t in re.split(r"\s*,\s*", text) if t] if text else []
        session.target = target
        emu = self.emulator
        lib = emu._library_at("/users/1")
        bump = self.v >= (10,)
        with emu._lock:
            version = lib.version + 1 if bump else None
            for key in session.items.values():
                existing = lib.items.get(key)
                if existing is None:
                    continue
                changed = dict(existing)
                changed["tags"] = [t for t in existing.get("tags", []) if t.get("type") == 1] + [
                    {"tag": name} for name in names
                ]
                changed["collections"] = [collection] if collection else []
                if version is not None:
                    changed["version"] = version
                emu._store_item(lib, key, existing, changed)
            if version is not None:
                lib.version = version
            lib.mutations += 1
        return self._response(200, "application/json", "{}")

    # -- local API -------------------------------------------------------------------------

    def _api_headers(self, headers: dict[str, str] | None = None) -> dict[str, str]:
        out = {"Zotero-API-Version": "3", "Zotero-Schema-Version": str(self.emulator.schema_version)}
        if self.v >= (10,):
            out["Zotero-Server-ID"] = self.server_id
        out.update(headers or {})
        return out

    def _local_response(
        self, status: int, content_type: str, body: str, extra: Mapping[str, str] | None = None
    ) -> _Answer:
        return self._response(
            status, self._api_headers({"Content-Type": content_type, **(extra or {})}), body
        )

    def _local_checks(self, method: str, headers: Mapping[str, str], endpoint: _Endpoint) -> _Answer | None:
        """`LocalAPIEndpoint.init`: enabled, then (10) the server ID."""
        if not self.local_api:
            return self._local_response(403, "text/plain", "Local API is not enabled")
        if self.v >= (10,):
            provided = headers.get("zotero-server-id")
            if not provided:
                if endpoint.server_id_on_write and method in ("POST", "PUT", "PATCH", "DELETE"):
                    return self._local_response(428, "text/plain", "Zotero-Server-ID not provided")
            elif provided != self.server_id:
                return self._local_response(412, "text/plain", "Zotero-Server-ID does not match this server")
        return None

    def _authorize(
        self, *, method: str, headers: Mapping[str, str], data: Any, endpoint: _Endpoint, **_: Any
    ) -> _Answer:
        refused = self._local_checks(method, headers, endpoint)
        if refused is not None:
            return refused
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("appName"), str)
            or not data["appName"].strip()
        ):
            return self._local_response(400, "text/plain", "appName is required")
        now = time.monotonic()
        self._authorize_times = [t for t in self._authorize_times if now - t < _AUTHORIZE_WINDOW]
        if len(self._authorize_times) >= _AUTHORIZE_MAX:
            wait = max(1, int(_AUTHORIZE_WINDOW - (now - self._authorize_times[0]) + 0.999))
            return self._local_response(
                429, "text/plain", "Too many authorization requests", {"Retry-After": str(wait)}
            )
        self._authorize_times.append(now)
        answer = self.dialog
        if isinstance(answer, (int, float)):  # the user takes this long to click "Always Allow"
            self._lock.release()
            try:
                time.sleep(float(answer))
            finally:
                self._lock.acquire()
            answer = "always"
        if answer == "deny":
            return self._local_response(403, "application/json", json.dumps({"denied": True}))
        key = f"LocalKey{len(self._keys):024d}"
        self._keys[key] = answer == "always"
        return self._local_response(
            200, "application/json", json.dumps({"key": key, "remember": answer == "always"})
        )

    def _local(
        self,
        *,
        method: str,
        path: str,
        params: dict[str, str],
        query: str,
        headers: dict[str, str],
        data: Any,
        body: bytes | None,
        endpoint: _Endpoint,
    ) -> _Answer:
        refused = self._local_checks(method, headers, endpoint)
        if refused is not None:
            return refused
        pairs = parse_qsl(query, keep_blank_values=True)
        wanted = headers.get("zotero-api-version") or dict(pairs).get("v") or "3"
        if wanted.strip() != "3" and path != "/api/":
            return self._local_response(501, "text/plain", f"API version not implemented: {wanted}")
        if path == "/api/":
            return self._local_response(200, "text/plain", "Nothing to see here.")
        user = params.get("userID")
        if user is not None and user not in ("0", "1"):
            return self._local_response(
                400, "text/plain", "Only data for the logged-in user is available locally -- use userID 0"
            )
        if "groupID" in params:
            return self._local_response(404, "text/plain", "Not found")
        write = method in ("POST", "PUT", "PATCH", "DELETE")
        if write:  # 10 only: before, the endpoints take GET alone
            key = headers.get("zotero-api-key") or dict(pairs).get("key") or ""
            if not key:
                return self._response(
                    401,
                    {
                        "Content-Type": "text/plain",
                        "WWW-Authenticate": 'Zotero-API-Key realm="Zotero Local API"',
                    },
                    "API key required -- POST /api/local/authorize to obtain one",
                )
            if key not in self._keys:
                return self._response(401, "text/plain", "Invalid or expired API key")
            if not self._keys[key]:  # "Allow": the first write uses it up
                del self._keys[key]
            token = headers.get("zotero-write-token")
            if method == "POST" and token:
                if not 5 <= len(token) <= 32:
                    return self._local_response(
                        400, "text/plain", "Write token must be 5-32 characters in length"
                    )
                if token in self._tokens:
                    return self._local_response(412, "text/plain", "Write token already used")
            unmodified = headers.get("if-unmodified-since-version")
            lib_version = self.library.version
            if method == "POST" and unmodified is not None:
                if not unmodified.strip().isdigit():
                    return self._local_response(
                        400, "text/plain", "Invalid If-Unmodified-Since-Version value"
                    )
                if lib_version > int(unmodified):
                    return self._local_response(
                        412,
                        "text/plain",
                        "Library has been modified since specified version "
                        f"(expected {int(unmodified)}, found {lib_version})",
                    )
        # The Web API model answers, at the emulator's path for the user library.
        sub = path.split("/", 4)[4] if path.count("/") >= 4 else ""
        forwarded = [(k, v) for k, v in pairs if k not in ("key", "v")]
        if self.v < (10,):  # sync versions: `since=0` and If-Modified-Since-Version 0 are no filter
            forwarded = [(k, v) for k, v in forwarded if not (k == "since" and v.strip() == "0")]
        inner_headers = {
            k: v
            for k, v in headers.items()
            if k
            in (
                "content-type",
                "if-modified-since-version",
                "if-unmodified-since-version",
                "zotero-write-token",
            )
        }
        if (inner_headers.get("if-modified-since-version") or "").strip() == "0":
            del inner_headers["if-modified-since-version"]
        inner_headers["zotero-api-key"] = _INTERNAL_KEY
        inner_headers.pop("zotero-write-token", None)  # checked above, with the local cache
        inner_path = f"/users/1/{sub}" if params else path[len("/api") :]  # schema endpoints: no library
        target = inner_path + (f"?{urlencode(forwarded)}" if forwarded else "")
        inner = self.emulator._handle_http(method, target, inner_headers, body, "127.0.0.1")
        assert inner is not None
        out = {
            k: v
            for k, v in inner.headers.items()
            if k in ("Content-Type", "Last-Modified-Version", "Total-Results")
        }
        if inner.status == 404 and not inner.body.strip(b" \n").startswith((b"{", b"[")):
            return self._local_response(404, "text/plain", "Not found")
        if write and method == "POST" and inner.status == 200:
            token = headers.get("zotero-write-token")
            if token:
                self._tokens[token] = time.monotonic()
        return self._response(inner.status, self._api_headers(out), inner.body.decode("utf-8"))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server: _Server

    def _serve(self) -> None:
        length = self.headers.get("Content-Length")
        body = self.rfile.read(int(length)) if length and length.isdigit() else None
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = self.server.desktop.handle(self.command, self.path, headers, body)
        if answer is None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        reason = _RESPONSE_CODES.get(answer.status, "undefined")
        self.close_connection = True
        lines = [f"HTTP/1.0 {answer.status} {reason}\r\n".encode("latin-1")]
        lines += [f"{name}: {value}\r\n".encode("latin-1") for name, value in answer.headers.items()]
        lines.append(b"\r\n" + answer.body.encode("utf-8") if answer.body else b"Content-Length: 0\r\n\r\n")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.wfile.write(b"".join(lines))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: see `ZoteroDesktop.log`."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], desktop: ZoteroDesktop) -> None:
        self.desktop = desktop
        super().__init__(address, _Handler)
