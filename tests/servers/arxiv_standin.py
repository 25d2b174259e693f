"""A stand-in for the arXiv API (`/api/query`) that answers real-format Atom.

Answers `id_list` (a malformed ID gets arXiv's HTTP 400 error feed; an unknown one
just no entry) and `search_query` with `ti:` terms: `ti:"a phrase"` matches titles
containing the phrase, `ti:word` titles containing the word, `ANDNOT`/`-word`
excludes; like arXiv, a `:` inside a phrase breaks the query (no results). Titles and
summaries are line-wrapped as arXiv wraps them. Faults: see `standin`.

Other queries follow arXiv/arxiv-search's classic API (search/controllers/classic_api,
services/index/classic_api): the parameters are checked in its order (id_list,
max_results, start, sortBy, sortOrder: each an HTTP 400 error feed), the query is parsed
by its grammar (`field:value` terms, `( )`, `AND`/`OR`/`ANDNOT`; a query that does not
parse is werkzeug's 400 BadRequest), `cat:X` matches a primary or cross-list category,
`sortBy=submittedDate` sorts by the date of the version shown (a replacement sorts among
the new papers), and paging is `start`/`max_results` with opensearch:totalResults.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
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
    """The error feed for a malformed `id_list` entry."""
    return error_feed_for(f"incorrect id format for {bad_id}",
                          f"https://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}")


BAD_REQUEST = "The browser (or proxy) sent a request that this server could not understand."
SORT_BY = ("relevance", "lastUpdatedDate", "submittedDate")
FIELDS = ("ti", "au", "abs", "co", "jr", "cat", "rn", "id", "all")
_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<op>ANDNOT|AND|OR)(?=[\s("]|$)|'
                    r'(?P<term>(?P<field>\w+):(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"()]+))))')


class QueryError(ValueError):
    pass


Matcher = Callable[[CatalogPaper], bool]


def _term(field_name: str, value: str) -> Matcher:
    if field_name not in FIELDS:
        raise QueryError(field_name)
    if field_name == "cat":
        return lambda p: value in p.categories
    if field_name == "au":
        return lambda p: any(set(words(value)) <= set(words(a)) for a in p.authors)
    if field_name == "ti":
        return lambda p: set(words(value)) <= set(words(p.title))
    return lambda p: set(words(value)) <= set(words(f"{p.title} {p.abstract}"))


def parse_query(text: str) -> Matcher:
    """The classic grammar (term: field ":" string; ( ); ANDNOT unary; AND, OR, ANDNOT
    binary, left to right); anything else raises QueryError (arXiv: HTTP 400)."""
    tokens: list[tuple[str, str, str]] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise QueryError(text[pos:])
        pos = match.end()
        if match["open"]:
            tokens.append(("(", "", ""))
        elif match["close"]:
            tokens.append((")", "", ""))
        elif match["op"]:
            tokens.append(("op", match["op"], ""))
        else:
            tokens.append(("term", match["field"], match["phrase"] if match["phrase"] is not None
                           else match["word"]))
    at = 0

    def operand() -> Matcher:
        nonlocal at
        if at >= len(tokens):
            raise QueryError("end")
        kind, a, b = tokens[at]
        at += 1
        if kind == "(":
            inner = expression()
            if at >= len(tokens) or tokens[at][0] != ")":
                raise QueryError("unclosed (")
            at += 1
            return inner
        if kind == "op" and a == "ANDNOT":
            negated = operand()
            return lambda p: not negated(p)
        if kind == "term":
            return _term(a, b)
        raise QueryError(a)

    def expression() -> Matcher:
        nonlocal at
        left = operand()
        while at < len(tokens) and tokens[at][0] == "op":
            op = tokens[at][1]
            at += 1
            right = operand()
            left = _combine(op, left, right)
        return left

    result = expression()
    if at != len(tokens):
        raise QueryError("trailing")
    return result


def _combine(op: str, left: Matcher, right: Matcher) -> Matcher:
    if op == "AND":
        return lambda p: left(p) and right(p)
    if op == "OR":
        return lambda p: left(p) or right(p)
    return lambda p: left(p) and not right(p)


def error_feed_for(message: str, link: str = "https://arxiv.org/api/errors") -> bytes:
    """arxiv-search's `respond()`: an Atom feed with one entry titled Error."""
    now = _stamp(datetime.now(UTC))
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
    <id>{escape(link)}</id>
    <title>Error</title>
    <updated>{now}</updated>
    <link href={quoteattr(link)} rel="alternate" type="text/html"/>
    <summary>{escape(message)}</summary>
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
        """As arXiv/arxiv-search's classic API controller: id_list, max_results, start,
        sortBy, sortOrder are checked in that order (HTTP 400 with an error feed), then the
        query is parsed (a query that does not parse: 400, werkzeug's BadRequest text)."""
        kind = "application/atom+xml; charset=utf-8"
        if not path.endswith("/query"):
            return 404, "text/plain", b"not found\n"
        id_list = [i.strip() for i in params.get("id_list", "").split(",") if i.strip()]
        for raw in id_list:
            if not _ID.match(raw) or raw in self.reject_ids:
                return 400, kind, error_feed(raw)
        numbers: dict[str, int] = {}
        for name, default in (("max_results", 10), ("start", 0)):
            try:
                numbers[name] = int(params.get(name, default))
            except ValueError:
                return 400, kind, error_feed_for(f"{name} must be an integer")
            if numbers[name] < 0:
                return 400, kind, error_feed_for(f"{name} must be non-negative")
        per_page, start = numbers["max_results"], numbers["start"]
        sort_by = params.get("sortBy", "relevance")
        if sort_by not in SORT_BY:
            return 400, kind, error_feed_for(f"sortBy must be in: {', '.join(SORT_BY)}",
                                             "https://arxiv.org/help/api/user-manual#sort")
        direction = params.get("sortOrder", "descending")
        if direction not in ("ascending", "descending"):
            return 400, kind, error_feed_for("sortOrder must be in: ascending, descending",
                                             "https://arxiv.org/help/api/user-manual#sort")
        query = "&".join(f"{k}={v}" for k, v in params.items())
        known = self.known()
        search = params.get("search_query")
        if id_list:
            keys = [re.sub(r"v\d+$", "", i) for i in id_list]
            found = [known[k] for k in keys if k in known]
        elif search is None:
            return 400, kind, error_feed_for(
                "Either a search_query or id_list must be specified for the classic API.")
        elif "ti:" in search:
            found = [p for p in known.values() if title_matches(search, p.title)]
        else:
            try:
                matcher = parse_query(search)
            except QueryError:
                return 400, kind, error_feed_for(BAD_REQUEST)
            found = [p for p in known.values() if matcher(p)]
        if sort_by != "relevance":
            # arxiv-search sorts by `submitted_date` / `updated_date`: the date of the
            # version shown (a replacement sorts by its new version, among the new papers).
            found.sort(key=lambda p: p.updated or p.published, reverse=direction == "descending")
        page = found[start:start + per_page]
        return 200, kind, feed_xml(page, query=query, total=len(found), start=start, per_page=per_page)
