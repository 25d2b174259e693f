"""Digest readers, one module per format, and the sniffer that picks one.

Readers are pure: text in, `ReadResult` out (see `base`). `zotsync.inputs` does the
file I/O and calls `reader_for(...)`.
"""

from __future__ import annotations

import importlib
import json
import re

from zotsync.readers.base import Reader, ReaderWarning, ReadResult

__all__ = ["FORMATS", "ReadResult", "Reader", "ReaderWarning", "reader_for", "sniff"]

# Format name -> (module, one-line description). Order is the order of `--help`.
FORMATS: dict[str, tuple[str, str]] = {
    "markdown": ("markdown", "daily-arXiv-ai-enhanced Markdown digest (current and older template)"),
    "jsonl": ("jsonl", "daily-arXiv-ai-enhanced JSONL data file (raw or AI-enhanced)"),
    "hf-page": ("hf_page", "Hugging Face Daily Papers page text (copied from the browser)"),
    "hf-json": ("hf_json", "Hugging Face /api/daily_papers list or /api/papers/<id> JSON"),
    "arxiv-api": ("arxiv_api", "arXiv API Atom response (/api/query)"),
    "arxiv-feed": ("arxiv_feed", "arXiv RSS 2.0 or Atom feed (rss.arxiv.org)"),
    "arxiv-email": ("listing_email", "arXiv daily listing e-mail (or listings/new text)"),
    "id-list": ("id_list", "plain list of arXiv IDs, arXiv/HF URLs or DOIs, one per line"),
}


def reader_for(fmt: str) -> Reader:
    module = importlib.import_module(f"zotsync.readers.{FORMATS[fmt][0]}")
    reader: Reader = module.read
    return reader


_MD_ENTRY = re.compile(r"^### \[", re.MULTILINE)
_HF_AUTHORS = re.compile(r"^\s*\u2022 \d+ authors?\s*$", re.MULTILINE)
_EMAIL_ID = re.compile(r"^arXiv:\S+", re.MULTILINE)


def _sniff_json(text: str) -> str | None:
    stripped = text.lstrip()
    if not stripped.startswith(("[", "{")):
        return None
    try:
        whole = json.loads(stripped)
    except (ValueError, RecursionError):  # ValueError: also a number past 4300 digits
        # Several objects, one per line, or a broken file: JSONL starts every line with
        # "{", a broken API answer is one document (its reader names the bad line). Too
        # deeply nested to decode is broken too: the reader says so.
        lines = [ln for ln in stripped.split("\n") if ln.strip()]  # not splitlines: U+0085, U+2028 are text
        if len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines[:2]):
            return "jsonl"
        return "hf-json"
    if isinstance(whole, dict) and ("abs" in whole or "pdf" in whole or "AI" in whole):
        return "jsonl"
    return "hf-json"


def _sniff_xml(head: str) -> str | None:
    if not head.startswith("<"):
        return None
    if "<rss" in head or "rss.arxiv.org" in head or "announce_type" in head:
        return "arxiv-feed"
    if "<feed" in head:
        return "arxiv-api" if "opensearch" in head or "arxiv.org/api" in head else "arxiv-feed"
    return None


def sniff(text: str) -> str | None:
    """The format name of a digest's text, or None when nothing fits."""
    head = text[:4096].lstrip("\ufeff \t\r\n")
    found = _sniff_json(head if len(text) <= 4096 else text.lstrip("\ufeff \t\r\n"))
    if found:
        return found
    found = _sniff_xml(head)
    if found:
        return found
    from zotsync.readers.id_list import looks_like_id_list  # noqa: PLC0415

    # Before the text heuristics: a list's comments may say "Daily Papers" or "Title:".
    if looks_like_id_list(text):
        return "id-list"
    if _MD_ENTRY.search(text) or "Main category:" in head:
        return "markdown"
    if _HF_AUTHORS.search(text) or "Daily Papers" in head:
        return "hf-page"
    if _EMAIL_ID.search(text) and "Title:" in text and "\\\\" in text:
        return "arxiv-email"
    return None
