"""Digest sources wherever a FILE goes: `hf:DAY`, `dae:DAY` and `arxiv:CAT[,CAT...]`.
Fetched over HTTP from the configured URLs, cached on disk.

A past day's answer never changes: once fetched, it is read from the cache and no
request is sent. Today's (and a later day's) answer is fetched again when the cached
copy is older than `sources.max_age` seconds. A day without a digest (a weekend) or a
bad date or an unknown `name:` is one InputError line.

`arxiv:cs.CL,cs.LG` is the newest announcement of those categories as arXiv's listing
shows it (new submissions and cross-lists, not replacements), asked of the arXiv API
(`arxiv.url`, paced by `arxiv.delay`); its day is the listing's date (see
zotsync.core.arxiv_schedule). Until the next announcement is due, the cached copy is
the newest and no request is sent; after that, it is asked again once older than
`sources.max_age`.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from zotsync.config import Settings
from zotsync.core.arxiv_schedule import Announcement, announcement_of
from zotsync.errors import InputError, LookupFailed
from zotsync.fileio import atomic_write_text
from zotsync.lookup.http import HttpClient, Policy, SourceUnavailable
from zotsync.readers.arxiv_api import ATOM, parse_feed

KINDS = {"hf": "Hugging Face daily papers", "dae": "daily-arXiv-ai-enhanced data",
         "arxiv": "arXiv's newest announcement"}
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(.*)$", re.DOTALL)
_SOURCE_HINT = ("sources are hf:YYYY-MM-DD|today|yesterday, dae:YYYY-MM-DD and arxiv:CAT[,CAT...]; "
                "anything else is a file path")
DAILY_PAGE_SIZE = 100
DAILY_MAX_PAGES = 5
# arXiv categories: cs.CL, math.AP, hep-th, astro-ph.GA, cond-mat.stat-mech, physics.optics
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[a-z]+)*)?")
ARXIV_PAGE_SIZE = 500  # entries per request (arXiv allows up to 2000; large pages are slow)
ARXIV_MAX_PAGES = 20


class NoDigest(InputError):
    """The source has no digest for that day (a weekend, a holiday): not a failure to `daily`."""


@dataclass(frozen=True, slots=True)
class SourceSpec:
    text: str  # as given, e.g. "hf:today"
    kind: str  # "hf", "dae", "arxiv"
    day: date | None  # None for arxiv: the announcement found decides
    categories: tuple[str, ...] = ()  # arxiv only

    @property
    def name(self) -> str:
        """The canonical name: `hf:2026-06-08`, `arxiv:cs.CL,cs.LG` (what warnings and the
        store call it)."""
        if self.day is None:
            return f"{self.kind}:{','.join(self.categories)}"
        return f"{self.kind}:{self.day.isoformat()}"


@dataclass(frozen=True, slots=True)
class Fetched:
    """A source's digest text, its reader format, and its day (for `{date}`)."""

    text: str
    fmt: str
    day: date


def parse_source(text: str, *, today: date) -> SourceSpec | None:
    """The source `text` names, None when it is a file (no `name:` prefix, or an existing
    file). Raises InputError for an unknown source or a bad date."""
    match = _PREFIX.match(text)
    if match is None or Path(text).exists():
        return None
    kind, rest = match.group(1).lower(), match.group(2).strip()
    if kind not in KINDS:
        raise InputError(text, f"unknown source {match.group(1)}:", hint=_SOURCE_HINT)
    if kind == "arxiv":
        return SourceSpec(text, kind, None, _categories(text, rest))
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


def _categories(text: str, rest: str) -> tuple[str, ...]:
    names = [c.strip() for c in rest.split(",")]
    if not rest or any(not c for c in names):
        raise InputError(text, "no category" if not rest else "an empty category in the list",
                         hint="write arxiv:CAT[,CAT...], e.g. arxiv:cs.CL,cs.LG")
    for name in names:
        if not _CATEGORY.fullmatch(name):
            raise InputError(text, f"{name!r} is not an arXiv category",
                             hint="write categories as arXiv does, e.g. arxiv:cs.CL,cs.LG or "
                                  "arxiv:hep-th (https://arxiv.org/category_taxonomy)")
    return tuple(dict.fromkeys(names))


def _cache_path(settings: Settings, spec: SourceSpec) -> Path:
    assert spec.day is not None
    suffix = "json" if spec.kind == "hf" else "jsonl"
    language = f"-{settings.dae_language}" if spec.kind == "dae" else ""
    return settings.store_path.parent / "sources" / f"{spec.kind}-{spec.day.isoformat()}{language}.{suffix}"


def _fresh(path: Path, spec: SourceSpec, settings: Settings, today: date) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    assert spec.day is not None
    return spec.day < today or age < settings.sources_max_age


def _client(name: str, settings: Settings) -> HttpClient:
    return HttpClient(name, Policy(delay=0.0, retries=3, backoff=1.0, timeout=settings.zotero_timeout))


_HF_HINT = "nothing was read; try again later, or check huggingface.url"


def _fetch_hf(spec: SourceSpec, settings: Settings) -> str:
    day = spec.day
    assert day is not None
    client = _client("Hugging Face", settings)
    base = settings.hf_url.rstrip("/")
    items: list[object] = []
    try:
        for page in range(DAILY_MAX_PAGES):
            params = {"date": day.isoformat(), "limit": str(DAILY_PAGE_SIZE)}
            if page:
                params["p"] = str(page)
            response = client.get(f"{base}/api/daily_papers", params)
            if response.status_code == 404:
                break
            if response.status_code != 200:  # (5xx and 429 were retried: a refusal, or it lasted)
                raise LookupFailed(f"{spec.text}: Hugging Face answered HTTP {response.status_code}",
                                   hint=_HF_HINT)
            try:
                batch = json.loads(response.text)
            except ValueError:
                raise LookupFailed(f"{spec.text}: Hugging Face's answer is not JSON",
                                   hint=_HF_HINT) from None
            if not isinstance(batch, list):
                raise InputError(spec.text, "Hugging Face's answer is not a list of papers",
                                 hint="check huggingface.url")
            items.extend(batch)
            if len(batch) < DAILY_PAGE_SIZE:
                break
    finally:
        client.close()
    if not items:
        raise NoDigest(spec.text, f"no Hugging Face daily papers for {day.isoformat()} "
                                    f"({day.strftime('%A')})", hint="pick another day")
    return json.dumps(items, ensure_ascii=False)


def dae_url(settings: Settings, day: date) -> str:
    return settings.dae_url.replace("{date}", day.isoformat()).replace("{language}", settings.dae_language)


def _fetch_dae(spec: SourceSpec, settings: Settings) -> str:
    day = spec.day
    assert day is not None
    client = _client("daily-arXiv-ai-enhanced", settings)
    url = dae_url(settings, day)
    try:
        response = client.get(url)
    finally:
        client.close()
    if response.status_code == 404:
        raise NoDigest(spec.text, f"no daily-arXiv-ai-enhanced digest for {day.isoformat()} "
                                    f"({day.strftime('%A')}; HTTP 404 from {url})",
                         hint="pick another day (none is published for weekends)")
    if response.status_code != 200:
        raise LookupFailed(f"{spec.text}: the dae host answered HTTP {response.status_code} for {url}",
                           hint="nothing was read; try again later, or check sources.dae_url")
    response.encoding = "utf-8"
    text = response.text
    if not text.strip():
        raise InputError(spec.text, f"the digest for {day.isoformat()} is empty",
                         hint="pick another day")
    return text


def _arxiv_key(spec: SourceSpec) -> str:
    return "arxiv-" + "+".join(sorted(spec.categories))


def _arxiv_entry_times(entry: ET.Element) -> tuple[datetime, datetime] | None:
    """(published, updated) of an API entry, timezone-aware; None when unreadable."""
    try:
        published = datetime.fromisoformat((entry.findtext(f"{ATOM}published") or "").strip())
        updated = datetime.fromisoformat((entry.findtext(f"{ATOM}updated") or "").strip() or
                                         (entry.findtext(f"{ATOM}published") or "").strip())
    except ValueError:
        return None
    if published.tzinfo is None or updated.tzinfo is None:
        return None
    return published, updated


def _arxiv_page(client: HttpClient, url: str, spec: SourceSpec, params: dict[str, str]) -> tuple[
        list[ET.Element], int | None]:
    """One page of the answer: its entries and opensearch:totalResults."""
    response = client.get(url, params)
    if response.status_code not in {200, 400}:
        raise SourceUnavailable("arXiv", f"unexpected answer HTTP {response.status_code} for {spec.name}")
    response.encoding = "utf-8"
    text = response.text
    try:
        feed = parse_feed(text, f"arXiv's answer for {spec.name}")
    except InputError as error:
        raise SourceUnavailable("arXiv", f"refused {spec.name}: {error.message}") from None
    # parse_feed refused DTDs and entity declarations: this second parse is safe.
    root = ET.fromstring(text)  # noqa: S314
    return root.findall(f"{ATOM}entry"), feed.total_results


def _fetch_arxiv(spec: SourceSpec, settings: Settings) -> tuple[Announcement, str]:
    """The newest announcement of `spec.categories`: its window and an Atom feed of its
    new submissions and cross-lists (v1 submitted in the window; replacements left out).

    Asked newest first (`sortBy=submittedDate`, which arXiv sorts by the date of the
    version shown, replacements among them); the newest entry's date lies in the newest
    announced window, as the API holds only announced papers; pages are asked until one
    ends before the window opens.
    """
    client = HttpClient("arXiv", Policy(delay=settings.arxiv_delay, backoff=settings.arxiv_delay,
                                        timeout=settings.zotero_timeout))
    query = " OR ".join(f"cat:{c}" for c in spec.categories)
    window: Announcement | None = None
    kept: list[ET.Element] = []
    seen: set[str] = set()
    try:
        start = 0
        for _ in range(ARXIV_MAX_PAGES):
            params = {"search_query": query, "sortBy": "submittedDate", "sortOrder": "descending",
                      "start": str(start), "max_results": str(ARXIV_PAGE_SIZE)}
            entries, total = _arxiv_page(client, settings.arxiv_url, spec, params)
            if not entries and total and start < total:  # arXiv drops a page now and then
                entries, total = _arxiv_page(client, settings.arxiv_url, spec, params)
                if not entries and total and start < total:
                    raise SourceUnavailable("arXiv", f"an empty page at {start} of {total} for "
                                                     f"{spec.name}, twice")
            times = [_arxiv_entry_times(e) for e in entries]
            if window is None:
                newest = max((t[1] for t in times if t is not None), default=None)
                if newest is None:
                    raise NoDigest(spec.text, f"arXiv lists no papers in {', '.join(spec.categories)}",
                                   hint="check the category's spelling (https://arxiv.org/category_taxonomy)")
                window = announcement_of(newest)
            for entry, stamp in zip(entries, times, strict=True):
                entry_id = entry.findtext(f"{ATOM}id") or ""
                if stamp is not None and window.holds(stamp[0]) and entry_id not in seen:
                    seen.add(entry_id)
                    kept.append(entry)
            start += len(entries)
            last = next((t for t in reversed(times) if t is not None), None)
            if not entries or (total is not None and start >= total) or (
                    last is not None and last[1] < window.opens):
                break
        else:
            raise SourceUnavailable("arXiv", f"{spec.name}: the announcement did not end within "
                                             f"{ARXIV_MAX_PAGES * ARXIV_PAGE_SIZE} entries")
    finally:
        client.close()
    assert window is not None
    if not kept:
        raise NoDigest(spec.text, f"no new arXiv submissions in {', '.join(spec.categories)} "
                                  f"listed {window.day.isoformat()}",
                       hint="try again after the next announcement")
    # As the listing shows them: new submissions, then cross-lists, each by arXiv ID.
    primary = "{http://arxiv.org/schemas/atom}primary_category"

    def listing_order(entry: ET.Element) -> tuple[bool, str]:
        term = entry.find(primary)
        cross = (term.get("term") if term is not None else None) not in spec.categories
        return cross, entry.findtext(f"{ATOM}id") or ""

    kept.sort(key=listing_order)
    return window, _atom_document(spec, window, kept)


def _atom_document(spec: SourceSpec, window: Announcement, entries: list[ET.Element]) -> str:
    """The kept entries as one arXiv API feed (what `--format arxiv-api` reads)."""
    ET.register_namespace("", ATOM.strip("{}"))
    ET.register_namespace("arxiv", "http://arxiv.org/schemas/atom")
    ET.register_namespace("opensearch", "http://a9.com/-/spec/opensearch/1.1/")
    feed = ET.Element(f"{ATOM}feed")
    ET.SubElement(feed, f"{ATOM}title").text = (
        f"{spec.name}: arXiv listing of {window.day.isoformat()} "
        f"(submitted {window.opens.isoformat()} to {window.closes.isoformat()})")
    ET.SubElement(feed, f"{ATOM}id").text = f"https://arxiv.org/api/{spec.name}/{window.day.isoformat()}"
    opensearch = "{http://a9.com/-/spec/opensearch/1.1/}"
    ET.SubElement(feed, f"{opensearch}totalResults").text = str(len(entries))
    ET.SubElement(feed, f"{opensearch}startIndex").text = "0"
    ET.SubElement(feed, f"{opensearch}itemsPerPage").text = str(len(entries))
    feed.extend(entries)
    return "<?xml version='1.0' encoding='UTF-8'?>\n" + ET.tostring(feed, encoding="unicode") + "\n"


def _fetch_arxiv_cached(spec: SourceSpec, settings: Settings) -> Fetched:
    """The newest announcement, from the cache until the next one is due (and then while
    the cached answer is younger than `sources.max_age`: a holiday, the API's lag)."""
    folder = settings.store_path.parent / "sources"
    pointer = folder / f"{_arxiv_key(spec)}.json"
    now = datetime.now(UTC)
    try:
        latest = json.loads(pointer.read_text(encoding="utf-8"))
        window = Announcement(datetime.fromisoformat(latest["opens"]),
                              datetime.fromisoformat(latest["closes"]), date.fromisoformat(latest["day"]))
        age = time.time() - pointer.stat().st_mtime
        if now < window.next_due or age < settings.sources_max_age:
            text = (folder / f"{_arxiv_key(spec)}-{window.day.isoformat()}.xml").read_text(encoding="utf-8")
            return Fetched(text, "arxiv-api", window.day)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        pass  # no cache, or a damaged one: ask arXiv
    window, text = _fetch_arxiv(spec, settings)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / f"{_arxiv_key(spec)}-{window.day.isoformat()}.xml", text)
    atomic_write_text(pointer, json.dumps({"day": window.day.isoformat(), "opens": window.opens.isoformat(),
                                           "closes": window.closes.isoformat()}))
    return Fetched(text, "arxiv-api", window.day)


def fetch_source(spec: SourceSpec, settings: Settings, *, today: date) -> Fetched:
    """The digest of `spec`, from the cache when it is fresh."""
    try:
        return _fetch_source(spec, settings, today=today)
    except SourceUnavailable as error:  # its hint speaks of papers' lookups: nothing was read here
        raise LookupFailed(error.message, hint=f"nothing was read; try again later: once fetched, "
                                               f"{spec.name} is kept") from None


def _fetch_source(spec: SourceSpec, settings: Settings, *, today: date) -> Fetched:
    if spec.kind == "arxiv":
        return _fetch_arxiv_cached(spec, settings)
    assert spec.day is not None
    fmt = "hf-json" if spec.kind == "hf" else "jsonl"
    path = _cache_path(settings, spec)
    if _fresh(path, spec, settings, today):
        try:
            return Fetched(path.read_text(encoding="utf-8"), fmt, spec.day)
        except (OSError, UnicodeDecodeError):
            pass  # a damaged cache file is fetched again
    text = _fetch_hf(spec, settings) if spec.kind == "hf" else _fetch_dae(spec, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    return Fetched(text, fmt, spec.day)
