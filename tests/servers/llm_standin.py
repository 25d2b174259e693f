"""A stand-in for an OpenAI-compatible Chat Completions server, on 127.0.0.1.

`POST {base}/chat/completions` answers as OpenAI's API does (the `chat.completion`
object with `choices[0].message.content` and `usage`; errors as `{"error": {message,
type, param, code}}`), checking in the real server's order: the path, the key
(401 `invalid_api_key`, the key shown masked as OpenAI shows it), the JSON body, the
model (404 `model_not_found`), `response_format` (400 when `reject_response_format`),
`temperature` (400 when `reject_temperature`), then rate limits and server faults, then the answer.

The answer is deterministic per paper: it finds the paper's title on the `Title:` line
of the last user message and writes a Chinese summary naming that title, so a test can
tell which paper an answer was for. `answers[title]` overrides the content for one paper
("wrong language", "malformed", ...); `delays[title]` makes one paper's answer late.

It records every request (time, path, headers, body, status) and the most requests it
ever had in flight at once (`max_in_flight`).

Faults are queued and consumed one per request, in order:

    llm.fail_next("429", retry_after="1")    # rate limit, with Retry-After (seconds)
    llm.fail_next("500", times=2)            # server error
    llm.fail_next("drop")                    # closes the connection without answering
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ChatRequest:
    time: float  # time.monotonic() when the request arrived
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    status: int | None = None  # None: dropped

    @property
    def title(self) -> str | None:
        return title_of(self.body) if self.body else None


@dataclass
class ChatFault:
    kind: str  # "429", "500", "503", "drop"
    retry_after: str | None = None


def title_of(body: dict[str, Any]) -> str | None:
    """The paper title on the `Title:` line of the request's last user message."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            for line in str(message.get("content", "")).splitlines():
                if line.startswith("Title: "):
                    return line[len("Title: "):].strip()
    return None


def chinese_answer(title: str) -> dict[str, str]:
    """The stand-in's summary of a paper: Chinese text that names the title."""
    return {
        "tldr": f"本文提出了一种新方法（{title}），并通过实验验证了它的有效性。",
        "motivation": "现有方法在这一问题上仍有明显不足，需要更好的解决方案。",
        "method": "作者设计了新的模型结构与训练流程。",
        "result": "实验表明该方法优于已有的基线方法。",
        "conclusion": "该方法简单有效，值得进一步研究。",
    }


def _error(message: str, kind: str, param: str | None = None, code: str | None = None) -> bytes:
    return json.dumps({"error": {"message": message, "type": kind, "param": param, "code": code}}).encode()


def _masked(key: str) -> str:
    return key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 8 else "*" * len(key)


@dataclass
class ChatStandIn:
    models: set[str] = field(default_factory=lambda: {"standin-chat"})
    api_key: str | None = None  # None: any key (or none) is accepted, as local servers do
    reject_response_format: bool = False  # 400 for `response_format`, as some servers do
    reject_temperature: bool = False  # 400 for a temperature other than 1 (OpenAI's reasoning models)
    latency: float = 0.0  # seconds before every answer
    answers: dict[str, str] = field(default_factory=dict)  # title -> content instead of the default
    delays: dict[str, float] = field(default_factory=dict)  # title -> extra seconds
    log: list[ChatRequest] = field(default_factory=list)
    faults: deque[ChatFault] = field(default_factory=deque)
    in_flight: int = 0
    max_in_flight: int = 0
    url: str = ""
    env: dict[str, str] = field(default_factory=dict)  # settings pointing zotsync at it
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, kind: str, *, times: int = 1, retry_after: str | None = None) -> None:
        with self._lock:
            for _ in range(times):
                self.faults.append(ChatFault(kind, retry_after))

    def requests(self) -> list[ChatRequest]:
        with self._lock:
            return list(self.log)

    def completions(self) -> list[ChatRequest]:
        """The requests that got an answer (status 200)."""
        return [r for r in self.requests() if r.status == 200]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()
            self.max_in_flight = 0

    def content_for(self, body: dict[str, Any]) -> str:
        title = title_of(body) or "?"
        if title in self.answers:
            return self.answers[title]
        return json.dumps(chinese_answer(title), ensure_ascii=False)

    # -- the server ---------------------------------------------------------------------

    def _next_fault(self) -> ChatFault | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        """(status, JSON body, extra headers) for one POST, checked in the real server's order."""
        if not path.endswith("/chat/completions"):
            return 404, _error(f"Invalid URL (POST {path})", "invalid_request_error"), {}
        if self.api_key is not None:
            sent = headers.get("authorization", "")
            given = sent[len("Bearer "):] if sent.startswith("Bearer ") else ""
            if given != self.api_key:
                message = (f"Incorrect API key provided: {_masked(given)}. You can find your API key at "
                           "https://platform.openai.com/account/api-keys." if given else
                           "You didn't provide an API key. You need to provide your API key in an "
                           "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
                return 401, _error(message, "invalid_request_error", None, "invalid_api_key"), {}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, _error("We could not parse the JSON body of your request.",
                               "invalid_request_error"), {}
        model = body.get("model")
        if model not in self.models:
            return 404, _error(f"The model `{model}` does not exist or you do not have access to it.",
                               "invalid_request_error", None, "model_not_found"), {}
        if self.reject_response_format and "response_format" in body:
            return 400, _error("'response_format' of type 'json_object' is not supported with this model.",
                               "invalid_request_error", "response_format", None), {}
        if self.reject_temperature and body.get("temperature", 1) != 1:
            return 400, _error(f"Unsupported value: 'temperature' does not support {body['temperature']} "
                               "with this model. Only the default (1) value is supported.",
                               "invalid_request_error", "temperature", "unsupported_value"), {}
        fault = self._next_fault()
        if fault is not None and fault.kind == "429":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return 429, _error("Rate limit reached for requests. Please try again later.", "requests",
                               None, "rate_limit_exceeded"), extra
        if fault is not None and fault.kind in {"500", "503"}:
            return int(fault.kind), _error("The server had an error while processing your request. "
                                           "Sorry about that!", "server_error"), {}
        if fault is not None and fault.kind == "drop":
            return 0, b"", {}
        title = title_of(body) or ""
        time.sleep(self.latency + self.delays.get(title, 0.0))
        content = self.content_for(body)
        prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages") or []) // 4
        completion = max(1, len(content) // 2)
        document = {
            "id": f"chatcmpl-{abs(hash(title)) % 10**12}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion},
            "system_fingerprint": "fp_standin",
        }
        return 200, json.dumps(document, ensure_ascii=False).encode("utf-8"), {}

    @contextmanager
    def serving(self, base_path: str = "/v1") -> Iterator[ChatStandIn]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                arrived = time.monotonic()
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    parsed = None
                standin._enter()
                status = 0
                try:
                    status, body, extra = standin.handle(self.path, headers, raw)
                finally:
                    with standin._lock:  # logged before it stops counting as in flight
                        standin.log.append(ChatRequest(arrived, self.path, headers,
                                                       parsed if isinstance(parsed, dict) else None,
                                                       status or None))
                    standin._leave()
                if status == 0:  # drop
                    self.close_connection = True
                    return
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def do_GET(self) -> None:
                body = json.dumps({"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "standin"}
                    for m in sorted(standin.models)]}).encode()
                self.send_response(200 if self.path.endswith("/models") else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128  # a client with 64 connections at once is not refused

        server = Server(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        host, port = server.server_address[:2]
        self.url = f"http://{host!s}:{port}{base_path}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
