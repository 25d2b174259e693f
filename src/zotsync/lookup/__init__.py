"""Lookups on arXiv, Hugging Face and Crossref: the network edge of enrichment.

`make_lookups(settings)` builds the clients from the settings (URLs, arXiv's delay);
`zotsync.enrich.enrich_papers` decides what to ask. Each source has its own session,
one connection, and its own pacing:

- arXiv: one request every `arxiv.delay` seconds (3 by default, as arXiv asks);
  retries back off from the same delay (3, 6, 12 s).
- Hugging Face: not paced (about 500 requests per 5 minutes are allowed); retries back
  off from 1 s, or from `arxiv.delay` when that is shorter (tests set it tiny).
- Crossref: like Hugging Face (one request at a time is what Crossref asks).
"""

from __future__ import annotations

from dataclasses import dataclass

from zotsync.config import Settings
from zotsync.lookup.arxiv import BATCH_SIZE, ArxivClient
from zotsync.lookup.crossref import CrossrefClient
from zotsync.lookup.http import HttpClient, Policy, SourceUnavailable
from zotsync.lookup.huggingface import HuggingFaceClient

__all__ = ["Lookups", "SourceUnavailable", "arxiv_policy", "crossref_policy", "huggingface_policy",
           "make_lookups"]


def arxiv_policy(settings: Settings) -> Policy:
    return Policy(delay=settings.arxiv_delay, backoff=settings.arxiv_delay)


def huggingface_policy(settings: Settings) -> Policy:
    return Policy(delay=0.0, backoff=min(1.0, settings.arxiv_delay))


def crossref_policy(settings: Settings) -> Policy:
    return huggingface_policy(settings)  # one request at a time, as Crossref asks; no pacing


@dataclass
class Lookups:
    """The clients of one run."""

    arxiv: ArxivClient
    huggingface: HuggingFaceClient
    crossref: CrossrefClient

    def requests(self) -> dict[str, int]:
        """HTTP requests sent so far, per source (retries included)."""
        return {"arxiv": self.arxiv.http.requests_made, "huggingface": self.huggingface.http.requests_made,
                "crossref": self.crossref.http.requests_made}

    def close(self) -> None:
        self.arxiv.http.close()
        self.huggingface.http.close()
        self.crossref.http.close()


def make_lookups(
    settings: Settings,
    *,
    batch_size: int = BATCH_SIZE,
    arxiv: Policy | None = None,
    huggingface: Policy | None = None,
    crossref: Policy | None = None,
) -> Lookups:
    """Clients for the configured endpoints; `arxiv`/`huggingface`/`crossref` override the
    policies."""
    return Lookups(
        arxiv=ArxivClient(HttpClient("arXiv", arxiv or arxiv_policy(settings)), settings.arxiv_url,
                          batch_size=batch_size),
        huggingface=HuggingFaceClient(HttpClient("Hugging Face", huggingface or huggingface_policy(settings)),
                                      settings.hf_url),
        crossref=CrossrefClient(HttpClient("Crossref", crossref or crossref_policy(settings)),
                                settings.crossref_url, settings.crossref_mailto),
    )
