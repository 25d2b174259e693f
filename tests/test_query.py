"""The `--where` query language (zotsync.core.query): examples and properties."""

from __future__ import annotations

import operator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zotsync.core.paper import Paper, Summary
from zotsync.core.query import QuerySyntaxError, Subject, filter_papers, parse_query, search_text

PAPER = Paper(
    "A Survey of Diffusion World Models",
    abstract="We study video generation.",
    authors=("Yann LeCun", "Kaiming He"),
    categories=("cs.CV", "cs.LG"),
    primary_category="cs.CV",
    upvotes=25,
    summary=Summary(tldr="一个关于扩散世界模型的综述。"),
)
BARE = Paper("Flow Matching for Speech", abstract="Audio.", categories=("eess.AS",),
             primary_category="eess.AS")


def matches(query: str, paper: Paper = PAPER, **context: bool) -> bool:
    return parse_query(query, {"mine": "cat:cs.CV upvotes:>=10", "loop": "@loop"}).matches(paper, **context)


@pytest.mark.parametrize(("query", "expected"), [
    ("diffusion", True),
    ("DIFFUSION world", True),
    ("diffusion speech", False),
    ("-survey", False),
    ("-speech", True),
    ("speech OR video", True),  # "video" is in the abstract
    ("speech OR audio", False),
    ('"world models"', True),
    ('"models world"', False),
    ("扩散世界", True),  # a CJK substring of the TL;DR, no word splitting
    ("综述 -扩散", False),
    ("cat:cs.cv", True),  # primary category, any case
    ("cat:cs.LG", True),  # a cross-list
    ("cat:cs", True),  # the archive
    ("cat:c", False),  # not a prefix of a name
    ("cat:eess.AS", False),
    ("author:lecun", True),
    ('author:"kaiming he"', True),
    ("author:hinton", False),
    ("title:survey", True),
    ("title:video", False),  # abstract only
    ("lecun", False),  # bare words search title, abstract and TL;DR, not authors
    ("upvotes:>=25", True),
    ("upvotes:>25", False),
    ("upvotes:<=25 upvotes:>=25", True),
    ("upvotes:25", True),
    ("upvotes:=24", False),
    ("tldr:yes", True),
    ("tldr:no", False),
    ("@mine", True),
    ("@mine -diffusion", False),
    ("(speech OR survey) -(audio)", True),
    ("", True),
])
def test_examples(query: str, expected: bool) -> None:
    assert matches(query) is expected


def test_a_paper_without_upvotes_matches_no_comparison() -> None:
    assert not matches("upvotes:>=0", BARE)
    assert not matches("upvotes:<100", BARE)
    assert matches("-upvotes:>=0", BARE)


def test_seen_and_library_come_from_the_context() -> None:
    assert matches("seen:yes in:library", seen=True, in_library=True)
    assert not matches("seen:yes", seen=False)
    assert matches("seen:no -in:library")
    query = parse_query("seen:no in:library @mine", {"mine": "seen:no"})
    assert query.needs == {"seen", "library"}
    assert parse_query("diffusion").needs == frozenset()


def test_plain_queries_are_flagged_for_the_fast_path() -> None:
    assert parse_query("Diffusion 世界").plain == ("diffusion", "世界")
    for query in ("a -b", "a OR b", '"a b"', "cat:cs", "@mine", "(a)"):
        assert parse_query(query, {"mine": "x"}).plain is None


@pytest.mark.parametrize(("query", "column", "words"), [
    ("upvotes:>=x -survey", 11, "whole number"),
    ("diffusion autor:lecun", 11, "unknown field 'autor'"),
    ("a OR", 3, "OR needs a term"),
    ("OR a", 1, "OR needs a term"),
    ("a (b c", 3, "without a matching ')'"),
    ("a b)", 4, "without a matching '('"),
    ('x "open phrase', 3, "unclosed quote"),
    ("a - b", 3, "lone '-'"),
    ("seen:maybe", 6, "yes or no"),
    ("in:zotero", 4, "in:library"),
    ("cat:", 5, "needs a value"),
    ("a @nope", 3, "no filter named @nope"),
    ("()", 2, "empty parentheses"),
])
def test_syntax_errors_point_at_the_column(query: str, column: int, words: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query, {"mine": "x"})
    assert caught.value.column == column
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"column {column}: ")


def test_errors_inside_a_named_filter_name_it() -> None:
    with pytest.raises(QuerySyntaxError, match=r"filter @bad, column 14: .*whole number"):
        parse_query("x @bad", {"bad": "a b upvotes:>>3"})
    with pytest.raises(QuerySyntaxError, match="uses itself"):
        parse_query("@loop", {"loop": "a @loop"})


def test_filter_papers_keeps_order_and_reads_the_context() -> None:
    papers = [PAPER, BARE, PAPER.replace(title="Another survey", upvotes=3)]
    query = parse_query("survey -seen:yes")
    assert filter_papers(papers, query, seen=lambda i: i == 0) == [papers[2]]


# -- properties ------------------------------------------------------------------------

WORD = st.text(st.characters(codec="utf-8", categories=("Ll", "Lu", "Lo", "Nd")), min_size=1, max_size=6)
WORDS = st.lists(WORD.filter(lambda w: w != "OR"), min_size=1, max_size=4)
TEXT = st.text(st.characters(codec="utf-8", categories=("Ll", "Lu", "Lo", "Nd", "Zs")), max_size=40)


def subject(text: str, upvotes: int | None = None) -> Subject:
    paper = Paper(text or "x", upvotes=upvotes)
    return Subject(paper, search_text(paper))


@given(WORDS, TEXT)
def test_words_are_anded_case_insensitive_substrings(words: list[str], text: str) -> None:
    query = parse_query(" ".join(words))
    hay = (text or "x").casefold()
    assert query(subject(text)) is all(w.casefold() in hay for w in words)


@given(WORDS, TEXT)
def test_negation_flips_any_query(words: list[str], text: str) -> None:
    inner = " ".join(words)
    assert parse_query(f"-({inner})")(subject(text)) is not parse_query(inner)(subject(text))


@given(WORD, WORD, TEXT)
def test_or_is_either(left: str, right: str, text: str) -> None:
    query = parse_query(f"({left}) OR ({right})")
    s = subject(text)
    assert query(s) is (parse_query(left)(s) or parse_query(right)(s))


@given(st.text(st.characters(codec="utf-8", exclude_characters='"', categories=("L", "N", "P", "Zs", "S")),
               min_size=1, max_size=12).filter(str.strip), TEXT)
def test_a_quoted_phrase_is_one_substring(phrase: str, text: str) -> None:
    query = parse_query(f'"{phrase}"')
    assert query(subject(text)) is (phrase.casefold() in (text or "x").casefold())


@given(st.sampled_from([">=", "<=", ">", "<", "="]), st.integers(0, 10_000), st.integers(0, 10_000))
def test_comparisons_compare(op: str, limit: int, upvotes: int) -> None:
    python = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "=": operator.eq}[op]
    assert parse_query(f"upvotes:{op}{limit}")(subject("t", upvotes)) is python(upvotes, limit)


@given(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=2, max_size=30),
       st.data())
def test_any_cjk_substring_matches(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    assert parse_query(text[start:end])(subject(text))


@given(WORDS, st.integers(0, 3))
def test_an_unknown_field_is_reported_where_it_starts(words: list[str], at: int) -> None:
    at = min(at, len(words))
    before = " ".join(words[:at])
    query = " ".join([*words[:at], "nosuchfield:x", *words[at:]])
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.column == (len(before) + 2 if before else 1)
