"""A stand-in for the Hugging Face papers API, answering real-format JSON.

- `GET /api/daily_papers?date=YYYY-MM-DD[&limit=N&p=P]`: the papers whose `hf_daily`
  is that date, in the `{paper: {...}, title, summary, publishedAt, ...}` list shape;
- `GET /api/papers/search?q=...`: like Hugging Face's search, loose: every known paper
  sharing at least half of the query's words, best first (so callers must verify);
- `GET /api/papers/<id>`: the paper object, or 404.

Long titles carry a newline and indentation, as Hugging Face titles sometimes do.
Faults: see `standin`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from servers.arxiv_standin import words
from servers.standin import CatalogPaper, StandIn


def _hf_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _oid(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()[:24]


def _hf_title(title: str) -> str:
    if len(title) <= 70:
        return title
    cut = title.find(" ", 60)
    return title if cut < 0 else f"{title[:cut]}\n  {title[cut + 1:]}"


def paper_object(paper: CatalogPaper) -> dict[str, Any]:
    published = paper.published.replace(hour=0, minute=0, second=0, microsecond=0)
    daily = (datetime.fromisoformat(paper.hf_daily).replace(tzinfo=UTC) if paper.hf_daily
             else published + timedelta(days=1))
    document: dict[str, Any] = {
        "id": paper.arxiv_id,
        "authors": [{"_id": _oid(paper.arxiv_id, name), "name": name, "hidden": False}
                    for name in paper.authors],
        "publishedAt": _hf_time(published),
        "submittedOnDailyAt": _hf_time(daily),
        "title": _hf_title(paper.title),
        "submittedOnDailyBy": {"_id": _oid("user"), "fullname": "A Reader", "user": "reader",
                               "type": "user", "name": "reader", "isPro": False},
        "summary": paper.abstract,
        "upvotes": paper.upvotes,
        "discussionId": _oid(paper.arxiv_id, "discussion"),
    }
    if paper.ai_summary:
        document["ai_summary"] = paper.ai_summary
        document["ai_keywords"] = words(paper.title)[:3]
    return document


def list_item(paper: CatalogPaper) -> dict[str, Any]:
    inner = paper_object(paper)
    return {
        "paper": inner,
        "publishedAt": _hf_time(paper.published - timedelta(hours=4)),
        "title": inner["title"],
        "summary": paper.abstract,
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{paper.arxiv_id}.png",
        "numComments": 0,
        "submittedBy": inner["submittedOnDailyBy"],
        "isAuthorParticipating": False,
    }


@dataclass
class HfStandIn(StandIn):
    def known(self) -> list[CatalogPaper]:
        return [p for p in self.catalogue if p.on_hf]

    def malformed(self) -> tuple[str, bytes]:
        body = json.dumps([list_item(p) for p in self.known()[:2]]).encode()
        return "application/json; charset=utf-8", body[: len(body) // 2]

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        kind = "application/json; charset=utf-8"
        document: Any
        if path == "/api/daily_papers":
            day = params.get("date", "")
            limit = int(params.get("limit", "50") or 50)
            page = int(params.get("p", "0") or 0)
            listed = [p for p in self.known() if p.hf_daily == day]
            document = [list_item(p) for p in listed[page * limit:(page + 1) * limit]]
        elif path == "/api/papers/search":
            query = set(words(params.get("q", "")))
            scored = []
            for paper in self.known():
                shared = len(query & set(words(paper.title)))
                if query and shared * 2 >= len(query):
                    scored.append((-shared, paper.arxiv_id, paper))
            document = [list_item(p) for _, _, p in sorted(scored)[:20]]
        elif path.startswith("/api/papers/"):
            wanted = path.rsplit("/", 1)[1]
            found = [p for p in self.known() if p.arxiv_id == wanted]
            if not found:
                return 404, kind, json.dumps({"error": "Entry not found"}).encode()
            document = paper_object(found[0])
        else:
            return 404, kind, json.dumps({"error": "Not found"}).encode()
        return 200, kind, json.dumps(document, ensure_ascii=False).encode("utf-8")
