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

from collections.abc import Callable, Mapping, Sequence
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


Predicate = Callable[[Subject], bool]


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: `test(subject)` says whether a paper matches.

    `plain` holds the casefolded words when the query is only bare words (no field,
    phrase, negation, OR or filter): callers may then use a faster substring scan.
    `needs` names the context the query reads: "seen", "library".
    """

    text: str
    test: Predicate
    plain: tuple[str, ...] | None = None
    needs: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, subject: Subject) -> bool:
        return self.test(subject)

    def matches(self, paper: Paper, *, seen: bool = False, in_library: bool = False) -> bool:
        return self.test(Subject(paper, search_text(paper), seen, in_library))


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

    def parse(self) -> Predicate:
        test = self.conjunction(top=True)
        token = self.peek()
        if token is not None:  # only a stray ")" stops a top-level conjunction
            raise self.fail(token.column, "')' without a matching '('")
        return test

    def conjunction(self, *, top: bool) -> Predicate:
        parts: list[Predicate] = []
        while (token := self.peek()) is not None and token.kind != ")":
            parts.append(self.disjunction())
        if not parts and not top:
            column = token.column if token is not None else len(self.text) + 1
            raise self.fail(column, "empty parentheses")
        if not parts:
            return _always
        if len(parts) == 1:
            return parts[0]
        return _all_of(tuple(parts))

    def disjunction(self) -> Predicate:
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
        return _any_of(tuple(parts))

    def unary(self) -> Predicate:
        token = self.peek()
        assert token is not None
        if token.kind == "not":
            self.at += 1
            following = self.peek()
            if following is None or following.kind in ("or", ")", "not"):
                raise self.fail(token.column, "'-' needs a term right after it, as in -survey")
            inner = self.unary()
            return lambda s: not inner(s)
        return self.atom()

    def atom(self) -> Predicate:
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
        needle = token.value.casefold()
        return lambda s: needle in s.text

    def named(self, token: _Token) -> Predicate:
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

    def field_test(self, token: _Token) -> Predicate:
        name, value = token.field, token.value
        low = value.casefold()
        if name == "cat":
            prefix = low + "."

            def in_category(s: Subject) -> bool:
                paper = s.paper
                names = [paper.primary_category, *paper.categories]
                return any(c is not None and (c.casefold() == low or c.casefold().startswith(prefix))
                           for c in names)
            return in_category
        if name == "author":
            return lambda s: any(low in a.casefold() for a in s.paper.authors)
        if name == "title":
            return lambda s: low in s.paper.title.casefold()
        if name == "upvotes":
            return self.comparison(token)
        if name in ("seen", "tldr"):
            if low not in ("yes", "no"):
                raise self.fail(token.column + len(name) + 1,
                                f"{name}: takes yes or no, not {value!r}")
            want = low == "yes"
            if name == "seen":
                self.needs.add("seen")
                return lambda s: s.seen is want
            return lambda s: has_tldr(s.paper) is want
        # in:
        if low != "library":
            raise self.fail(token.column + 3, f"in: takes library (in:library), not {value!r}")
        self.needs.add("library")
        return lambda s: s.in_library

    def comparison(self, token: _Token) -> Predicate:
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
        return lambda s: s.paper.upvotes is not None and compare(s.paper.upvotes)


def _always(subject: Subject) -> bool:
    return True


def _all_of(parts: tuple[Predicate, ...]) -> Predicate:
    return lambda s: all(p(s) for p in parts)


def _any_of(parts: tuple[Predicate, ...]) -> Predicate:
    return lambda s: any(p(s) for p in parts)


def parse_query(text: str, filters: Mapping[str, str] | None = None) -> Query:
    """Parse `text`; `filters` are the named filters `@name` refers to.

    Raises QuerySyntaxError (with the column) for a query that cannot be read.
    """
    parser = _Parser(text, filters or {}, None, ())
    test = parser.parse()
    plain = tuple(t.value.casefold() for t in parser.tokens) if parser.plain else None
    return Query(text, test, plain, frozenset(parser.needs))


def matching_indexes(papers: Sequence[Paper], query: Query, *, seen: Callable[[int], bool] | None = None,
                     in_library: Callable[[int], bool] | None = None) -> list[int]:
    """The indexes of the papers `query` picks, in order; `seen(i)`/`in_library(i)` answer
    for the i-th paper (unknown = False)."""
    test = query.test
    return [index for index, paper in enumerate(papers)
            if test(Subject(paper, search_text(paper), bool(seen and seen(index)),
                            bool(in_library and in_library(index))))]


def filter_papers(papers: Sequence[Paper], query: Query, *, seen: Callable[[int], bool] | None = None,
                  in_library: Callable[[int], bool] | None = None) -> list[Paper]:
    """The papers `query` picks, in their order (see `matching_indexes`)."""
    return [papers[i] for i in matching_indexes(papers, query, seen=seen, in_library=in_library)]
