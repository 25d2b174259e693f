"""`Paper.to_dict` and `Paper.from_dict` are each other's inverse (the --json documents
and the lookup cache both go through them)."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from zotsync.core import json_text
from zotsync.core.paper import Paper, Publication, Source, Summary

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
cjk = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=8)
maybe_text = st.none() | texts | cjk
words = st.tuples() | st.lists(texts | cjk, max_size=4).map(tuple)
numbers = st.none() | st.integers(min_value=0, max_value=10**6)

summaries = st.builds(Summary, tldr=maybe_text, motivation=maybe_text, method=maybe_text,
                      result=maybe_text, conclusion=maybe_text, language=maybe_text,
                      origin=st.sampled_from(["digest", "generated"]), model=maybe_text)
publications = st.builds(Publication, kind=st.sampled_from(["journal-article", "proceedings-article"]),
                         container=texts | cjk, container_short=maybe_text, volume=maybe_text,
                         issue=maybe_text, pages=maybe_text, issn=words, isbn=words,
                         publisher=maybe_text, date=st.none() | st.sampled_from(["2019", "2006-12",
                                                                                 "2012-01-11"]))
papers = st.builds(
    Paper, title=texts | cjk, arxiv_id=st.none() | st.sampled_from(["2506.02013", "math/0611800"]),
    version=numbers, doi=maybe_text, authors=words, abstract=maybe_text, categories=words,
    primary_category=maybe_text, published=st.none() | st.dates(), updated=st.none() | st.dates(),
    url=maybe_text, pdf_url=maybe_text, comment=maybe_text, journal_ref=maybe_text,
    publication=st.none() | publications, summary=st.none() | summaries, ai_summary=maybe_text,
    upvotes=numbers, author_count=numbers,
    sources=st.lists(st.builds(Source, file=texts | cjk, line=st.integers(1, 10**6)), max_size=3).map(tuple),
)


@settings(max_examples=300)
@given(papers)
def test_from_dict_inverts_to_dict(paper: Paper) -> None:
    assert Paper.from_dict(paper.to_dict()) == paper


@settings(max_examples=100)
@given(papers)
def test_from_dict_reads_the_json_text_back(paper: Paper) -> None:
    """Through the text `--json` writes and the cache stores."""
    text = "".join(json_text.chunks([paper.to_dict()]))
    [document] = json.loads(text)
    assert Paper.from_dict(document) == paper


def test_cjk_none_fields_and_tuples_survive() -> None:
    paper = Paper(title="大规模语言模型的推理", authors=("张伟", "Ada Lovelace"), categories=("cs.CL",),
                  published=date(2025, 6, 2), summary=Summary(tldr="简短", language="zh"),
                  publication=Publication("journal-article", "期刊", issn=("1234-5678",)),
                  sources=(Source("digest.md", 3),))
    again = Paper.from_dict(json.loads(json.dumps(paper.to_dict(), ensure_ascii=False)))
    assert again == paper
    assert again.authors == ("张伟", "Ada Lovelace") and isinstance(again.categories, tuple)
    assert again.publication is not None and again.publication.issn == ("1234-5678",)
    assert (again.doi, again.upvotes, again.updated) == (None, None, None)


def test_a_count_stated_beside_names_gives_way_to_the_names() -> None:
    """The one field `to_dict` derives (`author_count` is `n_authors`): a Paper holds a
    stated count only while it has no names, so the round trip is exact."""
    assert Paper(title="T", author_count=6).to_dict()["author_count"] == 6
    named = Paper(title="T", authors=("A B", "C D"), author_count=6)
    assert named.author_count is None and named.n_authors == 2
    assert Paper.from_dict(named.to_dict()) == named
