"""rss.arxiv.org feeds: Atom and RSS 2.0, announce types, dc:creator, empty feeds."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from zotsync.core.paper import Paper, Source
from zotsync.errors import InputError
from zotsync.readers.arxiv_feed import mail_date, read
from zotsync.readers.base import ReadResult

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 22)
ANNOUNCED = date(2026, 6, 17)

CURRICULUM = Paper(
    title="Curriculum Learning for Sparse Rewards",
    arxiv_id="2606.11001",
    version=1,
    authors=("Ana Souza", "Bilal Rahman", "Chen Wei"),  # one string: ", " and " and "
    abstract=("Sparse rewards slow down reinforcement learning. We order tasks by difficulty and learn "
              "faster."),
    categories=("cs.LG", "cs.AI"),
    primary_category="cs.LG",
    published=ANNOUNCED,  # a first version: announced that day
    updated=ANNOUNCED,
    url="https://arxiv.org/abs/2606.11001",
    pdf_url="https://arxiv.org/pdf/2606.11001",
)
KERNEL = Paper(
    title="Kernel Methods Meet Optimal Transport",
    arxiv_id="2606.10877",
    version=1,
    authors=("Fran\\c{c}ois Dubois", "Paulo Andr\\'e Lima"),  # TeX accents are left as arXiv sends them
    abstract="We connect kernel two-sample tests with entropic optimal transport.",
    categories=("stat.ML", "cs.LG", "math.ST"),  # a cross-list: its own primary comes first
    primary_category="stat.ML",
    published=ANNOUNCED,
    updated=ANNOUNCED,
    url="https://arxiv.org/abs/2606.10877",
    pdf_url="https://arxiv.org/pdf/2606.10877",
)
FEDERATED = Paper(
    title="Federated Learning under Label Shift",
    arxiv_id="2511.04321",
    version=3,
    doi="10.5555/tmlr.2026.0042",
    authors=("Grace Hopper", "Alan Turing"),  # the affiliation (with its comma) is dropped
    abstract="Label shift across clients hurts federated averaging; we reweight.",
    categories=("cs.LG", "cs.DC"),
    primary_category="cs.LG",
    updated=ANNOUNCED,  # a replacement: only this version's date is known
    url="https://arxiv.org/abs/2511.04321",
    pdf_url="https://arxiv.org/pdf/2511.04321",
    journal_ref="Trans. Mach. Learn. Res. (2026)",
)


def read_data(name: str) -> ReadResult:
    return read((DATA / name).read_text(encoding="utf-8"), name, as_of=TODAY)


def cited(paper: Paper, file: str, line: int) -> Paper:
    return paper.replace(sources=(Source(file, line),))


def test_atom_feed_every_field() -> None:
    result = read_data("arxiv_feed_atom.xml")
    assert result.warnings == []
    new, cross, replace, replace_cross = result.entries
    name = "arxiv_feed_atom.xml"
    assert new == cited(CURRICULUM, name, 8)
    assert cross == cited(KERNEL, name, 23)  # its title was wrapped and indented
    # <arxiv:DOI> lists arXiv's own DOI first: the journal DOI is the other one
    assert replace == cited(FEDERATED, name, 39)
    assert replace_cross == Paper(
        title="Bayesian Optimisation with Unknown Constraints",
        arxiv_id="2403.00999",
        version=2,
        authors=("Ines Moreau",),
        abstract="Constraints are unknown and expensive; we model them jointly.",
        categories=("stat.ML", "cs.LG"),
        primary_category="stat.ML",
        updated=ANNOUNCED,
        url="https://arxiv.org/abs/2403.00999",
        pdf_url="https://arxiv.org/pdf/2403.00999",
        sources=(Source(name, 55),),
    )


def test_rss_feed_every_field() -> None:
    result = read_data("arxiv_feed_rss.xml")
    assert result.warnings == []
    name = "arxiv_feed_rss.xml"
    assert result.entries == [
        cited(CURRICULUM, name, 17), cited(KERNEL, name, 31), cited(FEDERATED, name, 45)]


def test_id_falls_back_to_the_summary_then_the_link() -> None:
    text = (DATA / "arxiv_feed_atom.xml").read_text(encoding="utf-8")
    text = text.replace("<id>oai:arXiv.org:2606.11001v1</id>", "<id>urn:something-else</id>")
    text = text.replace("<id>oai:arXiv.org:2606.10877v1</id>", "<id></id>")
    text = text.replace("arXiv:2606.10877v1 Announce Type: cross \nAbstract: ", "")
    first, second, *_ = read(text, "f.xml", as_of=TODAY).entries
    assert (first.arxiv_id, first.version) == ("2606.11001", 1)  # from "arXiv:2606.11001v1 Announce ..."
    assert (second.arxiv_id, second.version) == ("2606.10877", None)  # from the unversioned link
    assert second.abstract == "We connect kernel two-sample tests with entropic optimal transport."
    assert second.published == ANNOUNCED  # announced as a cross-list: a first version


def test_entry_without_any_id_is_a_warning() -> None:
    text = (DATA / "arxiv_feed_rss.xml").read_text(encoding="utf-8")
    text = text.replace("oai:arXiv.org:2606.10877v1", "tag:example.org,2026:1")
    text = text.replace("arXiv:2606.10877v1 Announce Type: cross \nAbstract: ", "")
    text = text.replace("<link>https://arxiv.org/abs/2606.10877</link>", "<link>https://example.org/</link>")
    result = read(text, "f.xml", as_of=TODAY)
    assert [p.arxiv_id for p in result.entries] == ["2606.11001", "2511.04321"]
    assert [(w.line, w.message) for w in result.warnings] == [
        (31, "no arXiv ID in entry (id: 'tag:example.org,2026:1'); skipped")]


def test_old_feed_title_suffix_is_dropped() -> None:
    text = (DATA / "arxiv_feed_rss.xml").read_text(encoding="utf-8").replace(
        "<title>Curriculum Learning for Sparse Rewards</title>",
        "<title>Curriculum Learning for Sparse Rewards. (arXiv:2606.11001v1 [cs.LG] UPDATED)</title>")
    assert read(text, "f.xml", as_of=TODAY).entries[0].title == "Curriculum Learning for Sparse Rewards."


def test_atom_author_elements_are_read_when_there_is_no_dc_creator() -> None:
    text = (DATA / "arxiv_feed_atom.xml").read_text(encoding="utf-8").replace(
        "<dc:creator>Ines Moreau</dc:creator>",
        "<author><name>Ines  Moreau</name></author><author><name>Jo Park</name></author>")
    assert read(text, "f.xml", as_of=TODAY).entries[-1].authors == ("Ines Moreau", "Jo Park")


def test_empty_feed_is_a_warning_not_an_error() -> None:
    text = (DATA / "arxiv_feed_rss.xml").read_text(encoding="utf-8")
    empty = text[: text.index("    <item>")] + "  </channel>\n</rss>\n"
    result = read(empty, "weekend.xml", as_of=TODAY)
    assert result.entries == []
    assert [str(w) for w in result.warnings] == [
        "weekend.xml: the feed has no entries (arXiv feeds are empty on weekends and holidays)"]


def test_malformed_xml_names_the_line() -> None:
    text = (DATA / "arxiv_feed_atom.xml").read_text(encoding="utf-8")
    cut = text[: text.index("<dc:creator>Ines")]
    with pytest.raises(InputError) as caught:
        read(cut, "arxiv_feed_atom.xml", as_of=TODAY)
    line = cut.count("\n") + 1
    assert str(caught.value).startswith(f"arxiv_feed_atom.xml:{line}: is not well-formed XML")
    with pytest.raises(InputError, match=r"^f.xml:3: is not well-formed XML: not well-formed"):
        read("<rss>\n<channel>\n<item><title>A & B</title></item></channel></rss>", "f.xml", as_of=TODAY)


def test_other_documents_are_errors() -> None:
    with pytest.raises(InputError, match=r"^p.html:1: is not an RSS 2.0 or Atom feed \(root element <html>"):
        read("<html><body>arXiv</body></html>", "p.html", as_of=TODAY)
    with pytest.raises(InputError, match=r"^listing_email.txt:1: is not XML"):
        read_data("listing_email.txt")


@pytest.mark.parametrize(("text", "expected"), [
    ("Wed, 17 Jun 2026 00:00:00 -0400", date(2026, 6, 17)),
    ("Fri, 17 Mar 23 00:31:14 GMT", date(2023, 3, 17)),
    ("1 Apr 1999", date(1999, 4, 1)),
    ("Thu, 31 Feb 2026", None),
    ("yesterday", None),
    (None, None),
])
def test_mail_dates(text: str | None, expected: date | None) -> None:
    assert mail_date(text) == expected


def test_ten_thousand_entries_parse_quickly() -> None:
    text = (DATA / "arxiv_feed_atom.xml").read_text(encoding="utf-8")
    head, rest = text.split("  <entry>", 1)
    entry = "  <entry>" + rest.split("  </entry>", 1)[0] + "  </entry>\n"
    big = head + "".join(entry.replace("2606.11001", f"2606.{n:05d}") for n in range(10_000)) + "</feed>\n"
    start = time.thread_time()
    result = read(big, "big.xml", as_of=TODAY)
    assert time.thread_time() - start < 2.0  # CPU seconds; about 0.4 when written
    assert len(result.entries) == 10_000
    assert result.entries[-1].sources[0].line == big.count("\n", 0, big.rindex("<entry>")) + 1
