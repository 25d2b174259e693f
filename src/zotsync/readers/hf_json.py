"""Hugging Face paper JSON: `/api/daily_papers` lists and `/api/papers/<id>` objects.

The list (`huggingface_hub.HfApi.list_daily_papers`) is an array of rows::

    [{"paper": {"id": "2606.00467", "title": "...", "summary": "...",
                "authors": [{"name": "A B", ...}], "publishedAt": "2026-05-30T00:00:00.000Z",
                "upvotes": 3, "ai_summary": "...", ...},
      "title": "...", "summary": "...", "numComments": 0, ...}]

`paper.id` is the versionless arXiv ID and upvotes are `paper.upvotes` (not top level);
`ai_summary` (short English, not always there) goes to `Paper.ai_summary`. Rows that
are bare paper objects are read too (trimmed fixtures), and so is a single paper object
(`/api/papers/<id>`) or a single row. Titles can hold newlines and indentation.

Truncated, invalid or absurdly nested JSON is an error naming the line; a row without a usable ID or
title is a warning and is skipped. An empty list is a day without papers.
"""

from __future__ import annotations

import json
import re
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
    may_hold_surrogates,
    small_count,
)

_NOT_WHITESPACE = re.compile(r"[^ \t\n\r]")
_DECODER = json.JSONDecoder()
_BROKEN_HINT = "the file looks truncated or edited: download the API answer again"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _iso_date(value: Any) -> date | None:
    """The date of an ISO timestamp (`2026-05-30T00:00:00.000Z`), else None."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _upvotes(value: Any) -> int | None:
    """A JSON integer within reason (not a string, a float, a bool or 10**300), else None."""
    return None if isinstance(value, str) else small_count(value)


def _authors(value: Any) -> tuple[str, ...]:
    names: list[str] = []
    if isinstance(value, list):
        for author in value:
            raw = _text(author.get("name")) if isinstance(author, dict) else _text(author)
            name = collapse(raw)
            if name:
                names.append(name)
    return tuple(names)


def _paper(row: Any, source: str, line: int, warnings: list[ReaderWarning]) -> Paper | None:
    if not isinstance(row, dict):
        warnings.append(ReaderWarning(source, line, f"row is a JSON {type(row).__name__}, not a paper; "
                                                    "skipped"))
        return None
    inner = row.get("paper")
    paper: dict[str, Any] = inner if isinstance(inner, dict) else row
    raw_id = paper.get("id")
    parsed = parse_arxiv_id(raw_id) if isinstance(raw_id, str) else None
    if parsed is None:
        warnings.append(ReaderWarning(source, line,
                                      f"no arXiv ID in row (paper.id: {quoted(raw_id)}); skipped"))
        return None
    title = collapse(_text(paper.get("title"))) or collapse(_text(row.get("title")))
    if title is None:
        warnings.append(ReaderWarning(source, line, f"{parsed.id} has no title; skipped"))
        return None
    return Paper(
        title=title,
        arxiv_id=parsed.id,
        version=parsed.version,
        authors=_authors(paper.get("authors")),
        abstract=collapse(_text(paper.get("summary"))) or collapse(_text(row.get("summary"))),
        published=_iso_date(paper.get("publishedAt")) or _iso_date(row.get("publishedAt")),
        url=arxiv_abs_url(parsed.id),
        pdf_url=arxiv_pdf_url(parsed.id),
        ai_summary=collapse(_text(paper.get("ai_summary"))),
        upvotes=_upvotes(paper.get("upvotes")),
        sources=(Source(source, line),),
    )


def _decode_at(text: str, pos: int, source: str) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"is not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno,
                         hint=_BROKEN_HINT) from None
    except RecursionError:  # thousands of nested [ or {: the decoder gives up
        raise InputError(source, "is JSON nested too deeply to be a digest", line=_line_of(text, pos),
                         hint="pass a Hugging Face /api/daily_papers or /api/papers/<id> answer") from None
    except ValueError:  # not a syntax error: an integer past Python's 4300-digit limit
        raise InputError(source, TOO_LONG_NUMBER, line=_line_of(text, pos), hint=_BROKEN_HINT) from None


def _skip_whitespace(text: str, pos: int) -> int:
    """The position of the next non-whitespace character (JSON whitespace), or the end."""
    found = _NOT_WHITESPACE.search(text, pos)
    return found.start() if found else len(text)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _rows(text: str, source: str) -> list[tuple[Any, int]]:
    """The rows of the document with the line each starts on.

    A list is decoded element by element (the C decoder does the work) so every row
    keeps its line; a single object is one row.
    """
    pos = _skip_whitespace(text, 0)
    if pos == len(text):
        raise InputError(source, "is empty", hint="pass a Hugging Face /api/daily_papers answer")
    if text[pos] == "{":
        value, end = _decode_at(text, pos, source)
        rows = [(value, _line_of(text, pos))]
    elif text[pos] == "[":
        rows = []
        line, last = 1, 0
        pos = _skip_whitespace(text, pos + 1)
        if pos < len(text) and text[pos] == "]":
            end = pos + 1
        else:
            while True:
                value, end = _decode_at(text, pos, source)
                line += text.count("\n", last, pos)
                last = pos
                rows.append((value, line))
                pos = _skip_whitespace(text, end)
                if pos < len(text) and text[pos] == ",":
                    pos = _skip_whitespace(text, pos + 1)
                    continue
                if pos < len(text) and text[pos] == "]":
                    end = pos + 1
                    break
                what = "ends inside the list" if pos == len(text) else "expected ',' or ']' after a row"
                raise InputError(source, f"is not valid JSON: {what}", line=_line_of(text, pos),
                                 hint=_BROKEN_HINT)
    else:
        raise InputError(source, "is not JSON (expected '[' or '{')", line=_line_of(text, pos),
                         hint="pass a Hugging Face /api/daily_papers or /api/papers/<id> answer")
    rest = _skip_whitespace(text, end)
    if rest != len(text):
        raise InputError(source, "is not valid JSON: extra data after the document",
                         line=_line_of(text, rest),
                         hint="one JSON document per file (JSON Lines? pass --format jsonl)")
    return rows


def read(text: str, source: str, *, as_of: date) -> ReadResult:
    result = ReadResult()
    rows = _rows(text.lstrip("\ufeff"), source)
    if len(rows) == 1 and isinstance(rows[0][0], dict):
        single = rows[0][0]
        error = single.get("error")
        if isinstance(error, str) and "id" not in single and "paper" not in single:
            raise InputError(source, f"Hugging Face API error: {collapse(error)}", line=rows[0][1],
                             hint="check the date or paper ID you asked for")
        if "paper" not in single and "id" not in single:
            raise InputError(source, "is not a Hugging Face paper or daily papers list (no 'paper' or 'id')",
                             line=rows[0][1], hint="pass --format to choose another reader")
    check_surrogates = may_hold_surrogates(text)
    for row, line in rows:
        surrogate = lone_surrogate(row) if check_surrogates else None
        if surrogate is not None:
            raise InputError(source, f"has the escape {surrogate}, half of a UTF-16 pair (not a "
                             "character)", line=line, hint=_BROKEN_HINT)
        paper = _paper(row, source, line, result.warnings)
        if paper is not None:
            result.entries.append(paper)
    return result
