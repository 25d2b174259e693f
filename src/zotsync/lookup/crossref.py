"""The Crossref REST API client: a DOI's registered metadata (`GET /works/{doi}`).

Used for the published version of a paper (journal, volume, issue, pages, ISSN), which
makes an arXiv paper with a journal DOI a journal article in Zotero, as Zotero's own
arXiv import does through the DOI, and for papers a digest names by DOI alone. Crossref
asks for no pacing beyond one request at a time; 429/503 are retried by `HttpClient`.
"""

from __future__ import annotations

from urllib.parse import quote

from zotsync.core.crossref import NotAWork, work_paper
from zotsync.core.paper import Paper
from zotsync.lookup.http import HttpClient, SourceUnavailable

SOURCE = "Crossref"


class CrossrefClient:
    def __init__(self, http: HttpClient, base_url: str, mailto: str | None = None) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.params = {"mailto": mailto} if mailto else {}

    def work(self, doi: str) -> Paper | None:
        """The work registered under `doi`; None when Crossref does not know it (404)."""
        url = f"{self.base_url}/works/{quote(doi, safe='')}"
        for attempt in range(2):
            response = self.http.get(url, self.params)
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise SourceUnavailable(SOURCE, f"unexpected answer HTTP {response.status_code}")
            try:
                return work_paper(response.json())
            except (ValueError, NotAWork) as error:  # not JSON, or not a work
                if attempt == 1:
                    raise SourceUnavailable(SOURCE, f"unreadable answer twice ({error})") from None
        raise AssertionError("unreachable")  # pragma: no cover
