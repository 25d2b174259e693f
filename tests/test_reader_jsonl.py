"""daily-arXiv-ai-enhanced JSONL: raw rows, AI-enhanced rows, placeholders, bad lines."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest

from zotsync.core.paper import Paper, Source, Summary
from zotsync.errors import InputError
from zotsync.readers.base import ReadResult
from zotsync.readers.jsonl import read

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 22)

SPARSE = Paper(
    title="Sparse Attention for Long-Context Retrieval",
    arxiv_id="2606.01234",
    authors=("Mei Lin", "Jonas Berg"),
    abstract=("Long-context retrieval is costly. We propose sparse attention that keeps only the relevant "
              "blocks, cutting memory by 40%."),
    categories=("cs.CL", "cs.AI"),
    primary_category="cs.CL",
    url="https://arxiv.org/abs/2606.01234",
    pdf_url="https://arxiv.org/pdf/2606.01234",
    comment="Accepted at ACL 2026; 9 pages, 4 figures",
    sources=(Source("digest.jsonl", 1),),
)


def read_data(name: str) -> ReadResult:
    return read((DATA / name).read_text(encoding="utf-8"), name, as_of=TODAY)


def test_raw_rows_in_file_order_with_the_duplicate() -> None:
    result = read_data("digest.jsonl")
    assert [p.arxiv_id for p in result.entries] == [
        "2606.01234", "2606.01502", "2606.01777", "2606.01234", "2606.02001"]
    assert [p.sources[0].line for p in result.entries] == [1, 2, 3, 4, 5]
    assert result.warnings == []


def test_raw_row_every_field() -> None:
    first, _, _, again, _ = read_data("digest.jsonl").entries
    assert first == SPARSE
    assert again == SPARSE.replace(sources=(Source("digest.jsonl", 4),))  # kept: dedup comes later


def test_literal_utf8_and_a_line_separator_inside_a_string() -> None:
    # The raw files are literal UTF-8; U+2028 inside a JSON string must not split the line.
    paper = read_data("digest.jsonl").entries[1]
    assert paper == Paper(
        title="Régularisation of Diffusion Models for Few-Shot Segmentation",
        arxiv_id="2606.01502",
        authors=("Zoë Kühn", "José Álvarez", "Søren Ødegaard"),
        abstract=("We study few-shot segmentation with diffusion priors. A line separator sits inside this "
                  "abstract on purpose."),
        categories=("cs.CV",),
        primary_category="cs.CV",
        url="https://arxiv.org/abs/2606.01502",
        pdf_url="https://arxiv.org/pdf/2606.01502",
        sources=(Source("digest.jsonl", 2),),
    )


def test_repeated_category_empty_comment_and_empty_fields() -> None:
    _, _, wavelet, _, conformal = read_data("digest.jsonl").entries
    assert wavelet.categories == ("eess.IV", "cs.CV")  # primary first, no repeats
    assert wavelet.primary_category == "eess.IV"
    assert wavelet.comment is None  # "" is no comment
    assert wavelet.abstract == "Classical wavelet denoising, revisited with learned thresholds."
    assert conformal.authors == ()
    assert conformal.abstract is None
    assert conformal.comment is None
    assert conformal.summary is None


def test_ai_rows_decode_escaped_chinese() -> None:
    result = read_data("digest_ai.jsonl")
    assert len(result.entries) == 4
    assert result.warnings == []
    assert result.entries[0] == SPARSE.replace(
        summary=Summary(
            tldr="提出一种稀疏注意力方法，降低长上下文检索的内存开销。",
            motivation="长上下文检索的计算和内存成本很高。",
            method="只保留相关块的稀疏注意力机制。",
            result="内存占用降低40%，检索精度不变。",
            conclusion="稀疏注意力适用于长上下文检索。",
            language="zh",
        ),
        sources=(Source("digest_ai.jsonl", 1),),
    )


def test_ai_placeholders_mean_no_summary() -> None:
    _, failed, partial, processing = read_data("digest_ai.jsonl").entries
    assert failed.summary is None  # every text is a placeholder
    assert processing.summary is None  # "Processing failed" in all five
    assert partial.summary == Summary(
        tldr="用学习到的阈值改进经典小波去噪。",
        method="学习每个子带的阈值。",
        language="zh",
    )


def test_ai_file_keys_the_paper_does_not_have_are_ignored() -> None:
    # code_url / code_stars / code_last_update have no Paper field: reading them is no error.
    first = read_data("digest_ai.jsonl").entries[0]
    assert first.comment == "Accepted at ACL 2026; 9 pages, 4 figures"


def test_bad_line_is_an_error_naming_file_and_line() -> None:
    lines = (DATA / "digest.jsonl").read_text(encoding="utf-8").split("\n")
    broken = "\n".join([*lines[:2], '{"id": "2606.09999", "title": "cut off', *lines[2:]])
    with pytest.raises(InputError) as caught:
        read(broken, "digest.jsonl", as_of=TODAY)
    message = str(caught.value)
    assert message.startswith("digest.jsonl:3: line is not valid JSON: ")
    assert "fix or delete that line" in message
    assert "\n" not in message and "Traceback" not in message
    assert caught.value.line == 3


def test_a_truncated_last_line_keeps_the_rows_before_it() -> None:
    """A download cut short rejected the whole file; the whole rows before it are kept."""
    text = (DATA / "digest_ai.jsonl").read_text(encoding="utf-8")
    whole = read(text, "digest_ai.jsonl", as_of=TODAY)
    cut = read(text[:-40], "digest_ai.jsonl", as_of=TODAY)
    assert [p.arxiv_id for p in cut.entries] == [p.arxiv_id for p in whole.entries][:-1]
    [warning] = [w for w in cut.warnings if w not in whole.warnings]
    assert str(warning).startswith("digest_ai.jsonl:4: the last line is cut short (")
    # a bad line before the last one is still an error: that is not a cut-short download
    lines = text.splitlines(keepends=True)
    with pytest.raises(InputError, match=r"^digest_ai.jsonl:2: line is not valid JSON"):
        read(lines[0] + lines[1][:-40] + "\n" + "".join(lines[2:]), "digest_ai.jsonl", as_of=TODAY)
    # and one cut-short line alone is no digest at all
    with pytest.raises(InputError, match=r"^digest_ai.jsonl:1: line is not valid JSON"):
        read(lines[0][:-40], "digest_ai.jsonl", as_of=TODAY)


def test_a_line_that_is_not_an_object_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^x.jsonl:2: line is a JSON list, not an object"):
        read('{"id": "2606.01234", "title": "T"}\n["not", "a", "row"]\n', "x.jsonl", as_of=TODAY)


def test_a_file_that_is_not_jsonl_is_an_error_at_its_first_line() -> None:
    markdown = (DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read(markdown, "arxiv-daily-digest.md", as_of=TODAY)
    assert caught.value.line == 1
    assert str(caught.value).startswith("arxiv-daily-digest.md:1: line is not valid JSON")


def test_empty_file_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^empty.jsonl: no JSON lines found"):
        read("\n  \n", "empty.jsonl", as_of=TODAY)


def test_unusable_rows_are_warnings_and_skipped() -> None:
    rows = [
        {"id": "not-an-id", "title": "No ID"},
        {"id": "2606.01234", "title": "   "},
        {"id": None, "abs": "https://arxiv.org/abs/2606.04321v2", "title": "ID from the abs link",
         "authors": "Solo Author", "categories": "cs.LG stat.ML"},
    ]
    text = "\n".join(json.dumps(r) for r in rows) + "\n"
    result = read(text, "w.jsonl", as_of=TODAY)
    assert [(w.line, w.message) for w in result.warnings] == [
        (1, "no arXiv ID in row (id: 'not-an-id'); skipped"),
        (2, "2606.01234 has no title; skipped"),
    ]
    (paper,) = result.entries
    assert paper.arxiv_id == "2606.04321"
    assert paper.version == 2
    assert paper.authors == ("Solo Author",)
    assert paper.categories == ("cs.LG", "stat.ML")
    assert paper.sources == (Source("w.jsonl", 3),)


def test_crlf_and_bom_are_tolerated() -> None:
    text = "\ufeff" + (DATA / "digest.jsonl").read_text(encoding="utf-8").replace("\n", "\r\n")
    result = read(text, "digest.jsonl", as_of=TODAY)
    assert result.entries[0] == SPARSE


def test_ten_thousand_rows_parse_quickly() -> None:
    row = json.loads((DATA / "digest_ai.jsonl").read_text(encoding="utf-8").splitlines()[0])
    lines = [json.dumps(dict(row, id=f"2606.{n:05d}")) for n in range(10_000)]
    text = "\n".join(lines)
    start = time.thread_time()
    result = read(text, "big.jsonl", as_of=TODAY)
    assert time.thread_time() - start < 2.0  # CPU seconds; about 0.4 when written
    assert len(result.entries) == 10_000
    assert result.entries[-1].sources == (Source("big.jsonl", 10_000),)


def test_a_line_nested_too_deeply_is_an_error_naming_it() -> None:
    # Before: RecursionError out of json.loads, an "internal error" (exit 70).
    good = (DATA / "digest.jsonl").read_text(encoding="utf-8").split("\n")[0]
    deep = '{"id": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(InputError) as caught:
        read(f"{good}\n{deep}\n{good}\n", "d.jsonl", as_of=TODAY)
    assert str(caught.value).startswith("d.jsonl:2: line is JSON nested too deeply to be a digest row (")
