"""Resolving a paper against looked-up records, and folding those records into it.

Pure: no I/O. A lookup (Hugging Face, an arXiv title search) returns candidate records;
`match_candidates` keeps the ones whose title fingerprint equals the paper's and that
pass every check the paper allows (author count, publication date, shared authors,
identifiers). One left: resolved. Several: ambiguous. None: not found. Nothing is
guessed: a lone candidate that fails a check is reported as rejected, not taken.

`apply_huggingface` and `apply_arxiv` fold a record into a paper (docs/enrichment.md):
Hugging Face only fills gaps; arXiv is the source of record for authors, categories,
dates, version, comment, journal reference and journal DOI, which replace a digest's
values. The digest's own texts (title, abstract, summary/TL;DR) are always kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zotsync.core.dedup import can_be_same_by_title
from zotsync.core.identity import title_fingerprint
from zotsync.core.paper import Paper

# Hugging Face shows arXiv's v1 date, sometimes shifted by a time zone; digests may show
# the announcement date (a weekend later). Wider than this, the dates disagree.
DATE_TOLERANCE_DAYS = 3


class Status(StrEnum):
    """What a lookup made of one paper (the `resolution` field in JSON)."""

    KNOWN = "known"  # the digest gave the arXiv ID
    RESOLVED = "resolved"  # the arXiv ID was found now, and verified
    AMBIGUOUS = "ambiguous"  # several records fit: none taken
    NOT_FOUND = "not_found"  # no record fits (or arXiv does not know the given ID)
    FAILED = "failed"  # the sources could not be asked (network, offline and not cached)


def needs_enrichment(paper: Paper) -> bool:
    """The default rule: a paper lacking an arXiv ID, authors or a date is looked up."""
    return not paper.arxiv_id or not paper.authors or paper.published is None


def mismatch(paper: Paper, candidate: Paper) -> str | None:
    """Why `candidate` cannot be `paper`, or None when every check passes."""
    if title_fingerprint(candidate.title) != title_fingerprint(paper.title):
        return "title differs"
    if paper.arxiv_id and candidate.arxiv_id and paper.arxiv_id != candidate.arxiv_id:
        return f"arXiv ID {candidate.arxiv_id}, not {paper.arxiv_id}"
    ours, theirs = paper.n_authors, candidate.n_authors
    if ours is not None and theirs is not None and ours != theirs:
        return f"{theirs} authors, not {ours}"
    if paper.published and candidate.published:
        apart = abs((candidate.published - paper.published).days)
        if apart > DATE_TOLERANCE_DAYS:
            return f"published {candidate.published.isoformat()}, not {paper.published.isoformat()}"
    if not can_be_same_by_title(paper, candidate):
        return "no author or identifier in common"
    return None


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record with the paper's title that failed a check, and which one."""

    candidate: Paper
    reason: str


@dataclass(frozen=True, slots=True)
class Match:
    """The records that fit a paper (one: resolved), and those rejected on a check."""

    fitting: tuple[Paper, ...] = ()
    rejected: tuple[Rejection, ...] = ()

    @property
    def status(self) -> Status:
        if len(self.fitting) == 1:
            return Status.RESOLVED
        return Status.AMBIGUOUS if self.fitting else Status.NOT_FOUND

    @property
    def chosen(self) -> Paper | None:
        return self.fitting[0] if len(self.fitting) == 1 else None


def match_candidates(paper: Paper, candidates: Iterable[Paper]) -> Match:
    """The candidates (records with an arXiv ID) that can be this paper.

    Several records of one arXiv ID count once (the first is kept).
    """
    fitting: dict[str, Paper] = {}
    rejected: dict[str, Rejection] = {}
    fingerprint = title_fingerprint(paper.title)
    if not fingerprint:
        return Match()
    for candidate in candidates:
        key = candidate.arxiv_id
        if not key or key in fitting or key in rejected:
            continue
        if title_fingerprint(candidate.title) != fingerprint:
            continue  # a search's other hits: not this paper, not worth reporting
        reason = mismatch(paper, candidate)
        if reason is None:
            fitting[key] = candidate
        else:
            rejected[key] = Rejection(candidate, reason)
    return Match(tuple(fitting.values()), tuple(rejected.values()))


def apply_huggingface(paper: Paper, record: Paper) -> Paper:
    """Fill the paper's gaps from a Hugging Face record; upvotes become the larger count."""
    votes = [v for v in (paper.upvotes, record.upvotes) if v is not None]
    return paper.replace(
        title=paper.title or record.title,
        arxiv_id=paper.arxiv_id or record.arxiv_id,
        authors=paper.authors or record.authors,
        abstract=paper.abstract or record.abstract,
        published=paper.published or record.published,
        ai_summary=paper.ai_summary or record.ai_summary,
        upvotes=max(votes) if votes else None,
    )


def apply_arxiv(paper: Paper, record: Paper) -> Paper:
    """Fold arXiv's record in: its bibliographic fields win, the digest's texts stay."""
    versions = [v for v in (paper.version, record.version) if v is not None]
    return paper.replace(
        title=paper.title or record.title,
        arxiv_id=paper.arxiv_id or record.arxiv_id,
        version=max(versions) if versions else None,
        doi=record.doi or paper.doi,
        authors=record.authors or paper.authors,
        abstract=paper.abstract or record.abstract,
        categories=record.categories or paper.categories,
        primary_category=record.primary_category or paper.primary_category,
        published=record.published or paper.published,
        updated=record.updated or paper.updated,
        comment=record.comment or paper.comment,
        journal_ref=record.journal_ref or paper.journal_ref,
    )


def needs_publication(paper: Paper) -> bool:
    """A paper with a DOI (other than arXiv's) whose published version is not known yet."""
    return bool(paper.doi) and paper.publication is None


def apply_crossref(paper: Paper, record: Paper) -> Paper:
    """Fold Crossref's record of the paper's DOI in: the published version's venue always;
    title, authors and date only where the paper has none (an arXiv paper keeps arXiv's,
    which describe the preprint the digest is about)."""
    return paper.replace(
        publication=record.publication or paper.publication,
        title=paper.title or record.title,
        authors=paper.authors or record.authors,
        published=paper.published or (None if paper.arxiv_id else record.published),
        url=paper.url or (None if paper.arxiv_id else record.url),
    )


_CANDIDATE_FIELDS = ("arxiv_id", "title", "authors", "author_count", "published")


def candidate_json(record: Paper, reason: str | None = None) -> dict[str, Any]:
    """A short description of a record, to show why a paper was not resolved."""
    document = record.to_dict()
    shown: dict[str, Any] = {name: document[name] for name in _CANDIDATE_FIELDS}
    if reason is not None:
        shown["rejected"] = reason
    return shown


@dataclass(frozen=True, slots=True)
class Outcome:
    """What enrichment did for one paper.

    `via` names the lookup that gave the arXiv ID (resolved); `candidates` are the
    fitting records of an ambiguous paper; `rejected` are same-title records that
    failed a check; `sources` are the sources whose records were folded in.
    """

    status: Status
    via: str | None = None
    reason: str | None = None
    candidates: tuple[Paper, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields `zotsync resolve --json` adds to each paper."""
        return {
            "resolution": self.status.value,
            "resolved_via": self.via,
            "resolution_note": self.reason,
            "candidates": [candidate_json(c) for c in self.candidates],
            "rejected": [candidate_json(r.candidate, r.reason) for r in self.rejected],
            "enriched_from": list(self.sources),
        }
