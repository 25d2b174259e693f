"""Loopback servers that misbehave on purpose: a trickle (one byte at a time, forever),
an oversized or gzip-bomb body, and arbitrary canned answers. For deadline and
size-cap tests; each runs in a daemon thread on 127.0.0.1."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType


class HostileServer:
    """`behaviour(conn)` is called for every accepted connection (after the request head
    is read). `url` is `http://127.0.0.1:PORT`."""

    def __init__(self, behaviour: Callable[[socket.socket], None]) -> None:
        self.behaviour = behaviour
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                self.behaviour(conn)
            except OSError:
                return

    def stopped(self) -> bool:
        return self._stop.is_set()


def trickle(server_stop: Callable[[], bool], interval: float = 0.5) -> Callable[[socket.socket], None]:
    """A status line, then one header byte every `interval` seconds, forever."""
    def behaviour(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not server_stop():
            conn.sendall(b"X")
            time.sleep(interval)
    return behaviour


def canned(status: int, body: bytes, headers: dict[str, str] | None = None, *,
           gzip_body: bool = False) -> Callable[[socket.socket], None]:
    """One fixed answer (gzip-compressed on the wire if `gzip_body`)."""
    payload = gzip.compress(body, compresslevel=9) if gzip_body else body
    head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(payload)}", "Connection: close"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if gzip_body:
        head.append("Content-Encoding: gzip")
    raw = ("\r\n".join(head) + "\r\n\r\n").encode() + payload

    def behaviour(conn: socket.socket) -> None:
        conn.sendall(raw)
    return behaviour
