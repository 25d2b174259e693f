"""`--select ID,...`: pick papers by arXiv ID (any spelling) or DOI. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zotsync.core.identity import doi_key, normalize_doi, parse_arxiv_id
from zotsync.core.paper import Paper


def split_selectors(values: Iterable[str]) -> list[str]:
    """`--select a,b --select c` -> ["a", "b", "c"]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def select_papers(papers: Sequence[Paper], selectors: Sequence[str]) -> tuple[list[Paper], list[str]]:
    """The papers named by `selectors`, in digest order, and the selectors nothing matched."""
    wanted_ids: dict[str, str] = {}
    wanted_dois: dict[str, str] = {}
    unknown: list[str] = []
    for selector in selectors:
        parsed = parse_arxiv_id(selector)
        doi = normalize_doi(selector)
        if parsed:
            wanted_ids[parsed.id] = selector
        elif doi:
            wanted_dois[doi_key(doi)] = selector
        else:
            unknown.append(selector)
    chosen: list[Paper] = []
    matched: set[str] = set()
    for paper in papers:
        hit = None
        if paper.arxiv_id and paper.arxiv_id in wanted_ids:
            hit = wanted_ids[paper.arxiv_id]
        elif paper.doi and doi_key(paper.doi) in wanted_dois:
            hit = wanted_dois[doi_key(paper.doi)]
        if hit is not None:
            chosen.append(paper)
            matched.add(hit)
    unknown += [s for s in (*wanted_ids.values(), *wanted_dois.values()) if s not in matched]
    return chosen, unknown
