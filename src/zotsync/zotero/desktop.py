"""The Zotero desktop app as a library: its local API and its connector server.

Zotero desktop listens on 127.0.0.1:23119 (`desktop_url`). Two ways in (docs/zotero.md,
"desktop"; read from the Zotero source, server.js / server_connector.js /
server_localAPI.js):

* the **local API** (`/api/`, Web API v3 format, user library `users/0`): off until the
  user ticks the setting below; read-only before Zotero 10. From 10 it takes writes with
  a key granted in a Zotero dialog (`POST /api/local/authorize`), sent as
  `Zotero-API-Key`, and every write carries the instance's `Zotero-Server-ID` (learned
  from any answer). `ZoteroLocal` is the Web API client pointed there: the same engine
  reads and writes through it.
* the **connector server** (`/connector/...`, what the browser extension uses): the only
  way to write into Zotero 7-9. `ZoteroConnector` saves items with their notes
  (`saveItems`) and files them into a collection (`updateSession`); zotsync.desktop_push
  is the writer built on it.

No error or message from here contains the local API key.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx2

from zotsync.config import Settings
from zotsync.errors import ConfigError, ZoteroError, register_secret
from zotsync.zotero.api import Versioned
from zotsync.zotero.web import ZoteroWeb

LOCAL_API_SETTING = ("in Zotero: Settings → Advanced → tick \"Allow other applications on this computer "
                     "to communicate with Zotero\"")
_NO_KEY = "NoLocalApiKeyGiven0000001"  # stands in for the key ZoteroWeb requires; never sent


def zotero_version(value: str | None) -> tuple[int, ...] | None:
    """"7.0.32" -> (7, 0, 32); None when the header is missing or odd."""
    if not value:
        return None
    parts = []
    for part in value.split("-")[0].split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts) or None


def not_running(settings: Settings) -> ZoteroError:
    where = urlsplit(settings.desktop_url).netloc
    return ZoteroError(f"Zotero is not running at {where} (nothing answers there)",
                       hint="start the Zotero desktop app, or set ZOTSYNC_DESKTOP_URL to where it listens")


class ZoteroLocal(ZoteroWeb):
    """The Zotero desktop local API (`{desktop_url}/api/users/0`) as a `ZoteroTarget`.

    Reads need no key. Writes (Zotero 10+) send the local key and the instance's server
    ID. The local API keeps no deletion log (`has_deletion_log`): the index learns
    deletions by comparing every key. Versions before 10 are sync versions: items saved
    in Zotero since its last sync have version 0 (`item_versions` always returns all).
    """

    has_deletion_log = False

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        local = replace(settings, zotero_url=f"{settings.desktop_url}/api",
                        api_key=settings.desktop_key or _NO_KEY, library_id="0", library_type="user")
        super().__init__(local, sleep=sleep)
        if not settings.desktop_key:
            self.zot.api_key = None  # reads: no key at all
        else:
            register_secret(settings.desktop_key)
        self.desktop_settings = settings
        self.library_label = "your library in Zotero desktop"
        self.server_id: str | None = None  # Zotero-Server-ID of the instance that answered
        self.app_version: str | None = None  # X-Zotero-Version
        self.connect_problem = not_running(settings)

    @property
    def version(self) -> tuple[int, ...] | None:
        return zotero_version(self.app_version)

    @property
    def writable(self) -> bool:
        """Whether this Zotero takes writes through its local API (10.0 and later)."""
        return (self.version or (0,)) >= (10,)

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
                headers: Mapping[str, str] | None = None,
                ok: frozenset[int] = frozenset({200, 204})) -> httpx2.Response:
        sent = dict(headers or {})
        if method != "GET":
            if self.server_id is None:
                self.probe()
            if not self.desktop_settings.desktop_key:
                raise ConfigError("no key for Zotero's local API",
                                  hint="run `zotsync login --desktop` and choose \"Always Allow\" in Zotero")
            sent["Zotero-API-Key"] = self.desktop_settings.desktop_key
        if self.server_id:
            sent["Zotero-Server-ID"] = self.server_id
        response = super().request(method, path, params=params, body=body, headers=sent, ok=ok)
        self._learn(response)
        return response

    def _learn(self, response: httpx2.Response) -> None:
        self.app_version = response.headers.get("X-Zotero-Version") or self.app_version
        found = response.headers.get("Zotero-Server-ID")
        if found:
            if self.server_id is not None and found != self.server_id:
                raise ZoteroError("another Zotero started answering while zotsync was working",
                                  hint="run the command again")
            self.server_id = found

    def probe(self) -> None:
        """`GET /api/`: is the local API on, and which Zotero (version, server ID) is it."""
        self.request("GET", "/")

    def _raise_for(self, status: int, response: httpx2.Response, method: str) -> None:
        text = " ".join((response.text or "").split())[:200]
        self.app_version = response.headers.get("X-Zotero-Version") or self.app_version
        if "X-Zotero-Version" not in response.headers:
            raise ZoteroError(f"{self.desktop_settings.desktop_url} does not look like Zotero desktop "
                              f"(it answered {status} without Zotero's headers)",
                              hint="check ZOTSYNC_DESKTOP_URL (default http://127.0.0.1:23119)")
        if status == 403 and text == "Local API is not enabled":
            raise ZoteroError("Zotero's local API is off", hint=LOCAL_API_SETTING)
        if status == 401:
            raise ZoteroError(f"Zotero did not accept zotsync's key for its local API (401: {text})",
                              hint="run `zotsync login --desktop` and choose \"Always Allow\" in Zotero")
        if status == 412 and "Zotero-Server-ID" in text:
            raise ZoteroError("a different Zotero answers than the one zotsync was talking to",
                              hint="run the command again")
        if status == 400 and text == "Endpoint does not support method":
            raise ZoteroError(f"Zotero {self.app_version} takes no writes through its local API "
                              "(Zotero 10 does)",
                              hint="zotsync writes into Zotero 7-9 through the connector instead; "
                                   "run the command again")
        if status == 404 and text == "No endpoint found":
            raise ZoteroError(f"Zotero {self.app_version} has no {method} {text and 'endpoint'} here",
                              hint="update Zotero, or report this with the message")
        super()._raise_for(status, response, method)

    # -- reads without a deletion log ---------------------------------------------------

    def _item_versions(self, since: int) -> Versioned | None:
        # Every item, always: no `since` (sync versions before 10 leave unsynced items out),
        # no If-Modified-Since-Version (a 304 would hide them too).
        return self.get_json(f"{self.prefix}/items", {"format": "versions", "includeTrashed": 1})

    def deleted(self, since: int) -> Versioned:
        return Versioned({}, 0)  # no /deleted locally: see has_deletion_log


# -- the connector ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A library or collection as the connector names it ("L1", "C42") and its path."""

    id: str
    path: tuple[str, ...]  # () for the library itself
    parent: str | None = None  # the parent collection's ID ("C3"), None at the top


class ZoteroConnector:
    """The connector endpoints of Zotero desktop (what the browser extension calls)."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.base = settings.desktop_url
        self._sleep = sleep
        self.client = httpx2.Client(timeout=settings.zotero_timeout)
        self.requests = 0
        self.app_version: str | None = None

    def close(self) -> None:
        self.client.close()

    @property
    def version(self) -> tuple[int, ...] | None:
        return zotero_version(self.app_version)

    def _post(self, path: str, document: Any, *, retry: bool = True) -> tuple[int, Any, bool]:
        """POST JSON; (status, parsed answer, whether it was a resend). A dropped answer is
        resent as it was (same body: same session ID)."""
        attempts = max(1, self.settings.zotero_retries) if retry else 1
        delay = self.settings.zotero_backoff
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        for attempt in range(1, attempts + 1):
            self.requests += 1
            try:
                response = self.client.post(f"{self.base}{path}", content=body,
                                            headers={"Content-Type": "application/json"})
            except httpx2.ConnectError:
                if attempt == 1:
                    raise not_running(self.settings) from None
                raise ZoteroError("Zotero stopped answering (connection refused)",
                                  hint="start Zotero again and re-run: nothing is saved twice") from None
            except httpx2.TransportError as exc:
                if attempt >= attempts:
                    raise ZoteroError(f"Zotero did not answer {path} ({type(exc).__name__})",
                                      hint="check Zotero is not stuck on a dialog, then re-run: "
                                           "nothing is saved twice") from None
                self._sleep(delay)
                delay *= 2
                continue
            self.app_version = response.headers.get("X-Zotero-Version") or self.app_version
            if "X-Zotero-Version" not in response.headers:
                raise ZoteroError(f"{self.base} does not look like Zotero desktop "
                                  f"(it answered {response.status_code} without Zotero's headers)",
                                  hint="check ZOTSYNC_DESKTOP_URL (default http://127.0.0.1:23119)")
            try:
                parsed = response.json() if response.content else None
            except ValueError:
                parsed = response.text
            return response.status_code, parsed, attempt > 1
        raise AssertionError("unreachable")

    def ping(self) -> str:
        """The Zotero version (`X-Zotero-Version`); raises when Zotero is not running."""
        status, _, _ = self._post("/connector/ping", {})
        if status != 200 or not self.app_version:
            raise ZoteroError(f"Zotero answered {status} to /connector/ping",
                              hint="check ZOTSYNC_DESKTOP_URL points at Zotero desktop")
        return self.app_version

    def targets(self) -> list[Target]:
        """The editable libraries and collections, in Zotero's order, with their paths."""
        status, found, _ = self._post("/connector/getSelectedCollection", {})
        if status != 200 or not isinstance(found, dict) or not isinstance(found.get("targets"), list):
            raise ZoteroError(f"Zotero answered {status} to /connector/getSelectedCollection",
                              hint="run again; if it persists, report it with this message")
        out: list[Target] = []
        stack: list[str] = []
        ids: list[str] = []
        library_seen = False
        for raw in found["targets"]:
            target_id, name, level = str(raw.get("id", "")), str(raw.get("name", "")), raw.get("level", 0)
            if target_id.startswith("L"):
                if library_seen:  # only the first (the user's own) library: groups are not handled here
                    break
                library_seen = True
                stack, ids = [], []
                out.append(Target(target_id, ()))
                continue
            if not isinstance(level, int) or level < 1:
                continue
            stack, ids = [*stack[: level - 1], name], [*ids[: level - 1], target_id]
            out.append(Target(target_id, tuple(stack), ids[-2] if len(ids) > 1 else None))
        return out

    def save_items(self, session_id: str, items: list[dict[str, Any]]) -> str:
        """`saveItems`: "saved", or "exists" (409: the session ID was used before; when this
        call resent a dropped request, that means its first attempt saved them)."""
        status, found, resent = self._post("/connector/saveItems", {"sessionID": session_id, "items": items})
        if status == 201:
            return "saved"
        if status == 409:
            return "resent" if resent else "exists"
        detail = json.dumps(found)[:120] if found else ""
        raise ZoteroError(f"Zotero refused to save the items ({status} {detail})".strip(),
                          hint="check Zotero shows no dialog and My Library is editable, then run again")

    def update_session(self, session_id: str, target: str) -> None:
        """`updateSession`: move the session's items into `target` ("C42")."""
        status, found, _ = self._post("/connector/updateSession", {"sessionID": session_id, "target": target})
        if status != 200:
            error = found.get("error") if isinstance(found, dict) else None
            raise ZoteroError(f"Zotero could not file the saved items ({status} {error or ''})".strip(),
                              hint="they are in the collection selected in Zotero: move them, or run again")


def session_id(library: str, target: str, items: list[dict[str, Any]]) -> str:
    """A connector session ID derived from what is saved: the same batch, resent, has the
    same ID (Zotero refuses it: 409), so a lost answer never saves twice."""
    digest = hashlib.sha256(json.dumps([library, target, items], sort_keys=True,
                                       ensure_ascii=False).encode("utf-8")).hexdigest()
    return f"zotsync-{digest[:32]}"


def iter_batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start: start + size]
