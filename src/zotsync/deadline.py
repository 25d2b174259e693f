"""A total deadline and a size cap for one HTTP exchange (Zotero and the lookups).

A read timeout bounds each wait for bytes, not the whole answer: a server that trickles
one byte every two seconds never trips it. And an answer's size is only known once it
is read: a few MB of gzip can inflate to gigabytes. So:

- `DeadlineBackend` is an httpcore network backend whose socket reads and writes wait
  at most until the current thread's deadline (`until(seconds)`), headers included;
  past it, the read times out (httpx raises `ReadTimeout`).
- `Watchdog` does the same for `requests` (the lookups), which has no backend to hook:
  the connections it opens register their sockets with the thread's watchdog, which
  shuts them down at the deadline, waking any blocked read.
- `read_capped` reads a streamed body, decompressed, and stops at `MAX_BODY` bytes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore2

MAX_BODY = 64 * 1024 * 1024  # bytes of a decompressed answer; every API answer is far smaller


class BodyTooLarge(Exception):
    """An answer's body passed `MAX_BODY` bytes (decompressed)."""


class DeadlineExceeded(Exception):
    """The exchange was not done by its deadline."""


_current = threading.local()


def remaining() -> float | None:
    """Seconds left before the current thread's deadline (None: no deadline)."""
    deadline = getattr(_current, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def until(seconds: float) -> Iterator[None]:
    """Every socket operation of this thread ends `seconds` from now at the latest."""
    previous = getattr(_current, "deadline", None)
    _current.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _current.deadline = previous


def _bounded(timeout: float | None) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise httpcore2.ReadTimeout("deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore2.NetworkStream):
    def __init__(self, stream: httpcore2.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore2.NetworkStream:
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore2.NetworkBackend):
    """httpcore's own sync backend, with every wait cut at the thread's deadline."""

    def __init__(self) -> None:
        self._backend = httpcore2.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        return _Stream(self._backend.connect_tcp(host, port, _bounded(timeout), local_address,
                                                 socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        return _Stream(self._backend.connect_unix_socket(path, _bounded(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class Watchdog:
    """Shuts down the sockets registered with it `seconds` after `start()`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self.fired:
                _shutdown(sock)
            else:
                self._sockets.append(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)

    def __enter__(self) -> Watchdog:
        _current.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.watchdog = None


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def watch_socket(sock: socket.socket | None) -> None:
    """Put `sock` under the current thread's watchdog, if there is one."""
    watchdog = getattr(_current, "watchdog", None)
    if watchdog is not None:
        watchdog.watch(sock)


def read_capped(chunks: Iterable[bytes], limit: int = MAX_BODY) -> bytes:
    """The body from its (decompressed) chunks; BodyTooLarge past `limit` bytes."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"more than {limit // (1024 * 1024)} MB")
        parts.append(chunk)
    return b"".join(parts)
