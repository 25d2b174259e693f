"""The Zotero Web API as the sync engine's `ZoteroTarget`.

A pyzotero `Zotero` object is built on the same HTTP client and gives the request
headers (API version, authorization: `zot.default_headers()`), so zotsync talks to the
API exactly as pyzotero does. Requests go through one function here rather than
pyzotero's methods because the engine needs what they do not offer: conditional reads
(`If-Modified-Since-Version` -> 304), batch writes that keep *their* write token across
retries (pyzotero makes a new token per call, so a resent batch could not be recognised
as already applied), and one retry policy for every request: `Backoff` honoured after
any response, `Retry-After` on 429 and 503, exponential waits otherwise, bounded
attempts. The API key never appears in an exception or message raised from here.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpcore2
import httpx2  # pyzotero's HTTP client library (a pyzotero dependency)
from pyzotero import zotero

from zotsync.config import Settings
from zotsync.deadline import BodyTooLarge, DeadlineBackend, read_capped, until
from zotsync.errors import ConfigError, ZoteroError, register_secret
from zotsync.zotero.api import KEY_ALPHABET, LibraryChanged, Versioned, WriteReport, WriteTokenUsed

log = logging.getLogger(__name__)

_RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_WAIT = 120.0  # seconds: a longer Retry-After or Backoff ends the command with a message
_TOKEN_USED = re.compile(r"write token already used", re.IGNORECASE)
_LOCKED = re.compile(r"locked", re.IGNORECASE)
# Answers the dataserver sends from ApiController::init(), before it sets
# Zotero-API-Version (docs/zotero-api.md §1.1): a missing header there does not mean
# "not a Zotero server". Matched on the whole (short, plain-text) body.
_EARLY_ANSWERS = {
    400: re.compile(r"invalid (user|group) id|zotero-api-key header and 'key' parameter differ|"
                    r"invalid authorization header format|write token .*|(post|put|patch) data not provided|"
                    r"invalid api version.*", re.IGNORECASE),
    401: re.compile(r"invalid login|access denied", re.IGNORECASE),
    403: re.compile(r"invalid key|an api key is required for write requests\.?|forbidden", re.IGNORECASE),
    404: re.compile(r"user \d+ not found|not found", re.IGNORECASE),
    409: re.compile(r".*locked.*", re.IGNORECASE),
    412: re.compile(r"write token already used", re.IGNORECASE),
    417: re.compile(r"expect header is not supported", re.IGNORECASE),
}


def _from_zotero(status: int, response: httpx2.Response, text: str) -> bool:
    """Whether an error answer is Zotero's: it carries Zotero's headers, or it is one of
    the answers the dataserver gives before setting them."""
    if "Zotero-API-Version" in response.headers:
        return True
    early = _EARLY_ANSWERS.get(status)
    return early is not None and early.fullmatch(text) is not None


def write_token() -> str:
    import secrets  # noqa: PLC0415

    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(32))


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if math.isnan(number):
        return None
    return max(0.0, number)  # may be inf: "longer than MAX_WAIT" all the same


class _DeadlineTransport(httpx2.HTTPTransport):
    """httpx's transport over httpcore's connection pool, with `DeadlineBackend` as the
    network backend (httpx offers no parameter for it), so `deadline.until` bounds a
    whole exchange, headers and body."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = httpcore2.ConnectionPool(ssl_context=httpx2.create_ssl_context(),
                                              network_backend=DeadlineBackend())


class ZoteroWeb:
    """One library (user or group) on a Zotero Web API server."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        if not settings.api_key:
            raise ConfigError("no Zotero API key", hint="run `zotsync login`, or set ZOTERO_API_KEY")
        if not settings.library_id:
            raise ConfigError("no Zotero library ID",
                              hint="run `zotsync login`, or set ZOTERO_LIBRARY_ID")
        register_secret(settings.api_key)
        self.settings = settings
        self.library_id = settings.library_id
        self.library_type = settings.library_type
        self.library_label = f"{settings.library_type} library {settings.library_id}"
        self.prefix = settings.library_prefix
        self.server = settings.zotero_url
        self._sleep = sleep
        client = httpx2.Client(follow_redirects=True, timeout=settings.zotero_timeout,
                               transport=_DeadlineTransport())
        self.zot = zotero.Zotero(settings.library_id, settings.library_type, settings.api_key,
                                 client=client)
        self.zot.endpoint = settings.zotero_url
        self.client = client
        self._backoff_until = 0.0
        self.requests = 0  # HTTP requests sent (for reports and benchmarks)
        # Told "what went wrong (attempt n/m)" before each wait to try again: the TUI's
        # status line says it is retrying instead of sitting silent.
        self.on_retry: Callable[[str], None] | None = None
        self.schema_version: int | None = None  # the last answer's Zotero-Schema-Version
        self.connect_problem: ZoteroError | None = None  # raised instead of "cannot connect", if set

    def close(self) -> None:
        """Close the HTTP connections (a reconnect builds a new client)."""
        self.client.close()

    # -- transport ------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.settings.zotero_url}{path}"

    def _retrying(self, problem: str, attempt: int, attempts: int) -> None:
        if self.on_retry is not None:
            self.on_retry(f"{problem}; trying again ({attempt + 1}/{attempts})")

    def _wait_backoff(self, method: str) -> None:
        remaining = self._backoff_until - time.monotonic()
        if remaining > MAX_WAIT:
            raise self._too_long(remaining, "Backoff", method)
        if remaining > 0:
            self._sleep(remaining)

    def _too_long(self, seconds: float, why: str, method: str) -> ZoteroError:
        """Zotero asks for a pause longer than a command should sit silent: stop, say so."""
        if not math.isfinite(seconds) or seconds > 7 * 86400:  # Backoff: 1e300, Retry-After: inf
            return ZoteroError(f"Zotero asks to wait more than a week before the next request ({why})",
                               hint="try again later; " + self._nothing_lost(method))
        until = datetime.now().astimezone() + timedelta(seconds=seconds)
        wait = f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{math.ceil(seconds / 60)} min"
        return ZoteroError(f"Zotero asks to wait {wait} before the next request ({why})",
                           hint=f"try again after {until:%H:%M}; " + self._nothing_lost(method))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset({200, 204}),
    ) -> httpx2.Response:
        """Send one request, retrying what may be retried, and return the response.

        Retried: 429 and 503 (after `Retry-After`), other 5xx, 409 "library locked",
        and transport errors — the same request, headers (write token) included.
        Raises ZoteroError with a one-line explanation otherwise.
        """
        all_headers = {**self.zot.default_headers(), **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        attempts = max(1, self.settings.zotero_retries)
        delay = self.settings.zotero_backoff
        last_problem = ""
        for attempt in range(1, attempts + 1):
            self._wait_backoff(method)
            self.requests += 1
            try:
                response = self._exchange(method, path, params, data, all_headers)
            except BodyTooLarge as exc:
                raise ZoteroError(f"Zotero's answer to {method} {path} is too large ({exc})",
                                  hint="check ZOTSYNC_ZOTERO_URL points at a Zotero API") from None
            except httpx2.ConnectError as exc:
                # Refused or unreachable is not a busy server: one more try covers a
                # restart; more would only keep the user waiting in silence.
                reason = "connection refused" if "refused" in str(exc).lower() else "unreachable"
                last_problem = f"cannot connect ({reason})"
                log.info("zotero %s %s: %s (attempt %d/%d)", method, path, last_problem, attempt, attempts)
                if attempt >= min(2, attempts) and self.connect_problem is not None:
                    raise self.connect_problem from None
                if attempt >= min(2, attempts):
                    raise ZoteroError(
                        f"cannot connect to Zotero at {urlsplit(self.settings.zotero_url).netloc} ({reason})",
                        hint="check the network and ZOTSYNC_ZOTERO_URL; "
                             + self._nothing_lost(method)) from None
                self._retrying(last_problem, attempt, min(2, attempts))
                self._sleep(min(delay, 1.0))
                continue
            except httpx2.TransportError as exc:
                last_problem = (f"no complete answer within {self.settings.zotero_timeout:g} s"
                                if isinstance(exc, httpx2.TimeoutException)
                                else f"network error ({type(exc).__name__})")
                log.info("zotero %s %s: %s (attempt %d/%d)", method, path, last_problem, attempt, attempts)
                if attempt < attempts:
                    self._retrying(last_problem, attempt, attempts)
                    self._sleep(delay)
                    delay *= 2
                continue
            schema = response.headers.get("Zotero-Schema-Version", "")
            if schema.isdigit():
                self.schema_version = int(schema)
            backoff = _seconds(response.headers.get("Backoff"))
            if backoff:
                self._backoff_until = time.monotonic() + min(backoff, 1e9)
            status = response.status_code
            if status in ok or status == 304:
                return response
            retry_after = _seconds(response.headers.get("Retry-After"))
            locked = status == 409 and _LOCKED.search(response.text or "") is not None
            if status in _RETRY_STATUSES or locked:
                if retry_after is not None and retry_after > MAX_WAIT:
                    raise self._too_long(retry_after, f"{status} with Retry-After", method)
                last_problem = {429: "rate limited (429)", 503: "unavailable (503)"}.get(
                    status, f"server error {status}" if not locked else "library locked (409)")
                log.info("zotero %s %s: %s (attempt %d/%d)", method, path, last_problem, attempt, attempts)
                if attempt < attempts:
                    self._retrying(last_problem, attempt, attempts)
                    self._sleep(retry_after if retry_after is not None else delay)
                    delay *= 2
                continue
            self._raise_for(status, response, method)
        raise ZoteroError(
            f"Zotero at {urlsplit(self.settings.zotero_url).netloc} kept failing: {last_problem} "
            f"after {attempts} attempts",
            hint="try again in a few minutes; " + self._nothing_lost(method),
        )

    @staticmethod
    def _nothing_lost(method: str) -> str:
        if method == "GET":
            return "nothing was being written"
        return "nothing was lost, re-running resumes the job"

    def _exchange(self, method: str, path: str, params: Mapping[str, Any] | None, data: bytes | None,
                  headers: Mapping[str, str]) -> httpx2.Response:
        """One request and its whole answer, within `zotero_timeout` seconds in all and at
        most `MAX_BODY` bytes once decompressed (a gzip bomb stops there)."""
        with until(self.settings.zotero_timeout):
            request = self.client.build_request(method, self._url(path), params=params, content=data,
                                                headers=headers)
            streamed = self.client.send(request, stream=True)
            try:
                body = read_capped(streamed.iter_bytes())
            finally:
                streamed.close()
        kept = [(name, value) for name, value in streamed.headers.multi_items()
                if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx2.Response(streamed.status_code, headers=kept, content=body, request=request)

    def _raise_for(self, status: int, response: httpx2.Response, method: str) -> None:
        text = " ".join((response.text or "").split())[:200]
        if not _from_zotero(status, response, text):
            raise ZoteroError(f"{self.settings.zotero_url} does not look like a Zotero Web API server "
                              f"(it answered {status} without Zotero's headers)",
                              hint="check ZOTSYNC_ZOTERO_URL (or login --url); the default is "
                                   "https://api.zotero.org")
        if status == 403 and re.fullmatch(r"invalid key", text, re.IGNORECASE):
            raise ZoteroError("Zotero does not know this API key (403 Invalid key)",
                              hint="check it for typos, or create one at zotero.org/settings/keys; "
                                   "then run `zotsync login`")
        if status == 403:
            if method == "GET":
                raise ZoteroError(
                    f"the API key has no access to {self.library_label}: {text or 'forbidden'}",
                    hint="check ZOTERO_LIBRARY_ID and ZOTERO_LIBRARY_TYPE, or run `zotsync login`")
            raise ZoteroError(f"key lacks write access to {self.library_label}",
                              hint="allow write access for it at zotero.org/settings/keys, "
                                   "then run `zotsync login`")
        if status == 404:
            raise ZoteroError(f"{self.library_label} not found on {self.settings.zotero_url}",
                              hint="check ZOTERO_LIBRARY_ID and ZOTERO_LIBRARY_TYPE, or run `zotsync login`")
        if status == 412 and _TOKEN_USED.search(text):
            raise WriteTokenUsed("write token already used")
        expected = response.request.headers.get("If-Unmodified-Since-Version")
        if status == 412 and expected is not None and expected.isdigit():
            found = response.headers.get("Last-Modified-Version", "")
            raise LibraryChanged(int(expected), int(found) if found.isdigit() else None)
        if status == 412:
            raise ZoteroError(f"{self.library_label} changed while writing (412): {text}",
                              hint="run the command again")
        raise ZoteroError(f"Zotero answered {status} to {method}: {text}",
                          hint="run again; if it persists, report it with this message")

    @staticmethod
    def _version(response: httpx2.Response) -> int:
        value = (response.headers.get("Last-Modified-Version") or "").strip()
        return int(value) if value.isdigit() and len(value) < 20 else 0

    def get_json(self, path: str, params: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> Versioned | None:
        """GET a JSON document; None for 304 Not Modified."""
        response = self.request("GET", path, params=params, headers=headers)
        if response.status_code == 304:
            return None
        try:
            document = response.json()
        except (ValueError, RecursionError):
            raise ZoteroError(f"Zotero sent an unreadable answer to GET {path}",
                              hint="check ZOTSYNC_ZOTERO_URL points at a Zotero API") from None
        return Versioned(document, self._version(response))

    # -- reads -------------------------------------------------------------------------

    def key_info(self) -> dict[str, Any]:
        """`/keys/current`: the key's user and access rights."""
        found = self.get_json("/keys/current")
        assert found is not None
        return dict(found.data)

    def item_versions(self, since: int) -> Versioned | None:
        found = self._item_versions(since)
        if found is not None and not (isinstance(found.data, dict) and all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                for k, v in found.data.items())):
            raise ZoteroError("Zotero sent an unreadable answer to items?format=versions "
                              "(not an object of key: version)",
                              hint="check ZOTSYNC_ZOTERO_URL points at a Zotero API")
        return found

    def _item_versions(self, since: int) -> Versioned | None:
        return self.get_json(f"{self.prefix}/items", {"format": "versions", "since": since,
                                                       "includeTrashed": 1},
                             headers={"If-Modified-Since-Version": str(since)})

    def all_items(self) -> Iterator[Versioned]:
        yield from self._pages(f"{self.prefix}/items", {"format": "json", "includeTrashed": 1})

    def collection_items(self, collection_key: str) -> Iterator[Versioned]:
        yield from self._pages(f"{self.prefix}/collections/{collection_key}/items/top", {"format": "json"})

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Versioned]:
        """Every page of a multi-object read, 100 at a time, stopping at `Total-Results`."""
        start = 0
        while True:
            response = self.request("GET", path, params={**params, "limit": 100, "start": start})
            try:
                page = Versioned(response.json(), self._version(response))
            except (ValueError, RecursionError):
                raise ZoteroError(f"Zotero sent an unreadable answer to GET {path}",
                                  hint="check ZOTSYNC_ZOTERO_URL points at a Zotero API") from None
            yield page
            start += len(page.data)
            total = response.headers.get("Total-Results")
            if total is not None and not total.strip().isdigit():
                raise ZoteroError(f"Zotero sent an unreadable Total-Results header ({total[:40]!r}) "
                                  f"to GET {path}",
                                  hint="check ZOTSYNC_ZOTERO_URL points at a Zotero API")
            if not page.data or (total is not None and start >= int(total)) or (
                    total is None and len(page.data) < 100):
                return

    def items_by_key(self, keys: Sequence[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for offset in range(0, len(keys), 50):
            chunk = keys[offset: offset + 50]
            page = self.get_json(f"{self.prefix}/items",
                                 {"format": "json", "itemKey": ",".join(chunk), "includeTrashed": 1,
                                  "limit": 50})
            assert page is not None
            found.extend(page.data)
        return found

    def item_type_fields(self, item_type: str) -> frozenset[str]:
        """The fields the server's schema gives `item_type` (`/itemTypeFields`)."""
        found = self.get_json("/itemTypeFields", {"itemType": item_type})
        assert found is not None
        return frozenset(str(f.get("field")) for f in found.data if isinstance(f, dict))

    def deleted(self, since: int) -> Versioned:
        found = self.get_json(f"{self.prefix}/deleted", {"since": since})
        assert found is not None
        return found

    def all_collections(self) -> Versioned:
        collections: list[dict[str, Any]] = []
        version = 0
        for page in self._pages(f"{self.prefix}/collections", {"format": "json"}):
            version = version or page.version
            collections.extend(page.data)
        return Versioned(collections, version)

    # -- writes ------------------------------------------------------------------------

    def _write(self, path: str, objects: Sequence[Mapping[str, Any]], since: int | None) -> WriteReport:
        if len(objects) > 50:
            raise ValueError("at most 50 objects per write request")
        headers = {"Zotero-Write-Token": write_token()}
        if since is not None:  # optimistic concurrency: refused whole if anyone wrote after `since`
            headers["If-Unmodified-Since-Version"] = str(since)
        response = self.request("POST", f"{self.prefix}/{path}", body=list(objects), headers=headers)
        try:
            document = response.json()
        except (ValueError, RecursionError):
            raise ZoteroError(f"Zotero sent an unreadable write report for {path}",
                              hint="run again: re-running never duplicates") from None
        if not isinstance(document, dict):
            raise ZoteroError(f"Zotero sent an unreadable write report for {path}",
                              hint="run again: re-running never duplicates")
        return WriteReport.from_json(document, self._version(response))

    def write_items(self, objects: Sequence[Mapping[str, Any]], *, since: int | None = None) -> WriteReport:
        return self._write("items", objects, since)

    def write_collections(self, objects: Sequence[Mapping[str, Any]], *,
                          since: int | None = None) -> WriteReport:
        return self._write("collections", objects, since)
