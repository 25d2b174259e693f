"""HTTP for lookups: one paced, retried, bounded `requests` session per source.

arXiv asks API clients for at most one request every 3 seconds over one connection,
and answers 429 readily even so (docs/formats.md §5). `HttpClient` therefore:

- keeps one connection (a pool of one, blocking) and sends one request at a time;
- starts a request no sooner than `delay` seconds after the previous one started;
- on 429, 500, 502, 503, 504, a dropped connection or a timeout, waits `Retry-After`
  (seconds or an HTTP date) or else `backoff`, `2*backoff`, ... (never less than
  `delay`), at most `retries` times; a `Retry-After` beyond `max_wait` ends it at once;
- gives up at once when the host name does not resolve (offline: retrying only delays
  the message), and after a second refused connection (nothing listens there);
- sends a User-Agent that names zotsync and its version.

Every other answer (200, 400, 404, ...) is returned for the caller to read. Giving up
raises `SourceUnavailable`, one line saying what happened.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from zotsync import __version__
from zotsync.deadline import BodyTooLarge, Watchdog, read_capped, watch_socket
from zotsync.errors import LookupFailed

PROJECT_URL = "https://github.com/zotsync/zotsync"
USER_AGENT = f"zotsync/{__version__} (+{PROJECT_URL})"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class SourceUnavailable(LookupFailed):
    """A source could not be asked: network down, rate limit outlasted, bad answers."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"{source}: {message}",
                         hint="papers were left as they were; try again later, or use --offline")


@dataclass(frozen=True, slots=True)
class Policy:
    """How one source is asked."""

    delay: float = 0.0  # seconds between the starts of two requests
    retries: int = 3  # further attempts after a retryable failure
    backoff: float = 1.0  # first wait when the server gives no Retry-After; doubles
    max_wait: float = 120.0  # a longer Retry-After is not waited for
    timeout: float = 30.0  # seconds for one request and its whole answer (a total deadline)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` header in seconds: delta-seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _cannot_resolve(error: requests.ConnectionError) -> bool:
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NameResolutionError)


def _describe(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "no answer in time"
    text = str(error)
    if "Connection refused" in text:
        return "connection refused"
    if "RemoteDisconnected" in text or "Connection aborted" in text or "reset" in text.lower():
        return "connection dropped"
    return type(error).__name__


class _WatchedHTTPConnection(HTTPConnection):
    """Registers its socket with the thread's watchdog on every exchange."""

    def connect(self) -> None:
        super().connect()
        watch_socket(self.sock)

    def getresponse(self) -> Any:
        watch_socket(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        watch_socket(self.sock)

    def getresponse(self) -> Any:
        watch_socket(self.sock)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter with connections a `Watchdog` can cut at a deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class HttpClient:
    """One source's session. Thread-safe: requests are serialized.

    `requests_made` counts every HTTP request sent, retries included.
    """

    def __init__(
        self,
        source: str,
        policy: Policy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.policy = policy
        self.requests_made = 0
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._next_start = 0.0
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        adapter = _WatchedAdapter(pool_connections=1, pool_maxsize=1, pool_block=True, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.session.close()

    def _wait_turn(self) -> None:
        pause = self._next_start - self._clock()
        if pause > 0:
            self._sleep(pause)

    def _send(self, url: str, params: Mapping[str, str]) -> requests.Response:
        self._wait_turn()
        started = self._clock()
        self._next_start = started + self.policy.delay
        self.requests_made += 1
        # A total deadline (a trickling server never trips a read timeout) and a size cap
        # on the decompressed body (a gzip bomb): both end in a retryable failure.
        with Watchdog(self.policy.timeout) as watchdog:
            try:
                response = self.session.get(url, params=params, timeout=self.policy.timeout, stream=True)
                try:
                    body = read_capped(response.iter_content(65536))
                finally:
                    response.close()
            except requests.RequestException:
                if watchdog.fired:
                    raise requests.Timeout("deadline passed") from None
                raise
            except BodyTooLarge as error:
                raise SourceUnavailable(self.source, f"answer too large ({error})") from None
        if watchdog.fired:  # cut at the deadline: whatever was read is not the answer
            raise requests.Timeout("deadline passed")
        response._content = body  # what requests' own read would have set
        return response

    def get(self, url: str, params: Mapping[str, str] | None = None) -> requests.Response:
        """The first answer that is not a retryable failure; SourceUnavailable otherwise."""
        params = params or {}
        with self._lock:
            attempt = 0
            while True:
                wait: float | None
                try:
                    response = self._send(url, params)
                except requests.ConnectionError as error:
                    if _cannot_resolve(error):
                        raise SourceUnavailable(self.source, "host name does not resolve "
                                                "(offline?)") from None
                    problem, wait = _describe(error), None
                    if problem == "connection refused" and attempt >= 1:
                        # Nothing listens there: one more try covers a restart, more
                        # only keep the user waiting (an interactive push waits on it).
                        raise SourceUnavailable(self.source,
                                                f"{problem} after {attempt + 1} attempts") from None
                except requests.RequestException as error:
                    problem, wait = _describe(error), None
                else:
                    if response.status_code not in RETRY_STATUS:
                        return response
                    problem = f"HTTP {response.status_code}"
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                    response.close()
                    if wait is not None and wait > self.policy.max_wait:
                        raise SourceUnavailable(
                            self.source, f"{problem}, asked to wait {wait:.0f} s (rate limited)")
                if attempt >= self.policy.retries:
                    tries = "attempt" if attempt == 0 else "attempts"
                    raise SourceUnavailable(self.source, f"{problem} after {attempt + 1} {tries}")
                if wait is None:
                    wait = self.policy.backoff * 2**attempt
                attempt += 1
                # The next start is both paced and no sooner than the server asked.
                self._next_start = max(self._next_start, self._clock() + wait)
