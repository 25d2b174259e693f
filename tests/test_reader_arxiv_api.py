"""arXiv API Atom answers: entries, paging numbers, the error feed, malformed XML."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from zotsync.core.paper import Paper, Source
from zotsync.errors import InputError
from zotsync.readers.arxiv_api import parse_feed, read

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 22)
QUERY = (DATA / "arxiv_query.xml").read_text(encoding="utf-8")

SURVEY = Paper(
    title="Graph Neural Networks for Protein Docking: A Survey",
    arxiv_id="2401.01234",
    version=3,
    doi="10.1093/bib/bbae123",  # the first of the two DOIs arXiv lists
    authors=("Ingrid Nyström", "Kwame Mensah"),  # affiliations are not names
    abstract=("We survey graph neural networks for protein docking. We cover rigid and flexible docking, "
              "and list open problems (<5% of methods model flexibility)."),
    categories=("cs.LG", "q-bio.BM"),  # primary first, no repeats
    primary_category="cs.LG",
    published=date(2024, 1, 3),
    updated=date(2024, 5, 20),
    url="https://arxiv.org/abs/2401.01234",
    pdf_url="https://arxiv.org/pdf/2401.01234",
    comment="32 pages, 7 figures; v3: journal version",
    journal_ref="Briefings in Bioinformatics 25(3), 2024",
    sources=(Source("arxiv_query.xml", 10),),
)


def test_entries_every_field() -> None:
    result = read(QUERY, "arxiv_query.xml", as_of=TODAY)
    assert result.warnings == []
    survey, branes, tiny = result.entries
    assert survey == SURVEY
    assert branes == Paper(
        title="Branes and Boundaries",
        arxiv_id="hep-th/9901001",  # old-style ID
        version=2,
        authors=("P. Q. Physicist",),
        abstract="We discuss branes ending on boundaries.",
        categories=("hep-th",),
        primary_category="hep-th",
        published=date(1999, 1, 4),
        updated=date(1999, 2, 11),
        url="https://arxiv.org/abs/hep-th/9901001",
        pdf_url="https://arxiv.org/pdf/hep-th/9901001",
        sources=(Source("arxiv_query.xml", 37),),
    )
    assert tiny == Paper(
        title="Tiny Models, Big Claims",
        arxiv_id="2312.04567",
        version=1,
        doi="10.18653/v1/2023.example-1.5",  # from the doi link when there is no <arxiv:doi>
        authors=("Sam Lee",),
        abstract="A short note.",
        categories=("cs.CL",),
        primary_category="cs.CL",
        published=date(2023, 12, 7),
        updated=date(2023, 12, 7),
        url="https://arxiv.org/abs/2312.04567",
        pdf_url="https://arxiv.org/pdf/2312.04567",
        sources=(Source("arxiv_query.xml", 51),),
    )


def test_parse_feed_gives_paging_numbers() -> None:
    feed = parse_feed(QUERY, "arxiv_query.xml")
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (3, 0, 100)
    assert feed.entries[0] == SURVEY
    assert feed.warnings == []


def test_unknown_ids_simply_have_no_entry() -> None:
    # The query asked for 4 IDs; 9912.99999 does not exist and has no entry.
    assert "9912.99999" in QUERY
    assert len(parse_feed(QUERY, "q.xml").entries) == 3


def test_empty_answer_is_valid() -> None:
    empty = QUERY[: QUERY.index("  <entry>")].replace("totalResults>3<", "totalResults>0<")
    feed = parse_feed(empty + "</feed>\n", "none.xml")
    assert feed.entries == [] and feed.warnings == []
    assert feed.total_results == 0


def test_error_feed_raises_with_arxivs_message() -> None:
    text = (DATA / "arxiv_error.xml").read_text(encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read(text, "arxiv_error.xml", as_of=TODAY)
    assert str(caught.value) == ("arxiv_error.xml:9: arXiv API error: incorrect id format for 2401.1234x "
                                 "(fix the arXiv ID or search query it names and ask again)")


def test_entry_with_an_unreadable_id_is_a_warning() -> None:
    text = QUERY.replace("http://arxiv.org/abs/hep-th/9901001v2", "http://arxiv.org/abs/what-is-this")
    result = read(text, "q.xml", as_of=TODAY)
    assert [p.arxiv_id for p in result.entries] == ["2401.01234", "2312.04567"]
    assert [(w.line, w.message) for w in result.warnings] == [
        (37, "no arXiv ID in entry (id: 'http://arxiv.org/abs/what-is-this'); skipped")]


def test_arxiv_own_doi_is_not_a_journal_doi() -> None:
    text = QUERY.replace("10.1093/bib/bbae123 10.1093/bib/bbae999", "10.48550/arXiv.2401.01234")
    text = text.replace('href="https://doi.org/10.1093/bib/bbae123"', 'href="https://doi.org/10.48550/arXiv.2401.01234"')
    assert read(text, "q.xml", as_of=TODAY).entries[0].doi is None


def test_truncated_xml_names_the_line() -> None:
    cut = QUERY[: QUERY.index("<title>Tiny Models")]
    with pytest.raises(InputError) as caught:
        read(cut, "arxiv_query.xml", as_of=TODAY)
    message = str(caught.value)
    assert message.startswith(f"arxiv_query.xml:{cut.count(chr(10)) + 1}: is not well-formed XML: ")
    assert "download it again" in message
    assert "\n" not in message


def test_mismatched_tag_names_its_line() -> None:
    broken = QUERY.replace("</title>\n    <updated>1999", "</titel>\n    <updated>1999")
    with pytest.raises(InputError, match=r"^q.xml:39: is not well-formed XML: mismatched tag"):
        read(broken, "q.xml", as_of=TODAY)


def test_not_xml_and_not_an_atom_feed() -> None:
    with pytest.raises(InputError, match=r"^ids.txt:1: is not XML \(expected '<'\)"):
        read((DATA / "ids.txt").read_text(encoding="utf-8"), "ids.txt", as_of=TODAY)
    with pytest.raises(InputError, match=r"^blank.xml:1: is not XML"):
        read("\n\n", "blank.xml", as_of=TODAY)
    with pytest.raises(InputError, match=r"^text.xml:3: is not XML"):
        read("\n\n  hello <feed/>", "text.xml", as_of=TODAY)
    rss = (DATA / "arxiv_feed_rss.xml").read_text(encoding="utf-8")
    with pytest.raises(InputError, match=r"^rss.xml:1: is not an arXiv API Atom feed \(root element <rss>\)"):
        read(rss, "rss.xml", as_of=TODAY)


def test_doctype_is_refused() -> None:
    bomb = '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n<feed>&lol;</feed>'
    with pytest.raises(InputError, match=r"^b.xml:2: XML with a DOCTYPE"):
        read(bomb, "b.xml", as_of=TODAY)


def test_start_tag_in_a_comment_cites_line_1_rather_than_a_wrong_line() -> None:
    text = QUERY.replace("  <entry>", "  <!-- <entry> -->\n  <entry>", 1)
    entries = read(text, "q.xml", as_of=TODAY).entries
    assert len(entries) == 3
    assert {p.sources[0].line for p in entries} == {1}


def test_ten_thousand_entries_parse_quickly() -> None:
    head, rest = QUERY.split("  <entry>", 1)
    entry = "  <entry>" + rest.split("  </entry>", 1)[0] + "  </entry>\n"
    body = "".join(entry.replace("2401.01234", f"2401.{n:05d}") for n in range(10_000))
    text = head + body + "</feed>\n"
    start = time.thread_time()
    result = read(text, "big.xml", as_of=TODAY)
    assert time.thread_time() - start < 2.0  # CPU seconds; about 0.5 when written
    assert len(result.entries) == 10_000
    assert result.entries[-1].sources[0].line == text.count("\n", 0, text.rindex("<entry>")) + 1
