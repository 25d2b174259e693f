"""Enrichment: resolve papers to arXiv IDs and fill their metadata (docs/enrichment.md).

`enrich_papers` is the one entry point (`parse`, `resolve`, and later `push`, `bib` and
the TUI, from a worker thread). For the papers that need it (no arXiv ID, authors or
date; all of them with `force`):

1. papers without an arXiv ID are looked up by title: on the Hugging Face Daily Papers
   lists of `hf_dates` (one request per day), then by Hugging Face's search, then by an
   arXiv title search; every hit is verified (`core.resolution.match_candidates`);
2. arXiv's records of all their IDs are fetched, `batch_size` IDs per request;
3. the records are folded in (`apply_huggingface`, then `apply_arxiv`);
4. every paper with a DOI (other than arXiv's) whose published version is not known is
   looked up on Crossref, one DOI per request (`apply_crossref`);
5. the papers are deduplicated again (a resolved ID can show two entries are one paper).

Every answer goes through the cache (`lookup.cache`): a fresh one is not asked again;
`offline` uses the cache alone. A source that fails (after its retries) is not asked
again in this run: its papers stay as they were and the report has one line for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial

from zotsync.config import Settings
from zotsync.core.dedup import deduplicate
from zotsync.core.identity import doi_key, title_fingerprint
from zotsync.core.paper import Paper, Source
from zotsync.core.resolution import (
    Match,
    Outcome,
    Rejection,
    Status,
    apply_arxiv,
    apply_crossref,
    apply_huggingface,
    match_candidates,
    needs_enrichment,
    needs_publication,
)
from zotsync.lookup import Lookups, make_lookups
from zotsync.lookup.arxiv import chunks
from zotsync.lookup.cache import ARXIV_ID, ARXIV_SEARCH, CROSSREF_DOI, HF_DAILY, HF_SEARCH, LookupCache
from zotsync.lookup.http import SourceUnavailable
from zotsync.store import Store

Progress = Callable[[str, int, int], None]  # (step, done, total)

ARXIV = "arxiv"
HUGGINGFACE = "huggingface"
CROSSREF = "crossref"
NAMES = {ARXIV: "arXiv", HUGGINGFACE: "Hugging Face", CROSSREF: "Crossref"}
VIA_HF_DAILY = "huggingface daily papers"
VIA_HF_SEARCH = "huggingface search"
VIA_ARXIV_SEARCH = "arxiv title search"


@dataclass
class SourceTally:
    """What one source did in a run."""

    name: str
    requests: int = 0  # HTTP requests sent, retries included
    from_cache: int = 0  # questions answered by the cache
    asked: int = 0  # questions answered by the source
    unanswered: int = 0  # questions neither the cache nor the source answered
    failure: str | None = None  # why the source was given up on (one line)
    offline: bool = False

    def line(self) -> str | None:
        """The one line to show for this source, if anything went wrong."""
        if self.failure:
            return (f"{self.failure}; {self.unanswered} lookups not made, "
                    "those papers were left as they were")
        if self.offline and self.unanswered:
            return f"{NAMES[self.name]}: offline, {self.unanswered} lookups not in the cache"
        return None


@dataclass
class EnrichReport:
    """The enriched papers (deduplicated again), one outcome each, and per-source tallies."""

    papers: list[Paper]
    outcomes: list[Outcome]
    sources: dict[str, SourceTally]
    merged: int = 0  # papers found to be the same paper once resolved
    warnings: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.sources.values())

    @property
    def failed(self) -> bool:
        """Whether a source could not be reached (offline misses do not count)."""
        return any(s.failure for s in self.sources.values())

    def counts(self) -> dict[str, int]:
        tally = Counter(o.status.value for o in self.outcomes)
        return {status.value: tally.get(status.value, 0) for status in Status}

    def lines(self) -> list[str]:
        """Messages for stderr: a summary, one line per source in trouble, warnings."""
        counts = ", ".join(f"{n} {_SHOWN.get(status, status.replace('_', ' '))}"
                           for status, n in self.counts().items() if n)
        asked = ", ".join(f"{NAMES[s.name]} {s.requests}" for s in self.sources.values())
        cached = sum(s.from_cache for s in self.sources.values())
        summary = f"enrichment of {len(self.papers)} papers: {counts or 'nothing to do'}"
        summary += f" (requests: {asked}; {cached} answers from the cache)"
        if self.merged:
            summary += f"; {self.merged} more duplicates merged"
        problems = [line for s in self.sources.values() if (line := s.line())]
        return [summary, *problems, *(f"warning: {w}" for w in self.warnings)]


# How a status reads in the summary line: "failed" would sound like an error in the paper,
# where the sources could not be asked (offline, or a service down: said on its own line).
_SHOWN = {Status.FAILED.value: "not looked up"}


class _Asker:
    """Asks one source through the cache; gives up on the source after one failure."""

    def __init__(self, tally: SourceTally, cache: LookupCache, offline: bool) -> None:
        self.tally = tally
        self.cache = cache
        self.offline = offline

    @property
    def usable(self) -> bool:
        return not self.offline and self.tally.failure is None

    def give_up(self, error: SourceUnavailable) -> None:
        self.tally.failure = error.message

    def ask(self, kind: str, key: str, fetch: Callable[[], list[Paper]]) -> list[Paper] | None:
        """The records answering one question; None when neither cache nor source could."""
        cached = self.cache.get(kind, key, any_age=self.offline)
        if cached is not None:
            self.tally.from_cache += 1
            return cached
        if not self.usable:
            self.tally.unanswered += 1
            return None
        try:
            records = fetch()
        except SourceUnavailable as error:
            self.give_up(error)
            self.tally.unanswered += 1
            return None
        self.tally.asked += 1
        self.cache.put(kind, key, records)
        return records


@dataclass
class _State:
    """What the run learned about each paper (by index)."""

    hf_record: dict[int, Paper] = field(default_factory=dict)
    via: dict[int, str] = field(default_factory=dict)
    resolved_id: dict[int, str] = field(default_factory=dict)
    ambiguous: dict[int, Match] = field(default_factory=dict)
    rejected: dict[int, list[Rejection]] = field(default_factory=dict)
    answered: dict[int, set[str]] = field(default_factory=dict)  # sources that answered its search
    unanswered: dict[int, set[str]] = field(default_factory=dict)  # sources that could not
    arxiv: dict[str, Paper] = field(default_factory=dict)  # arXiv records by ID
    unknown_ids: set[str] = field(default_factory=set)
    refused_ids: dict[str, str] = field(default_factory=dict)

    def settle(self, index: int, match: Match, via: str) -> None:
        self.rejected.setdefault(index, []).extend(match.rejected)
        chosen = match.chosen
        if chosen is not None and chosen.arxiv_id:
            self.via[index] = via
            self.resolved_id[index] = chosen.arxiv_id
            if via == VIA_ARXIV_SEARCH:
                self.arxiv[chosen.arxiv_id] = chosen
            else:
                self.hf_record[index] = chosen
        elif match.status is Status.AMBIGUOUS:
            self.ambiguous[index] = match

    def open(self, index: int) -> bool:
        """Still without an ID, and not found ambiguous."""
        return index not in self.via and index not in self.ambiguous


def enrich_papers(
    papers: Sequence[Paper],
    settings: Settings,
    store: Store,
    *,
    offline: bool = False,
    force: bool = False,
    hf_dates: Iterable[date] = (),
    on_progress: Progress | None = None,
    now: datetime | None = None,
    lookups: Lookups | None = None,
) -> EnrichReport:
    """Resolve and enrich `papers`; see the module docstring. Never raises for the network.

    `lookups` replaces the clients built from `settings` (tests, other policies); the
    caller then closes them. `now` fixes the cache's clock.
    """
    cache = LookupCache(store, max_age=timedelta(days=settings.cache_days), now=now)
    own_clients = lookups is None and not offline
    clients = make_lookups(settings) if own_clients else lookups
    before = clients.requests() if clients else {ARXIV: 0, HUGGINGFACE: 0, CROSSREF: 0}
    tallies = {name: SourceTally(name, offline=offline) for name in (HUGGINGFACE, ARXIV, CROSSREF)}
    hf = _Asker(tallies[HUGGINGFACE], cache, offline or clients is None)
    ax = _Asker(tallies[ARXIV], cache, offline or clients is None)
    cr = _Asker(tallies[CROSSREF], cache, offline or clients is None)
    progress = on_progress or (lambda step, done, total: None)
    state = _State()
    targets = [i for i, p in enumerate(papers) if force or needs_enrichment(p)]
    try:
        _resolve_titles(papers, targets, state, hf, ax, clients, list(hf_dates), progress)
        _fetch_arxiv(papers, targets, state, ax, clients, progress)
        enriched, outcomes, warnings = _apply(papers, set(targets), state, tallies)
        _fetch_crossref(enriched, outcomes, cr, clients, progress)
    finally:
        if clients is not None:
            after = clients.requests()
            for name, tally in tallies.items():
                tally.requests = after[name] - before[name]
        if own_clients and clients is not None:
            clients.close()
    folded = deduplicate(enriched)
    final_outcomes = _regroup(enriched, folded.papers, outcomes)
    return EnrichReport(folded.papers, final_outcomes, tallies, merged=folded.merged, warnings=warnings)


def _resolve_titles(
    papers: Sequence[Paper],
    targets: list[int],
    state: _State,
    hf: _Asker,
    ax: _Asker,
    clients: Lookups | None,
    hf_dates: list[date],
    progress: Progress,
) -> None:
    pending = [i for i in targets if not papers[i].arxiv_id and title_fingerprint(papers[i].title)]
    if not pending:
        return

    def daily(day: date) -> list[Paper]:
        return clients.huggingface.daily(day) if clients else []

    def search(source: str, title: str) -> list[Paper]:
        if clients is None:
            return []
        if source == HUGGINGFACE:
            return clients.huggingface.search(" ".join(title.split()))
        records = clients.arxiv.search_title(title)
        # arXiv's records of every hit: a later digest naming one of them needs no request
        ax.cache.put_many(ARXIV_ID, {r.arxiv_id: [r] for r in records if r.arxiv_id})
        return records

    if hf_dates:
        listed: dict[str, list[Paper]] = {}
        for done, day in enumerate(hf_dates, start=1):
            records = hf.ask(HF_DAILY, day.isoformat(), partial(daily, day))
            for record in records or ():
                listed.setdefault(title_fingerprint(record.title), []).append(record)
            progress("Hugging Face daily papers", done, len(hf_dates))
        for i in pending:
            match = match_candidates(papers[i], listed.get(title_fingerprint(papers[i].title), ()))
            if match.fitting:
                state.settle(i, match, VIA_HF_DAILY)
            else:
                state.rejected.setdefault(i, []).extend(match.rejected)
    for step, source, asker, kind in (
        ("Hugging Face search", HUGGINGFACE, hf, HF_SEARCH),
        ("arXiv title search", ARXIV, ax, ARXIV_SEARCH),
    ):
        todo = [i for i in pending if state.open(i)]
        for done, i in enumerate(todo, start=1):
            paper = papers[i]
            records = asker.ask(kind, title_fingerprint(paper.title), partial(search, source, paper.title))
            if records is None:
                state.unanswered.setdefault(i, set()).add(source)
            else:
                state.answered.setdefault(i, set()).add(source)
                seen = {r.candidate.arxiv_id for r in state.rejected.get(i, [])}
                match = match_candidates(paper, records)
                new_rejections = tuple(r for r in match.rejected if r.candidate.arxiv_id not in seen)
                state.settle(i, Match(match.fitting, new_rejections),
                             VIA_HF_SEARCH if source == HUGGINGFACE else VIA_ARXIV_SEARCH)
            progress(step, done, len(todo))


def _fetch_arxiv(
    papers: Sequence[Paper],
    targets: list[int],
    state: _State,
    ax: _Asker,
    clients: Lookups | None,
    progress: Progress,
) -> None:
    wanted: list[str] = []
    for i in targets:
        arxiv_id = papers[i].arxiv_id or state.resolved_id.get(i)
        if arxiv_id and arxiv_id not in state.arxiv and arxiv_id not in wanted:
            wanted.append(arxiv_id)
    if not wanted:
        return
    cached = ax.cache.get_many(ARXIV_ID, wanted, any_age=ax.offline)
    for arxiv_id, records in cached.items():
        if records:
            state.arxiv[arxiv_id] = records[0]
        else:
            state.unknown_ids.add(arxiv_id)
    ax.tally.from_cache += len(cached)
    missing = [i for i in wanted if i not in cached]
    if not missing:
        return
    if not ax.usable or clients is None:
        ax.tally.unanswered += len(missing)
        return
    batches = list(chunks(missing, clients.arxiv.batch_size))
    for done, batch in enumerate(batches, start=1):
        try:
            found, refused = clients.arxiv.fetch_ids(batch)
        except SourceUnavailable as error:
            ax.give_up(error)
            ax.tally.unanswered += sum(len(b) for b in batches[done - 1:])
            return
        ax.tally.asked += len(batch)
        state.arxiv.update(found)
        state.refused_ids.update(refused)
        state.unknown_ids.update(i for i in batch if i not in found and i not in refused)
        ax.cache.put_many(ARXIV_ID, {i: [found[i]] if i in found else [] for i in batch if i not in refused})
        progress("arXiv metadata", done, len(batches))


def _fetch_crossref(
    papers: list[Paper],
    outcomes: list[Outcome],
    cr: _Asker,
    clients: Lookups | None,
    progress: Progress,
) -> None:
    """Fold in the published version of every paper with a DOI and no publication yet
    (in place: `papers[i]` and `outcomes[i]` are replaced)."""
    todo = [i for i, paper in enumerate(papers) if needs_publication(paper)]

    def work(doi: str) -> list[Paper]:
        if clients is None:
            return []
        record = clients.crossref.work(doi)
        return [record] if record is not None else []

    for done, i in enumerate(todo, start=1):
        doi = papers[i].doi
        assert doi is not None
        records = cr.ask(CROSSREF_DOI, doi_key(doi), partial(work, doi))
        if records:
            papers[i] = apply_crossref(papers[i], records[0])
            outcomes[i] = replace(outcomes[i], sources=(*outcomes[i].sources, CROSSREF))
        progress("Crossref", done, len(todo))


def _why_not_asked(sources: Iterable[str], tallies: dict[str, SourceTally]) -> str:
    reasons = []
    for name in sorted(sources):
        tally = tallies[name]
        reasons.append(tally.failure or f"{NAMES[name]}: offline and not in the cache")
    return "; ".join(reasons)


def _apply(
    papers: Sequence[Paper],
    targets: set[int],
    state: _State,
    tallies: dict[str, SourceTally],
) -> tuple[list[Paper], list[Outcome], list[str]]:
    enriched: list[Paper] = []
    outcomes: list[Outcome] = []
    warnings: list[str] = []
    for i, original in enumerate(papers):
        paper = original
        if i not in targets:
            enriched.append(paper)
            outcomes.append(Outcome(Status.KNOWN if paper.arxiv_id else Status.NOT_FOUND))
            continue
        applied: list[str] = []
        if i in state.hf_record:
            paper = apply_huggingface(paper, state.hf_record[i])
            applied.append(HUGGINGFACE)
        arxiv_id = paper.arxiv_id or state.resolved_id.get(i)
        record = state.arxiv.get(arxiv_id) if arxiv_id else None
        if record is not None:
            digest_title = title_fingerprint(paper.title)
            if original.arxiv_id and digest_title and digest_title != title_fingerprint(record.title):
                warnings.append(f"{arxiv_id}: arXiv's title is {record.title!r}, the digest's "
                                f"{paper.title!r} (arXiv's metadata used; the digest's title kept)")
            paper = apply_arxiv(paper, record)
            applied.append(ARXIV)
        rejected = tuple(state.rejected.get(i, ()))
        missing_arxiv = None
        if arxiv_id and record is None:
            if arxiv_id in state.unknown_ids:
                missing_arxiv = f"arXiv has no paper {arxiv_id}"
            elif arxiv_id in state.refused_ids:
                missing_arxiv = f"{arxiv_id}: {state.refused_ids[arxiv_id]}"
            else:
                missing_arxiv = _why_not_asked([ARXIV], tallies)
        if original.arxiv_id:
            if missing_arxiv is None:
                outcome = Outcome(Status.KNOWN, sources=tuple(applied))
            elif arxiv_id in state.unknown_ids or arxiv_id in state.refused_ids:
                outcome = Outcome(Status.NOT_FOUND, reason=missing_arxiv)
            else:
                outcome = Outcome(Status.FAILED, reason=missing_arxiv)
        elif i in state.via:
            outcome = Outcome(Status.RESOLVED, via=state.via[i], reason=missing_arxiv, rejected=rejected,
                              sources=tuple(applied))
        elif i in state.ambiguous:
            outcome = Outcome(Status.AMBIGUOUS, reason="several records fit; none was taken",
                              candidates=state.ambiguous[i].fitting, rejected=rejected)
        elif not title_fingerprint(paper.title):
            reason = ("only a DOI: arXiv and Hugging Face cannot be searched by DOI" if paper.doi
                      else "no arXiv ID and no title to search")
            outcome = Outcome(Status.NOT_FOUND, reason=reason)
        elif state.unanswered.get(i):  # a source that might know it could not be asked
            reason = _why_not_asked(state.unanswered[i], tallies)
            answered = sorted(NAMES[name] for name in state.answered.get(i, ()))
            if answered:
                reason += f" ({' and '.join(answered)}: no match)"
            outcome = Outcome(Status.FAILED, reason=reason, rejected=rejected)
        else:
            reason = "no record with this title" if not rejected else "records with this title failed a check"
            outcome = Outcome(Status.NOT_FOUND, reason=reason, rejected=rejected)
        enriched.append(paper)
        outcomes.append(outcome)
    return enriched, outcomes, warnings


def _regroup(before: list[Paper], after: list[Paper], outcomes: list[Outcome]) -> list[Outcome]:
    """Outcomes for the deduplicated papers: each takes its first entry's outcome."""
    if len(before) == len(after):
        return outcomes
    first_by_source: dict[Source, int] = {}
    for index, paper in enumerate(before):
        for source in paper.sources:
            first_by_source.setdefault(source, index)
    first_by_id: dict[str, int] = {}
    for index, paper in enumerate(before):
        if paper.arxiv_id:
            first_by_id.setdefault(paper.arxiv_id, index)
    regrouped: list[Outcome] = []
    for paper in after:
        first = next((first_by_source[s] for s in paper.sources if s in first_by_source), None)
        if first is None and paper.arxiv_id:
            first = first_by_id.get(paper.arxiv_id)
        regrouped.append(outcomes[first] if first is not None else Outcome(Status.KNOWN))
    return regrouped
