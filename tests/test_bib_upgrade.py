"""`zotsync bib --upgrade` (issue 13): preprint entries zotsync wrote, and the user has not
edited since, become their published version; against the arXiv and Crossref stand-ins
(real HTTP). The upgraded files compile with bibtex and biber."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from servers.arxiv_standin import ArxivStandIn
from servers.crossref_standin import CrossrefStandIn
from servers.lookup_fixtures import published_lookups
from servers.standin import CatalogPaper
from test_bib_latex import _MISSING, assert_clean, compile_biber, compile_bibtex
from zotsync.core.bibtex_entry import EntryOptions, format_entry
from zotsync.core.paper import Paper, Publication
from zotsync.core.upgrade import entry_upgrade

DATA = Path(__file__).parent / "data"
MD = str(DATA / "arxiv-daily-digest.md")
JOURNAL = "2506.02013"  # published in a journal: @article
PROCEEDINGS = "2506.02044"  # published in proceedings: @inproceedings
EDITED = "2506.02813"  # published too, but the user edited its entry: left alone
REF_ONLY = "2506.02263"  # a journal_ref but no DOI: reported, left a preprint

USER_HEAD = ("% My thesis references\n@string{aw = {Addison-Wesley}}\n\n"
             "@book{knuth1984,\n  title = {The {\\TeX}book},\n  author = {Knuth, Donald E.},\n"
             "  year = 1984,\n  publisher = aw\n}\n\n")
USER_TAIL = "\n% read next: the Zotero paper\n"


def _catalogue() -> list[CatalogPaper]:
    when = datetime(2025, 6, 2, 17, tzinfo=UTC)
    plain = [CatalogPaper(arxiv_id=i, title=f"Paper {i}", authors=("Ann Lee",), published=when)
             for i in ("2506.03088", "2505.21777", "2506.02164", "2506.03089")]
    return [*plain,
            CatalogPaper(arxiv_id=JOURNAL, title="J", authors=("Ann Lee",), published=when,
                         journal_ref="Neural Computation 28 (2016) 1-40", doi="10.1162/NECO_a_00800"),
            CatalogPaper(arxiv_id=PROCEEDINGS, title="P", authors=("Ann Lee",), published=when,
                         journal_ref="Advances in Neural Information Processing Systems 39 (2026) 11-19",
                         doi="10.5555/3600270.3601234", crossref_type="proceedings-article"),
            CatalogPaper(arxiv_id=EDITED, title="E", authors=("Ann Lee",), published=when,
                         journal_ref="Machine Learning 7 (2026) 11-19", doi="10.1007/s10994-026-0001-2"),
            CatalogPaper(arxiv_id=REF_ONLY, title="R", authors=("Ann Lee",), published=when,
                         journal_ref="Some Journal 3 (2026) 5-9")]


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ArxivStandIn, CrossrefStandIn]]:
    with published_lookups(_catalogue(), monkeypatch) as servers:
        yield servers


_ENTRY = re.compile(r"@\w+\{(?P<key>[^,\s{}=]+),\n.*?\n\}", re.DOTALL)


def entries(text: str) -> dict[str, str]:
    """key -> entry text, for the entries of the arXiv IDs the file holds."""
    return {m["key"]: m.group() for m in _ENTRY.finditer(text)}


def key_of(text: str, arxiv_id: str) -> str:
    (key,) = [k for k, e in entries(text).items() if f"eprint = {{{arxiv_id}}}" in e]
    return key


def written_bib(run_cli: Any, folder: Path, style: str) -> Path:
    """A .bib with the user's own bytes around the entries `zotsync bib` wrote, one of them
    edited by the user afterwards."""
    bib = folder / "refs.bib"
    bib.write_text(USER_HEAD, encoding="utf-8")
    result = run_cli("bib", MD, "-o", str(bib), "--offline", "--style", style, "--abstract")
    assert result.exit_code == 0, result.stderr
    text = bib.read_text(encoding="utf-8") + USER_TAIL
    edited = entries(text)[key_of(text, EDITED)]
    text = text.replace(edited, edited.replace("\n}", ",\n  note = {Read for chapter 2}\n}"))
    bib.write_text(text, encoding="utf-8")
    return bib


@pytest.mark.parametrize("style", ["bibtex", "biblatex"])
def test_upgrade_rewrites_unedited_entries_and_lists_edited_ones(
        run_cli: Any, tmp_path: Path, style: str, lookups: tuple[ArxivStandIn, CrossrefStandIn]) -> None:
    arxiv, crossref = lookups
    bib = written_bib(run_cli, tmp_path, style)
    before = bib.read_bytes()
    old = entries(before.decode())
    journal, proceedings, edited = (key_of(before.decode(), i) for i in (JOURNAL, PROCEEDINGS, EDITED))

    dry = run_cli("bib", "--upgrade", "-o", str(bib), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert bib.read_bytes() == before and not plan["written"]
    assert sorted(u["key"] for u in plan["upgrades"]) == sorted([journal, proceedings])
    assert plan["edited"] == [{"key": edited, "arxiv_id": EDITED, "line": plan["edited"][0]["line"]}]
    assert [r["arxiv_id"] for r in plan["journal_ref_only"]] == [REF_ONLY]
    assert plan["counts"]["checked"] == 7  # the eight papers zotsync wrote, but the edited one
    shown = {u["key"]: u for u in plan["upgrades"]}
    assert shown[journal]["entry_type"] == ["misc" if style == "bibtex" else "online", "article"]
    assert shown[proceedings]["entry_type"][1] == "inproceedings"
    assert shown[journal]["changes"]["doi"] == ["", "10.1162/NECO_a_00800"]
    venue = "journal" if style == "bibtex" else "journaltitle"
    assert shown[journal]["changes"][venue] == ["", "Neural Computation"]
    text_diff = run_cli("bib", "--upgrade", "-o", str(bib), "--dry-run").stdout
    assert f"+ {venue}: Neural Computation" in text_diff and "+ doi: 10.1162/NECO_a_00800" in text_diff

    arxiv.clear_log()
    crossref.clear_log()
    result = run_cli("bib", "--upgrade", "-o", str(bib), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["written"] and report["counts"]["upgraded"] == 2
    assert len(arxiv.requests()) == 1  # 7 IDs, one request, the cache not trusted
    assert len(crossref.requests()) == 2  # only the unedited papers arXiv gives a DOI
    assert f"{edited} was edited since zotsync wrote it" in result.stderr

    after = bib.read_text(encoding="utf-8")
    new = entries(after)
    # Every byte but the two entries' is the user's: replacing them back gives the old file.
    assert after.replace(new[journal], old[journal]).replace(new[proceedings], old[proceedings]) == \
        before.decode()
    assert (tmp_path / "refs.bib.bak").read_bytes() == before
    assert after.startswith(USER_HEAD) and after.endswith(USER_TAIL) and new[edited] == old[edited]
    article = new[journal]
    assert article.startswith(f"@article{{{journal},")
    assert f"  {venue} = {{Neural Computation}}," in article and "  volume = {28}," in article
    assert "  pages = {1--40}," in article and "  doi = {10.1162/NECO_a_00800}," in article
    assert f"  eprint = {{{JOURNAL}}}," in article and "howpublished" not in article
    assert "pubstate" not in article
    kept = {"title", "author", "eprint", "archivePrefix", "primaryClass", "eprinttype", "eprintclass", "url",
            "abstract"}
    lines = {line.rstrip(",") for line in article.splitlines()}
    for line in old[journal].splitlines():  # title, authors, eprint fields, url, abstract: as written
        if line.split(" = ")[0].strip() in kept:
            assert line.rstrip(",") in lines
    assert new[proceedings].startswith(f"@inproceedings{{{proceedings},")
    assert "  booktitle = {Advances in Neural Information Processing Systems}," in new[proceedings]

    # Done is done: nothing left to upgrade; a merge still finds every paper.
    again = run_cli("bib", "--upgrade", "-o", str(bib), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["counts"]["upgraded"] == 0
    assert bib.read_text(encoding="utf-8") == after
    merged = run_cli("bib", MD, "-o", str(bib), "--offline", "--style", style, "--json")
    assert merged.exit_code == 0 and json.loads(merged.stdout)["added"] == []

    if not _MISSING:  # pdflatex, bibtex and biber are installed: the upgraded file compiles
        if style == "bibtex":
            assert_clean(compile_bibtex(tmp_path, list(new)))
        assert_clean(compile_biber(tmp_path, list(new)))


def test_an_entry_edited_while_looking_up_is_left(
        run_cli: Any, tmp_path: Path, lookups: tuple[ArxivStandIn, CrossrefStandIn]) -> None:
    _, crossref = lookups
    bib = written_bib(run_cli, tmp_path, "bibtex")
    text = bib.read_text(encoding="utf-8")
    journal = entries(text)[key_of(text, JOURNAL)]
    crossref.fail_next("slow", seconds=1.5)
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.setdefault(
        "result", run_cli("bib", "--upgrade", "-o", str(bib), "--json")))
    worker.start()
    for _ in range(400):
        if crossref.requests():
            break
        threading.Event().wait(0.02)
    mine = journal.replace("\n}", ",\n  keywords = {bci}\n}")
    bib.write_text(text.replace(journal, mine), encoding="utf-8")
    worker.join(timeout=60)
    result = outcome["result"]
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["upgraded"] == 1
    assert [(r["arxiv_id"], r["reason"]) for r in report["left"]] == [
        (JOURNAL, "edited or removed in the file while zotsync looked it up")]
    assert mine in bib.read_text(encoding="utf-8")  # the user's edit, kept as written


def test_a_crlf_file_stays_crlf_and_its_entries_are_still_zotsyncs(
        run_cli: Any, tmp_path: Path, lookups: tuple[ArxivStandIn, CrossrefStandIn]) -> None:
    bib = written_bib(run_cli, tmp_path, "bibtex")
    bib.write_bytes(bib.read_bytes().replace(b"\n", b"\r\n"))  # opened and saved on Windows
    result = run_cli("bib", "--upgrade", "-o", str(bib), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["upgraded"] == 2
    data = bib.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and b"@article{" in data


def test_upgrade_usage_errors_are_one_line(run_cli: Any, tmp_path: Path) -> None:
    for args, words in [(("bib", MD, "--upgrade", "-o", str(tmp_path / "a.bib")), "give no FILE"),
                        (("bib", "--upgrade", "--offline", "-o", str(tmp_path / "a.bib")), "--offline"),
                        (("bib", "--upgrade", "-o", str(tmp_path / "none.bib")), "does not exist")]:
        result = run_cli(*args)
        assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.stderr


def test_upgrade_when_arxiv_is_down_changes_nothing_and_exits_4(run_cli: Any, tmp_path: Path,
                                                               lookups: Any) -> None:
    arxiv, _ = lookups
    bib = written_bib(run_cli, tmp_path, "bibtex")
    before = bib.read_bytes()
    arxiv.fail_next("503", times=20)
    result = run_cli("bib", "--upgrade", "-o", str(bib))
    assert result.exit_code == 4 and "Traceback" not in result.stderr
    assert bib.read_bytes() == before


# -- the pure rewrite ----------------------------------------------------------------------

PREPRINT = Paper(title="Attention Is All You Need", arxiv_id="1706.03762", primary_category="cs.CL",
                 authors=("Ashish Vaswani", "Noam Shazeer"), published=date(2017, 6, 12))
PUBLISHED = Paper(title="Attention is all you need", arxiv_id="1706.03762", doi="10.5555/3295222.3295349",
                  publication=Publication(kind="proceedings-article", container="Advances in NeurIPS 30",
                                          volume="30", pages="5998-6008", publisher="Curran",
                                          date="2017-12"))


@pytest.mark.parametrize("style", ["bibtex", "biblatex"])
def test_entry_upgrade_is_the_published_entry_bib_writes(style: str) -> None:
    options = EntryOptions(style, abstract=False)  # type: ignore[arg-type]
    old = format_entry(PREPRINT, "vaswani2017attention", options).text
    upgrade = entry_upgrade(old, PUBLISHED)
    assert upgrade is not None and upgrade.entry_type == "inproceedings"
    fresh = format_entry(Paper(title=PREPRINT.title, authors=PREPRINT.authors, arxiv_id=PREPRINT.arxiv_id,
                               primary_category="cs.CL", published=PREPRINT.published, doi=PUBLISHED.doi,
                               publication=PUBLISHED.publication), "vaswani2017attention", options).text
    assert upgrade.text == fresh  # what `bib` writes for the published paper, title as it was
    if style == "bibtex":
        assert upgrade.changes["month"] == ("jun", "dec")
        assert upgrade.changes["howpublished"] == ("arXiv preprint arXiv:1706.03762 [cs.CL]", "")
    else:
        assert upgrade.changes["pubstate"] == ("prepublished", "")
        assert upgrade.changes["date"] == ("2017-06-12", "2017-12")
    assert entry_upgrade(upgrade.text, PUBLISHED) is None  # done is done


def test_entry_upgrade_refuses_what_zotsync_did_not_write_that_way() -> None:
    old = format_entry(PREPRINT, "v17", EntryOptions()).text
    assert entry_upgrade(old.replace(",\n  author", ", author"), PUBLISHED) is None  # two fields on a line
    assert entry_upgrade(old.replace("@misc", "@article"), PUBLISHED) is None  # not a preprint entry
    assert entry_upgrade(old, PREPRINT) is None  # not published
