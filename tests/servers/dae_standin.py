"""A loopback stand-in of the host of daily-arXiv-ai-enhanced's data files
(raw.githubusercontent.com, branch `data`): `GET /data/<day>_AI_enhanced_<Language>.jsonl`
answers the day's JSONL, written as upstream writes it (`ensure_ascii`: Chinese as
\\uXXXX); any other path is GitHub's plain-text `404: Not Found` (a weekend has no file).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from servers.standin import StandIn


def dae_row(arxiv_id: str, title: str, *, authors: list[str], categories: list[str], tldr: str,
            abstract: str = "An abstract.") -> dict[str, Any]:
    """One AI-enhanced row with the keys upstream's pipeline writes."""
    return {
        "id": arxiv_id, "categories": categories, "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
        "abs": f"https://arxiv.org/abs/{arxiv_id}", "authors": authors, "title": title,
        "comment": None, "summary": abstract,
        "AI": {"tldr": tldr, "motivation": "动机。", "method": "方法。", "result": "结果。",
               "conclusion": "结论。"},
    }


@dataclass
class DaeStandIn(StandIn):
    days: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "2026-06-08" -> rows
    language: str = "Chinese"

    def malformed(self) -> tuple[str, bytes]:
        return "text/plain; charset=utf-8", b'{"id": "2606.0'

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        for day, rows in self.days.items():
            if path == f"/data/{day}_AI_enhanced_{self.language}.jsonl":
                body = "".join(json.dumps(row) + "\n" for row in rows)  # ensure_ascii, as upstream
                return 200, "text/plain; charset=utf-8", body.encode("ascii")
        return 404, "text/plain; charset=utf-8", b"404: Not Found"
