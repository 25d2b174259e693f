"""Citation keys: default formula, --key-format, ASCII folding, collision suffixes."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from zotsync.core.citekeys import (
    DEFAULT_FORMAT,
    KeyFormatError,
    base_key,
    fold_ascii,
    fold_key,
    parse_key_format,
    suffixes,
    surname,
    title_words,
    unique_key,
)
from zotsync.core.paper import Paper

BERT = Paper(title="BERT: Pre-training of Deep Bidirectional Transformers", authors=("Jacob Devlin",),
             arxiv_id="1810.04805", published=date(2018, 10, 11), updated=date(2019, 5, 24))
GPT3 = Paper(title="Language Models are Few-Shot Learners", authors=("Tom B. Brown", "Benjamin Mann"),
             arxiv_id="2005.14165")


@pytest.mark.parametrize(("paper", "key"), [
    (BERT, "devlin2018bert"),
    (GPT3, "brown2020language"),  # year from the new-style ID when no date
    (Paper(title="On the Existence of Łódź", authors=("Łukasz Müller",)), "mullerexistence"),
    (Paper(title="Visualizing Data using t-SNE", authors=("Laurens van der Maaten",),
           published=date(2008, 11, 1)), "vandermaaten2008visualizing"),
    (Paper(title="Old", authors=("A Straße",), arxiv_id="hep-th/9901001"), "strasse1999old"),
    (Paper(title="GPT-4 Technical Report", authors=("OpenAI",), published=date(2023, 3, 15)),
     "openai2023gpt4"),
    (Paper(title="HippoMM: Memory", published=date(2025, 4, 14)), "anon2025hippomm"),
    # CJK names and titles in pinyin, as Better BibTeX does: `anon` only without any name.
    (Paper(title="深度学习", authors=("张三",), published=date(2024, 1, 1)), "zhangsan2024shendu"),
    (Paper(title="Poetry：A Study", authors=("张三", "李四", "Wang Wu"), published=date(2025, 6, 1)),
     "zhangsan2025poetry"),
    (Paper(title="重庆的诗", authors=("欧阳娜娜",), published=date(2025, 1, 1)), "ouyangnana2025chongqing"),
    (Paper(title="Полугруппы", authors=("Дмитрий Иванов",), published=date(2020, 1, 1)),
     "ivanov2020polugruppy"),
    (Paper(title="한국어 처리", authors=("김철수",), published=date(2021, 1, 1)), "gimcheolsu2021hangugeo"),
    (Paper(title="やさしい日本語", authors=("やまだ",), published=date(2022, 1, 1)), "yamada2022yasashii"),
    (Paper(title="The", authors=("Ann Lee",)), "lee"),
])
def test_default_formula(paper: Paper, key: str) -> None:
    assert base_key(paper) == key
    assert base_key(paper, DEFAULT_FORMAT) == key


def test_year_is_v1_so_a_new_version_never_changes_the_key() -> None:
    assert base_key(BERT.replace(updated=date(2024, 1, 1), version=5)) == "devlin2018bert"


@pytest.mark.parametrize(("template", "key"), [
    ("{auth}{year}{title}", "brown2020language"),
    ("{auth}{ShortTitle3}{year}", "brownLanguageModelsFewshot2020"),
    ("{auth}_{shorttitle3}_{year}", "brown_languagemodelsfewshot_2020"),
    ("{Authors2}{yy}", "BrownMann20"),
    ("{authors9}", "brownmann"),
    ("arXiv:{arxiv}", "arXiv:2005.14165"),
    ("{Auth}-{Title}", "Brown-Language"),
])
def test_key_format_placeholders(template: str, key: str) -> None:
    assert base_key(GPT3, parse_key_format(template)) == key


def test_empty_parts_leave_no_dangling_separators() -> None:
    undated = Paper(title="Deep Nets", authors=("Ann Lee",))
    assert base_key(undated, parse_key_format("{auth}_{title}_{year}")) == "lee_deep"
    assert base_key(Paper(title="the of"), parse_key_format("{title}")) == "ref"
    assert base_key(Paper(title="X"), parse_key_format("{arxiv}")) == "ref"


@pytest.mark.parametrize(("template", "message"), [
    ("{foo}", "unknown placeholder {foo}"),
    ("{shorttitle}", "needs a count"),
    ("{year3}", "takes no count"),
    ("{auth} {year}", "' ' at position 7 is not allowed"),
    ("{auth}%", "'%' at position 7"),
    ("{auth},x", "','"),
    ("static", "no placeholder"),
    ("", "no placeholder"),
])
def test_bad_key_formats_say_why(template: str, message: str) -> None:
    with pytest.raises(KeyFormatError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse_key_format(template)


def test_keys_are_ascii_and_safe() -> None:
    for paper in (BERT, GPT3, Paper(title="Ça va? «Oui»!", authors=("Zoë O'Brien-Šimić",)),
                  Paper(title="深度学习：综述 😀", authors=("张三 😀", "Ωμέγα")),
                  Paper(title="🙂", authors=("😀",))):
        key = base_key(paper, parse_key_format("{auth}{ShortTitle3}{year}"))
        assert key.isascii()
        assert not set(key) & set(" ,{}()%#~\"'=\\")


def test_fold_and_surname() -> None:
    assert fold_ascii("Łukasz Müller Straße Ødegård Þór æ") == "Lukasz Muller Strasse Odegard Thor ae"
    assert fold_ascii("张三") == "zhangsan"
    assert fold_ascii("Ωμέγα Ø ℝ ﬁ") == "Omega O R fi"
    assert title_words("诗歌：研究") == ["shige", "yanjiu"]
    assert title_words("深度学习综述") == ["shendu", "xuexi", "zongshu"]
    assert base_key(Paper(title="🙂 Smiles", authors=("😀",))) == "anonsmiles"  # symbols are no names
    assert surname("Martin Luther King Jr.") == "King"
    assert surname("Smith, John") == "Smith"
    assert surname("Ludwig van Beethoven") == "van Beethoven"
    assert title_words("A Study on the GPT-4 and Few-Shot") == ["Study", "GPT4", "FewShot"]


def test_suffixes_are_bijective_base_26() -> None:
    first = list(itertools.islice(suffixes(), 30))
    assert first[:4] == ["", "a", "b", "c"]
    assert first[26:29] == ["z", "aa", "ab"]


def test_collisions_are_case_insensitive() -> None:
    taken = {fold_key(k) for k in ["Devlin2018bert", "devlin2018berta"]}
    assert unique_key("devlin2018bert", lambda k: fold_key(k) in taken) == "devlin2018bertb"
    assert unique_key("other", lambda k: fold_key(k) in taken) == "other"
