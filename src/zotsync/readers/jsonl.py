"""daily-arXiv-ai-enhanced JSONL data files (`data/YYYY-MM-DD.jsonl` and `..._AI_enhanced_*.jsonl`).

One JSON object per line (`daily_arxiv/pipelines.py`, `ai/enhance.py`)::

    {"id": "2602.07369", "categories": ["cs.GR", "cs.CV"], "pdf": "...", "abs": "...",
     "authors": ["A B", "C D"], "title": "...", "comment": null, "summary": "abstract",
     "AI": {"tldr": "...", "motivation": "...", "method": "...", "result": "...",
            "conclusion": "..."}}

`id` has no version, `categories` has the primary first, `AI` (and `code_url`, ...) only
in the AI-enhanced files, whose Chinese is `\\uXXXX`-escaped. Raw files repeat a paper
once per category page: every row is an entry, deduplication comes later. AI
placeholders ("Method extraction failed", ...) mean no summary.

A line that is not a JSON object (or is nested too deeply to decode) is an error
naming it: the file is damaged or not JSONL. A row without a usable ID or title is a warning and is skipped.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from zotsync.core.identity import arxiv_abs_url, arxiv_pdf_url, parse_arxiv_id
from zotsync.core.paper import Paper, Source
from zotsync.core.text import quoted
from zotsync.errors import InputError
from zotsync.readers.base import (
    TOO_LONG_NUMBER,
    ReaderWarning,
    ReadResult,
    collapse,
    lone_surrogate,
    make_summary,
    may_hold_surrogates,
    split_categories,
)

_HINT = "each line of a JSONL digest must be one complete JSON object: fix or delete that line"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: Any) -> list[str]:
    """A list of strings from a JSON list (non-strings dropped) or one string."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _paper(row: dict[str, Any], source: str, line: int, warnings: list[ReaderWarning]) -> Paper | None:
    raw_id = _text(row.get("id")) or ""
    parsed = parse_arxiv_id(raw_id) or parse_arxiv_id(_text(row.get("abs")) or "")
    if parsed is None:
        shown = raw_id or row.get("id")
        warnings.append(ReaderWarning(source, line, f"no arXiv ID in row (id: {quoted(shown)}); skipped"))
        return None
    title = collapse(_text(row.get("title")))
    if title is None:
        warnings.append(ReaderWarning(source, line, f"{parsed.id} has no title; skipped"))
        return None
    categories_field = row.get("categories")
    if isinstance(categories_field, str):  # tolerate "cs.CL cs.AI"
        categories_field = categories_field.split()
    cats = _strings(categories_field)
    categories = split_categories(cats, cats[0].strip() if cats else None)
    ai = row.get("AI")
    summary = None
    if isinstance(ai, dict):
        summary = make_summary(_text(ai.get("tldr")), _text(ai.get("motivation")),
                               _text(ai.get("method")), _text(ai.get("result")),
                               _text(ai.get("conclusion")))
    return Paper(
        title=title,
        arxiv_id=parsed.id,
        version=parsed.version,
        authors=tuple(name for name in (collapse(a) for a in _strings(row.get("authors"))) if name),
        abstract=collapse(_text(row.get("summary"))),
        categories=categories,
        primary_category=categories[0] if categories else None,
        url=arxiv_abs_url(parsed.id),
        pdf_url=arxiv_pdf_url(parsed.id),
        comment=collapse(_text(row.get("comment"))),
        summary=summary,
        sources=(Source(source, line),),
    )


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    result = ReadResult()
    rows = 0
    # Split on "\n" only: str.splitlines() would also break at U+2028, U+0085, \f, ...
    # which JSON allows unescaped inside strings (the raw files are literal UTF-8).
    lines = text.split("\n")
    last = max((i for i, raw in enumerate(lines, start=1) if raw.strip()), default=0)
    for number, raw_line in enumerate(lines, start=1):
        line = raw_line.strip().lstrip("\ufeff")
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == last and rows:
                # a download or copy cut short: the rows before it are whole, keep them
                result.warnings.append(ReaderWarning(
                    source, number, f"the last line is cut short ({exc.msg}, column {exc.colno}); "
                    "skipped (the file may be incomplete: download it again)"))
                continue
            raise InputError(source, f"line is not valid JSON: {exc.msg} (column {exc.colno})",
                             line=number, hint=_HINT) from None
        except RecursionError:  # thousands of nested [ or {: the decoder gives up
            raise InputError(source, "line is JSON nested too deeply to be a digest row",
                             line=number, hint=_HINT) from None
        except ValueError:  # not a syntax error: an integer past Python's 4300-digit limit
            raise InputError(source, f"line {TOO_LONG_NUMBER}", line=number, hint=_HINT) from None
        surrogate = lone_surrogate(row) if may_hold_surrogates(line) else None
        if surrogate is not None:
            raise InputError(source, f"line has the escape {surrogate}, half of a UTF-16 pair "
                             "(not a character)", line=number, hint=_HINT)
        if not isinstance(row, dict):
            raise InputError(source, f"line is a JSON {type(row).__name__}, not an object",
                             line=number, hint=_HINT)
        rows += 1
        paper = _paper(row, source, number, result.warnings)
        if paper is not None:
            result.entries.append(paper)
    if rows == 0:
        raise InputError(source, "no JSON lines found",
                         hint="pass a daily-arXiv-ai-enhanced data/*.jsonl file, or --format to choose")
    return result
