"""Generated summaries, the pure part: the prompt, reading the answer, judging it.

zotsync asks an OpenAI-compatible model for the same five texts daily-arXiv-ai-enhanced
writes (`tldr`, `motivation`, `method`, `result`, `conclusion`; see docs/summaries.md).
Here, without any I/O:

- `build_messages(paper, language)`: the system and user messages of one request (title,
  abstract and Hugging Face's `ai_summary` when present);
- `parse_answer(text)`: the JSON object in the model's answer, read as leniently as the
  digest reads it (code fences, text around the object, control characters, trailing
  commas);
- `check_answer(document, language, model)`: the `Summary` it gives, or `BadAnswer`
  naming why not (a field that is not a string, an empty TL;DR, placeholder text, the
  wrong language).

`PROMPT_VERSION` is part of every stored summary's key: change it whenever the messages
change, so that summaries made from another prompt are not taken for this one's.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from zotsync.core.paper import Paper, Summary

PROMPT_VERSION = "1"
FIELDS = ("tldr", "motivation", "method", "result", "conclusion")
ORIGIN_DIGEST = "digest"
ORIGIN_GENERATED = "generated"

# Texts models (and the digest's own failure path) write instead of a summary.
PLACEHOLDERS = frozenset(
    text.casefold()
    for text in (
        "Summary generation failed", "Motivation analysis unavailable", "Method extraction failed",
        "Result analysis unavailable", "Conclusion extraction failed", "Processing failed",
        "Error", "N/A", "NA", "None", "null", "TBD", "TODO", "...", "…", "-", "string",
        "one sentence", "your summary here", "不适用", "无", "暂无", "未知", "摘要生成失败",
    )
)
_PLACEHOLDER_PATTERN = re.compile(
    r"^\s*(<[^<>]*>|\{[^{}]*\}|\[[^\[\]]*\]|lorem ipsum.*|\.\.\.|…+)\s*$", re.IGNORECASE | re.DOTALL)

# Scripts by language name or code (lowercased). A language not listed is not checked.
_HAN = "han"
_LANGUAGE_SCRIPTS: Mapping[str, tuple[str, frozenset[str]]] = {
    **{name: ("zh", frozenset({_HAN})) for name in (
        "chinese", "zh", "zh-cn", "zh-hans", "zh-tw", "zh-hant", "中文", "简体中文", "繁體中文",
        "simplified chinese", "traditional chinese", "mandarin")},
    **{name: ("ja", frozenset({_HAN, "kana"})) for name in ("japanese", "ja", "日本語")},
    **{name: ("ko", frozenset({"hangul", _HAN})) for name in ("korean", "ko", "한국어")},
    **{name: ("ru", frozenset({"cyrillic"})) for name in ("russian", "ru", "русский")},
    **{name: (code, frozenset({"latin"})) for code, names in {
        "en": ("english", "en"), "fr": ("french", "fr", "français"), "de": ("german", "de", "deutsch"),
        "es": ("spanish", "es", "español"), "it": ("italian", "it", "italiano"),
        "pt": ("portuguese", "pt", "português"), "nl": ("dutch", "nl"),
    }.items() for name in names},
}


class BadAnswer(ValueError):
    """The model's answer is not a usable summary; the message says why (one line)."""


def language_code(language: str) -> str:
    """`Chinese` -> `zh`, as digest summaries are labelled; an unknown name stays as given."""
    known = _LANGUAGE_SCRIPTS.get(language.strip().casefold())
    return known[0] if known else language.strip()


def has_real_summary(paper: Paper) -> bool:
    """A summary with a TL;DR (the digest's placeholders were dropped when it was read)."""
    return paper.summary is not None and bool(paper.summary.tldr)


# -- the prompt ------------------------------------------------------------------------

def _system_message(language: str) -> str:
    return (
        "You are an analyst of research papers. Read the paper's title and abstract and "
        f"answer in {language}. Return exactly one JSON object with these five string fields "
        "and nothing else:\n"
        '  "tldr": one sentence: the paper\'s core contribution,\n'
        '  "motivation": the problem and why it matters,\n'
        '  "method": how the paper addresses it,\n'
        '  "result": what the experiments or proofs show,\n'
        '  "conclusion": what follows from it.\n'
        f"Write every field in {language} (technical terms and names may stay as they are). "
        "No Markdown, no code fences, no text before or after the object. Use only the given "
        "text; invent nothing. If the text does not say something, keep that field short."
    )


def build_messages(paper: Paper, language: str) -> list[dict[str, str]]:
    """The chat messages asking for `paper`'s summary in `language`.

    The title is always given (it lets the model, and a test server, tell papers apart);
    the abstract and Hugging Face's English `ai_summary` when the paper has them.
    """
    lines = [f"Title: {' '.join(paper.title.split())}"]
    if paper.abstract:
        lines += ["", "Abstract:", paper.abstract.strip()]
    if paper.ai_summary:
        lines += ["", "A short English summary from Hugging Face:", paper.ai_summary.strip()]
    lines += ["", "Answer with one JSON object: "
              '{"tldr": "...", "motivation": "...", "method": "...", "result": "...", "conclusion": "..."}'
              f" written in {language}."]
    return [
        {"role": "system", "content": _system_message(language)},
        {"role": "user", "content": "\n".join(lines)},
    ]


def can_summarize(paper: Paper) -> str | None:
    """None when the paper has text to summarize, else why not (one line)."""
    if (paper.abstract and paper.abstract.strip()) or (paper.ai_summary and paper.ai_summary.strip()):
        return None
    return "no abstract to summarize (let it be looked up: leave out --no-enrich, or run `zotsync resolve`)"


# -- reading the answer -----------------------------------------------------------------

_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _loads_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text, strict=False)  # strict=False: raw newlines inside strings
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def parse_answer(text: str | None) -> dict[str, Any]:
    """The one JSON object in a model's answer.

    Tried in order: the whole text; the inside of a ``` fence; the text from the first
    `{` to the last `}`; that text without control characters and trailing commas.
    Raises `BadAnswer` when none of them is a JSON object.
    """
    if text is None or not text.strip():
        raise BadAnswer("the model's answer is empty")
    candidates = [text.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        inner = text[start:end + 1]
        candidates += [inner, _TRAILING_COMMA.sub(r"\1", _CONTROL.sub("", inner))]
    for candidate in candidates:
        found = _loads_object(candidate)
        if found is not None:
            return found
    # Text with braces of its own around the object ("<think>{...}</think>{...}"): the
    # first object, from any `{`, that has one of the five fields.
    decoder = json.JSONDecoder(strict=False)
    cleaned = _TRAILING_COMMA.sub(r"\1", _CONTROL.sub("", text))
    starts = [i for i, char in enumerate(cleaned) if char == "{"][:200]
    for start in starts:
        try:
            value, _end = decoder.raw_decode(cleaned, start)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict) and any(_field_name(key) in FIELDS for key in value):
            return value
    shown = " ".join(text.split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise BadAnswer(f"the model's answer is not a JSON object: {shown!r}")


# -- judging it -------------------------------------------------------------------------

def _script(char: str) -> str | None:
    """The script of a letter (`han`, `kana`, `hangul`, `latin`, `cyrillic`, `other`), None
    for anything that is not a letter (digits, punctuation, spaces)."""
    if not unicodedata.category(char).startswith("L"):
        return None
    code = ord(char)
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF:
        return _HAN
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:
        return "kana"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    name = unicodedata.name(char, "")
    if name.startswith("LATIN") or name.startswith("FULLWIDTH LATIN"):
        return "latin"
    if name.startswith("CYRILLIC"):
        return "cyrillic"
    return "other"


def script_share(text: str, scripts: frozenset[str]) -> float:
    """How much of `text` is written in `scripts`, from 0 to 1.

    Counted in units of meaning: each CJK character is one, and so is each run of letters
    of an alphabetic script (a word). "本文提出 LoRA 方法" is 6 Han units of 7: 0.86.
    """
    units: list[str] = []
    previous: str | None = None
    for char in text:
        script = _script(char)
        if script is None:
            previous = None
            continue
        if script in {_HAN, "kana", "hangul"} or script != previous:
            units.append(script)
        previous = script
    if not units:
        return 0.0
    return sum(1 for unit in units if unit in scripts) / len(units)


def in_language(text: str, language: str) -> bool:
    """Whether `text` is mostly in `language` (a language zotsync does not know: True)."""
    known = _LANGUAGE_SCRIPTS.get(language.strip().casefold())
    if known is None:
        return True
    return script_share(text, known[1]) >= 0.5


def is_placeholder(text: str) -> bool:
    core = " ".join(text.split())
    return (core.casefold() in PLACEHOLDERS or core.rstrip(".。").casefold() in PLACEHOLDERS
            or _PLACEHOLDER_PATTERN.match(core) is not None)


def _field_name(key: object) -> str:
    """"TL;DR", "Tldr", "tl_dr" -> "tldr"."""
    return re.sub(r"[^a-z]", "", str(key).casefold())


def check_answer(document: Mapping[str, Any], language: str, model: str) -> Summary:
    """The summary in a parsed answer, or `BadAnswer` naming the first problem.

    Every one of the five fields must be present and a string; the TL;DR must be real
    text (not empty, not a placeholder) mostly in `language`; a section may be empty
    (then it is left out) but not a placeholder. Keys are matched without regard to case
    ("TLDR", "TL;DR" are the TL;DR).
    """
    by_name: dict[str, Any] = {}
    for key, value in document.items():
        name = _field_name(key)
        if name in FIELDS and name not in by_name:
            by_name[name] = value
    texts: dict[str, str | None] = {}
    for name in FIELDS:
        if name not in by_name:
            raise BadAnswer(f"the answer has no {name!r} field")
        value = by_name[name]
        if not isinstance(value, str):
            raise BadAnswer(f"the answer's {name!r} is {type(value).__name__}, not text")
        text = " ".join(value.split())
        if text and is_placeholder(text):
            if name == "tldr":
                raise BadAnswer(f"the TL;DR is placeholder text: {text[:40]!r}")
            text = ""  # a section the abstract says nothing about: left out, as digests do
        texts[name] = text or None
    tldr = texts["tldr"]
    if not tldr:
        raise BadAnswer("the answer's TL;DR is empty")
    if not in_language(tldr, language):
        raise BadAnswer(f"the TL;DR is not in {language}: {tldr[:40]!r}")
    return Summary(tldr=tldr, motivation=texts["motivation"], method=texts["method"],
                   result=texts["result"], conclusion=texts["conclusion"],
                   language=language_code(language), origin=ORIGIN_GENERATED, model=model)


def summary_from_answer(text: str | None, language: str, model: str) -> Summary:
    """`parse_answer` then `check_answer`: the summary, or `BadAnswer`."""
    return check_answer(parse_answer(text), language, model)
