"""Generated summaries, the I/O part: the `[llm]` model, the store, and running requests.

`summarize_papers` fills the TL;DR and sections of the papers that have none (docs/
summaries.md): a paper whose digest has a real summary is never sent (unless `force`),
nor one whose summary is stored (keyed by paper identity, model, language and
`PROMPT_VERSION`). Requests go through the official `openai` client, which retries
429/5xx itself (honouring `Retry-After`) and times out; at most `llm.concurrency` are in
flight. Each answer comes back in the call that asked for its paper, so it cannot land
on another one; it is checked (`core.summarize`) and stored the moment it arrives, so
Ctrl-C keeps everything done. A paper that fails does not stop the others; a refused
key, an unknown model or an unreachable server stops them all (every paper would fail
the same way).

`attach_summaries` gives papers without a digest summary their stored one: `parse`,
`push`, `bib` and the TUI call it.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from zotsync.config import Settings
from zotsync.core.paper import Paper, Summary
from zotsync.core.summarize import (
    FIELDS,
    ORIGIN_GENERATED,
    PROMPT_VERSION,
    BadAnswer,
    build_messages,
    can_summarize,
    has_real_summary,
    language_code,
    summary_from_answer,
)
from zotsync.errors import ConfigError, redact, register_secret
from zotsync.store import Store, paper_keys

_DDL = """
CREATE TABLE IF NOT EXISTS summaries (
    paper_key      TEXT NOT NULL,  -- every key of the paper: 'arxiv:<id>', 'doi:<doi>', 'title:<fp>'
    model          TEXT NOT NULL,  -- the model that wrote it
    language       TEXT NOT NULL,  -- language code ('zh') or the configured name
    prompt_version TEXT NOT NULL,  -- core.summarize.PROMPT_VERSION of the request
    texts          TEXT NOT NULL,  -- JSON object of the five texts (null for a missing section)
    created        TEXT NOT NULL,  -- ISO 8601 UTC
    PRIMARY KEY (paper_key, model, language, prompt_version)
) WITHOUT ROWID;
"""

Progress = Callable[[int, int], None]  # (done, total)

# What became of one paper.
DIGEST = "digest"  # its digest has a real summary: not asked
STORED = "stored"  # generated earlier by this model, in this language: not asked
GENERATED = "generated"  # asked now, answered, valid, stored
FAILED = "failed"  # asked, and the answer was an error or invalid
MISSING = "missing"  # not asked: --offline, or no abstract
NOT_SENT = "not sent"  # not asked: interrupted, or the run stopped on a fatal error


# -- the store --------------------------------------------------------------------------

def _summary_from_row(texts: str, model: str, language: str) -> Summary | None:
    try:
        document = json.loads(texts)
    except ValueError:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("tldr"), str):
        return None
    values = {name: document.get(name) if isinstance(document.get(name), str) else None for name in FIELDS}
    return Summary(**values, language=language, origin=ORIGIN_GENERATED, model=model)


def stored_summary(store: Store, paper: Paper, model: str, language: str) -> Summary | None:
    """The summary `model` wrote for `paper` in `language` from this prompt, if stored."""
    store.ensure(_DDL)
    row = store.connection.execute(
        "SELECT texts, model, language FROM summaries WHERE paper_key IN (SELECT value FROM json_each(?)) "
        "AND model = ? AND language = ? AND prompt_version = ? LIMIT 1",
        (json.dumps(paper_keys(paper)), model, language_code(language), PROMPT_VERSION)).fetchone()
    return _summary_from_row(*row) if row else None


def best_stored_summary(store: Store, paper: Paper, language: str, model: str | None) -> Summary | None:
    """The stored summary to show for `paper`: `model`'s from this prompt first, else the
    newest in `language` by any model or prompt."""
    store.ensure(_DDL)
    row = store.connection.execute(
        "SELECT texts, model, language FROM summaries WHERE paper_key IN (SELECT value FROM json_each(?)) "
        "AND language = ? ORDER BY (model = ?) DESC, (prompt_version = ?) DESC, created DESC LIMIT 1",
        (json.dumps(paper_keys(paper)), language_code(language), model or "", PROMPT_VERSION)).fetchone()
    return _summary_from_row(*row) if row else None


def store_summary(store: Store, paper: Paper, summary: Summary) -> None:
    store.ensure(_DDL)
    assert summary.model
    texts = json.dumps({name: getattr(summary, name) for name in FIELDS}, ensure_ascii=False)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    language = summary.language or ""
    with store.transaction() as conn:
        conn.executemany("INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?)",
                         [(key, summary.model, language, PROMPT_VERSION, texts, now)
                          for key in paper_keys(paper)])


def attach_summaries(papers: Sequence[Paper], settings: Settings, store: Store) -> list[Paper]:
    """The papers, those without a real digest summary given their stored generated one."""
    out: list[Paper] = []
    for paper in papers:
        found = None if has_real_summary(paper) else best_stored_summary(
            store, paper, settings.summary_language, settings.llm_model)
        out.append(paper if found is None else paper.replace(summary=found))
    return out


# -- the report -------------------------------------------------------------------------

@dataclass
class PaperOutcome:
    status: str
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"summary_status": self.status, "summary_error": self.reason}


@dataclass
class SummaryReport:
    papers: list[Paper]
    outcomes: list[PaperOutcome]
    model: str | None = None
    requests: int = 0  # HTTP requests sent, retries included
    prompt_tokens: int = 0
    completion_tokens: int = 0
    interrupted: bool = False
    stopped: str | None = None  # why the run stopped early (refused key, unknown model, ...)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[tuple[Paper, PaperOutcome]]:
        return [(p, o) for p, o in zip(self.papers, self.outcomes, strict=True) if o.status == FAILED]

    def summary_line(self) -> str:
        tokens = self.prompt_tokens + self.completion_tokens
        return (f"summaries: {self.count(GENERATED)} generated, {self.count(STORED)} stored before, "
                f"{self.count(DIGEST)} from the digest, {self.count(MISSING)} missing, "
                f"{self.count(FAILED)} failed, {self.count(NOT_SENT)} not sent; {self.requests} requests, "
                f"{tokens} tokens ({self.prompt_tokens} prompt + {self.completion_tokens} completion)")

    def lines(self) -> list[str]:
        out = [self.summary_line()]
        out += [f"failed: {paper.label}: {outcome.reason}" for paper, outcome in self.failed]
        missing = [(p, o) for p, o in zip(self.papers, self.outcomes, strict=True)
                   if o.status == MISSING and o.reason]
        out += [f"missing: {paper.label}: {outcome.reason}" for paper, outcome in missing]
        if self.stopped:
            out.append(f"stopped: {self.stopped}")
        if self.interrupted:
            out.append(f"interrupted: {self.count(GENERATED)} summaries kept, "
                       f"{self.count(NOT_SENT)} not sent (run again to finish)")
        return out


# -- the model ----------------------------------------------------------------------------

def require_llm(settings: Settings) -> tuple[str, str]:
    """(url, model), or the error saying how to set them."""
    if not settings.llm_url or not settings.llm_model:
        missing = " and ".join(n for n, v in (("llm.url", settings.llm_url),
                                              ("llm.model", settings.llm_model)) if not v)
        raise ConfigError(f"no LLM configured: {missing} not set",
                          hint="set ZOTSYNC_LLM_URL and ZOTSYNC_LLM_MODEL (or [llm] url and model in "
                               "config.toml); docs/summaries.md lists working settings")
    return settings.llm_url, settings.llm_model


class _Fatal(Exception):
    """An error every request would meet: stop sending."""


def _error_text(error: Any) -> str:
    """One line from an openai error, without its request dump (and never the key)."""
    status = getattr(error, "status_code", None)
    body = getattr(error, "body", None)
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else None
        if message is None and isinstance(body.get("message"), str):
            message = body["message"]
    text = " ".join(str(message or getattr(error, "message", None) or error).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    return redact(f"HTTP {status}: {text}" if status else text)


# Request parameters some servers refuse with a 400 naming them (response_format: vLLM with
# some models, Qwen in thinking mode; temperature: OpenAI's reasoning models). Dropped for
# the rest of the run the first time, and the request is sent again without.
_OPTIONAL = {"response_format": {"type": "json_object"}, "temperature": 0.2}


def _rejected_parameter(error: Any, sent: Mapping[str, Any]) -> str | None:
    body = getattr(error, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    param = inner.get("param") if isinstance(inner, dict) else None
    if isinstance(param, str) and param in sent:
        return param
    text = json.dumps(body) if body is not None else str(error)
    if "response_format" in sent and ("response_format" in text or "json_object" in text):
        return "response_format"
    return next((name for name in sent if name in text), None)


@dataclass
class _Client:
    """The openai client and what the workers share (the JSON-mode switch, the counters)."""

    settings: Settings
    url: str
    model: str
    optional: dict[str, Any] = field(default_factory=lambda: dict(_OPTIONAL))
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    client: Any = None

    def __post_init__(self) -> None:
        import openai  # noqa: PLC0415  (only when summaries are made)

        def count(_request: Any) -> None:
            with self.lock:
                self.requests += 1

        http_client = openai.DefaultHttpxClient(event_hooks={"request": [count]})
        self.client = openai.OpenAI(
            base_url=self.url, api_key=self.settings.llm_api_key or "none",
            organization=None, project=None, timeout=self.settings.llm_timeout,
            max_retries=self.settings.llm_retries, http_client=http_client)

    def close(self) -> None:
        self.client.close()

    def ask(self, paper: Paper) -> Summary:
        """The summary for `paper`, or BadAnswer / _Fatal / another openai error."""
        import openai  # noqa: PLC0415

        language = self.settings.summary_language
        messages = build_messages(paper, language)
        while True:
            with self.lock:
                extra: dict[str, Any] = dict(self.optional)
            if not self.settings.llm_api_key:  # a local server: no Authorization header at all
                extra["extra_headers"] = {"Authorization": openai.Omit()}
            try:
                answer = self.client.chat.completions.create(
                    model=self.model, messages=messages, stream=False, **extra)
            except openai.BadRequestError as error:
                refused = _rejected_parameter(error, {k: v for k, v in extra.items() if k in _OPTIONAL})
                if refused is None:
                    raise
                with self.lock:
                    self.optional.pop(refused, None)
                continue
            except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
                raise _Fatal(f"the LLM server refused the key ({_error_text(error)})") from None
            except openai.NotFoundError as error:
                raise _Fatal(f"the LLM server does not know model {self.model!r} or the URL "
                             f"{self.url}/chat/completions ({_error_text(error)})") from None
            except openai.RateLimitError as error:
                code = (error.body or {}).get("code") if isinstance(error.body, dict) else None
                if code == "insufficient_quota" or "quota" in str(error).casefold():
                    raise _Fatal(f"the LLM account is out of quota ({_error_text(error)})") from None
                raise
            except openai.APITimeoutError:
                raise
            except openai.APIConnectionError as error:
                raise _Fatal(f"cannot reach the LLM server at {self.url} ({_error_text(error)})") from None
            break
        usage = getattr(answer, "usage", None)
        with self.lock:
            self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        choices = getattr(answer, "choices", None) or []
        if not choices:
            raise BadAnswer("the server's answer has no choices")
        content = choices[0].message.content
        if choices[0].finish_reason == "length":
            raise BadAnswer("the answer was cut off at the model's length limit")
        return summary_from_answer(content, language, self.model)


def _failure_text(error: BaseException) -> str:
    import openai  # noqa: PLC0415

    if isinstance(error, BadAnswer):
        return redact(str(error))
    if isinstance(error, openai.APITimeoutError):
        return "no answer within llm.timeout seconds (after retries)"
    if isinstance(error, openai.RateLimitError):
        return f"rate limited after retries ({_error_text(error)})"
    if isinstance(error, openai.APIError):
        return _error_text(error)
    return redact(f"{type(error).__name__}: {error}")


# -- running ------------------------------------------------------------------------------

def summarize_papers(
    papers: Sequence[Paper],
    settings: Settings,
    store: Store,
    *,
    force: bool = False,
    offline: bool = False,
    on_progress: Progress | None = None,
    on_summary: Callable[[int, Paper], None] | None = None,
) -> SummaryReport:
    """Fill the summaries of `papers` that lack one (see the module's docstring).

    `on_summary(index, paper)` is called (from this thread) for each paper as its
    summary arrives. Ctrl-C (KeyboardInterrupt) returns the report with `interrupted`
    set: everything answered so far is stored and in it.
    """
    register_secret(settings.llm_api_key)
    language = settings.summary_language
    model = settings.llm_model
    result = list(papers)
    outcomes: list[PaperOutcome] = [PaperOutcome(MISSING) for _ in papers]
    todo: list[int] = []
    for index, paper in enumerate(papers):
        if has_real_summary(paper) and not force:
            outcomes[index] = PaperOutcome(DIGEST)
            continue
        found = stored_summary(store, paper, model, language) if model and not force else None
        if found is None and offline and not has_real_summary(paper):
            found = best_stored_summary(store, paper, language, model)
        if found is not None:
            result[index] = paper.replace(summary=found)
            outcomes[index] = PaperOutcome(STORED)
            continue
        if offline:
            outcomes[index] = PaperOutcome(DIGEST if has_real_summary(paper) else MISSING,
                                           None if has_real_summary(paper) else "offline: not asked")
            continue
        why_not = can_summarize(paper)
        if why_not:
            outcomes[index] = PaperOutcome(MISSING, why_not)
            continue
        todo.append(index)
    report = SummaryReport(result, outcomes, model=model)
    if not todo:
        return report
    url, model = require_llm(settings)
    client = _Client(settings, url, model)
    done = 0
    total = len(todo)
    if on_progress:
        on_progress(0, total)
    jobs: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in todo:
        jobs.put(index)
    answers: queue.SimpleQueue[tuple[int, Summary | BaseException]] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                index = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                answers.put((index, client.ask(papers[index])))
            except _Fatal as error:
                stop.set()  # before another worker takes a paper: every one would fail alike
                answers.put((index, error))
            except BaseException as error:
                answers.put((index, error))

    workers = [threading.Thread(target=work, daemon=True, name=f"zotsync-llm-{n}")
               for n in range(min(settings.llm_concurrency, total))]
    for worker in workers:
        worker.start()
    pending = set(todo)
    try:
        while pending:
            try:
                index, answer = answers.get(timeout=0.2)
            except queue.Empty:
                if not any(w.is_alive() for w in workers) and answers.empty():
                    break  # stopped: the rest were never taken
                continue
            pending.discard(index)
            if isinstance(answer, Summary):
                store_summary(store, papers[index], answer)
                result[index] = papers[index].replace(summary=answer)
                outcomes[index] = PaperOutcome(GENERATED)
                if on_summary:
                    on_summary(index, result[index])
            elif isinstance(answer, _Fatal):
                if report.stopped is None:
                    report.stopped = str(answer)
                stop.set()
                outcomes[index] = PaperOutcome(NOT_SENT, str(answer))
            else:
                outcomes[index] = PaperOutcome(FAILED, _failure_text(answer))
            done += 1
            if on_progress:
                on_progress(done, total)
    except KeyboardInterrupt:
        stop.set()
        report.interrupted = True
    for index in pending:
        outcomes[index] = PaperOutcome(NOT_SENT)
    with client.lock:
        report.requests = client.requests
        report.prompt_tokens = client.prompt_tokens
        report.completion_tokens = client.completion_tokens
    if not report.interrupted:
        client.close()
    return report
