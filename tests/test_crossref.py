"""The published version of a paper, from Crossref: the pure reading of a work, the client
against the loopback stand-in, and what it makes in Zotero and in a .bib."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from servers.crossref_standin import CrossrefStandIn
from servers.lookup_fixtures import Sample
from servers.zotero_emulator import ZoteroEmulator
from zotsync.core.bibtex_entry import EntryOptions, format_entry
from zotsync.core.crossref import NotAWork, work_paper
from zotsync.core.dedup import merge
from zotsync.core.paper import Paper, Publication
from zotsync.core.zotero_item import paper_item
from zotsync.core.zotero_paper import item_paper
from zotsync.lookup.cache import record_from_json, record_to_json
from zotsync.lookup.crossref import CrossrefClient
from zotsync.lookup.http import HttpClient, Policy, SourceUnavailable

FAST = Policy(delay=0.0, retries=2, backoff=0.01, timeout=5)

# A journal article as api.crossref.org answers it (trimmed to the fields that matter,
# markup and all).
JOURNAL_WORK = {
    "status": "ok", "message-type": "work", "message-version": "1.0.0",
    "message": {
        "DOI": "10.1111/j.1365-2966.2011.19851.x", "type": "journal-article",
        "title": ["A model for polarised microwave foreground emission from interstellar dust"],
        "container-title": ["Monthly Notices of the Royal Astronomical Society"],
        "short-container-title": ["Monthly Notices of the Royal Astronomical Society"],
        "volume": "419", "issue": "2", "page": "1795-1803", "publisher": "Oxford University Press (OUP)",
        "ISSN": ["0035-8711", "1365-2966", "0035-8711"],
        "author": [{"given": "T.", "family": "Ghosh", "sequence": "first"},
                   {"given": "A. J.", "family": "Banday", "sequence": "additional"},
                   {"name": "The Planck Collaboration", "sequence": "additional"}],
        "issued": {"date-parts": [[2011, 10, 24]]},
        "published-print": {"date-parts": [[2012, 1, 11]]},
        "published-online": {"date-parts": [[2011, 10, 24]]},
    },
}
PROCEEDINGS_WORK = {
    "DOI": "10.1145/3610548.3618154", "type": "proceedings-article",
    "title": ["Break-A-Scene: Extracting Multiple Concepts from a Single Image"],
    "container-title": ["SIGGRAPH Asia 2023 Conference Papers"], "page": "1-12", "publisher": "ACM",
    "ISBN": ["9798400703157"], "issued": {"date-parts": [[2023, 12, 10]]},
    "author": [{"given": "Omri", "family": "Avrahami"}],
}


# -- reading a work ---------------------------------------------------------------------


def test_a_journal_article() -> None:
    paper = work_paper(JOURNAL_WORK)
    assert paper.doi == "10.1111/j.1365-2966.2011.19851.x"
    assert paper.authors == ("T. Ghosh", "A. J. Banday", "The Planck Collaboration")
    assert paper.published == date(2011, 10, 24)  # `issued`: the earliest, as Zotero's DOI import
    assert paper.publication == Publication(
        kind="journal-article", container="Monthly Notices of the Royal Astronomical Society",
        container_short="Monthly Notices of the Royal Astronomical Society", volume="419", issue="2",
        pages="1795-1803", issn=("0035-8711", "1365-2966"), publisher="Oxford University Press (OUP)",
        date="2011-10-24")


def test_a_proceedings_article_and_partial_dates() -> None:
    paper = work_paper({**PROCEEDINGS_WORK, "issued": {"date-parts": [[2023, 12]]}})
    assert paper.publication is not None and paper.publication.kind == "proceedings-article"
    assert (paper.publication.container, paper.publication.isbn) == ("SIGGRAPH Asia 2023 Conference Papers",
                                                                      ("9798400703157",))
    assert paper.publication.date == "2023-12" and paper.published is None  # no day: no full date
    assert paper.year == 2023  # a paper known by its DOI alone takes the venue's year


def test_markup_and_other_types() -> None:
    title = "<jats:italic>In vivo</jats:italic> &amp; H<sub>2</sub>O"
    marked = work_paper({**PROCEEDINGS_WORK, "title": [title]})
    assert marked.title == "In vivo & H2O"
    for kind in ("posted-content", "book-chapter", "dataset"):
        assert work_paper({**PROCEEDINGS_WORK, "type": kind}).publication is None
    assert work_paper({**PROCEEDINGS_WORK, "container-title": []}).publication is None
    for not_a_work in ({"status": "ok", "message": {"items": []}}, {"DOI": "nonsense"}, {"message": []}):
        with pytest.raises(NotAWork):
            work_paper(not_a_work)


def test_a_publication_survives_the_cache_and_a_merge() -> None:
    paper = work_paper(JOURNAL_WORK)
    assert record_from_json(json.loads(json.dumps(record_to_json(paper)))) == paper.replace(url=paper.url)
    bare = Paper(title=paper.title, doi=paper.doi)
    assert merge(bare, paper).publication == paper.publication
    assert merge(paper, bare).publication == paper.publication


# -- the client ---------------------------------------------------------------------------


def client_for(standin: CrossrefStandIn, mailto: str | None = None) -> CrossrefClient:
    return CrossrefClient(HttpClient("Crossref", FAST), standin.url, mailto)


def test_the_client_reads_a_work_and_sends_mailto(crossref_standin: CrossrefStandIn,
                                                   lookup_sample: Sample) -> None:
    known = next(p for p in lookup_sample.catalogue if p.doi)
    assert known.doi is not None
    paper = client_for(crossref_standin, "me@example.org").work(known.doi)
    assert paper is not None and paper.publication is not None
    assert (paper.doi, paper.publication.container, paper.publication.pages) == (
        known.doi, "Neural Computation", "1-40")
    [request] = crossref_standin.requests()
    assert request.params == {"mailto": "me@example.org"}
    assert request.user_agent.startswith("zotsync/")


def test_unknown_dois_malformed_answers_and_rate_limits(crossref_standin: CrossrefStandIn,
                                                        lookup_sample: Sample) -> None:
    client = client_for(crossref_standin)
    assert client.work("10.9999/nobody-registered-this") is None
    crossref_standin.fail_next("malformed", times=2)
    with pytest.raises(SourceUnavailable, match="Crossref: unreadable answer twice"):
        client.work("10.1162/NECO_a_00800")
    crossref_standin.fail_next("429", retry_after="0")
    assert client.work("10.1162/NECO_a_00800") is not None
    assert [r.status for r in crossref_standin.requests()][-2:] == [429, 200]


# -- what it makes ------------------------------------------------------------------------


PUBLISHED = Paper(
    title="Break-A-Scene: Extracting Multiple Concepts from a Single Image", arxiv_id="2305.16311",
    version=2, doi="10.1145/3610548.3618154", authors=("Omri Avrahami", "Kfir Aberman"),
    categories=("cs.CV", "cs.GR"), primary_category="cs.CV", published=date(2023, 5, 25),
    publication=work_paper(PROCEEDINGS_WORK).publication,
)


def test_the_zotero_item_is_the_published_version_with_the_arxiv_id_in_extra() -> None:
    item = paper_item(PUBLISHED)
    assert item["itemType"] == "conferencePaper"
    assert {k: item.get(k) for k in ("proceedingsTitle", "pages", "date", "DOI", "extra", "url", "ISBN",
                                      "libraryCatalog", "shortTitle")} == {
        "proceedingsTitle": "SIGGRAPH Asia 2023 Conference Papers", "pages": "1-12", "date": "2023-12-10",
        "DOI": "10.1145/3610548.3618154", "extra": "arXiv:2305.16311 [cs.CV]",
        "url": "https://arxiv.org/abs/2305.16311", "ISBN": "9798400703157", "libraryCatalog": "arXiv.org",
        "shortTitle": "Break-A-Scene"}
    assert "archiveID" not in item and "repository" not in item  # preprint fields, not this type's
    journal = paper_item(work_paper(JOURNAL_WORK))  # known by its DOI alone
    assert journal["itemType"] == "journalArticle"
    assert (journal["publicationTitle"], journal["ISSN"], journal["libraryCatalog"], journal["url"]) == (
        "Monthly Notices of the Royal Astronomical Society", "0035-8711, 1365-2966", "DOI.org (Crossref)",
        "https://doi.org/10.1111/j.1365-2966.2011.19851.x")
    # Without a DOI the publication is not trusted to be this paper's: a preprint as before.
    assert paper_item(PUBLISHED.replace(doi=None))["itemType"] == "preprint"


def test_items_read_back_with_their_publication() -> None:
    for paper in (PUBLISHED, work_paper(JOURNAL_WORK)):
        back = item_paper(paper_item(paper))
        assert back is not None
        assert back.publication == paper.publication
        assert (back.arxiv_id, back.doi) == (paper.arxiv_id, paper.doi)
    # A date typed as "12/2006": the API's parsedDate says what Zotero understood.
    typed = item_paper({"data": {"itemType": "journalArticle", "title": "T", "DOI": "10.1000/x",
                                 "publicationTitle": "J", "date": "12/2006"},
                        "meta": {"parsedDate": "2006-12"}})
    assert typed is not None and typed.publication is not None
    assert typed.publication.date == "2006-12"
    stored = item_paper({"itemType": "journalArticle", "title": "T", "DOI": "10.1000/x",
                         "publicationTitle": "J", "date": "2006-12-00 12/2006"})
    assert stored is not None and stored.publication is not None and stored.publication.date == "2006-12"


def test_bib_entries_cite_the_published_version() -> None:
    paper = work_paper(JOURNAL_WORK).replace(arxiv_id="1107.4612", primary_category="astro-ph.CO")
    article = format_entry(paper, "ghosh2011model").text
    assert article.startswith("@article{ghosh2011model,")
    for line in ("journal = {Monthly Notices of the Royal Astronomical Society}", "year = {2011}",
                 "month = oct", "volume = {419}", "number = {2}", "pages = {1795--1803}",
                 "eprint = {1107.4612}", "doi = {10.1111/j.1365-2966.2011.19851.x}"):
        assert line in article
    assert "howpublished" not in article
    biblatex = format_entry(PUBLISHED, "avrahami2023break", EntryOptions(style="biblatex")).text
    assert biblatex.startswith("@inproceedings{avrahami2023break,")
    for line in ("booktitle = {SIGGRAPH Asia 2023 Conference Papers}", "date = {2023-12-10}",
                 "pages = {1--12}", "publisher = {ACM}", "eprinttype = {arxiv}", "eprintclass = {cs.CV}"):
        assert line in biblatex
    assert "pubstate" not in biblatex and "journaltitle" not in biblatex


def test_push_makes_the_published_version_through_enrichment(
    run_cli: Any, zotero_emu: ZoteroEmulator, crossref_standin: CrossrefStandIn, lookup_sample: Sample,
    tmp_path: Path,
) -> None:
    known = next(p for p in lookup_sample.catalogue if p.doi)
    digest = tmp_path / "dois.txt"
    digest.write_text(f"https://doi.org/{known.doi}\n", encoding="utf-8")  # a plain list of DOIs
    result = run_cli("push", str(digest), "-c", "Published", env={**zotero_emu.env, **crossref_standin.env})
    assert result.exit_code == 0, result.stderr
    [item] = [i for i in zotero_emu.library().items.values() if i["itemType"] != "attachment"]
    assert item["itemType"] == "journalArticle"  # accepted by the emulator's schema check
    assert (item["title"], item["publicationTitle"], item["volume"], item["DOI"]) == (
        known.title, "Neural Computation", "28", known.doi)
    assert [c["lastName"] for c in item["creators"]] == [name.split()[-1] for name in known.authors]
    again = run_cli("push", str(digest), "-c", "Published", env={**zotero_emu.env, **crossref_standin.env})
    assert again.exit_code == 0 and "created 0" in again.stderr  # found again by its DOI


def test_odd_shapes_are_not_a_work_or_are_read_leniently() -> None:
    for odd in ([], "text", 5, {"message": {"DOI": 5}}):
        with pytest.raises(NotAWork):
            work_paper(odd)  # type: ignore[arg-type]
    lenient = work_paper({**PROCEEDINGS_WORK, "issued": {"date-parts": [2020]}, "author": {"given": "A"},
                          "published-print": {"date-parts": "2020"}, "title": 5})
    assert (lenient.published, lenient.authors, lenient.title) == (None, (), "")
    assert lenient.publication is not None and lenient.publication.date is None
