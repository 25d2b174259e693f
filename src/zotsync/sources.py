"""Digest sources wherever a FILE goes: `hf:DAY`, `dae:DAY` (and `arxiv:CAT,...` is named
but not served yet). Fetched over HTTP from the configured URLs, cached on disk.

A past day's answer never changes: once fetched, it is read from the cache and no
request is sent. Today's (and a later day's) answer is fetched again when the cached
copy is older than `sources.max_age` seconds. A day without a digest (a weekend) or a
bad date or an unknown `name:` is one InputError line.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from zotsync.config import Settings
from zotsync.errors import InputError
from zotsync.fileio import atomic_write_text
from zotsync.lookup.http import HttpClient, Policy

KINDS = {"hf": "Hugging Face daily papers", "dae": "daily-arXiv-ai-enhanced data"}
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(.*)$", re.DOTALL)
_SOURCE_HINT = "sources are hf:YYYY-MM-DD|today|yesterday and dae:YYYY-MM-DD; anything else is a file path"
DAILY_PAGE_SIZE = 100
DAILY_MAX_PAGES = 5


class NoDigest(InputError):
    """The source has no digest for that day (a weekend, a holiday): not a failure to `daily`."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    text: str  # as given, e.g. "hf:today"
    kind: str  # "hf", "dae"
    day: date

    @property
    def name(self) -> str:
        """The canonical name: `hf:2026-06-08` (what warnings and the store call it)."""
        return f"{self.kind}:{self.day.isoformat()}"


def parse_source(text: str, *, today: date) -> SourceSpec | None:
    """The source `text` names, None when it is a file (no `name:` prefix, or an existing
    file). Raises InputError for an unknown source or a bad date."""
    match = _PREFIX.match(text)
    if match is None or Path(text).exists():
        return None
    kind, rest = match.group(1).lower(), match.group(2).strip()
    if kind not in KINDS:
        if kind == "arxiv":
            raise InputError(text, "arxiv: sources are not supported yet",
                             hint="save the arXiv listing to a file, or use hf: or dae:")
        raise InputError(text, f"unknown source {match.group(1)}:", hint=_SOURCE_HINT)
    if rest == "today":
        day = today
    elif rest == "yesterday":
        day = today - timedelta(days=1)
    else:
        bad = InputError(text, f"bad date {rest!r}",
                         hint=f"write {kind}:YYYY-MM-DD, {kind}:today or {kind}:yesterday")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", rest):
            raise bad
        try:
            day = date.fromisoformat(rest)
        except ValueError:
            raise bad from None
    return SourceSpec(text, kind, day)


def _cache_path(settings: Settings, spec: SourceSpec) -> Path:
    suffix = "json" if spec.kind == "hf" else "jsonl"
    language = f"-{settings.dae_language}" if spec.kind == "dae" else ""
    return settings.store_path.parent / "sources" / f"{spec.kind}-{spec.day.isoformat()}{language}.{suffix}"


def _fresh(path: Path, spec: SourceSpec, settings: Settings, today: date) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    return spec.day < today or age < settings.sources_max_age


def _client(name: str, settings: Settings) -> HttpClient:
    return HttpClient(name, Policy(delay=0.0, retries=3, backoff=1.0, timeout=settings.zotero_timeout))


def _fetch_hf(spec: SourceSpec, settings: Settings) -> str:
    client = _client("Hugging Face", settings)
    base = settings.hf_url.rstrip("/")
    items: list[object] = []
    try:
        for page in range(DAILY_MAX_PAGES):
            params = {"date": spec.day.isoformat(), "limit": str(DAILY_PAGE_SIZE)}
            if page:
                params["p"] = str(page)
            response = client.get(f"{base}/api/daily_papers", params)
            if response.status_code == 404:
                break
            if response.status_code != 200:
                raise InputError(spec.text, f"Hugging Face answered HTTP {response.status_code}",
                                 hint="try again later")
            try:
                batch = json.loads(response.text)
            except ValueError:
                raise InputError(spec.text, "Hugging Face's answer is not JSON",
                                 hint="try again later") from None
            if not isinstance(batch, list):
                raise InputError(spec.text, "Hugging Face's answer is not a list of papers",
                                 hint="check huggingface.url")
            items.extend(batch)
            if len(batch) < DAILY_PAGE_SIZE:
                break
    finally:
        client.close()
    if not items:
        raise NoDigest(spec.text, f"no Hugging Face daily papers for {spec.day.isoformat()} "
                                    f"({spec.day.strftime('%A')})", hint="pick another day")
    return json.dumps(items, ensure_ascii=False)


def dae_url(settings: Settings, day: date) -> str:
    return settings.dae_url.replace("{date}", day.isoformat()).replace("{language}", settings.dae_language)


def _fetch_dae(spec: SourceSpec, settings: Settings) -> str:
    client = _client("daily-arXiv-ai-enhanced", settings)
    url = dae_url(settings, spec.day)
    try:
        response = client.get(url)
    finally:
        client.close()
    if response.status_code == 404:
        raise NoDigest(spec.text, f"no daily-arXiv-ai-enhanced digest for {spec.day.isoformat()} "
                                    f"({spec.day.strftime('%A')}; HTTP 404 from {url})",
                         hint="pick another day (none is published for weekends)")
    if response.status_code != 200:
        raise InputError(spec.text, f"the dae host answered HTTP {response.status_code} for {url}",
                         hint="try again later, or check sources.dae_url")
    response.encoding = "utf-8"
    text = response.text
    if not text.strip():
        raise InputError(spec.text, f"the digest for {spec.day.isoformat()} is empty",
                         hint="pick another day")
    return text


def fetch_source(spec: SourceSpec, settings: Settings, *, today: date) -> tuple[str, str]:
    """The digest text of `spec` and its format, from the cache when it is fresh."""
    fmt = "hf-json" if spec.kind == "hf" else "jsonl"
    path = _cache_path(settings, spec)
    if _fresh(path, spec, settings, today):
        try:
            return path.read_text(encoding="utf-8"), fmt
        except (OSError, UnicodeDecodeError):
            pass  # a damaged cache file is fetched again
    text = _fetch_hf(spec, settings) if spec.kind == "hf" else _fetch_dae(spec, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    return text, fmt
