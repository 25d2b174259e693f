"""What the arXiv and Hugging Face stand-ins share: a real HTTP server on 127.0.0.1, a
catalogue of papers, a request log with times, and faults to inject.

The servers speak HTTP/1.1 with keep-alive, so a client that keeps one connection shows
one client port in the log. Faults are queued and consumed one per request, in order:

    standin.fail_next("429", retry_after="1")
    standin.fail_next("503", times=2)
    standin.fail_next("403")                 # any status, with a plain-text body
    standin.fail_next("slow", seconds=0.5)   # answers normally, late
    standin.fail_next("drop")                # closes the connection without answering
    standin.fail_next("malformed")           # 200 with a broken body
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class CatalogPaper:
    """One paper the stand-ins know. `on_hf` papers are on Hugging Face too."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    published: datetime
    abstract: str = "An abstract."
    version: int = 1
    updated: datetime | None = None
    categories: tuple[str, ...] = ("q-bio.NC",)
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    crossref_type: str = "journal-article"  # the Crossref work type of the DOI
    on_arxiv: bool = True
    on_hf: bool = True
    hf_daily: str | None = None  # YYYY-MM-DD of the HF daily page listing it
    upvotes: int = 0
    ai_summary: str | None = None


@dataclass(frozen=True)
class LoggedRequest:
    time: float  # time.monotonic() when the request line was read
    path: str
    params: dict[str, str]
    client_port: int
    user_agent: str
    status: int | None = None  # None: the connection was dropped


@dataclass
class Fault:
    kind: str  # "429", "503", "slow", "drop", "malformed"
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass
class StandIn:
    """Base of both stand-ins: subclasses implement `answer(path, params)`."""

    catalogue: list[CatalogPaper] = field(default_factory=list)
    log: list[LoggedRequest] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)  # settings pointing zotsync at it
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, kind: str, *, times: int = 1, retry_after: str | None = None,
                  seconds: float = 0.0) -> None:
        with self._lock:
            for _ in range(times):
                self.faults.append(Fault(kind, retry_after, seconds))

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def requests(self, path_part: str = "") -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if path_part in r.path]

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request without a fault."""
        raise NotImplementedError

    def malformed(self) -> tuple[str, bytes]:
        raise NotImplementedError

    # -- the server ---------------------------------------------------------------------

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)

    @contextmanager
    def serving(self, base_path: str = "") -> Iterator[StandIn]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms delayed-ACK stall per request

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                arrived = time.monotonic()
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                fault = standin._next_fault()

                def record(status: int | None) -> None:
                    standin._record(LoggedRequest(arrived, parts.path, params, self.client_address[1],
                                                  self.headers.get("User-Agent", ""), status))

                if fault is not None and fault.kind == "drop":
                    record(None)
                    self.close_connection = True
                    return
                if fault is not None and fault.kind.isdigit():  # "429", "503", "403", ...
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    record(int(fault.kind))
                    self._send(int(fault.kind), "text/plain", b"slow down\n", headers)
                    return
                if fault is not None and fault.kind == "malformed":
                    content_type, body = standin.malformed()
                    record(200)
                    self._send(200, content_type, body)
                    return
                status, content_type, body = standin.answer(parts.path, params)
                record(status)
                if fault is not None and fault.kind == "slow":
                    time.sleep(fault.seconds)
                self._send(status, content_type, body)

            def _send(self, status: int, content_type: str, body: bytes,
                      headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    self.close_connection = True

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()
        host, port = server.server_address[:2]
        self.url = f"http://{host!s}:{port}{base_path}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
