"""`--where QUERY` and the TUI search box: a small query language over papers. Pure.

    upvotes:>=20 diffusion OR flow -survey "world model" cat:cs.CV author:lecun @mine

Terms side by side are ANDed; `OR` between two terms joins them (it binds tighter than
the implicit AND, as in web search: `a b OR c` is `a AND (b OR c)`); `-term` negates;
parentheses group; `"quoted phrases"` match as written. Bare words and phrases are
case-insensitive substrings (so Chinese works without word splitting) of the title,
abstract and TL;DR. Fields:

    cat:X         primary or any category; `cat:cs` is every cs.* category
    author:X      a substring of an author's name
    title:X       a substring of the title
    upvotes:OPN   Hugging Face upvotes, OP one of > >= < <= = (`upvotes:20` is `=`)
    seen:yes|no   shown by an earlier digest
    tldr:yes|no   has a TL;DR or summary sections (what push writes as a note)
    in:library    already in the Zotero library
    @name         the named filter `name` (config `[filters]`)

A syntax error is a `QuerySyntaxError` naming the 1-based column.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zotsync.core.paper import Paper

FIELDS = ("cat", "author", "title", "upvotes", "seen", "tldr", "in")
_COMPARISONS = (">=", "<=", ">", "<", "=")


class QuerySyntaxError(ValueError):
    """A query that cannot be read; `column` is 1-based, into `text`."""

    def __init__(self, text: str, column: int, message: str, *, filter_name: str | None = None) -> None:
        self.text = text
        self.column = column
        self.message = message
        self.filter_name = filter_name
        where = f"filter @{filter_name}, column {column}" if filter_name else f"column {column}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Subject:
    """What a query is matched against: a paper and what is known about it."""

    paper: Paper
    text: str  # the casefolded text bare words search (title, abstract, TL;DR)
    seen: bool = False
    in_library: bool = False


def search_text(paper: Paper) -> str:
    """Title, abstract and TL;DR texts (summary and Hugging Face's `ai_summary`), casefolded."""
    parts: list[str | None] = [paper.title, paper.abstract, paper.ai_summary]
    if paper.summary is not None:
        parts.append(paper.summary.tldr)
        parts.extend(paper.summary.sections().values())
    return "\n".join(p for p in parts if p).casefold()


def has_tldr(paper: Paper) -> bool:
    return paper.summary is not None and paper.summary.filled > 0


class Table:
    """The papers a query runs over, with the columns its terms read computed once (and
    only when a term reads them): the TUI keeps one per list, so a keystroke costs a scan
    of plain strings, not a casefold of every paper."""

    def __init__(self, papers: Sequence[Paper], texts: Sequence[str] | None = None, *,
                 seen: Container[int] = frozenset(), in_library: Container[int] = frozenset()) -> None:
        self.papers = papers
        self.texts: Sequence[str] = texts if texts is not None else [search_text(p) for p in papers]
        self.seen = seen
        self.in_library = in_library
        self._titles: list[str] | None = None
        self._authors: list[str] | None = None
        self._categories: list[tuple[str, ...]] | None = None
        self._tldr: list[bool] | None = None

    @property
    def titles(self) -> list[str]:
        if self._titles is None:
            self._titles = [p.title.casefold() for p in self.papers]
        return self._titles

    @property
    def authors(self) -> list[str]:
        if self._authors is None:
            self._authors = ["\n".join(p.authors).casefold() for p in self.papers]
        return self._authors

    @property
    def categories(self) -> list[tuple[str, ...]]:
        if self._categories is None:
            self._categories = [tuple(c.casefold() for c in (p.primary_category, *p.categories) if c)
                                for p in self.papers]
        return self._categories

    @property
    def tldr(self) -> list[bool]:
        if self._tldr is None:
            self._tldr = [has_tldr(p) for p in self.papers]
        return self._tldr


class _Node:
    """A parsed term: `select` keeps the candidates (indexes into the table) it matches."""

    def select(self, table: Table, candidates: list[int]) -> list[int]:
        raise NotImplementedError


class _Always(_Node):
    def select(self, table: Table, candidates: list[int]) -> list[int]:
        return candidates


class _Row(_Node):
    def __init__(self, test: Callable[[Table, int], bool]) -> None:
        self.test = test

    def select(self, table: Table, candidates: list[int]) -> list[int]:
        test = self.test
        return [i for i in candidates if test(table, i)]


class _Word(_Node):
    def __init__(self, needle: str) -> None:
        self.needle = needle

    def select(self, table: Table, candidates: list[int]) -> list[int]:
        needle, texts = self.needle, table.texts
        return [i for i in candidates if needle in texts[i]]


class _And(_Node):
    def __init__(self, parts: Sequence[_Node]) -> None:
        self.parts = parts

    def select(self, table: Table, candidates: list[int]) -> list[int]:
        for part in self.parts:  # each term narrows what the next one scans
            if not candidates:
                break
            candidates = part.select(table, candidates)
        return candidates


class _Or(_Node):
    def __init__(self, parts: Sequence[_Node]) -> None:
        self.parts = parts

    def select(self, table: Table, candidates: list[int]) -> list[int]:
        hits: set[int] = set()
        rest = candidates
        for part in self.parts:  # a later term scans only what no earlier one matched
            hits.update(part.select(table, rest))
            rest = [i for i in rest if i not in hits]
        return [i for i in candidates if i in hits]


class _Not(_Node):
    def __init__(self, inner: _Node) -> None:
        self.inner = inner

    def select(self, table: Table, candidates: list[int]) -> list[int]:
        hits = set(self.inner.select(table, candidates))
        return [i for i in candidates if i not in hits]


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. `select(table, candidates)` keeps the matching indexes;
    `matches(paper)` asks about one paper.

    `plain` holds the casefolded words when the query is only bare words (no field,
    phrase, negation, OR or filter): callers may then use a faster substring scan.
    `needs` names the context the query reads: "seen", "library".
    """

    text: str
    node: _Node
    plain: tuple[str, ...] | None = None
    needs: frozenset[str] = field(default_factory=frozenset)

    def select(self, table: Table, candidates: Iterable[int] | None = None) -> list[int]:
        chosen = list(range(len(table.papers))) if candidates is None else list(candidates)
        return self.node.select(table, chosen)

    def __call__(self, subject: Subject) -> bool:
        table = Table([subject.paper], [subject.text], seen={0} if subject.seen else frozenset(),
                      in_library={0} if subject.in_library else frozenset())
        return bool(self.node.select(table, [0]))

    def matches(self, paper: Paper, *, seen: bool = False, in_library: bool = False) -> bool:
        return self(Subject(paper, search_text(paper), seen, in_library))


# -- tokens ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "phrase", "or", "not", "(", ")", "filter"
    value: str
    column: int  # 1-based
    field: str | None = None  # for "word"/"phrase": `field:` before the value
    field_column: int = 0


_SPECIAL = '()"'


def _tokens(text: str, filter_name: str | None) -> list[_Token]:
    def fail(column: int, message: str) -> QuerySyntaxError:
        return QuerySyntaxError(text, column, message, filter_name=filter_name)

    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        start = i
        if char in "()":
            tokens.append(_Token(char, char, i + 1))
            i += 1
            continue
        if char == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
            tokens.append(_Token("not", "-", i + 1))
            i += 1
            continue
        if char == "-":
            raise fail(i + 1, "a lone '-': write it against the term it negates, as in -survey")
        if char == "@":
            j = i + 1
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
                j += 1
            if j == i + 1:
                raise fail(i + 1, "'@' needs a filter name, as in @mine")
            tokens.append(_Token("filter", text[i + 1:j], i + 1))
            i = j
            continue
        field_name: str | None = None
        field_column = 0
        if char != '"':
            j = i
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL and text[j] != ":":
                j += 1
            if j < n and text[j] == ":" and j > i:
                name = text[i:j].casefold()
                if name not in FIELDS:
                    raise fail(i + 1, f"unknown field {text[i:j]!r}: the fields are "
                                      f"{', '.join(f + ':' for f in FIELDS)} (quote a phrase to search "
                                      f"for a colon)")
                field_name, field_column = name, i + 1
                i = j + 1
                if i >= n or text[i].isspace() or text[i] in "()":
                    raise fail(i + 1, f"{name}: needs a value, as in {_EXAMPLES[name]}")
        if i < n and text[i] == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise fail(i + 1, 'unclosed quote: end the phrase with "')
            value = text[i + 1:close]
            if not value.strip():
                raise fail(i + 1, "empty phrase")
            kind = "phrase"
            i = close + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
                j += 1
            if j < n and text[j] == '"':
                raise fail(j + 1, 'a quote inside a word: put a space before the phrase')
            value = text[i:j]
            kind = "word"
            i = j
        if field_name is None and kind == "word" and value == "OR":
            tokens.append(_Token("or", value, start + 1))
            continue
        tokens.append(_Token(kind, value, start + 1, field_name, field_column))
    return tokens


_EXAMPLES = {
    "cat": "cat:cs.CL", "author": "author:hinton", "title": "title:diffusion", "upvotes": "upvotes:>=20",
    "seen": "seen:no", "tldr": "tldr:yes", "in": "in:library",
}


# -- parsing --------------------------------------------------------------------------

class _Parser:
    def __init__(self, text: str, filters: Mapping[str, str], filter_name: str | None,
                 expanding: tuple[str, ...]) -> None:
        self.text = text
        self.filters = filters
        self.filter_name = filter_name
        self.expanding = expanding
        self.tokens = _tokens(text, filter_name)
        self.at = 0
        self.needs: set[str] = set()
        self.plain = all(t.kind == "word" and t.field is None for t in self.tokens)

    def fail(self, column: int, message: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.text, column, message, filter_name=self.filter_name)

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def parse(self) -> _Node:
        test = self.conjunction(top=True)
        token = self.peek()
        if token is not None:  # only a stray ")" stops a top-level conjunction
            raise self.fail(token.column, "')' without a matching '('")
        return test

    def conjunction(self, *, top: bool) -> _Node:
        parts: list[_Node] = []
        while (token := self.peek()) is not None and token.kind != ")":
            parts.append(self.disjunction())
        if not parts and not top:
            column = token.column if token is not None else len(self.text) + 1
            raise self.fail(column, "empty parentheses")
        if not parts:
            return _Always()
        if len(parts) == 1:
            return parts[0]
        return _And(parts)

    def disjunction(self) -> _Node:
        token = self.peek()
        if token is not None and token.kind == "or":
            raise self.fail(token.column, "OR needs a term on each side, as in diffusion OR flow")
        parts = [self.unary()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.at += 1
            following = self.peek()
            if following is None or following.kind in ("or", ")"):
                raise self.fail(token.column, "OR needs a term on each side, as in diffusion OR flow")
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        return _Or(parts)

    def unary(self) -> _Node:
        token = self.peek()
        assert token is not None
        if token.kind == "not":
            self.at += 1
            following = self.peek()
            if following is None or following.kind in ("or", ")", "not"):
                raise self.fail(token.column, "'-' needs a term right after it, as in -survey")
            return _Not(self.unary())
        return self.atom()

    def atom(self) -> _Node:
        token = self.peek()
        assert token is not None
        self.at += 1
        if token.kind == "(":
            inner = self.conjunction(top=False)
            close = self.peek()
            if close is None:
                raise self.fail(token.column, "'(' without a matching ')'")
            self.at += 1
            return inner
        if token.kind == "filter":
            return self.named(token)
        if token.field is not None:
            return self.field_test(token)
        return _Word(token.value.casefold())

    def named(self, token: _Token) -> _Node:
        name = token.value
        if name not in self.filters:
            known = ", ".join(f"@{k}" for k in sorted(self.filters)) or "none are defined"
            raise self.fail(token.column, f"no filter named @{name} (define it under [filters] in "
                                          f"the config; known: {known})")
        if name in self.expanding:
            raise self.fail(token.column, f"filter @{name} uses itself")
        inner = _Parser(self.filters[name], self.filters, name, (*self.expanding, name))
        test = inner.parse()
        self.needs |= inner.needs
        return test

    def field_test(self, token: _Token) -> _Node:
        name, value = token.field, token.value
        low = value.casefold()
        if name == "cat":
            prefix = low + "."
            return _Row(lambda t, i: any(c == low or c.startswith(prefix) for c in t.categories[i]))
        if name == "author":
            return _Row(lambda t, i: low in t.authors[i])
        if name == "title":
            return _Row(lambda t, i: low in t.titles[i])
        if name == "upvotes":
            return self.comparison(token)
        if name in ("seen", "tldr"):
            if low not in ("yes", "no"):
                raise self.fail(token.column + len(name) + 1,
                                f"{name}: takes yes or no, not {value!r}")
            want = low == "yes"
            if name == "seen":
                self.needs.add("seen")
                return _Row(lambda t, i: (i in t.seen) is want)
            return _Row(lambda t, i: t.tldr[i] is want)
        # in:
        if low != "library":
            raise self.fail(token.column + 3, f"in: takes library (in:library), not {value!r}")
        self.needs.add("library")
        return _Row(lambda t, i: i in t.in_library)

    def comparison(self, token: _Token) -> _Node:
        value = token.value
        column = token.column + len("upvotes:")
        op = next((o for o in _COMPARISONS if value.startswith(o)), "=")
        number = value[len(op):] if value.startswith(op) else value
        if not number.isascii() or not number.isdigit():
            raise self.fail(column + (len(op) if value.startswith(op) else 0),
                            f"upvotes: needs a whole number, as in upvotes:>=20 (got {value!r})")
        limit = int(number)
        compare: Callable[[int], bool] = {
            ">=": lambda v: v >= limit, "<=": lambda v: v <= limit, ">": lambda v: v > limit,
            "<": lambda v: v < limit, "=": lambda v: v == limit,
        }[op]
        # a paper without upvotes (not from Hugging Face) matches no comparison
        def row(t: Table, i: int) -> bool:
            upvotes = t.papers[i].upvotes
            return upvotes is not None and compare(upvotes)
        return _Row(row)


def parse_query(text: str, filters: Mapping[str, str] | None = None) -> Query:
    """Parse `text`; `filters` are the named filters `@name` refers to.

    Raises QuerySyntaxError (with the column) for a query that cannot be read.
    """
    parser = _Parser(text, filters or {}, None, ())
    node = parser.parse()
    plain = tuple(t.value.casefold() for t in parser.tokens) if parser.plain else None
    return Query(text, node, plain, frozenset(parser.needs))


def matching_indexes(papers: Sequence[Paper], query: Query, *, seen: Callable[[int], bool] | None = None,
                     in_library: Callable[[int], bool] | None = None) -> list[int]:
    """The indexes of the papers `query` picks, in order; `seen(i)`/`in_library(i)` answer
    for the i-th paper (unknown = False)."""
    table = Table(papers, seen={i for i in range(len(papers)) if seen and seen(i)},
                  in_library={i for i in range(len(papers)) if in_library and in_library(i)})
    return query.select(table)


def filter_papers(papers: Sequence[Paper], query: Query, *, seen: Callable[[int], bool] | None = None,
                  in_library: Callable[[int], bool] | None = None) -> list[Paper]:
    """The papers `query` picks, in their order (see `matching_indexes`)."""
    return [papers[i] for i in matching_indexes(papers, query, seen=seen, in_library=in_library)]
