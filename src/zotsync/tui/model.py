"""What the paper list shows and how it filters, without any UI: fast enough for 5,000 papers.

Each paper gets a row (the texts the list draws) and a haystack: its title, authors,
IDs, categories, abstract, TL;DR and sections, casefolded once. A search is every
whitespace-separated term being a substring of the haystack (Chinese included: no
word splitting needed). Typing one more character only narrows the previous result,
so each keystroke scans the papers still shown, not all of them.

The box also takes `--where` queries (zotsync.core.query: `cat:`, `upvotes:>=N`, `-word`,
OR, phrases, `@name`...). Plain words keep the narrowing path above; any other query is
matched against every paper the category and library filters leave, its bare words
searching the same haystack. A query that cannot be read yet (`upvotes:>=` half typed)
leaves the list as it was and sets `query_error`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from zotsync.core.paper import Paper
from zotsync.core.query import Query, QuerySyntaxError, Table, parse_query
from zotsync.store import Sighting


@dataclass(frozen=True, slots=True)
class PaperRow:
    """The texts one list row shows."""

    label: str  # arXiv ID, else DOI, else "-"
    title: str
    category: str
    date: str  # the publication date, else the ID's year-month
    tldr: str  # FLAG_NOTE: a TL;DR or sections (push writes a note); FLAG_HF_ENGLISH: only
    # Hugging Face's English `ai_summary` (shown, not written); "" neither


FLAG_NOTE, FLAG_HF_ENGLISH = "T", "e"


def summary_flag(paper: Paper) -> str:
    """The list's summary marker, true to what push writes: `T` when the paper has a
    TL;DR or sections (they become its note), `e` when it has only Hugging Face's English
    `ai_summary` (shown here, not written; `g` generates a TL;DR), else ""."""
    if paper.summary is not None and paper.summary.filled:
        return FLAG_NOTE
    return FLAG_HF_ENGLISH if paper.ai_summary else ""


def row_for(paper: Paper) -> PaperRow:
    return PaperRow(
        label=paper.arxiv_id or paper.doi or "-",
        title=" ".join(paper.title.split()),
        category=paper.primary_category or (paper.categories[0] if paper.categories else ""),
        date=paper.date_label,
        tldr=summary_flag(paper),
    )


def haystack_for(paper: Paper) -> str:
    parts: list[str | None] = [paper.title, paper.arxiv_id, paper.doi, paper.primary_category,
                               *paper.categories, *paper.authors, paper.abstract, paper.ai_summary]
    if paper.summary is not None:
        parts.append(paper.summary.tldr)
        parts.extend(paper.summary.sections().values())
    return "\n".join(p for p in parts if p).casefold()


def terms_of(query: str) -> list[str]:
    return query.casefold().split()


_QUERY_SIGNS = frozenset(':"()@-')


def _looks_plain(query: str) -> bool:
    """Plain words only: no field, phrase, group, filter, negation or OR (what
    `parse_query` would call plain, without parsing)."""
    words = query.split()
    return (_QUERY_SIGNS.isdisjoint(query.replace("-", ""))
            and not any(w == "OR" or w.startswith("-") for w in words))


def selection_keys(paper: Paper) -> set[object]:
    """What keeps a paper selected when enrichment replaces the list: where the digest
    showed it (stable across merges), else its identity."""
    return set(paper.sources) or {paper.identity}


# The orders the list can be sorted in (`s` cycles through them), as the header names them.
SORTS = ("digest order", "date", "title", "upvotes", "category")


def sort_order(papers: Sequence[Paper], name: str) -> list[int]:
    """The indexes of `papers` in the order `name` (one of SORTS): dates newest and upvotes
    most first, titles and categories A to Z, what lacks the field last; ties keep the
    digest order (Python's sort is stable, `reverse` too)."""
    indexes = range(len(papers))
    if name == "date":
        return sorted(indexes, key=lambda i: papers[i].date_label, reverse=True)
    if name == "upvotes":
        return sorted(indexes, key=lambda i: -1 if papers[i].upvotes is None else int(papers[i].upvotes or 0),
                      reverse=True)
    if name == "title":
        return sorted(indexes, key=lambda i: " ".join(papers[i].title.split()).casefold())
    if name == "category":
        def category(i: int) -> tuple[bool, str]:
            paper = papers[i]
            name = paper.primary_category or (paper.categories[0] if paper.categories else "")
            return name == "", name.casefold()
        return sorted(indexes, key=category)
    return list(indexes)


class PaperModel:
    """The papers, their markers, the selection, the current filter and sort."""

    def __init__(self, papers: Sequence[Paper], filters: Mapping[str, str] | None = None) -> None:
        self.papers: list[Paper] = list(papers)
        self.rows = [row_for(p) for p in self.papers]
        self.haystacks = [haystack_for(p) for p in self.papers]
        self.selected: set[int] = set()
        self.in_library: set[int] = set()
        self.seen: dict[int, Sighting] = {}
        self.query = ""
        self.filters: Mapping[str, str] = filters or {}  # [filters]: `@name` in the box
        self.query_error: str | None = None  # why the box's text is not a query (yet)
        self._plain = True  # the current query is plain words (the narrowing path)
        self._table: Table | None = None  # for queries; dropped when a paper changes
        self.category = ""  # "" = every category
        self.hide_in_library = False
        self.sort = SORTS[0]
        self._order: list[int] = list(range(len(self.papers)))  # the indexes in the sort order
        self._base: list[int] = list(range(len(self.papers)))  # category and library filters
        self.visible: list[int] = list(self._base)

    def __len__(self) -> int:
        return len(self.papers)

    # -- filtering ---------------------------------------------------------------------

    def categories(self) -> list[tuple[str, int]]:
        """Every category a paper is listed in, with how many papers, most first."""
        counts: Counter[str] = Counter()
        for paper, row in zip(self.papers, self.rows, strict=True):
            counts.update({row.category, *paper.categories} - {""})
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def _in_category(self, index: int) -> bool:
        paper = self.papers[index]
        return self.rows[index].category == self.category or self.category in paper.categories

    def set_sort(self, name: str) -> list[int]:
        """Show the papers in the order `name` (one of SORTS); filters stay."""
        self.sort = name
        self._order = sort_order(self.papers, name)
        return self.refilter()

    def next_sort(self) -> str:
        """The sort after the current one (`s`)."""
        return SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]

    def _rebase(self) -> None:
        base = list(self._order)
        if self.category:
            base = [i for i in base if self._in_category(i)]
        if self.hide_in_library:
            base = [i for i in base if i not in self.in_library]
        self._base = base

    def _search(self, candidates: Iterable[int], terms: list[str]) -> list[int]:
        hay = self.haystacks
        if not terms:
            return list(candidates)
        if len(terms) == 1:
            term = terms[0]
            return [i for i in candidates if term in hay[i]]
        return [i for i in candidates if all(t in hay[i] for t in terms)]

    def _parse(self, query: str) -> Query | None:
        """The parsed query, or None (and `query_error` set) when it cannot be read."""
        try:
            parsed = parse_query(query, self.filters)
        except QuerySyntaxError as error:
            self.query_error = str(error)
            return None
        self.query_error = None
        return parsed

    def _match(self, candidates: Iterable[int], query: Query) -> list[int]:
        if self._table is None:  # the columns a query reads, computed once per list
            self._table = Table(self.papers, self.haystacks)
        self._table.seen, self._table.in_library = self.seen, self.in_library
        return query.select(self._table, candidates)

    def set_query(self, query: str) -> list[int]:
        """Filter by a search text; plain words narrow the current result when the text
        only grew."""
        if _looks_plain(query):  # the fast path: no parse, no per-paper call
            narrowing = self._plain and query.startswith(self.query) and bool(terms_of(self.query))
            candidates = self.visible if narrowing else self._base
            self.query, self.query_error, self._plain = query, None, True
            self.visible = self._search(candidates, terms_of(query))
            return self.visible
        parsed = self._parse(query)
        self.query, self._plain = query, False
        if parsed is not None:
            self.visible = self._match(self._base, parsed)
        return self.visible

    @property
    def query_needs(self) -> frozenset[str]:
        """What the current query reads besides the papers: "seen", "library"."""
        if self._plain:
            return frozenset()
        try:
            return parse_query(self.query, self.filters).needs
        except QuerySyntaxError:
            return frozenset()

    def set_category(self, category: str) -> list[int]:
        self.category = category
        return self.refilter()

    def set_hide_in_library(self, hide: bool) -> list[int]:
        self.hide_in_library = hide
        return self.refilter()

    def refilter(self) -> list[int]:
        """Apply every filter from scratch (after the markers or the filters changed)."""
        self._rebase()
        if self._plain:
            self.visible = self._search(self._base, terms_of(self.query))
            return self.visible
        parsed = self._parse(self.query)
        if parsed is not None:
            self.visible = self._match(self._base, parsed)
        else:  # filters changed under a half-typed query: show what they leave
            self.visible = list(self._base)
        return self.visible

    # -- selection ---------------------------------------------------------------------

    def toggle(self, index: int) -> bool:
        if index in self.selected:
            self.selected.discard(index)
            return False
        self.selected.add(index)
        return True

    def select_visible(self) -> int:
        before = len(self.selected)
        self.selected.update(self.visible)
        return len(self.selected) - before

    def clear_selection(self) -> None:
        self.selected.clear()

    def selected_papers(self) -> list[Paper]:
        """The selection in list order."""
        return [self.papers[i] for i in sorted(self.selected)]

    def update_paper(self, paper: Paper) -> bool:
        """Put `paper` in place of the one with its identity (a TL;DR arrived); False when
        the list no longer has it."""
        for index, old in enumerate(self.papers):
            if old.identity == paper.identity:
                self.papers[index] = paper
                self.rows[index] = row_for(paper)
                self.haystacks[index] = haystack_for(paper)
                self._table = None
                return True
        return False

    # -- replacing the papers (enrichment) ---------------------------------------------

    def replaced(self, papers: Sequence[Paper]) -> PaperModel:
        """A model of `papers` with this one's filters, and its selection carried over."""
        chosen: set[object] = set()
        for index in self.selected:
            chosen |= selection_keys(self.papers[index])
        fresh = PaperModel(papers, self.filters)
        fresh.selected = {i for i, p in enumerate(fresh.papers) if selection_keys(p) & chosen}
        fresh.query, fresh.category, fresh.hide_in_library = self.query, self.category, self.hide_in_library
        fresh._plain = _looks_plain(self.query)
        fresh.set_sort(self.sort)
        return fresh
