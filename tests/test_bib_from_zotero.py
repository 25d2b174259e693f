"""`zotsync bib --from-zotero`: a Zotero collection (emulator, real HTTP) -> .bib entries,
and the pure reading of items back into Papers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from servers.zotero_emulator import ZoteroEmulator
from zotsync.core.library import Collection
from zotsync.core.paper import Paper, Summary
from zotsync.core.zotero_item import paper_item, summary_note_html
from zotsync.core.zotero_paper import find_collection, item_paper, note_tldr

DATA = Path(__file__).parent / "data"
MD = str(DATA / "arxiv-daily-digest.md")


# -- pure: items back to Papers ---------------------------------------------------------


def test_a_pushed_item_reads_back_as_the_paper() -> None:
    paper = Paper(title="Diffusion: A Study", arxiv_id="2506.02013", version=2,
                  authors=("Ada Lovelace", "OpenAI"), abstract="We study things.",
                  categories=("cs.LG", "stat.ML"), primary_category="cs.LG",
                  published=date(2025, 6, 2), updated=date(2025, 6, 9))
    back = item_paper(paper_item(paper), tldr="一句话")
    assert back is not None
    assert (back.title, back.arxiv_id, back.version, back.authors, back.abstract) == (
        paper.title, "2506.02013", 2, ("Ada Lovelace", "OpenAI"), "We study things.")
    assert back.categories == ("cs.LG", "stat.ML") and back.primary_category == "cs.LG"
    assert back.doi is None  # arXiv's own DOI is the arXiv ID, not a journal DOI
    assert back.published is None and back.updated == date(2025, 6, 9)  # the item's date is v2's
    assert (back.year, back.url) == (2025, "https://arxiv.org/abs/2506.02013")
    assert back.summary == Summary(tldr="一句话", language="zh")


def test_items_made_by_hand_or_other_translators() -> None:
    article = {"key": "ABCD2345", "version": 3, "meta": {"parsedDate": "2021-03-04"},
               "data": {"itemType": "journalArticle", "title": "  Deep   Learning ", "DOI": "https://doi.org/10.1038/NATURE14539",
                        "date": "March 4, 2021", "url": "https://www.nature.com/articles/nature14539",
                        "creators": [{"creatorType": "editor", "firstName": "Ed", "lastName": "Itor"},
                                     {"creatorType": "author", "firstName": "Yann", "lastName": "LeCun"}]}}
    paper = item_paper(article)
    assert paper is not None
    assert (paper.title, paper.doi, paper.authors, paper.published) == (
        "Deep Learning", "10.1038/NATURE14539", ("Yann LeCun",), date(2021, 3, 4))
    assert paper.url == "https://www.nature.com/articles/nature14539" and paper.arxiv_id is None
    # An arXiv paper saved as a web page: the ID comes from the URL, the version too.
    page = item_paper({"itemType": "webpage", "title": "T", "url": "https://arxiv.org/abs/2401.00001v3",
                       "creators": [{"creatorType": "contributor", "name": "Team X"}]})
    assert page is not None and (page.arxiv_id, page.version, page.authors) == ("2401.00001", 3, ("Team X",))
    # Year-only dates are not invented into a month.
    year_only = item_paper({"itemType": "book", "title": "B", "date": "2019"})
    assert year_only is not None and year_only.published is None
    for not_a_paper in ({"itemType": "note", "note": "<p>x</p>"}, {"itemType": "attachment", "title": "PDF"},
                        {"itemType": "book", "title": "  "}):
        assert item_paper(not_a_paper) is None


def test_tldr_reads_back_from_the_summary_note() -> None:
    paper = Paper(title="T", arxiv_id="2506.02013",
                  summary=Summary(tldr="用 <b> & 扩散", motivation="因为"))
    note = summary_note_html(paper)
    assert note is not None
    assert note_tldr(note) == "用 <b> & 扩散"
    assert note_tldr("<div><p>My own note</p></div>") is None


def test_find_collection_by_path() -> None:
    found = [Collection("AAAA2222", 1, "Thesis"), Collection("BBBB2222", 1, "Ch1", "AAAA2222"),
             Collection("CCCC2222", 1, "Ch1"), Collection("AAAA3333", 1, "Ch1 ", "AAAA2222")]
    # Names compare trimmed; of same-named siblings the lowest key wins (as push picks).
    assert find_collection(["Thesis", "Ch1"], found) == found[3]
    assert find_collection(["Ch1"], found) == found[2]
    assert find_collection(["Thesis", "Ch2"], found) is None


# -- the command against the emulator ----------------------------------------------------


def _push(run_cli: Any, emu: ZoteroEmulator, *args: str) -> None:
    result = run_cli("push", MD, "--collection", "Thesis/Ch1", *args, env=emu.env)
    assert result.exit_code == 0, result.stderr


def test_export_a_collection_with_the_same_keys_as_the_digest(run_cli: Any, zotero_emu: ZoteroEmulator,
                                                               tmp_path: Path) -> None:
    _push(run_cli, zotero_emu, "--select", "2506.02013,2506.02044,2506.02263")
    library = zotero_emu.library()
    ch1 = next(k for k, c in library.collections.items() if c["name"] == "Ch1")
    # Something zotsync did not make, and something in the trash.
    zotero_emu.seed_items(items=[
        {"itemType": "journalArticle", "title": "Attention Is All You Need", "date": "2017-06-12",
         "DOI": "10.5555/3295222.3295349", "collections": [ch1],
         "creators": [{"creatorType": "author", "firstName": "Ashish", "lastName": "Vaswani"}]},
        {"itemType": "book", "title": "Thrown Away", "collections": [ch1], "deleted": True},
    ])
    from_digest = run_cli("bib", MD, "-o", str(tmp_path / "digest.bib"), "--json")
    digest_keys = {a["arxiv_id"]: a["key"] for a in json.loads(from_digest.stdout)["added"]}

    zotero_emu.clear_log()
    out = tmp_path / "thesis.bib"
    result = run_cli("bib", "--from-zotero", "--collection", "Thesis/Ch1", "-o", str(out), "--tldr", "--json",
                     env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    added = json.loads(result.stdout)["added"]
    assert sorted(a["arxiv_id"] or a["title"] for a in added) == [
        "2506.02013", "2506.02044", "2506.02263", "Attention Is All You Need"]
    for entry in added:
        if entry["arxiv_id"]:
            assert entry["key"] == digest_keys[entry["arxiv_id"]]  # one key per paper, in every file
            assert "annote = {" in entry["entry"]  # the TL;DR, from zotsync's note
    text = out.read_text(encoding="utf-8")
    assert "Thrown Away" not in text and "doi = {10.5555/3295222.3295349}" in text
    assert "4 papers in Thesis/Ch1" in result.stderr
    paths = [r.path for r in zotero_emu.log]
    assert f"/users/1/collections/{ch1}/items/top" in paths
    notes = {key for key, item in library.items.items() if item["itemType"] == "note"}
    by_key = [set(r.query["itemKey"].split(",")) for r in zotero_emu.log if "itemKey" in r.query]
    assert by_key[-1] == notes  # the three notes, in one request
    assert zotero_emu.writes == []


def test_without_tldr_no_note_is_fetched(run_cli: Any, zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    _push(run_cli, zotero_emu)
    zotero_emu.clear_log()
    result = run_cli("bib", "--from-zotero", "-c", "Thesis/Ch1", "-o", str(tmp_path / "r.bib"),
                     env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    assert "8 papers in Thesis/Ch1" in result.stderr
    log = zotero_emu.log
    assert len(log) == 2  # the index is current (304), then one page of the collection
    assert (log[0].query["format"], log[0].status) == ("versions", 304)
    assert log[1].path.endswith("/items/top") and "itemKey" not in log[1].query


def test_errors_are_one_line(run_cli: Any, zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    out = tmp_path / "r.bib"
    missing = run_cli("bib", "--from-zotero", "--collection", "Nope/Ch9", "-o", str(out), env=zotero_emu.env)
    assert missing.exit_code == 2
    assert "no collection 'Nope/Ch9' in user library 1" in missing.stderr
    assert "zotsync collections" in missing.stderr
    no_key = run_cli("bib", "--from-zotero", "--collection", "A", "-o", str(out))
    assert no_key.exit_code != 0 and "zotsync login" in no_key.stderr
    assert "Traceback" not in missing.stderr + no_key.stderr
    both = run_cli("bib", MD, "--from-zotero", "--collection", "A", "-o", str(out))
    assert both.exit_code == 2 and "give no FILE" in both.stderr
    assert run_cli("bib", "--from-zotero", "-o", str(out)).exit_code == 2
    assert not out.exists()
