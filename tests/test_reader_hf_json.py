"""Hugging Face JSON: /api/daily_papers lists, /api/papers/<id> objects, broken JSON."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest

from zotsync.core.paper import Paper, Source
from zotsync.errors import InputError
from zotsync.readers.base import ReadResult
from zotsync.readers.hf_json import read

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 22)

AGENTS = Paper(
    title="Agents That Read the Manual: Tool Documentation as Context",
    arxiv_id="2606.04410",
    authors=("Hana Sato", "Ravi Kumar", "Olga Petrova"),
    abstract="Tool-using agents often ignore documentation. We feed manuals as context and measure a "
             "12-point gain.",
    published=date(2026, 6, 9),
    url="https://arxiv.org/abs/2606.04410",
    pdf_url="https://arxiv.org/pdf/2606.04410",
    ai_summary="Providing tool documentation as context improves agent success rates on API tasks.",
    upvotes=17,
    sources=(Source("hf_daily_papers.json", 2),),
)


def read_data(name: str) -> ReadResult:
    return read((DATA / name).read_text(encoding="utf-8"), name, as_of=TODAY)


def test_daily_papers_list_every_field() -> None:
    result = read_data("hf_daily_papers.json")
    assert result.warnings == []
    agents, speech, table = result.entries
    # paper.title has a newline and indentation; paper.upvotes, not a top-level count
    assert agents == AGENTS
    assert speech == Paper(
        title="Scaling Laws for Speech Tokenizers",
        arxiv_id="2606.05123",
        authors=("Lena Vogel",),
        abstract="We fit scaling laws for speech tokenizers across 40 runs.",
        published=date(2026, 6, 10),  # paper.publishedAt, not the row's
        url="https://arxiv.org/abs/2606.05123",
        pdf_url="https://arxiv.org/pdf/2606.05123",
        upvotes=0,  # zero is a count, not missing
        sources=(Source("hf_daily_papers.json", 34),),
    )
    # a bare paper object as a row (trimmed fixtures): no upvotes, ai_summary kept
    assert table == Paper(
        title="A Benchmark for Multilingual Table QA",
        arxiv_id="2605.30007",
        authors=("Tomás Ruiz", "Aiko Mori"),
        abstract="A benchmark of 12k table questions in 9 languages.",
        published=date(2026, 5, 29),
        url="https://arxiv.org/abs/2605.30007",
        pdf_url="https://arxiv.org/pdf/2605.30007",
        ai_summary="New multilingual table question answering benchmark.",
        sources=(Source("hf_daily_papers.json", 49),),
    )


def test_single_paper_object() -> None:
    (paper,) = read_data("hf_paper.json").entries
    assert paper == AGENTS.replace(authors=("Hana Sato", "Ravi Kumar"), upvotes=18,
                                   sources=(Source("hf_paper.json", 1),))


def test_single_row_object_and_minified_list() -> None:
    rows = json.loads((DATA / "hf_daily_papers.json").read_text(encoding="utf-8"))
    (one,) = read(json.dumps(rows[0]), "row.json", as_of=TODAY).entries
    assert one == AGENTS.replace(sources=(Source("row.json", 1),))
    minified = read(json.dumps(rows, separators=(",", ":")), "min.json", as_of=TODAY).entries
    assert [p.arxiv_id for p in minified] == ["2606.04410", "2606.05123", "2605.30007"]
    assert {p.sources[0].line for p in minified} == {1}


def test_row_falls_back_to_top_level_title_and_summary() -> None:
    text = json.dumps([{"paper": {"id": "2606.00001", "authors": []}, "title": "Top Title",
                        "summary": "Top  summary.", "publishedAt": "2026-06-01T00:00:00.000Z"}])
    (paper,) = read(text, "t.json", as_of=TODAY).entries
    assert (paper.title, paper.abstract, paper.published) == ("Top Title", "Top summary.", date(2026, 6, 1))
    assert paper.authors == ()
    assert paper.upvotes is None and paper.ai_summary is None


def test_empty_list_is_a_day_without_papers() -> None:
    result = read("[ ]\n", "empty.json", as_of=TODAY)
    assert result.entries == [] and result.warnings == []


def test_unusable_rows_are_warnings() -> None:
    text = json.dumps([
        {"paper": {"id": "not an id", "title": "X"}},
        {"paper": {"id": "2606.00002", "title": " \n "}},
        "a string",
        {"paper": {"id": "2606.00003", "title": "Kept", "upvotes": True}},
    ], indent=1)
    result = read(text, "w.json", as_of=TODAY)
    assert [(w.line, w.message) for w in result.warnings] == [
        (2, "no arXiv ID in row (paper.id: 'not an id'); skipped"),
        (8, "2606.00002 has no title; skipped"),
        (14, "row is a JSON str, not a paper; skipped"),
    ]
    (kept,) = result.entries
    assert kept.title == "Kept"
    assert kept.upvotes is None  # a boolean is not a count
    assert kept.sources == (Source("w.json", 15),)


def test_truncated_json_names_the_line() -> None:
    text = (DATA / "hf_daily_papers.json").read_text(encoding="utf-8")
    cut = text[: text.index('"title": "Scaling Laws')]
    with pytest.raises(InputError) as caught:
        read(cut, "hf_daily_papers.json", as_of=TODAY)
    message = str(caught.value)
    assert message.startswith("hf_daily_papers.json:")
    assert "is not valid JSON" in message
    assert "download the API answer again" in message
    assert caught.value.line == cut.count("\n") + 1
    assert "\n" not in message


def test_truncated_after_a_row_names_the_end() -> None:
    text = '[\n  {"paper": {"id": "2606.00001", "title": "T"}},\n'
    with pytest.raises(InputError, match=r"^t.json:3: is not valid JSON: Expecting value"):
        read(text, "t.json", as_of=TODAY)
    with pytest.raises(InputError, match=r"^t.json:2: is not valid JSON: ends inside the list"):
        read(text.rstrip(",\n"), "t.json", as_of=TODAY)


def test_invalid_json_in_the_middle_names_its_line() -> None:
    text = '[\n{"paper": {"id": "2606.00001", "title": "T"}}\n{"paper": {}}\n]'
    with pytest.raises(InputError, match=r"^t.json:3: is not valid JSON: expected ',' or '\]' after a row"):
        read(text, "t.json", as_of=TODAY)


def test_trailing_data_is_an_error() -> None:
    two_objects = '{"id": "2606.00001", "title": "T"}\n{"id": "2606.00002", "title": "U"}\n'
    with pytest.raises(InputError, match=r"^t.json:2: is not valid JSON: extra data after the document"):
        read(two_objects, "t.json", as_of=TODAY)


def test_not_json_at_all() -> None:
    with pytest.raises(InputError, match=r"^page.txt:1: is not JSON \(expected '\[' or '\{'\)"):
        read((DATA / "hf-daily-papers.txt").read_text(encoding="utf-8"), "page.txt", as_of=TODAY)
    with pytest.raises(InputError, match=r"^e.json: is empty"):
        read("  \n", "e.json", as_of=TODAY)


def test_an_object_that_is_not_a_paper_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^o.json:1: is not a Hugging Face paper"):
        read('{"models": []}', "o.json", as_of=TODAY)


def test_api_error_answer_is_an_error_with_its_message() -> None:
    with pytest.raises(InputError, match=r"^e.json:1: Hugging Face API error: Paper not found"):
        read('{"error": "Paper not found"}', "e.json", as_of=TODAY)


def test_ten_thousand_rows_parse_quickly() -> None:
    row = json.loads((DATA / "hf_daily_papers.json").read_text(encoding="utf-8"))[0]
    rows = [dict(row, paper=dict(row["paper"], id=f"2606.{n:05d}")) for n in range(10_000)]
    text = json.dumps(rows, indent=2)
    start = time.thread_time()
    result = read(text, "big.json", as_of=TODAY)
    assert time.thread_time() - start < 2.0  # CPU seconds; about 0.4 when written
    assert len(result.entries) == 10_000
    assert result.entries[1].sources[0].line == text.count("\n", 0, text.index('"2606.00001"')) - 1


@pytest.mark.parametrize(("text", "line"), [
    ("[" * 100_000 + "]" * 100_000, 1),
    ('[\n{"paper": {"id": "2606.04410"}},\n{"paper": ' + "[" * 100_000 + "]" * 100_000 + "}]", 3),
    ('\n{"paper": ' + "[" * 100_000 + "]" * 100_000 + "}", 2),
], ids=["list", "row-in-list", "object"])
def test_json_nested_too_deeply_is_an_error(text: str, line: int) -> None:
    # Before: RecursionError out of the decoder, an "internal error" (exit 70).
    with pytest.raises(InputError) as caught:
        read(text, "deep.json", as_of=TODAY)
    assert str(caught.value).startswith(f"deep.json:{line}: is JSON nested too deeply to be a digest (")
