"""Entries: fixed format per style, field-by-field escaping, case protection, names."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zotsync.core.bibtex_entry import (
    EntryOptions,
    format_authors,
    format_entry,
    format_name,
    format_title,
    paper_title_key,
    split_name,
)
from zotsync.core.latex import escape, latex_to_text, math_spans, title_key
from zotsync.core.paper import Paper, Summary

BERT = Paper(
    title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    arxiv_id="1810.04805", version=2, authors=("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee"),
    categories=("cs.CL",), primary_category="cs.CL", published=date(2018, 10, 11),
    updated=date(2019, 5, 24), abstract="We introduce a new language representation model, 100% & more.",
    summary=Summary(tldr="本文提出了 BERT，效果 50% 更好。", language="zh"),
)


def fields_of(text: str) -> list[str]:
    return re.findall(r"^  (\w+) = ", text, flags=re.M)


def balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


# -- the two styles ---------------------------------------------------------------------


def test_bibtex_style_is_misc_with_fixed_field_order() -> None:
    entry = format_entry(BERT, "devlin2018bert")
    assert entry.text == (
        "@misc{devlin2018bert,\n"
        "  title = {{BERT}: Pre-training of Deep Bidirectional Transformers for Language Understanding},\n"
        "  author = {Devlin, Jacob and Chang, Ming-Wei and Lee, Kenton},\n"
        "  year = {2018},\n"
        "  month = oct,\n"
        "  howpublished = {arXiv preprint arXiv:1810.04805 [cs.CL]},\n"
        "  eprint = {1810.04805},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.CL},\n"
        "  url = {https://arxiv.org/abs/1810.04805}\n"
        "}"
    )
    assert entry.entry_type == "misc"
    assert entry.warnings == ()


def test_biblatex_style_is_online_with_date_and_eprint_fields() -> None:
    entry = format_entry(BERT, "devlin2018bert", EntryOptions("biblatex"))
    assert entry.text.startswith("@online{devlin2018bert,\n")
    assert fields_of(entry.text) == ["title", "author", "date", "eprint", "eprinttype", "eprintclass",
                                     "url", "pubstate"]
    assert "  date = {2018-10-11}," in entry.text
    assert "  eprinttype = {arxiv}," in entry.text
    assert "  pubstate = {prepublished}" in entry.text


def test_styles_never_mix_their_fields() -> None:
    bibtex_only = {"year", "month", "howpublished", "archivePrefix", "primaryClass", "key"}
    biblatex_only = {"date", "eprinttype", "eprintclass", "pubstate"}
    for paper in (BERT, BERT.replace(doi="10.1000/xyz"), Paper(title="No IDs at all")):
        assert not set(fields_of(format_entry(paper, "k").text)) & biblatex_only
        assert not set(fields_of(format_entry(paper, "k", EntryOptions("biblatex")).text)) & bibtex_only


def test_year_and_month_are_v1_not_the_latest_version() -> None:
    entry = format_entry(BERT.replace(published=None), "k")  # only the ID's YYMM left
    assert "  year = {2018}," in entry.text
    assert "  month = oct," in entry.text
    assert "2019" not in entry.text
    biblatex = format_entry(BERT.replace(published=None), "k", EntryOptions("biblatex")).text
    assert "  date = {2018-10}," in biblatex


def test_old_style_id_and_journal_doi() -> None:
    paper = Paper(title="Old", arxiv_id="hep-th/9901001", primary_category="hep-th",
                  doi="https://doi.org/10.1103/PhysRevD.60.1", authors=("A B",))
    entry = format_entry(paper, "k")
    assert "  howpublished = {arXiv preprint arXiv:hep-th/9901001 [hep-th]}," in entry.text
    assert "  year = {1999}," in entry.text
    assert "  doi = {10.1103/PhysRevD.60.1}\n" in entry.text  # bare, not a URL
    biblatex = format_entry(paper, "k", EntryOptions("biblatex")).text
    assert "pubstate" not in biblatex  # a journal DOI: published


def test_doi_only_paper_gets_howpublished_in_bibtex_and_online_in_biblatex() -> None:
    paper = Paper(title="Journal paper", doi="10.1000/a_b", authors=("A B",), published=date(2020, 1, 2))
    text = format_entry(paper, "k").text
    assert "  howpublished = {DOI 10.1000/a\\_b}," in text  # typeset: escaped
    assert "  doi = {10.1000/a_b}\n" in text  # verbatim
    assert format_entry(paper, "k", EntryOptions("biblatex")).text.startswith("@online{k,")


def test_paper_without_identifier_is_misc_in_biblatex_and_keyed_for_plain() -> None:
    paper = Paper(title="HippoMM: Hippocampal Memory", published=date(2025, 4, 14), author_count=6)
    bibtex = format_entry(paper, "k")
    assert "  key = {HippoMM: Hippocampal Memory}," in bibtex.text  # plain.bst sorts by it
    assert "no author names known" in bibtex.warnings
    biblatex = format_entry(paper, "k", EntryOptions("biblatex"))
    assert biblatex.text.startswith("@misc{k,")  # @online requires url/doi/eprint
    assert "key" not in fields_of(biblatex.text)


def test_undated_paper_is_reported() -> None:
    assert "no date known" in format_entry(Paper(title="X", authors=("A B",)), "k").warnings


def test_abstract_and_tldr_only_on_request() -> None:
    plain = format_entry(BERT, "k").text
    assert "abstract" not in plain and "annote" not in plain and "本文" not in plain
    full = format_entry(BERT, "k", EntryOptions("bibtex", abstract=True, tldr=True)).text
    assert "  abstract = {We introduce a new language representation model, 100\\% \\& more.}," in full
    assert "  annote = {TL;DR (zh): 本文提出了 BERT，效果 50\\% 更好。}\n" in full


def test_tldr_never_goes_where_it_is_typeset() -> None:
    for style in ("bibtex", "biblatex"):
        text = format_entry(BERT, "k", EntryOptions(style, abstract=True, tldr=True)).text  # type: ignore[arg-type]
        for line in text.splitlines():
            if "本文" in line:
                assert line.startswith("  annote = ")


# -- escaping ---------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "escaped"), [
    ("&", "\\&"), ("%", "\\%"), ("$", "\\$"), ("#", "\\#"), ("_", "\\_"),
    ("{", "\\textbraceleft{}"), ("}", "\\textbraceright{}"), ("~", "\\textasciitilde{}"),
    ("^", "\\textasciicircum{}"), ("\\", "\\textbackslash{}"),
])
def test_every_special_character_is_escaped(raw: str, escaped: str) -> None:
    assert escape(f"a {raw} b").text == f"a {escaped} b"
    assert format_title(f"a {raw} b").text == f"a {escaped} b"


def test_escaping_keeps_braces_balanced_for_bibtex() -> None:
    # BibTeX counts \{ as a brace: a lone one would unbalance the entry
    text = escape("{ only an opening brace and C:\\path\\{x").text
    assert balanced(text)
    assert "\\{" not in text


def test_raw_percent_never_survives() -> None:
    text = format_entry(Paper(title="50% off, 100 %", authors=("A B",)), "k").text
    assert re.search(r"(?<!\\)%", text) is None


@pytest.mark.parametrize(("raw", "bibtex", "biblatex"), [
    ("Müller", 'M{\\"u}ller', "Müller"),
    ("Łukasz", "{\\L}ukasz", "Łukasz"),
    ("Straße", "Stra{\\ss}e", "Straße"),
    ("Šćepanović", "{\\v{S}}{\\'c}epanovi{\\'c}", "Šćepanović"),
    ("ș", "{\\textcommabelow{s}}", "ș"),
    ("ǖ", '{\\={\\"u}}', "ǖ"),  # nested accents are braced
    ("α ≤ β", "{\\ensuremath{\\alpha}} {\\ensuremath{\\leq}} {\\ensuremath{\\beta}}",
     "{\\ensuremath{\\alpha}} {\\ensuremath{\\leq}} {\\ensuremath{\\beta}}"),
    ("a – b — c", "a -- b --- c", "a – b — c"),
    ("“q”", "``q''", "“q”"),
    ("ℝ ﬁ", "R fi", "R fi"),  # compatibility forms fold in typeset fields
])
def test_unicode_to_latex_per_style(raw: str, bibtex: str, biblatex: str) -> None:
    assert escape(raw, "bibtex").text == bibtex
    assert escape(raw, "biblatex").text == biblatex


def test_characters_without_latex_form_are_kept_and_reported() -> None:
    result = escape("Emoji 🤗 and 张三 and Ħ")
    assert result.text == "Emoji 🤗 and 张三 and Ħ"
    assert set(result.untypeset) == {"🤗", "张", "三", "Ħ"}
    entry = format_entry(Paper(title="深度学习 🤗", authors=("张三",)), "k")
    assert any("xelatex" in w for w in entry.warnings)


def test_letters_pdflatex_knows_only_through_bibtex_are_reported() -> None:
    # biber decodes {\~{\^e}} back to ễ, which pdflatex's utf8 does not define
    bibtex = escape("Nguyễn ǖ ṇ")
    assert bibtex.text == "Nguy{\\~{\\^e}}n {\\={\\\"u}} {\\d{n}}"
    assert bibtex.untypeset == ()
    assert bibtex.biber_unsafe == ("ễ", "ǖ")
    biblatex = escape("Nguyễn ǖ ṇ", "biblatex")
    assert biblatex.text == "Nguyễn ǖ ṇ"
    assert biblatex.untypeset == ("ễ", "ǖ")
    entry = format_entry(Paper(title="T", authors=("Văn Nguyễn",)), "k")
    assert any("not through biber" in w for w in entry.warnings)


def test_math_is_kept_and_braced_whole() -> None:
    title = format_title("Scaling $x^2$ with $\\alpha_{i}$ and $O(n \\log n)$ for 50% of $≤$").text
    assert "{$x^2$}" in title
    assert "{$\\alpha_{i}$}" in title
    assert "{$O(n \\log n)$}" in title
    assert "{$\\leq $}" in title  # Unicode inside math becomes the math command
    assert "50\\%" in title


@pytest.mark.parametrize("text", ["costs $5 and $10", "a $ b $ c", "$$", "just $ one", "\\$x$"])
def test_dollars_that_are_not_math_are_escaped(text: str) -> None:
    assert math_spans(text) == []
    assert "$" not in escape(text).text.replace("\\$", "")


def test_unbalanced_math_is_not_math() -> None:
    assert math_spans("a $x^{2$ b") == []
    assert balanced(format_title("a $x^{2$ b").text)


def test_url_doi_and_eprint_are_verbatim() -> None:
    paper = Paper(title="T", url="https://example.org/a_b%20c?x=1#frag{", doi="10.1000/a_b%c#d",
                  authors=("A B",), published=date(2020, 1, 1))
    text = format_entry(paper, "k").text
    assert "  url = {https://example.org/a_b%20c?x=1#frag%7B}," in text
    assert "  doi = {10.1000/a_b%c#d}" in text
    assert "  eprint = {1810.04805}," in format_entry(BERT, "k").text


# -- case protection --------------------------------------------------------------------


@pytest.mark.parametrize(("title", "expected"), [
    ("BERT and LoRA with GPT-4 on ImageNet via arXiv and fMRI",
     "{BERT} and {LoRA} with {GPT-4} on {ImageNet} via {arXiv} and {fMRI}"),
    ("A Study of 3D Vision in Part B", "A Study of {3D} Vision in Part {B}"),
    ("Pre-Training and Prompt-Tuning", "Pre-Training and Prompt-Tuning"),
    ("Identifying areas with a Transformer-based variational autoencoder for Bayesian brains",
     "Identifying areas with a {Transformer-based} variational autoencoder for {Bayesian} brains"),
    ("Gaussian Processes for Machine Learning", "{Gaussian} Processes for Machine Learning"),
    ("(BMHI) interface: SSVEP-BCI.", "({BMHI}) interface: {SSVEP-BCI}."),
])
def test_words_not_titles_are_protected(title: str, expected: str) -> None:
    assert format_title(title).text == expected


def test_whole_title_is_never_braced() -> None:
    text = format_title("Attention Is All You Need").text
    assert text == "Attention Is All You Need"


# -- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "bibtex"), [
    ("Jacob Devlin", "Devlin, Jacob"),
    ("Robert E. Kass", "Kass, Robert E."),
    ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
    ("Martin Luther King Jr.", "King, Jr., Martin Luther"),
    ("Łukasz Müller", 'M{\\"u}ller, {\\L}ukasz'),
    ("OpenAI", "{OpenAI}"),
    ("Yu", "{Yu}"),
    ("张三", "{张三}"),
    ("Google DeepMind Team", "{Google DeepMind Team}"),
    ("Meta AI", "{Meta AI}"),
    ("Tom and Jerry", "{Tom and Jerry}"),
    ("Smith, John", "Smith, John"),
    ("Yann LeCun", "LeCun, Yann"),
])
def test_names(name: str, bibtex: str) -> None:
    assert format_name(name).text == bibtex


def test_cjk_name_is_one_braced_name_in_both_styles() -> None:
    assert split_name("张三").literal
    assert format_authors(("张三", "李四"), "biblatex").text == "{张三} and {李四}"


# -- reading back -----------------------------------------------------------------------


def test_latex_to_text_undoes_our_escaping() -> None:
    # braces stay (fingerprints drop them)
    assert latex_to_text('M{\\"u}ller {\\L}ukasz \\v{s} {\\ss} a\\&b C:\\textbackslash{}x') == \
        "M{ü}ller {Ł}ukasz š {ß} a&b C:\\x"
    assert latex_to_text("{\\ensuremath{\\alpha}}-{BERT}") == "{{α}}-{BERT}"


printable = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn")), max_size=60
)
nasty = st.lists(st.sampled_from(
    ["&", "%", "$", "#", "_", "{", "}", "~", "^", "\\", "$x^2$", "Müller", "Łódź", "α", "≤", "BERT",
     "GPT-4", "张三", "🤗", "ﬁ", "ℝ", "–", "“", "word", "Word", " ", "\t", ":", "-"]),
    max_size=20).map("".join)


@given(st.one_of(printable, nasty), st.sampled_from(["bibtex", "biblatex"]))
@settings(max_examples=400, deadline=None)
def test_titles_round_trip_to_the_same_key(title: str, style: str) -> None:
    """What we write is recognised again: the title key survives escaping."""
    paper = Paper(title=title, arxiv_id="2401.00001", authors=("A B",))
    text = format_entry(paper, "k", EntryOptions(style)).text  # type: ignore[arg-type]
    assert balanced(text)
    assert re.search(r"(?<!\\)%", text) is None
    field = format_title(title, style)  # type: ignore[arg-type]
    assert title_key(latex_to_text(field.text)) == paper_title_key(title)


@pytest.mark.parametrize("style", ["bibtex", "biblatex"])
def test_full_width_punctuation_gets_its_space_back(style: str) -> None:
    # Issue 10, defect 8: "Poetry：A" came out as "Poetry:A".
    title = format_title("Poetry：A Study of 诗歌：研究", style).text  # type: ignore[arg-type]
    assert "Poetry: A" in title and "诗歌: 研究" in title
    assert format_title("Is it？", style).text == "Is it?"  # type: ignore[arg-type]
    assert escape("Venue，Vol. 1", style).text == "Venue, Vol. 1"  # type: ignore[arg-type]


def test_latex_escapes_already_in_an_abstract_are_kept_once() -> None:
    """arXiv abstracts write `62\\%`; it came out `62\\textbackslash{}\\%` (a stray backslash)."""
    from zotsync.core.latex import escape, latex_to_text

    for source, written, reads in (
        ("by 62\\% over", "by 62\\% over", "by 62% over"),
        ("R\\&D costs \\$5 \\#1 a\\_b", "R\\&D costs \\$5 \\#1 a\\_b", "R&D costs $5 #1 a_b"),
        ("\\{x\\}", "\\textbraceleft{}x\\textbraceright{}", "{x}"),
        ("62% and \\alpha", "62\\% and \\textbackslash{}alpha", "62% and \\alpha"),  # one-char escapes only
    ):
        assert escape(source).text == written
        assert latex_to_text(written) == reads
