"""The arXiv API client: metadata for many IDs per request, and title searches.

Answers are read by `zotsync.readers.arxiv_api.parse_feed` (the same reader as
`--format arxiv-api`). Pacing, the connection and retries are `HttpClient`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from zotsync.core.identity import parse_arxiv_id, title_fingerprint
from zotsync.core.paper import Paper
from zotsync.errors import InputError
from zotsync.lookup.http import HttpClient, SourceUnavailable
from zotsync.readers.arxiv_api import ApiFeed, parse_feed

SOURCE = "arXiv"
BATCH_SIZE = 100  # IDs per id_list request; arXiv allows up to 2000 results per page
SEARCH_RESULTS = 10
_BAD_ID = re.compile(r"incorrect id format for (\S+)")


def title_query(title: str) -> str | None:
    """The `search_query` for a title: `ti:"..."` with punctuation stripped.

    In arXiv's query syntax a hyphen means NOT and a colon breaks the query
    (docs/formats.md §5), so the title is reduced to its fingerprint's words.
    """
    words = title_fingerprint(title)
    return f'ti:"{words}"' if words else None


def chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


class ArxivClient:
    """`fetch_ids` and `search_title` against one arXiv API endpoint."""

    def __init__(self, http: HttpClient, url: str, *, batch_size: int = BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.http = http
        self.url = url
        self.batch_size = batch_size

    def _feed(self, params: dict[str, str]) -> ApiFeed:
        """One answer, read; a body that is not a feed is asked for once more."""
        for attempt in range(2):
            response = self.http.get(self.url, params)
            text = response.text
            if response.status_code not in {200, 400}:
                raise SourceUnavailable(SOURCE, f"unexpected answer HTTP {response.status_code}")
            try:
                return parse_feed(text, "arXiv API answer")
            except InputError as error:
                if response.status_code == 400 or "arXiv API error" in error.message:
                    raise
                if attempt == 1:
                    raise SourceUnavailable(SOURCE, f"unreadable answer twice ({error.message})") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def fetch_ids(self, ids: Sequence[str]) -> tuple[dict[str, Paper], dict[str, str]]:
        """Records of the versionless IDs arXiv knows, and the IDs it refused, with why.

        An ID arXiv does not know is in neither mapping. IDs are sent `batch_size` per
        request; an ID arXiv calls malformed is dropped and its batch asked again.
        """
        found: dict[str, Paper] = {}
        refused: dict[str, str] = {}
        wanted = list(dict.fromkeys(ids))
        for bad in [i for i in wanted if parse_arxiv_id(i) is None]:
            refused[bad] = "not an arXiv ID"
        wanted = [i for i in wanted if i not in refused]
        for batch in chunks(wanted, self.batch_size):
            remaining = batch
            while remaining:
                params = {"id_list": ",".join(remaining), "start": "0", "max_results": str(len(remaining))}
                try:
                    feed = self._feed(params)
                except InputError as error:
                    named = _BAD_ID.search(error.message)
                    bad = str(named.group(1)) if named else ""
                    if bad not in remaining:
                        raise SourceUnavailable(SOURCE, f"refused the request: {error.message}") from None
                    refused[bad] = "arXiv: incorrect ID format"
                    remaining = [i for i in remaining if i != bad]
                    continue
                for paper in feed.entries:
                    if paper.arxiv_id in remaining:
                        found[paper.arxiv_id] = paper.replace(sources=())
                break
        return found, refused

    def search_title(self, title: str, *, max_results: int = SEARCH_RESULTS) -> list[Paper]:
        """The first results of a title search (unverified: see core.resolution)."""
        query = title_query(title)
        if query is None:
            return []
        params = {"search_query": query, "start": "0", "max_results": str(max_results)}
        try:
            feed = self._feed(params)
        except InputError as error:
            raise SourceUnavailable(SOURCE, f"refused the search: {error.message}") from None
        return [paper.replace(sources=()) for paper in feed.entries]
