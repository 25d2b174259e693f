"""Paper -> Zotero item mapping, note and attachment (issue 3, pure part)."""

from __future__ import annotations

from datetime import date

import pytest

from zotsync.core.arxiv_categories import category_tag
from zotsync.core.paper import Paper, Source, Summary
from zotsync.core.zotero_item import (
    NOTE_TAG,
    creator,
    note_item,
    note_text,
    paper_item,
    pdf_attachment,
    short_title,
    summary_note_html,
)

BERT = Paper(
    title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    arxiv_id="1810.04805",
    version=2,
    authors=("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"),
    abstract="We introduce a new language representation model called BERT.",
    categories=("cs.CL",),
    primary_category="cs.CL",
    published=date(2018, 10, 11),
    updated=date(2019, 5, 24),
    sources=(Source("d.md", 1),),
)


def test_preprint_fields_like_the_arxiv_translator() -> None:
    item = paper_item(BERT, tags=["to-read"], collections=["ABCD2345"])
    assert item["itemType"] == "preprint"
    assert item["title"] == BERT.title
    assert item["creators"][0] == {"creatorType": "author", "firstName": "Jacob", "lastName": "Devlin"}
    assert item["creators"][1] == {"creatorType": "author", "firstName": "Ming-Wei", "lastName": "Chang"}
    assert item["abstractNote"] == BERT.abstract
    assert item["repository"] == "arXiv"
    assert item["archiveID"] == "arXiv:1810.04805"
    assert item["DOI"] == "10.48550/arXiv.1810.04805"
    assert item["url"] == "https://arxiv.org/abs/1810.04805"
    assert item["date"] == "2019-05-24"  # the version's date, as the translator's <updated>
    assert item["extra"] == "arXiv:1810.04805 [cs.CL]\nversion: 2"
    assert item["libraryCatalog"] == "arXiv.org"
    assert item["shortTitle"] == "BERT"
    assert item["tags"] == [{"tag": "Computer Science - Computation and Language", "type": 1},
                            {"tag": "to-read"}]
    assert item["collections"] == ["ABCD2345"]
    for base_field in ("publisher", "number", "type", "arXivID", "publicationTitle"):
        assert base_field not in item


def test_old_style_id_has_no_category_bracket() -> None:
    paper = Paper(title="The entropy formula for the Ricci flow", arxiv_id="math/0211159",
                  primary_category="math.DG", categories=("math.DG",))
    item = paper_item(paper)
    assert item["extra"] == "arXiv:math/0211159"
    assert item["DOI"] == "10.48550/arXiv.math/0211159"
    assert item["tags"] == [{"tag": "Mathematics - Differential Geometry", "type": 1}]
    assert "shortTitle" not in item  # no colon, no short title


def test_date_falls_back_to_first_version_then_the_id_month() -> None:
    assert paper_item(BERT.replace(updated=None))["date"] == "2018-10-11"
    assert paper_item(BERT.replace(updated=None, published=None))["date"] == "2018-10"


def test_journal_doi_only_paper_is_a_journal_article() -> None:
    paper = Paper(title="A Journal Paper", doi="10.1000/XYZ", authors=("Ada Lovelace",))
    item = paper_item(paper)
    assert item["itemType"] == "journalArticle"
    assert item["DOI"] == "10.1000/XYZ"
    assert item["url"] == "https://doi.org/10.1000/XYZ"
    assert "repository" not in item and "extra" not in item


def test_paper_without_any_id_is_a_preprint_from_what_is_known() -> None:
    paper = Paper(title="HippoMM: Memory", abstract="An abstract.", published=date(2025, 4, 14))
    item = paper_item(paper)
    assert item["itemType"] == "preprint"
    assert item["date"] == "2025-04-14"
    assert item["shortTitle"] == "HippoMM"
    assert item["creators"] == []
    assert "url" not in item and "DOI" not in item


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jacob Devlin", {"firstName": "Jacob", "lastName": "Devlin"}),
        ("Peter W. Sullivan", {"firstName": "Peter W.", "lastName": "Sullivan"}),
        ("Devlin, Jacob", {"firstName": "Jacob", "lastName": "Devlin"}),
        ("Martin Luther King Jr.", {"firstName": "Martin Luther", "lastName": "King Jr."}),
        ("OpenAI", {"name": "OpenAI"}),
        ("张三", {"name": "张三"}),
        ("The ATLAS Collaboration", {"name": "The ATLAS Collaboration"}),
        ("  Sun   Ye ", {"firstName": "Sun", "lastName": "Ye"}),
    ],
)
def test_creator_names(name: str, expected: dict[str, str]) -> None:
    assert creator(name) == {"creatorType": "author", **expected}


@pytest.mark.parametrize(
    ("category", "tag"),
    [
        ("cs.LG", "Computer Science - Machine Learning"),
        ("q-bio.NC", "Quantitative Biology - Neurons and Cognition"),
        ("astro-ph.CO", "Astrophysics - Cosmology and Nongalactic Astrophysics"),
        ("astro-ph", "Astrophysics"),
        ("quant-ph", "Quantum Physics"),
        ("hep-ex", "High Energy Physics - Experiment"),
        ("math-ph", "Mathematical Physics"),
        ("cond-mat.mes-hall", "Condensed Matter - Mesoscale and Nanoscale Physics"),
        ("stat.ML", "Statistics - Machine Learning"),
        ("cs.XX", "cs.XX"),  # unknown categories keep their code
    ],
)
def test_category_tags(category: str, tag: str) -> None:
    assert category_tag(category) == tag


def test_tags_are_deduplicated() -> None:
    paper = BERT.replace(categories=("math.MP", "math-ph", "cs.CL"))
    tags = [t["tag"] for t in paper_item(paper, tags=["x", "x", " "])["tags"]]
    assert tags == ["Mathematics - Mathematical Physics", "Mathematical Physics",
                    "Computer Science - Computation and Language", "x"]


def test_summary_note_is_escaped_html_with_headings() -> None:
    summary = Summary(tldr="本文提出<script>alert(1)</script> & 更多", motivation="动机",
                      method="方法", result=None, conclusion="结论", language="zh")
    html_text = summary_note_html(BERT.replace(summary=summary, comment="13 pages <b>"))
    assert html_text is not None
    assert "<script>" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 更多" in html_text
    assert "<h2>Motivation</h2>" in html_text and "<h2>Result</h2>" not in html_text
    assert "13 pages &lt;b&gt;" in html_text
    assert note_text(html_text).startswith("TL;DR: 本文提出<script>alert(1)</script> & 更多")


def test_note_does_not_depend_on_which_digest_the_paper_came_from() -> None:
    summary = Summary(tldr="总结", language="zh")
    a = summary_note_html(BERT.replace(summary=summary, sources=(Source("a/2025-06-01.md", 3),)))
    b = summary_note_html(BERT.replace(summary=summary, sources=(Source("b/2025-06-02.md", 9),)))
    assert a == b


def test_the_note_says_which_model_wrote_a_generated_summary() -> None:
    digest = summary_note_html(BERT.replace(summary=Summary(tldr="总结", language="zh")))
    made = summary_note_html(BERT.replace(summary=Summary(tldr="总结", language="zh", origin="generated",
                                                          model="deepseek-chat")))
    assert digest is not None and made is not None
    assert note_text(digest).endswith("AI summary from a daily paper digest, added by zotsync.")
    assert note_text(made).endswith("AI summary written by deepseek-chat, added by zotsync.")
    assert note_text(made).startswith("TL;DR: 总结")


def test_no_summary_no_comment_no_note() -> None:
    assert summary_note_html(BERT) is None


def test_note_and_attachment_objects() -> None:
    note = note_item("<p>x</p>", "PARENT23")
    assert note == {"itemType": "note", "parentItem": "PARENT23", "note": "<p>x</p>",
                    "tags": [{"tag": NOTE_TAG, "type": 1}], "relations": {}}
    assert "collections" not in note  # children cannot be in collections
    pdf = pdf_attachment(BERT, "PARENT23")
    assert pdf is not None
    assert pdf["linkMode"] == "linked_url"
    assert pdf["url"] == "https://arxiv.org/pdf/1810.04805"
    assert "collections" not in pdf
    assert pdf_attachment(Paper(title="x"), "PARENT23") is None


def test_short_title() -> None:
    assert short_title("Break-A-Scene: Extracting Multiple Concepts") == "Break-A-Scene"
    assert short_title("No colon here") is None
    assert short_title(": leading colon") is None


def test_a_chinese_tldr_from_zotero_is_labelled_as_from_a_digest() -> None:
    """The annote prefix was "TL;DR (zh):" from digests but "TL;DR:" from --from-zotero."""
    from zotsync.core.zotero_paper import item_paper

    item = {"key": "AAAA2222",
            "data": {"itemType": "preprint", "title": "T", "archiveID": "arXiv:2506.02013"}}
    paper = item_paper(item, tldr="本文提出了一种方法。")
    assert paper is not None and paper.summary is not None and paper.summary.language == "zh"
    english = item_paper(item, tldr="A method.")
    assert english is not None and english.summary is not None and english.summary.language is None
