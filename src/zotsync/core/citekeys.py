"""Citation keys: the default formula, the `--key-format` mini-language, suffixes.

Pure. The default is Google Scholar's shape, ASCII only and lowercase:
first author's surname + year of v1 + first significant title word -> `devlin2018bert`.

`--key-format` is a template of literal characters (letters, digits, `_ - : . +`) and
placeholders in braces:

    {auth}          first author's surname (particles kept: "van der Maaten" -> vandermaaten)
    {authorsN}      surnames of the first N authors, joined (N = 1..9)
    {year} {yy}     year of first publication (v1): 2018, 18
    {title}         first significant word of the title (articles, prepositions... skipped)
    {shorttitleN}   first N significant words, joined (N = 1..9)
    {arxiv}         the arXiv ID, `/` written as `_` (2506.02013, hep-th_9901001)

A placeholder written with a capital (`{Auth}`, `{ShortTitle3}`) capitalises each word:
`{auth}{ShortTitle3}{year}` -> `brownLanguageModelsFew2020`. Everything is folded to ASCII
(Müller -> muller, Łukasz -> lukasz, ß -> ss), and other scripts are transliterated:
Chinese to pinyin as Better BibTeX does (张三 -> zhangsan, with pypinyin, which reads
polyphonic characters from its phrase dictionary: 重庆 -> chongqing), everything else
(kana, Hangul, Cyrillic, Greek...) with anyascii (김철수 -> gimcheolsu). A part with nothing
left is empty; `anon` stands only for a paper with no author name at all. Collisions
get `a`, `b`, ... `z`, `aa`, `ab`... appended, compared case-insensitively (BibTeX and
biber treat `Smith2020` and `smith2020` as one).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from pypinyin import Style, lazy_pinyin

from zotsync.core.paper import Paper

DEFAULT_KEY_FORMAT = "{auth}{year}{title}"
NO_AUTHOR = "anon"
EMPTY_KEY = "ref"

_FOLD = {
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
    "Ł": "L", "ı": "i", "ȷ": "j", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th",
    "Þ": "Th", "ŋ": "ng", "Ŋ": "Ng", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "ĸ": "k",
}


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words a title's "first significant word" skips (also used to tell sentence case).
STOPWORDS = _wordset(
    "a an the and or nor but for of in on at to by with from into onto over under via vs "
    "as is are be its it we our their this that these those not no do does how what why "
    "when where which who can towards toward using through between about against without "
    "within"
)
# Lowercase name particles that belong to the surname ("van der Maaten").
PARTICLES = _wordset(
    "da de del della der des di do dos du la le van von den ter ten bin al el zu zur vom af av"
)
NAME_SUFFIXES = _wordset("jr jr. sr sr. ii iii iv")
_SEPARATOR_RUN = re.compile(r"([_\-:.+])[_\-:.+]*")
_LITERAL = re.compile(r"[A-Za-z0-9_\-:.+]+")
_PLACEHOLDER = re.compile(r"\{(?P<name>[A-Za-z]+?)(?P<n>[1-9])?\}")
_PLACEHOLDERS = ("auth", "authors", "year", "yy", "title", "shorttitle", "arxiv")
_NEEDS_N = frozenset({"authors", "shorttitle"})


class KeyFormatError(ValueError):
    """A `--key-format` that cannot be used; the message says what is wrong."""


def _is_han(ch: str) -> bool:
    """A Chinese character (CJK Unified Ideographs and extensions, compatibility ideographs)."""
    code = ord(ch)
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x3134F
            or 0xF900 <= code <= 0xFAFF)


_HAN_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+)")


@lru_cache(maxsize=4096)
def _pinyin(run: str) -> str:
    """A run of Chinese characters in pinyin without tones, syllables joined: 张三 -> zhangsan."""
    return "".join(lazy_pinyin(run, style=Style.NORMAL, errors="ignore"))


def _fold_char(ch: str) -> str:
    if ch in _FOLD:
        return _FOLD[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    latin = "".join(c for c in decomposed if c.isascii())
    if latin or unicodedata.combining(ch):
        return latin  # an accented Latin letter, a compatibility form (ﬁ, ℝ, Ａ), a lone accent
    if not unicodedata.category(ch).startswith(("L", "N")):
        return " "  # a symbol or an emoji says nothing in a key
    return anyascii(ch)  # a letter of another script: its usual romanization


def fold_ascii(text: str) -> str:
    """ASCII for any text: Latin letters without their accents, Chinese in pinyin, other
    scripts romanized (see the module docstring). Keys made from it are ASCII."""
    if text.isascii():
        return text
    out: list[str] = []
    for part in _HAN_RUN.split(text):
        if part and _is_han(part[0]):
            out.append(_pinyin(part))
        else:
            out.extend(_fold_char(ch) for ch in part)
    return "".join(c for c in "".join(out) if c.isascii())


def _alnum(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", fold_ascii(text))


def surname(name: str) -> str:
    """The surname of a "First Last" or "Last, First" name, particles included."""
    clean = " ".join(name.split())
    if "," in clean:
        return clean.split(",", 1)[0]
    words = clean.split(" ")
    if len(words) > 2 and words[-1].lower() in NAME_SUFFIXES:
        words.pop()
    if len(words) <= 1:
        return words[0] if words else ""
    last = [words.pop()]
    while len(words) > 1 and words[-1].lower() in PARTICLES and words[-1][:1].islower():
        last.insert(0, words.pop())
    return " ".join(last)


# Word breaks in titles besides spaces: CJK and full-width punctuation ("诗歌：研究").
_TITLE_BREAK = re.compile(r"[\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+")


def _han_words(run: str) -> list[str]:
    """A run of Chinese characters (written without spaces between words) as words of two
    syllables, most Chinese words' length, in pinyin read over the whole run (so
    polyphonic characters get their reading in context): 深度学习综述 -> shendu, xuexi, zongshu."""
    syllables = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    return ["".join(syllables[i : i + 2]) for i in range(0, len(syllables), 2)]


def title_words(title: str) -> list[str]:
    """The title's significant words, folded to ASCII letters and digits."""
    words: list[str] = []
    for raw in _TITLE_BREAK.split(title):
        pieces = [raw]
        if not raw.isascii() and _HAN_RUN.search(raw):
            pieces = []
            for part in _HAN_RUN.split(raw):
                if part and _is_han(part[0]):
                    pieces.extend(_han_words(part))
                elif part:
                    pieces.append(part)
        for piece in pieces:
            word = _alnum(piece)
            if word and word.lower() not in STOPWORDS:
                words.append(word)
    return words


@dataclass(frozen=True, slots=True)
class _Part:
    literal: str | None = None
    name: str | None = None
    n: int = 1
    capital: bool = False


@dataclass(frozen=True, slots=True)
class KeyFormat:
    """A parsed `--key-format` template."""

    template: str
    parts: tuple[_Part, ...]

    def __str__(self) -> str:
        return self.template


def parse_key_format(template: str) -> KeyFormat:
    """Parse a template; `KeyFormatError` says which part is wrong."""
    parts: list[_Part] = []
    pos = 0
    while pos < len(template):
        m = _PLACEHOLDER.match(template, pos)
        if m:
            raw_name = m["name"]
            name = raw_name.lower()
            if name not in _PLACEHOLDERS:
                raise KeyFormatError(
                    f"unknown placeholder {{{raw_name}}} in key format {template!r}; "
                    f"use {', '.join('{' + p + ('N' if p in _NEEDS_N else '') + '}' for p in _PLACEHOLDERS)}"
                )
            if name in _NEEDS_N and m["n"] is None:
                raise KeyFormatError(f"{{{raw_name}}} needs a count, e.g. {{{raw_name}3}}")
            if name not in _NEEDS_N and m["n"] is not None:
                raise KeyFormatError(f"{{{raw_name}}} takes no count in key format {template!r}")
            parts.append(_Part(name=name, n=int(m["n"] or 1), capital=raw_name[0].isupper()))
            pos = m.end()
            continue
        m = _LITERAL.match(template, pos)
        if m:
            parts.append(_Part(literal=m.group()))
            pos = m.end()
            continue
        raise KeyFormatError(
            f"key format {template!r}: {template[pos]!r} at position {pos + 1} is not allowed "
            "(placeholders in braces, and letters, digits, _ - : . + between them)"
        )
    if not any(p.name for p in parts):
        raise KeyFormatError(f"key format {template!r} has no placeholder: every key would be the same")
    return KeyFormat(template, tuple(parts))


DEFAULT_FORMAT = parse_key_format(DEFAULT_KEY_FORMAT)


def _case(words: list[str], capital: bool) -> str:
    if capital:
        return "".join(w[:1].upper() + w[1:].lower() for w in words)
    return "".join(w.lower() for w in words)


def _render(part: _Part, paper: Paper) -> str:
    name = part.name
    if name in {"auth", "authors"}:
        count = 1 if name == "auth" else part.n
        names = [_alnum(surname(a)) for a in paper.authors[:count]]
        names = [n for n in names if n]
        return _case(names or [NO_AUTHOR], part.capital)
    if name == "year":
        return str(paper.year) if paper.year is not None else ""
    if name == "yy":
        return f"{paper.year % 100:02d}" if paper.year is not None else ""
    if name in {"title", "shorttitle"}:
        return _case(title_words(paper.title)[: part.n], part.capital)
    if name == "arxiv":
        return (paper.arxiv_id or "").replace("/", "_")
    raise AssertionError(name)  # pragma: no cover - parse_key_format rejects others


def base_key(paper: Paper, key_format: KeyFormat = DEFAULT_FORMAT) -> str:
    """The key `key_format` gives `paper`, before any collision suffix."""
    key = "".join(p.literal if p.literal is not None else _render(p, paper) for p in key_format.parts)
    # An empty part leaves its separators behind: "smith__2020" -> "smith_2020".
    key = _SEPARATOR_RUN.sub(r"\1", key).strip("_-:.+")
    return key if re.search(r"[A-Za-z0-9]", key) else EMPTY_KEY


def fold_key(key: str) -> str:
    """Keys compare case-insensitively."""
    return key.casefold()


def suffixes() -> Iterator[str]:
    """"", "a", "b", ... "z", "aa", "ab", ... (bijective base 26)."""
    yield ""
    n = 1
    while True:
        letters = ""
        k = n
        while k:
            k, r = divmod(k - 1, 26)
            letters = chr(ord("a") + r) + letters
        yield letters
        n += 1


def unique_key(base: str, taken: Callable[[str], bool]) -> str:
    """`base`, else `base` + a, b, ... : the first candidate `taken` refuses."""
    for suffix in suffixes():
        candidate = base + suffix
        if not taken(candidate):
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover
