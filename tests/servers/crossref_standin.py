"""A stand-in for the Crossref REST API: `GET /works/{doi}` in Crossref's JSON shape.

Knows the catalogue papers that have a DOI; their journal, volume, year and pages are
read from the paper's `journal_ref` ("Neural Computation 28 (2016) 1-40"). Anything else
is 404 `Resource not found.`, as Crossref answers. Faults: see `standin`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from servers.standin import CatalogPaper, StandIn

_JOURNAL_REF = re.compile(r"^(?P<journal>.+?) (?P<volume>\d+) \((?P<year>\d{4})\)(?: (?P<pages>\S+))?$")


def work(paper: CatalogPaper) -> dict[str, Any]:
    """The `message` of a Crossref work for a catalogue paper (with a DOI)."""
    assert paper.doi
    ref = _JOURNAL_REF.match(paper.journal_ref or "")
    journal = ref["journal"] if ref else "Journal of Examples"
    year = int(ref["year"]) if ref else paper.published.year
    message: dict[str, Any] = {
        "indexed": {"date-parts": [[2026, 1, 2]], "date-time": "2026-01-02T03:04:05Z",
                    "timestamp": 1767323045000},
        "reference-count": 42,
        "publisher": "MIT Press",
        "issue": "3",
        "content-domain": {"domain": [], "crossmark-restriction": False},
        "short-container-title": [journal.split()[0] + " J."],
        "DOI": paper.doi,
        "type": paper.crossref_type,
        "created": {"date-parts": [[year, 2, 1]], "date-time": f"{year}-02-01T00:00:00Z", "timestamp": 0},
        "page": ref["pages"] if ref and ref["pages"] else None,
        "source": "Crossref",
        "is-referenced-by-count": 7,
        "title": [paper.title.replace("&", "&amp;")],
        "prefix": paper.doi.split("/", 1)[0],
        "volume": ref["volume"] if ref else "1",
        "author": [{"given": " ".join(name.split()[:-1]), "family": name.split()[-1], "sequence": "first"
                    if i == 0 else "additional", "affiliation": []} for i, name in enumerate(paper.authors)],
        "member": "281",
        "published-online": {"date-parts": [[year, 3, 1]]},
        "container-title": [journal],
        "original-title": [],
        "language": "en",
        "link": [],
        "deposited": {"date-parts": [[year, 3, 2]], "date-time": f"{year}-03-02T00:00:00Z", "timestamp": 0},
        "score": 1,
        "resource": {"primary": {"URL": f"https://example.org/{paper.doi}"}},
        "subtitle": [],
        "issued": {"date-parts": [[year, 3]]},
        "references-count": 42,
        "journal-issue": {"issue": "3", "published-print": {"date-parts": [[year, 3]]}},
        "URL": f"https://doi.org/{paper.doi}",
        "ISSN": ["0899-7667", "1530-888X"],
        "issn-type": [{"type": "print", "value": "0899-7667"}, {"type": "electronic", "value": "1530-888X"}],
        "published": {"date-parts": [[year, 3]]},
    }
    return {key: value for key, value in message.items() if value is not None}


@dataclass
class CrossrefStandIn(StandIn):
    def malformed(self) -> tuple[str, bytes]:
        return "application/json", b'{"status": "ok", "message-type": "work", "mess'

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        if path.startswith("/works/"):
            wanted = unquote(path[len("/works/"):]).lower()
            for paper in self.catalogue:
                if paper.doi and paper.doi.lower() == wanted:
                    body = {"status": "ok", "message-type": "work", "message-version": "1.0.0",
                            "message": work(paper)}
                    return 200, "application/json", json.dumps(body).encode()
        return 404, "text/plain", b"Resource not found."
