"""TeX for .bib fields, and back: the character tables, escaping, and reading TeX as text.

Pure. `escape` writes text for a BibTeX or biblatex field (docs/bibtex.md): ASCII specials
become `\\%`, `\\textbackslash{}`...; the `bibtex` style writes LaTeX for every character it
knows (`{\\"u}`, `{\\L}`, `{\\ensuremath{\\alpha}}`, `--`), the `biblatex` style keeps UTF-8
for what pdflatex + T1 typesets; characters with no LaTeX form (CJK, emoji) stay UTF-8 and
are reported. `$...$` math is kept. `latex_to_text` is the inverse used to recognise entries
again, and `title_key` the fingerprint entry titles are matched by.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from zotsync.core.identity import title_fingerprint

Style = Literal["bibtex", "biblatex"]

# --------------------------------------------------------------------------------------
# Character tables
# --------------------------------------------------------------------------------------

# ASCII characters that mean something to TeX or BibTeX, in text mode.
_ASCII_SPECIAL = {
    "\\": "\\textbackslash{}",
    "{": "\\textbraceleft{}",
    "}": "\\textbraceright{}",
    "%": "\\%",
    "&": "\\&",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "^": "\\textasciicircum{}",
    "~": "\\textasciitilde{}",
}
# ... and inside $...$ math, where only these would break the entry or the line.
_MATH_SPECIAL = {"%": "\\%", "#": "\\#", "&": "\\&"}

# Letters without a decomposition: written as BibTeX "special characters" `{\ss}`.
_LETTERS = {
    "ß": "\\ss", "æ": "\\ae", "Æ": "\\AE", "œ": "\\oe", "Œ": "\\OE", "ø": "\\o", "Ø": "\\O",
    "ł": "\\l", "Ł": "\\L", "ı": "\\i", "ȷ": "\\j", "đ": "\\dj", "Đ": "\\DJ", "ð": "\\dh",
    "Ð": "\\DH", "þ": "\\th", "Þ": "\\TH", "ŋ": "\\ng", "Ŋ": "\\NG", "å": "\\aa", "Å": "\\AA",
}
# Combining marks -> accent commands (symbol accents need no braces around the letter).
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
    "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0323": "d",
    "\u0326": "textcommabelow", "\u0327": "c", "\u0328": "k", "\u0331": "b",
}
# Text symbols (T1/TS1, all in the LaTeX kernel since 2020).
_TEXT_SYMBOLS = {
    "\u00a0": "~", "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ",
    "\u2007": " ", "\u2008": " ", "\u2009": "{\\,}", "\u200a": "{\\,}", "\u202f": "{\\,}",
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u00ad": "{\\-}",
    "‐": "-", "‑": "-", "‒": "--", "–": "--", "—": "---", "―": "---",
    "‘": "`", "’": "'", "‚": "{\\quotesinglbase}", "“": "``", "”": "''", "„": "{\\quotedblbase}",
    "«": "{\\guillemotleft}", "»": "{\\guillemotright}", "‹": "{\\guilsinglleft}",
    "›": "{\\guilsinglright}", "…": "{\\ldots}", "•": "{\\textbullet}", "†": "{\\dag}",
    "‡": "{\\ddag}", "§": "{\\S}", "¶": "{\\P}", "©": "{\\textcopyright}",
    "®": "{\\textregistered}", "™": "{\\texttrademark}", "°": "{\\textdegree}",
    "€": "{\\texteuro}", "£": "{\\pounds}", "¥": "{\\textyen}", "¢": "{\\textcent}",
    "¡": "{\\textexclamdown}", "¿": "{\\textquestiondown}", "ª": "{\\textordfeminine}",
    "º": "{\\textordmasculine}", "‰": "{\\textperthousand}", "¦": "{\\textbrokenbar}",
    "¤": "{\\textcurrency}", "¨": "{\\textasciidieresis}", "´": "{\\textasciiacute}",
    "¯": "{\\textasciimacron}", "¹": "{\\textonesuperior}",
    "²": "{\\texttwosuperior}", "³": "{\\textthreesuperior}", "¼": "{\\textonequarter}",
    "½": "{\\textonehalf}", "¾": "{\\textthreequarters}", "№": "{\\textnumero}",
    # Text forms: biber turns \langle into U+27E8, which LaTeX only sets in text mode.
    "⟨": "{\\textlangle}", "⟩": "{\\textrangle}",
}
# Greek and math symbols: math commands (wrapped in \ensuremath outside $...$).
_MATH_SYMBOLS = {
    "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "δ": "\\delta", "ε": "\\varepsilon",
    "ϵ": "\\epsilon", "ζ": "\\zeta", "η": "\\eta", "θ": "\\theta", "ϑ": "\\vartheta",
    "ι": "\\iota", "κ": "\\kappa", "λ": "\\lambda", "μ": "\\mu", "µ": "\\mu", "ν": "\\nu",
    "ξ": "\\xi", "ο": "o", "π": "\\pi", "ϖ": "\\varpi", "ρ": "\\rho", "ϱ": "\\varrho",
    "σ": "\\sigma", "ς": "\\varsigma", "τ": "\\tau", "υ": "\\upsilon", "φ": "\\varphi",
    "ϕ": "\\phi", "χ": "\\chi", "ψ": "\\psi", "ω": "\\omega",
    "Γ": "\\Gamma", "Δ": "\\Delta", "Θ": "\\Theta", "Λ": "\\Lambda", "Ξ": "\\Xi", "Π": "\\Pi",
    "Σ": "\\Sigma", "Υ": "\\Upsilon", "Φ": "\\Phi", "Ψ": "\\Psi", "Ω": "\\Omega",
    "Α": "\\mathrm{A}", "Β": "\\mathrm{B}", "Ε": "\\mathrm{E}", "Ζ": "\\mathrm{Z}",
    "Η": "\\mathrm{H}", "Ι": "\\mathrm{I}", "Κ": "\\mathrm{K}", "Μ": "\\mathrm{M}",
    "Ν": "\\mathrm{N}", "Ο": "\\mathrm{O}", "Ρ": "\\mathrm{P}", "Τ": "\\mathrm{T}",
    "Χ": "\\mathrm{X}",
    "≤": "\\leq", "≥": "\\geq", "≠": "\\neq", "≈": "\\approx", "≃": "\\simeq", "≅": "\\cong",
    "∼": "\\sim", "≡": "\\equiv", "∝": "\\propto", "∞": "\\infty", "∂": "\\partial",
    "∇": "\\nabla", "∀": "\\forall", "∃": "\\exists", "∅": "\\emptyset", "∈": "\\in",
    "∉": "\\notin", "∋": "\\ni", "⊂": "\\subset", "⊃": "\\supset", "⊆": "\\subseteq",
    "⊇": "\\supseteq", "∩": "\\cap", "∪": "\\cup", "∧": "\\wedge", "∨": "\\vee", "¬": "\\neg",
    "⊕": "\\oplus", "⊗": "\\otimes", "⊙": "\\odot", "∘": "\\circ", "∗": "\\ast", "⋅": "\\cdot",
    "·": "\\cdot", "×": "\\times", "÷": "\\div", "±": "\\pm", "∓": "\\mp", "−": "-",
    "∑": "\\sum", "∏": "\\prod", "∫": "\\int", "∮": "\\oint", "√": "\\surd",
    "←": "\\leftarrow", "→": "\\rightarrow", "↑": "\\uparrow", "↓": "\\downarrow",
    "↔": "\\leftrightarrow", "⇐": "\\Leftarrow", "⇒": "\\Rightarrow", "⇔": "\\Leftrightarrow",
    "↦": "\\mapsto", "⟶": "\\longrightarrow", "≪": "\\ll", "≫": "\\gg", "⊥": "\\perp",
    "∥": "\\parallel", "∣": "\\mid", "⌈": "\\lceil",
    "⌉": "\\rceil", "⌊": "\\lfloor", "⌋": "\\rfloor", "ℓ": "\\ell", "ℏ": "\\hbar",
    "ℵ": "\\aleph", "ℑ": "\\Im", "ℜ": "\\Re", "℘": "\\wp", "⋆": "\\star", "∠": "\\angle",
    "△": "\\triangle", "♯": "\\sharp", "♭": "\\flat", "♮": "\\natural", "′": "\\prime",
    "″": "\\prime\\prime", "∖": "\\setminus", "⊤": "\\top", "⊢": "\\vdash", "⊨": "\\models",
    "≺": "\\prec", "≻": "\\succ", "⪯": "\\preceq", "⪰": "\\succeq",
}
# What the biblatex style leaves as UTF-8: what pdflatex's utf8 + T1/TS1 typesets
# (checked by tests/test_bib_latex.py). Latin Extended-A minus the letters LaTeX's utf8
# does not set up (Ħ ħ ĸ Ŀ ŀ ŉ Ŧ ŧ ſ).
_PUNCTUATION_UTF8 = frozenset("‐‑‒–—―‘’‚“”„«»‹›…•†‡€™№‰")
_NOT_IN_T1 = frozenset("ĦħĸĿŀŉŦŧſ\u00ad")


# Accented letters beyond Latin-1/Extended-A that LaTeX's utf8 defines (t1enc.dfu, TL2022).
# biber decodes `{\v{a}}` back to `ǎ`: other accented letters then fail under pdflatex.
_PDFLATEX_EXTRA = frozenset("ǍǎǏǐǑǒǓǔǢǣǦǧǨǩǪǫǰǴǵȘșȚțȲȳḂḃḍḞḟḠḡḥḰḱḷṃṅṇṛṣṭẎẏẐẑỲỳ")


def _pdflatex_utf8_ok(ch: str) -> bool:
    if ch in _PUNCTUATION_UTF8 or ch in _PDFLATEX_EXTRA:
        return True
    return 0x00A1 <= ord(ch) <= 0x017F and ch not in _NOT_IN_T1


def _biber_unsafe(ch: str) -> bool:
    """An accented letter the bibtex style writes as accent macros that biber turns back
    into a UTF-8 character pdflatex does not know (ǖ, ễ, ǹ): fine with bibtex only."""
    return not _pdflatex_utf8_ok(ch) and _accented(ch) is not None


_CJK_RANGES = (
    (0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x312F),
    (0x3130, 0x318F), (0x31A0, 0x31FF), (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
    (0x20000, 0x2FA1F),
)


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def has_cjk(text: str) -> bool:
    return not text.isascii() and any(is_cjk(ch) for ch in text)


# --------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Escaped:
    """Escaped text; the characters left as UTF-8 that pdflatex cannot typeset; the
    letters written as accent macros that pdflatex can typeset only through bibtex."""

    text: str
    untypeset: tuple[str, ...] = ()
    biber_unsafe: tuple[str, ...] = ()


def finish_escaped(text: str, left: list[str], style: Style) -> Escaped:
    """`Escaped` for text whose characters `left` as UTF-8 were collected while escaping."""
    if style == "biblatex":  # nothing written as accent macros there
        return Escaped(text, tuple(left))
    return Escaped(text, tuple(c for c in left if not _biber_unsafe(c)),
                   tuple(c for c in left if _biber_unsafe(c)))


def _accented(ch: str) -> str | None:
    """`{\\"u}` for a letter with accents on an ASCII base letter, else None."""
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if not marks or not (base.isascii() and base.isalpha()) or any(m not in _ACCENTS for m in marks):
        return None
    inner = base
    for mark in marks:  # {\"u}, {\v{s}}, and nested: {\={\"u}}
        command = _ACCENTS[mark]
        inner = f"\\{command}{{{inner}}}" if command.isalpha() or len(inner) > 1 else f"\\{command}{inner}"
    return "{" + inner + "}"


def _latex_char(ch: str, style: Style, typeset: bool) -> str | None:
    """The LaTeX for one non-ASCII character in text mode, or None when there is none."""
    if style == "biblatex" and _pdflatex_utf8_ok(ch):
        return ch
    if ch in _LETTERS:
        return "{" + _LETTERS[ch] + "}"
    if ch in _TEXT_SYMBOLS:
        return _TEXT_SYMBOLS[ch]
    if ch in _MATH_SYMBOLS:
        command = _MATH_SYMBOLS[ch]
        return command if command in {"o", "-"} else "{\\ensuremath{" + command + "}}"
    accented = _accented(ch)
    if accented is not None and style == "bibtex":  # biblatex: biber would undo it
        return accented
    if typeset:
        # Compatibility forms (full-width letters, ligatures, blackboard R, superscripts):
        # their plain letters, when every one of them has a form.
        compat = unicodedata.normalize("NFKD", ch)
        if compat != ch and not any(is_cjk(c) for c in compat):
            parts: list[str] = []
            for c in compat:
                latex = _ASCII_SPECIAL.get(c, c) if c.isascii() else _latex_char(c, style, typeset)
                if latex is None:
                    return None
                parts.append(latex)
            return "".join(parts)
    return None


# Full-width sentence punctuation, written as its ASCII form: "Poetry：A" -> "Poetry: A".
# The full-width form carries its own spacing; the ASCII one needs a space after it.
_FULL_WIDTH_PUNCTUATION = re.compile(r"([：，；！？])(\s*)")
_HALF_WIDTH = {"：": ":", "，": ",", "；": ";", "！": "!", "？": "?"}


def half_width_punctuation(text: str) -> str:
    """`：，；！？` as `: , ; ! ?` followed by one space (none at the end of the text)."""
    if text.isascii():
        return text

    def sub(m: re.Match[str]) -> str:
        return _HALF_WIDTH[m[1]] + ("" if m.end() == len(text) else " ")

    return _FULL_WIDTH_PUNCTUATION.sub(sub, text)


# LaTeX's escapes of one special character, as arXiv abstracts write them (`62\\%`): the
# character it stands for, escaped once (never `62\\textbackslash{}\\%`).
_ESCAPED_SPECIAL = frozenset("%&$#_{}")


def escape_plain(text: str, style: Style, typeset: bool, left: list[str]) -> str:
    """Text outside math, escaped; characters left as UTF-8 are appended to `left`."""
    if text.isascii() and not any(c in _ASCII_SPECIAL for c in text):
        return text
    out: list[str] = []
    after_backslash = False
    for i, ch in enumerate(text):
        if after_backslash:
            after_backslash = False
            continue
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPED_SPECIAL:
            out.append(_ASCII_SPECIAL[text[i + 1]])
            after_backslash = True
            continue
        if ch.isascii():
            out.append(_ASCII_SPECIAL.get(ch, ch))
            continue
        latex = _latex_char(ch, style, typeset)
        if latex is None:
            left.append(ch)
            out.append(ch)
        else:
            out.append(latex)
            if style == "bibtex" and _biber_unsafe(ch):
                left.append(ch)
    return "".join(out)


def escape_math(body: str, style: Style, left: list[str]) -> str:
    """The inside of `$...$`, Unicode as math commands; characters left go to `left`."""
    out: list[str] = []
    for ch in body:
        if ch.isascii():
            out.append(_MATH_SPECIAL.get(ch, ch))
        elif ch in _MATH_SYMBOLS:
            out.append(_MATH_SYMBOLS[ch] + " ")
        else:
            latex = _latex_char(ch, style, True)
            if latex is None:
                left.append(ch)
                out.append(ch)
            else:
                out.append("\\mbox{" + latex + "}")
                if style == "bibtex" and _biber_unsafe(ch):
                    left.append(ch)
    return "".join(out)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def math_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `$...$` math (dollars included), by pandoc's rule.

    An opening `$` has a non-space right after it; a closing `$` has a non-space right
    before it and no digit right after it (so "costs $5 and $10" is not math). The
    inside must balance its braces. `\\$` and `$$` are not delimiters.
    """
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] != "$" or (i > 0 and text[i - 1] == "\\"):
            i += 1
            continue
        if i + 1 >= n or text[i + 1].isspace() or text[i + 1] == "$":
            i += 1
            continue
        j = i + 1
        found = -1
        while j < n:
            if text[j] == "$" and text[j - 1] != "\\":
                if not text[j - 1].isspace() and not (j + 1 < n and text[j + 1].isdigit()):
                    found = j
                break
            j += 1
        if found > 0 and _balanced(text[i + 1 : found]):
            spans.append((i, found + 1))
            i = found + 1
        else:
            i += 1
    return spans


def escape(text: str, style: Style = "bibtex", *, typeset: bool = True, math: bool = True) -> Escaped:
    """Escape free text for a BibTeX field value (braces balance, nothing is dropped).

    `typeset`: the field is printed by bibliography styles (title, author, howpublished),
    so compatibility characters are folded to letters too. `math`: keep `$...$` math.
    """
    left: list[str] = []
    if typeset:
        text = half_width_punctuation(text)
    if not math or "$" not in text:
        return finish_escaped(escape_plain(text, style, typeset, left), left, style)
    out: list[str] = []
    pos = 0
    for start, end in math_spans(text):
        out.append(escape_plain(text[pos:start], style, typeset, left))
        out.append("$" + escape_math(text[start + 1 : end - 1], style, left) + "$")
        pos = end
    out.append(escape_plain(text[pos:], style, typeset, left))
    return finish_escaped("".join(out), left, style)


def verbatim_url(url: str) -> str:
    """A URL for a verbatim field: balanced, no spaces, no backslashes."""
    return (url.strip().replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")
            .replace(" ", "%20").replace("\n", ""))


# --------------------------------------------------------------------------------------
# Reading back: LaTeX -> text, enough to recognise titles, names and DOIs again
# --------------------------------------------------------------------------------------

_REVERSE_LETTERS = {v[1:]: k for k, v in _LETTERS.items()}
_REVERSE_SYMBOLS = {
    v.strip("{}").lstrip("\\"): k for k, v in _TEXT_SYMBOLS.items()
    if v.startswith("{\\") and v.count("\\") == 1 and v.strip("{}").lstrip("\\").isalpha()
}
_REVERSE_MATH: dict[str, str] = {}
for _ch, _cmd in _MATH_SYMBOLS.items():
    _REVERSE_MATH.setdefault(_cmd.lstrip("\\"), _ch)
_REVERSE_ACCENTS = {v: k for k, v in _ACCENTS.items()}
_REVERSE_ESCAPES = {
    "textbackslash": "\\", "textbraceleft": "{", "textbraceright": "}",
    "textasciicircum": "^", "textasciitilde": "~", "ldots": "…", "dots": "…",
}

_LETTER = r"(?:\\[ij](?![A-Za-z])|[^\W\d_])"  # a letter (accented ones too), or \i, \j
_ACCENT_RE = re.compile(
    r"\\(?:(?P<sym>[`'^~=.\"])\s*|(?P<word>[uvHrdbck]|textcommabelow)(?![A-Za-z])\s*)"
    r"(?:\{(?P<braced>" + _LETTER + r"?)\}|(?P<bare>" + _LETTER + r"))"
)
_CONTROL = re.compile(r"\\(?:(?P<name>[A-Za-z]+)\s*(?:\{\})?|(?P<sym>[ -@\[-`{-~]))")


def _accent_sub(m: re.Match[str]) -> str:
    letter = m["braced"] if m["braced"] is not None else m["bare"]
    if letter in {"\\i", "\\j"}:
        letter = letter[1]
    mark = _REVERSE_ACCENTS.get(m["sym"] or m["word"])
    if mark is None or not letter:
        return letter or ""
    return unicodedata.normalize("NFC", letter + mark)


def _control_sub(m: re.Match[str]) -> str:
    name = m["name"]
    if name is None:  # a control symbol: \% \& \$ \# \_ \{ \} "\ " stand for themselves
        sym = str(m["sym"])
        return sym if sym in "%&$#_{} " else (" " if sym in ",;:!" else "")
    if name in _REVERSE_LETTERS:
        return _REVERSE_LETTERS[name]
    if name in _REVERSE_ESCAPES:
        return _REVERSE_ESCAPES[name]
    if name in _REVERSE_SYMBOLS:
        return _REVERSE_SYMBOLS[name]
    if name in _REVERSE_MATH:
        return _REVERSE_MATH[name]
    return ""  # \emph, \textbf, \ensuremath, \LaTeX ...: the command goes, its argument stays


def latex_to_text(value: str) -> str:
    """Undo TeX markup well enough to compare titles and names: accents -> Unicode,
    escapes -> characters, other commands dropped (their arguments kept), braces kept."""
    if "\\" not in value and "--" not in value and "``" not in value and "''" not in value:
        return value
    s = value
    for _ in range(3):  # nested accents ({\'{\"u}}) resolve from the inside out
        s, count = _ACCENT_RE.subn(_accent_sub, s)
        if not count:
            break
    s = _CONTROL.sub(_control_sub, s)  # one pass: what it writes is not read again
    return s.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")



# Greek capitals written as Latin letters (\mathrm{A}) and omicron (o) read back as Latin.
_HOMOGLYPHS = str.maketrans({
    ch: command.removeprefix("\\mathrm{").removesuffix("}")
    for ch, command in _MATH_SYMBOLS.items() if command == "o" or command.startswith("\\mathrm{")
})


def title_key(text: str) -> str:
    """The fingerprint entry titles are matched by (see `paper_title_key` for papers).

    TeX is decoded (on both sides, so `$\\alpha$` and `$α$` agree) and leftover
    backslashes dropped, non-ASCII
    punctuation, symbols and spaces (after NFKD) count as spaces (the bibtex style writes
    `–` as `--`),
    invisible format characters are dropped, then `identity.title_fingerprint`.
    """
    s = latex_to_text(text).replace("\\", "").translate(_HOMOGLYPHS)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)  # first, so "Ŀ" -> "L·" folds like "L⋅"
        out: list[str] = []
        for ch in s:
            if ch.isascii():
                out.append(ch)
                continue
            category = unicodedata.category(ch)
            if category == "Cf":
                continue
            out.append(" " if category[0] in "PSZ" else ch)
        s = "".join(out)
    return title_fingerprint(s)
