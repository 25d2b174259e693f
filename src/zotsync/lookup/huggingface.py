"""The Hugging Face papers API client: a day's Daily Papers list and the paper search.

Answers are read by `zotsync.readers.hf_json` (the `--format hf-json` reader): arXiv
ID, title, author names, date, upvotes and `ai_summary`. Anonymous access allows about
500 requests per 5 minutes; 429 answers are retried by `HttpClient`.
"""

from __future__ import annotations

from datetime import date

from zotsync.core.paper import Paper
from zotsync.errors import InputError
from zotsync.lookup.http import HttpClient, SourceUnavailable
from zotsync.readers import hf_json

SOURCE = "Hugging Face"
DAILY_PAGE_SIZE = 100
DAILY_MAX_PAGES = 5


class HuggingFaceClient:
    def __init__(self, http: HttpClient, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")

    def _papers(self, path: str, params: dict[str, str]) -> list[Paper]:
        """One answer as records; a body that is not JSON is asked for once more."""
        for attempt in range(2):
            response = self.http.get(f"{self.base_url}{path}", params)
            if response.status_code == 404:
                return []
            if response.status_code != 200:
                raise SourceUnavailable(SOURCE, f"unexpected answer HTTP {response.status_code}")
            text = response.text
            if not text.strip():
                return []
            try:
                result = hf_json.read(text, "Hugging Face answer", as_of=date.today())
            except InputError as error:
                if attempt == 1:
                    raise SourceUnavailable(SOURCE, f"unreadable answer twice ({error.message})") from None
                continue
            return [paper.replace(sources=()) for paper in result.entries]
        raise AssertionError("unreachable")  # pragma: no cover

    def daily(self, day: date) -> list[Paper]:
        """The papers on the Daily Papers page of `day` (`/api/daily_papers?date=`)."""
        papers: list[Paper] = []
        for page in range(DAILY_MAX_PAGES):
            params = {"date": day.isoformat(), "limit": str(DAILY_PAGE_SIZE)}
            if page:
                params["p"] = str(page)
            batch = self._papers("/api/daily_papers", params)
            papers.extend(batch)
            if len(batch) < DAILY_PAGE_SIZE:
                break
        return papers

    def search(self, query: str) -> list[Paper]:
        """The papers Hugging Face's search returns for `query` (unverified)."""
        return self._papers("/api/papers/search", {"q": query}) if query.strip() else []
