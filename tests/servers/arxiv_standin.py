"""A stand-in for the arXiv API (`/api/query`) that answers real-format Atom.

Answers `id_list` (a malformed ID gets arXiv's HTTP 400 error feed; an unknown one
just no entry) and `search_query` with `ti:` terms: `ti:"a phrase"` matches titles
containing the phrase, `ti:word` titles containing the word, `ANDNOT`/`-word`
excludes; like arXiv, a `:` inside a phrase breaks the query (no results). Titles and
summaries are line-wrapped as arXiv wraps them. Faults: see `standin`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from servers.standin import CatalogPaper, StandIn

_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_TERM = re.compile(r'(?P<neg>ANDNOT\s+|-)?ti:(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+))')
_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/standin</id>
  <title>{title}</title>
  <updated>{now}</updated>
  <link href={link} type="application/atom+xml"/>
  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
"""


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _wrap(text: str) -> str:
    return escape("\n  ".join(textwrap.wrap(text, 70)) or text)


def entry_xml(paper: CatalogPaper) -> str:
    versioned = f"{paper.arxiv_id}v{paper.version}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{versioned}</id>",
        f"    <title>{_wrap(paper.title)}</title>",
        f"    <updated>{_stamp(paper.updated or paper.published)}</updated>",
        f'    <link href="https://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf" '
        'title="pdf"/>',
        f"    <summary>{_wrap(paper.abstract)}</summary>",
        *(f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>'
          for c in paper.categories),
        f"    <published>{_stamp(paper.published)}</published>",
    ]
    if paper.comment:
        lines.append(f"    <arxiv:comment>{escape(paper.comment)}</arxiv:comment>")
    lines.append(f"    <arxiv:primary_category term={quoteattr(paper.categories[0])}/>")
    if paper.journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(paper.journal_ref)}</arxiv:journal_ref>")
    for name in paper.authors:
        lines += ["    <author>", f"      <name>{escape(name)}</name>", "    </author>"]
    if paper.doi:
        lines.append(f"    <arxiv:doi>{escape(paper.doi)}</arxiv:doi>")
        lines.append(f'    <link rel="related" href="https://doi.org/{escape(paper.doi)}" title="doi"/>')
    lines.append("  </entry>")
    return "\n".join(lines) + "\n"


def feed_xml(entries: list[CatalogPaper], *, query: str, total: int, start: int, per_page: int) -> bytes:
    head = _HEAD.format(
        title=escape(f"arXiv Query: {query}"),
        now=_stamp(datetime.now(UTC)),
        link=quoteattr(f"https://arxiv.org/api/query?{query}"),
        per_page=per_page,
        total=total,
        start=start,
    )
    return (head + "".join(entry_xml(p) for p in entries) + "</feed>\n").encode("utf-8")


def error_feed(bad_id: str) -> bytes:
    now = _stamp(datetime.now(UTC))
    anchor = f"https://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}"
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/</id>
  <title>arXiv Search Results</title>
  <updated>{now}</updated>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>{escape(anchor)}</id>
    <title>Error</title>
    <updated>{now}</updated>
    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>
    <summary>incorrect id format for {escape(bad_id)}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
""".encode()


def title_matches(query: str, title: str) -> bool | None:
    """Whether a `ti:` query matches a title; None when the query is broken or has no term."""
    title_words = words(title)
    joined = " " + " ".join(title_words) + " "
    found = False
    for term in _TERM.finditer(query):
        found = True
        if term["phrase"] is not None:
            if ":" in term["phrase"]:
                return None
            phrase = " ".join(words(term["phrase"]))
            hit = bool(phrase) and f" {phrase} " in joined
        else:
            hit = all(w in title_words for w in words(term["word"]))
        if hit == bool(term["neg"]):
            return False
    return True if found else None


@dataclass
class ArxivStandIn(StandIn):
    # IDs answered with the HTTP 400 error feed although they look well-formed (arXiv's
    # own check disagreeing with the client's).
    reject_ids: set[str] = field(default_factory=set)

    def known(self) -> dict[str, CatalogPaper]:
        return {p.arxiv_id: p for p in self.catalogue if p.on_arxiv}

    def malformed(self) -> tuple[str, bytes]:
        good = feed_xml(list(self.known().values())[:1], query="", total=1, start=0, per_page=1)
        return "application/atom+xml; charset=utf-8", good[: len(good) // 2]

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        kind = "application/atom+xml; charset=utf-8"
        if not path.endswith("/query"):
            return 404, "text/plain", b"not found\n"
        start = int(params.get("start", "0") or 0)
        per_page = int(params.get("max_results", "10") or 10)
        query = "&".join(f"{k}={v}" for k, v in params.items())
        known = self.known()
        id_list = [i.strip() for i in params.get("id_list", "").split(",") if i.strip()]
        for raw in id_list:
            if not _ID.match(raw) or raw in self.reject_ids:
                return 400, kind, error_feed(raw)
        if id_list:
            keys = [re.sub(r"v\d+$", "", i) for i in id_list]
            found = [known[k] for k in keys if k in known]
        else:
            search = params.get("search_query", "")
            found = [p for p in known.values() if title_matches(search, p.title)]
        page = found[start:start + per_page]
        return 200, kind, feed_xml(page, query=query, total=len(found), start=start, per_page=per_page)
