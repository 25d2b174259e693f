"""Fixtures for the Chat Completions stand-in (`llm_standin`) and digests to summarize.

`llm_standin` serves `ChatStandIn` and points the [llm] settings at it (environment, and
`.env` for `run_cli(..., env=...)`), with short retry waits. `many_papers(path, n)` writes
a daily-arXiv-ai-enhanced JSONL digest of `n` papers with abstracts and no summaries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers.llm_standin import ChatStandIn

TEST_KEY = "sk-test-Zq8Xv2Lm9Pw4Rt7Yk3Hd"


def many_papers(path: Path, count: int, *, start: int = 1) -> Path:
    rows = [
        {"id": f"2607.{10000 + n:05d}", "categories": ["cs.LG"], "authors": [f"Author {n}", "Co Author"],
         "title": f"Paper Number {n}: Learning Things Well",
         "summary": f"We study problem {n}. We propose a method and show that it works."}
        for n in range(start, start + count)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def llm_standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatStandIn]:
    standin = ChatStandIn(api_key=TEST_KEY)
    with standin.serving("/v1"):
        env = {"ZOTSYNC_LLM_URL": standin.url, "ZOTSYNC_LLM_MODEL": "standin-chat",
               "ZOTSYNC_LLM_API_KEY": TEST_KEY}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        standin.env = env
        yield standin
