"""Optional: the Markdown reader and `zotsync parse` on the real digests in ../shared/corpus.

Skipped, saying why, when ../shared is absent.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import SHARED, needs_shared
from zotsync.readers import sniff
from zotsync.readers.markdown import read

pytestmark = [pytest.mark.conformance, needs_shared]
CORPUS = SHARED / "corpus" / "daily-arxiv-ai-enhanced"


@pytest.mark.parametrize(("name", "entries"), [("2026-02-10.md", 28), ("2026-06-25.md", 26)])
def test_real_markdown_digests(name: str, entries: int) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    assert sniff(text) == "markdown"
    result = read(text, name, as_of=date(2026, 11, 22))
    assert len(result.entries) == entries
    assert result.warnings == []
    for paper in result.entries:
        assert paper.arxiv_id and paper.title and paper.authors and paper.abstract
        assert paper.primary_category and paper.categories[0] == paper.primary_category
        assert paper.summary is not None and paper.summary.language == "zh"


def test_every_corpus_file_parses_together(run_cli) -> None:  # type: ignore[no-untyped-def]
    # Every corpus file but the provenance notes and arXiv's error feed (an error by design).
    files = sorted(str(p) for p in (SHARED / "corpus").rglob("*")
                   if p.is_file() and p.name != "PROVENANCE.md" and "id_abc" not in p.name)
    result = run_cli("parse", *files, "--json", "--no-record", "--no-enrich")
    assert result.exit_code == 0, result.stderr
    papers = json.loads(result.stdout)
    assert len(papers) >= 120  # 145 today: several files share papers
    assert all(p["title"] for p in papers)
