"""`zotsync refresh` (issue 13): published preprints become their published version in
Zotero, keeping everything the user has; against the Zotero emulator and the arXiv and
Crossref stand-ins (real HTTP)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pyzotero import zotero

from servers.arxiv_standin import ArxivStandIn
from servers.crossref_standin import CrossrefStandIn
from servers.lookup_fixtures import published_lookups
from servers.standin import CatalogPaper
from servers.zotero_emulator import Fault, ZoteroEmulator

DATA = Path(__file__).parent / "data"
MD = str(DATA / "arxiv-daily-digest.md")
JOURNAL = "2506.02013"  # published, with a DOI: becomes a journal article
PROCEEDINGS = "2506.02044"  # published, with a DOI (a second one)
REF_ONLY = "2506.02263"  # a journal_ref but no DOI: reported, left a preprint


def _catalogue() -> list[CatalogPaper]:
    when = datetime(2025, 6, 2, 17, tzinfo=UTC)
    plain = [CatalogPaper(arxiv_id=i, title=f"Paper {i}", authors=("Ann Lee",), published=when)
             for i in ("2506.02813", "2506.03088", "2505.21777", "2506.02164", "2506.03089")]
    return [*plain,
            CatalogPaper(arxiv_id=JOURNAL, title="J", authors=("Ann Lee",), published=when,
                         journal_ref="Neural Computation 28 (2016) 1-40", doi="10.1162/NECO_a_00800"),
            CatalogPaper(arxiv_id=PROCEEDINGS, title="P", authors=("Ann Lee",), published=when,
                         journal_ref="Machine Learning 7 (2026) 11-19", doi="10.1007/s10994-026-0001-2"),
            CatalogPaper(arxiv_id=REF_ONLY, title="R", authors=("Ann Lee",), published=when,
                         journal_ref="Some Journal 3 (2026) 5-9")]


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ArxivStandIn, CrossrefStandIn]]:
    with published_lookups(_catalogue(), monkeypatch) as servers:
        yield servers


def by_arxiv(emu: ZoteroEmulator) -> dict[str, dict[str, Any]]:
    found = {}
    for item in emu.library().items.values():
        if item["itemType"] in {"preprint", "journalArticle", "conferencePaper"}:
            arxiv = next(line.split()[0].removeprefix("arXiv:") for line in item["extra"].splitlines()
                         if line.startswith("arXiv:"))
            found[arxiv] = item
    return found


def pushed(run_cli: Any, emu: ZoteroEmulator) -> dict[str, dict[str, Any]]:
    result = run_cli("push", MD, "-c", "Reading/2025-06", "--tag", "mine", "--offline", env=emu.env)
    assert result.exit_code == 0, result.stderr
    return by_arxiv(emu)


def test_refresh_upgrades_published_preprints_keeping_everything(
        run_cli: Any, zotero_emu: ZoteroEmulator, lookups: tuple[ArxivStandIn, CrossrefStandIn]) -> None:
    arxiv, crossref = lookups
    before = pushed(run_cli, zotero_emu)
    library = zotero_emu.library()
    children = {k: i["parentItem"] for k, i in library.items.items() if i.get("parentItem")}

    zotero_emu.clear_log()
    dry = run_cli("refresh", "--dry-run", "--json", env=zotero_emu.env)
    assert dry.exit_code == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert zotero_emu.writes == []
    assert sorted(u["arxiv_id"] for u in plan["upgrades"]) == [JOURNAL, PROCEEDINGS]
    journal = next(u for u in plan["upgrades"] if u["arxiv_id"] == JOURNAL)
    assert journal["changes"]["itemType"] == ["preprint", "journalArticle"]
    assert journal["changes"]["DOI"] == [f"10.48550/arXiv.{JOURNAL}", "10.1162/NECO_a_00800"]
    assert journal["changes"]["publicationTitle"] == ["", "Neural Computation"]
    assert [r["arxiv_id"] for r in plan["journal_ref_only"]] == [REF_ONLY]
    assert "- DOI: 10.48550/arXiv.2506.02013" in run_cli("refresh", "--dry-run", env=zotero_emu.env).stdout

    arxiv.clear_log()
    crossref.clear_log()
    result = run_cli("refresh", "--json", env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"] == {"checked": 8, "upgraded": 2, "left": 0, "failed": 0, "journal_ref_only": 1}
    assert len(arxiv.requests()) == 1  # 8 IDs in one request, the cache not trusted
    assert len(crossref.requests()) == 2  # only the papers arXiv gives a DOI
    assert report["write_requests"] == 1 and len(zotero_emu.writes) == 1

    after = by_arxiv(zotero_emu)
    item, old = after[JOURNAL], before[JOURNAL]
    assert item["itemType"] == "journalArticle" and item["key"] == old["key"]
    assert (item["publicationTitle"], item["volume"], item["pages"], item["DOI"]) == (
        "Neural Computation", "28", "1-40", "10.1162/NECO_a_00800")
    assert item["citationKey"] == old["citationKey"] and item["title"] == old["title"]
    assert item["tags"] == old["tags"] and item["collections"] == old["collections"]
    assert item["creators"] == old["creators"] and item["url"] == old["url"]
    assert item["extra"].startswith(f"arXiv:{JOURNAL}") and item["publisher"] == "MIT Press"
    assert after[REF_ONLY]["itemType"] == "preprint"
    assert {k: i["parentItem"] for k, i in zotero_emu.library().items.items()
            if i.get("parentItem")} == children  # notes and PDF links still hang under their items

    # Done is done: a second refresh writes nothing.
    zotero_emu.clear_log()
    again = run_cli("refresh", "--json", env=zotero_emu.env)
    assert again.exit_code == 0 and zotero_emu.writes == []
    assert json.loads(again.stdout)["counts"]["checked"] == 6  # the preprints left


def test_refresh_of_a_collection_checks_every_arxiv_preprint_in_it(
        run_cli: Any, zotero_emu: ZoteroEmulator, lookups: tuple[ArxivStandIn, CrossrefStandIn]) -> None:
    zotero_emu.seed_items(collections=[{"key": "THES2222", "name": "Thesis"}], items=[
        {"itemType": "preprint", "title": "By hand", "url": f"https://arxiv.org/abs/{JOURNAL}v2",
         "collections": ["THES2222"], "extra": "Citation Key: lee2025hand"},
        {"itemType": "book", "title": "A book", "collections": ["THES2222"]},
    ])
    result = run_cli("refresh", "-c", "Thesis", "--json", env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["upgraded"] == 1
    (item,) = [i for i in zotero_emu.library().items.values() if i["title"] == "By hand"]
    assert item["itemType"] == "journalArticle"
    assert item["extra"] == f"arXiv:{JOURNAL} [q-bio.NC]\nCitation Key: lee2025hand"  # Extra kept
    missing = run_cli("refresh", "-c", "Nope", env=zotero_emu.env)
    assert missing.exit_code == 2 and "zotsync collections" in missing.stderr


def _edit_during_write(emu: ZoteroEmulator, run: Any, edit: Any) -> Any:
    """Run `run()` while the user edits in Zotero between zotsync's read and its write."""
    slow = emu.inject(Fault.slow(1.5, "POST", r"/items$"))
    outcome: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("result", run()))
    worker.start()
    for _ in range(400):  # the write has arrived, and waits
        if slow.hits:
            break
        threading.Event().wait(0.02)
    assert slow.hits == 1
    edit()
    worker.join(timeout=60)
    return outcome["result"]


def test_refresh_backs_off_on_412_and_never_overwrites_the_user(
        run_cli: Any, zotero_emu: ZoteroEmulator, lookups: tuple[ArxivStandIn, CrossrefStandIn]) -> None:
    items = pushed(run_cli, zotero_emu)
    zot = zotero.Zotero("1", "user", zotero_emu.api_key)
    zot.endpoint = zotero_emu.url

    def user_edits() -> None:
        journal = zot.item(items[JOURNAL]["key"])["data"]
        zot.update_item({"key": journal["key"], "version": journal["version"], "title": "My better title"})
        proceedings = zot.item(items[PROCEEDINGS]["key"])["data"]
        zot.update_item({"key": proceedings["key"], "version": proceedings["version"],
                         "itemType": "book", "publisher": "Mine"})

    result = _edit_during_write(zotero_emu, lambda: run_cli("refresh", "--json", env=zotero_emu.env),
                                user_edits)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["upgraded"] == 1 and report["counts"]["left"] == 1
    statuses = [w.status for w in zotero_emu.writes if w.path == "/users/1/items"]
    assert len(statuses) == 3  # the refresh, its retry of the one item, and the user's edits
    after = by_arxiv(zotero_emu)
    assert after[JOURNAL]["itemType"] == "journalArticle"
    assert after[JOURNAL]["title"] == "My better title"  # the user's edit, kept
    book = next(i for i in zotero_emu.library().items.values() if i["key"] == items[PROCEEDINGS]["key"])
    assert (book["itemType"], book["publisher"]) == ("book", "Mine")  # left as the user made it


def test_refresh_without_zotero_is_one_line(run_cli: Any) -> None:
    result = run_cli("refresh")
    assert result.exit_code != 0 and "zotsync login" in result.stderr and "Traceback" not in result.stderr
