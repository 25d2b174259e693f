"""Deduplication: many digest entries in, one `Paper` per paper out.

Two entries are the same paper by `identity.same_paper` with its default vetoes: their
arXiv IDs match (any version), their DOIs match, or their title fingerprints match and
none of Zotero's vetoes applies (`identity.vetoed`). Entries are taken in order; each joins the first group it
matches, so the result is deterministic and keeps the first entry's texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from zotsync.core.identity import (
    arxiv_abs_url,
    arxiv_pdf_url,
    doi_key,
    paper_ident,
    same_paper,
    title_fingerprint,
    vetoed,
)
from zotsync.core.paper import Paper, Summary


def can_be_same_by_title(a: Paper, b: Paper) -> bool:
    """Zotero's vetoes on a title match, plus arXiv's: False when they must differ.

    `identity.vetoed` with its defaults: different arXiv IDs; different DOIs; years more
    than 1 apart; both sides name authors and share no (last name, first initial).
    """
    return not vetoed(paper_ident(a), paper_ident(b))


def _richer_summary(a: Summary | None, b: Summary | None) -> Summary | None:
    """Keep `a` (the earlier one) unless `b` has more real texts."""
    if a is None:
        return b
    if b is None or b.filled <= a.filled:
        return a
    return b


def merge(a: Paper, b: Paper) -> Paper:
    """One paper from two entries of it: `a`'s values first, gaps filled from `b`.

    Categories are united with the primary first; the real summary wins over a missing
    one (between two real ones the first is kept: copies of one paper carry texts from
    separate LLM runs, and the later copy is not an update); authors come from the entry
    that names the most; all sources are kept.
    """
    primary = a.primary_category or b.primary_category
    categories = [primary] if primary else []
    categories += [c for c in (*a.categories, *b.categories) if c not in categories]
    versions = [v for v in (a.version, b.version) if v is not None]
    upvotes = [u for u in (a.upvotes, b.upvotes) if u is not None]
    return Paper(
        title=a.title or b.title,
        arxiv_id=a.arxiv_id or b.arxiv_id,
        version=max(versions) if versions else None,
        doi=a.doi or b.doi,
        authors=a.authors if len(a.authors) >= len(b.authors) else b.authors,
        abstract=a.abstract or b.abstract,
        categories=tuple(categories),
        primary_category=primary,
        published=a.published or b.published,
        updated=max(filter(None, (a.updated, b.updated)), default=None),
        url=a.url or b.url,
        pdf_url=a.pdf_url or b.pdf_url,
        comment=a.comment or b.comment,
        journal_ref=a.journal_ref or b.journal_ref,
        publication=a.publication or b.publication,
        summary=_richer_summary(a.summary, b.summary),
        ai_summary=a.ai_summary or b.ai_summary,
        upvotes=max(upvotes) if upvotes else None,
        author_count=a.author_count or b.author_count,
        sources=a.sources + tuple(s for s in b.sources if s not in a.sources),
    )


def with_links(paper: Paper) -> Paper:
    """Fill the abs and PDF links an arXiv ID implies, when the digest left them out."""
    if not paper.arxiv_id or (paper.url and paper.pdf_url):
        return paper
    return paper.replace(
        url=paper.url or arxiv_abs_url(paper.arxiv_id),
        pdf_url=paper.pdf_url or arxiv_pdf_url(paper.arxiv_id),
    )


@dataclass(frozen=True, slots=True)
class Deduplicated:
    papers: list[Paper]
    entries: int

    @property
    def merged(self) -> int:
        """Entries folded into an earlier one."""
        return self.entries - len(self.papers)


def deduplicate(entries: Iterable[Paper]) -> Deduplicated:
    """Fold entries of the same paper together, keeping first-seen order.

    Runs in linear time: groups are found through indexes on arXiv ID, DOI and title
    fingerprint; title matches are then checked against the vetoes.
    """
    groups: list[Paper | None] = []  # None once folded into another group
    forward: dict[int, int] = {}  # folded group -> the group it went into
    by_arxiv: dict[str, int] = {}
    by_doi: dict[str, int] = {}
    by_title: dict[str, list[int]] = {}
    count = 0

    def live(index: int) -> int:
        while index in forward:
            index = forward[index]
        return index

    def index_group(index: int, paper: Paper, fingerprint: str) -> None:
        if paper.arxiv_id:
            by_arxiv.setdefault(paper.arxiv_id, index)
        if paper.doi:
            by_doi.setdefault(doi_key(paper.doi), index)
        if fingerprint:
            slot = by_title.setdefault(fingerprint, [])
            if index not in slot:
                slot.append(index)

    for entry in entries:
        count += 1
        fingerprint = title_fingerprint(entry.title)
        matches: list[int] = []
        if entry.arxiv_id and entry.arxiv_id in by_arxiv:
            matches.append(live(by_arxiv[entry.arxiv_id]))
        if entry.doi and doi_key(entry.doi) in by_doi:
            found = live(by_doi[doi_key(entry.doi)])
            paper = groups[found]
            if found not in matches and paper is not None and same_paper(paper_ident(paper),
                                                                         paper_ident(entry)):
                matches.append(found)
        if not matches and fingerprint:
            for candidate in by_title.get(fingerprint, ()):
                found = live(candidate)
                paper = groups[found]
                if paper is not None and can_be_same_by_title(paper, entry):
                    matches.append(found)
                    break
        if not matches:
            groups.append(entry)
            index_group(len(groups) - 1, entry, fingerprint)
            continue
        target, *others = sorted(set(matches))
        merged = groups[target]
        assert merged is not None
        merged = merge(merged, entry)
        for other in others:  # the entry bridged two groups (its ID in one, DOI in other)
            other_paper = groups[other]
            assert other_paper is not None
            merged = merge(merged, other_paper)
            groups[other] = None
            forward[other] = target
        groups[target] = merged
        index_group(target, merged, title_fingerprint(merged.title))
    papers = [with_links(p) for p in groups if p is not None]
    return Deduplicated(papers=papers, entries=count)
