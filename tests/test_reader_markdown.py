"""daily-arXiv-ai-enhanced Markdown: the sample, the older template, edge cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zotsync.errors import InputError
from zotsync.readers.base import collapse
from zotsync.readers.markdown import _HEADING, _TEMPLATE, _authors, _fields, _fields_by_label, read

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 22)


def read_file(name: str):  # type: ignore[no-untyped-def]
    return read((DATA / name).read_text(encoding="utf-8"), name, as_of=TODAY)


def test_sample_has_16_entries_for_8_ids() -> None:
    result = read_file("arxiv-daily-digest.md")
    assert len(result.entries) == 16
    assert len({e.arxiv_id for e in result.entries}) == 8
    assert result.warnings == []


def test_sample_entry_fields() -> None:
    first = read_file("arxiv-daily-digest.md").entries[0]
    assert first.arxiv_id == "2506.02013"
    assert first.version is None
    assert first.title == "Non-invasive two-step strategy BCI: brain-muscle-hand interface"
    assert first.authors[:2] == ("Sun Ye", "Zuo Cuiming")
    assert len(first.authors) == 10
    assert first.primary_category == "q-bio.NC"
    assert first.categories == ("q-bio.NC",)
    assert first.abstract is not None
    assert first.abstract.startswith("Brain-computer interface enables direct interaction")
    assert "\n" not in first.abstract and "  " not in first.abstract
    assert first.abstract.endswith(".")  # the whole wrapped abstract, to its last line
    summary = first.summary
    assert summary is not None and summary.language == "zh"
    assert summary.tldr is not None and summary.tldr.startswith("本文提出了一种")
    assert all(summary.sections().values())
    assert first.sources[0].line == 14


def test_every_sample_entry_has_a_full_chinese_summary() -> None:
    for paper in read_file("arxiv-daily-digest.md").entries:
        assert paper.summary is not None, paper.arxiv_id
        assert paper.summary.filled == 5
        assert paper.summary.language == "zh"
        assert paper.authors and paper.abstract and paper.primary_category


def test_section_heading_category_joins_categories() -> None:
    entries = read_file("arxiv-daily-digest.md").entries
    cross = [e for e in entries if e.primary_category != e.categories[-1]]
    for paper in cross:
        assert paper.categories[0] == paper.primary_category


def test_older_template() -> None:
    result = read_file("digest_old_template.md")
    bert, attention = result.entries
    assert bert.arxiv_id == "1810.04805"
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    assert bert.summary is not None
    assert bert.summary.tldr == "BERT 通过双向 Transformer 预训练语言表示。"
    assert bert.summary.motivation == "单向语言模型限制了表示能力。"
    assert bert.abstract == ("We introduce a new language representation model called BERT. Unlike recent "
                             "language representation models, BERT is designed to pre-train deep "
                             "bidirectional representations.")
    assert attention.arxiv_id == "1706.03762"
    assert attention.version == 7
    assert attention.summary is None  # every AI text is a placeholder


def test_partial_placeholders_keep_the_real_parts() -> None:
    first, second = read_file("digest_edge_cases.md").entries
    assert first.title == "Partly Summarised [Re]production: a Study"
    assert first.authors == ("Ada Lovelace", "OpenAI")
    assert first.primary_category == "cs.AI"
    assert first.categories == ("cs.AI", "cs.LG")
    assert first.summary is not None
    assert first.summary.tldr is None  # the compliance refusal is a placeholder
    assert first.summary.method == "方法是真实的。"
    assert first.summary.motivation is None
    assert first.abstract == "An abstract with <b>markup</b> & ampersands."
    assert second.summary is not None and second.summary.language == "en"


def test_link_without_arxiv_id_is_kept_with_a_warning() -> None:
    result = read_file("digest_edge_cases.md")
    second = result.entries[1]
    assert second.arxiv_id is None
    assert second.url == "https://example.org/paper/42"
    messages = [str(w) for w in result.warnings]
    assert any("digest_edge_cases.md:34" in m and "no arXiv ID" in m for m in messages)


def test_entry_without_title_is_skipped_with_its_line() -> None:
    result = read_file("digest_edge_cases.md")
    assert len(result.entries) == 2
    assert any(w.line == 57 and "no title" in w.message for w in result.warnings)


def test_no_entries_is_an_error_naming_the_file() -> None:
    with pytest.raises(InputError, match=r"^notes\.md: no digest entries found"):
        read("# Just notes\n\nNothing here.\n", "notes.md", as_of=TODAY)


def test_crlf_line_endings() -> None:
    text = (DATA / "digest_old_template.md").read_text(encoding="utf-8").replace("\n", "\r\n")
    result = read(text, "crlf.md", as_of=TODAY)
    assert [e.arxiv_id for e in result.entries] == ["1810.04805", "1706.03762"]
    assert result.entries[0].summary is not None


# The template fast path reads what the label-by-label reading reads, whatever the texts
# (newlines, stray labels, a `</details>` inside, a missing blank line...).
_piece = st.text(alphabet=st.sampled_from("ab *<>/:\t\r\n"), max_size=12) | st.sampled_from(
    ["\nTLDR: x", "\nTask: t", "\n</details>", "\n  </details>", "\nMethod: m", "\n\n", "\r",
     "\nAbstract: again", "*", "\n*A, B*"])
_texts = st.lists(_piece, max_size=4).map("".join)
_line = st.text(alphabet=st.sampled_from("ab *<>/:\t"), max_size=12)  # most fields: one line
_field = st.one_of(_line, _line, _line, _texts)


@settings(max_examples=400)  # about 1 in 5 entries fits the template: enough of them do
@given(names=_field, category=_field, tldr=_field, motivation=_field, method=_field, result=_field,
       conclusion=_field, abstract=_texts, after=_texts)
@example(names="A", category="c", tldr="t", motivation="", method="", result="", conclusion="",
         abstract="ab\nTLDR: x", after="")
@example(names="A", category="c", tldr="t", motivation="", method="", result="", conclusion="",
         abstract="", after="\nTask: y")
def test_the_template_fast_path_reads_as_the_labels_do(names: str, category: str, tldr: str,
                                                      motivation: str, method: str, result: str,
                                                      conclusion: str, abstract: str, after: str) -> None:
    entry = (f")\n*{names}*\n\nMain category: {category}\n\nTL;DR: {tldr}\n\n\n<details>\n"
             f"  <summary>Details</summary>\nMotivation: {motivation}\n\nMethod: {method}\n\n"
             f"Result: {result}\n\nConclusion: {conclusion}\n\nAbstract: {abstract}\n</details>{after}")
    assert _fields(entry, 1, len(entry)) == _fields_by_label(entry, 1, len(entry))


def test_the_sample_entries_take_the_template_fast_path() -> None:
    text = (DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8")
    headings = [m for m in _HEADING.finditer(text) if m["cat"] is None]
    fast = [h for h in headings if _TEMPLATE.match(text, h.end()) is not None]
    assert len(fast) == len(headings) == 16


@given(st.lists(st.text(alphabet=st.sampled_from("ab \t\n\u00a0\u2028,*"), max_size=8), max_size=5))
def test_the_authors_fast_path_collapses_each_name(names: list[str]) -> None:
    assert _authors(names) == tuple(a for a in (collapse(n) for n in names) if a)
