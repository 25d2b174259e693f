"""The pure part of generated summaries: the prompt, lenient parsing, validation — with
property tests on hostile answers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zotsync.core.paper import Paper, Summary
from zotsync.core.summarize import (
    FIELDS,
    BadAnswer,
    build_messages,
    can_summarize,
    check_answer,
    in_language,
    is_placeholder,
    parse_answer,
    script_share,
    summary_from_answer,
)

GOOD = {
    "tldr": "本文提出 LoRA-X，一种高效的参数微调方法。",
    "motivation": "全参数微调成本很高。",
    "method": "在注意力层插入低秩适配器。",
    "result": "在 GLUE 上达到全参数微调的效果。",
    "conclusion": "低秩适配足以完成多数任务。",
}


def test_the_prompt_carries_title_abstract_ai_summary_and_language() -> None:
    paper = Paper(title="A  Title\nOn Two Lines", abstract="We do things.", ai_summary="HF says: things.")
    system, user = build_messages(paper, "Chinese")
    assert system["role"] == "system" and "Chinese" in system["content"]
    assert all(f'"{name}"' in system["content"] for name in FIELDS)
    assert user["role"] == "user"
    assert user["content"].splitlines()[0] == "Title: A Title On Two Lines"
    assert "We do things." in user["content"] and "HF says: things." in user["content"]
    assert "written in Chinese" in user["content"]
    only_hf = build_messages(Paper(title="T", ai_summary="HF only."), "English")[1]["content"]
    assert "Abstract" not in only_hf and "HF only." in only_hf
    assert can_summarize(Paper(title="T")) is not None
    assert can_summarize(Paper(title="T", ai_summary="x")) is None


@pytest.mark.parametrize("text", [
    json.dumps(GOOD, ensure_ascii=False),
    "```json\n" + json.dumps(GOOD, ensure_ascii=False) + "\n```",
    "Here is the JSON:\n" + json.dumps(GOOD, ensure_ascii=False, indent=2) + "\nHope it helps!",
    json.dumps(GOOD, ensure_ascii=False).replace('"}', '",}'),  # a trailing comma
    json.dumps(GOOD, ensure_ascii=False).replace("，", "，\x07"),  # a control character
    "<think>{ reasoning }</think>" + json.dumps(GOOD, ensure_ascii=False)[:-1] + "}",
])
def test_lenient_parsing_finds_the_object(text: str) -> None:
    found = parse_answer(text)
    assert found["tldr"].startswith("本文提出 LoRA-X")


@pytest.mark.parametrize(("document", "reason"), [
    ({**GOOD, "tldr": ""}, "TL;DR is empty"),
    ({**GOOD, "tldr": "   "}, "TL;DR is empty"),
    ({**GOOD, "tldr": "Summary generation failed"}, "placeholder"),
    ({**GOOD, "tldr": "<one sentence>"}, "placeholder"),
    ({**GOOD, "tldr": "We propose LoRA-X for efficient fine-tuning."}, "not in Chinese"),
    ({**GOOD, "tldr": 42}, "not text"),
    ({**GOOD, "method": None}, "not text"),
    ({**GOOD, "result": ["a"]}, "not text"),
    ({k: v for k, v in GOOD.items() if k != "conclusion"}, "no 'conclusion'"),
])
def test_invalid_answers_are_refused_with_the_reason(document: dict[str, object], reason: str) -> None:
    with pytest.raises(BadAnswer, match=reason):
        check_answer(document, "Chinese", "m")


def test_a_valid_answer_becomes_a_generated_summary() -> None:
    answer = {**GOOD, "result": "N/A", "TL;DR": "ignored duplicate"}
    summary = check_answer(answer, "Chinese", "deepseek-chat")
    assert summary == Summary(tldr=GOOD["tldr"], motivation=GOOD["motivation"], method=GOOD["method"],
                              result=None, conclusion=GOOD["conclusion"], language="zh",
                              origin="generated", model="deepseek-chat")
    english = check_answer({**GOOD, "tldr": "We propose LoRA-X."}, "English", "m")
    assert english.language == "en"


def test_language_share() -> None:
    assert script_share("本文提出 LoRA 方法", frozenset({"han"})) == pytest.approx(6 / 7)
    assert in_language("提出一种用于 Transformer 和 LLM 的稀疏注意力方法。", "Chinese")
    assert not in_language("A sparse attention method for 长文本.", "Chinese")
    assert not in_language("これは日本語です", "Chinese") or in_language("これは日本語です", "Japanese")
    assert in_language("anything at all", "Klingon")  # a language zotsync cannot check


# -- properties: hostile answers -----------------------------------------------------------

_cjk_text = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1,
                    max_size=30).filter(lambda text: not is_placeholder(text))
_noise = st.text(alphabet=st.characters(blacklist_characters="{}`", blacklist_categories=("Cs",)),
                 max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_with_bad_answer(text: str) -> None:
    try:
        summary = summary_from_answer(text, "Chinese", "m")
    except BadAnswer as error:
        assert "\n" not in str(error)
    else:  # whatever got through is a real Chinese TL;DR
        assert summary.tldr and in_language(summary.tldr, "Chinese")


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries(dict.fromkeys(FIELDS, _cjk_text)), _noise, _noise,
       st.sampled_from(["plain", "fence", "indent"]))
def test_a_valid_object_is_found_whatever_surrounds_it(
    fields: dict[str, str], before: str, after: str, wrap: str,
) -> None:
    body = json.dumps(fields, ensure_ascii=False, indent=2 if wrap == "indent" else None)
    text = f"{before}\n```json\n{body}\n```\n{after}" if wrap == "fence" else f"{before}{body}{after}"
    summary = summary_from_answer(text, "Chinese", "m")
    assert summary.tldr == " ".join(fields["tldr"].split())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "TLDR", "extra"]),
                       st.one_of(st.none(), st.integers(), st.text(max_size=20),
                                 st.lists(st.text(max_size=3))),
                       max_size=7))
def test_hostile_objects_never_give_an_empty_or_foreign_tldr(document: dict[str, object]) -> None:
    try:
        summary = check_answer(document, "Chinese", "m")
    except BadAnswer:
        return
    assert summary.tldr and in_language(summary.tldr, "Chinese")
    assert all(isinstance(getattr(summary, name), str | type(None)) for name in FIELDS)
