"""One `Paper` -> one BibTeX or biblatex entry, in zotsync's fixed format.

Pure. The field-by-field rules are in docs/bibtex.md; in short:

- text fields (`title`, `author`, `howpublished`, `key`, `abstract`, `annote`) are escaped:
  `\\ { } % & $ # _ ^ ~` become `\\textbackslash{}`, `\\textbraceleft{}`, `\\%`, ... (braces
  are never written as `\\{`: BibTeX counts those and the entry would not balance);
- Unicode: the `bibtex` style writes LaTeX for every character it knows (`{\\"u}`, `{\\L}`,
  `{\\ensuremath{\\alpha}}`, `--`), so pdflatex + T1 and BibTeX's name parsing work; the
  `biblatex` style keeps UTF-8 for what pdflatex + T1 typesets (Latin-1, Latin Extended-A,
  typographic punctuation) and writes LaTeX for the rest (Greek, math symbols). Characters
  with no LaTeX form (CJK, emoji) stay UTF-8 and are reported, never dropped;
- `$...$` math in titles and abstracts is kept (Unicode inside it becomes math commands);
- `url`, `doi` and `eprint` are written verbatim (only braces, backslashes and spaces are
  percent-encoded in URLs, so the entry balances);
- words that must keep their case are braced, never the whole title: `{BERT}`, `{LoRA}`,
  `{GPT-4}`, `{OpenAI}`, proper nouns from a short list, and capitalised words inside a
  sentence-case title;
- author names become `Last, First`; one-word names, organisations, names containing
  ` and ` and CJK names are braced whole (`{OpenAI}`, `{张三}`).

`latex_to_text` is the inverse used to recognise entries again (title fingerprints).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from zotsync.core.citekeys import NAME_SUFFIXES, PARTICLES, STOPWORDS
from zotsync.core.identity import arxiv_abs_url, normalize_doi, title_fingerprint
from zotsync.core.paper import Paper, Publication

Style = Literal["bibtex", "biblatex"]
STYLES: tuple[Style, ...] = ("bibtex", "biblatex")

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

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


def _escaped(text: str, left: list[str], style: Style) -> Escaped:
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


def _escape_plain(text: str, style: Style, typeset: bool, left: list[str]) -> str:
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


def _escape_math(body: str, style: Style, left: list[str]) -> str:
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
        return _escaped(_escape_plain(text, style, typeset, left), left, style)
    out: list[str] = []
    pos = 0
    for start, end in math_spans(text):
        out.append(_escape_plain(text[pos:start], style, typeset, left))
        out.append("$" + _escape_math(text[start + 1 : end - 1], style, left) + "$")
        pos = end
    out.append(_escape_plain(text[pos:], style, typeset, left))
    return _escaped("".join(out), left, style)


def verbatim_url(url: str) -> str:
    """A URL for a verbatim field: balanced, no spaces, no backslashes."""
    return (url.strip().replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")
            .replace(" ", "%20").replace("\n", ""))


# --------------------------------------------------------------------------------------
# Case protection
# --------------------------------------------------------------------------------------

def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Proper nouns that appear in paper titles and must stay capitalised in any style.
PROPER_NOUNS = _wordset(
    """Bayes Bayesian Gauss Gaussian Markov Markovian Monte Carlo Hopfield Fourier Laplace
    Laplacian Hebb Hebbian Boltzmann Riemann Riemannian Euclid Euclidean Newton Newtonian
    Hilbert Banach Lipschitz Langevin Hamilton Hamiltonian Lagrange Lagrangian Bellman Nash
    Wasserstein Shapley Turing Kalman Poisson Dirichlet Bernoulli Boolean Kolmogorov
    Schrödinger Einstein Wiener Hessian Jacobian Cartesian Gibbs Brownian Stein Hawkes
    Gabor Granger Hodgkin Huxley Wilson Cowan Kuramoto Ising Potts Shannon Bregman Sobolev
    Chebyshev Legendre Hermite Hermitian Euler Eulerian Gödel Kullback Leibler Jensen Rényi
    Tikhonov Ornstein Uhlenbeck Metropolis Hastings Voronoi Delaunay Pareto Nyström Kronecker
    Cholesky Krylov Lanczos Arnoldi Galerkin Hebbian Helmholtz Maxwell Navier Stokes
    English Chinese Japanese Korean German French Spanish Arabic Hindi Russian African
    European American Asian Indian Wikipedia Internet Python Java Rust Linux Android Atari
    Minecraft StarCraft Go"""
)
_WORD = re.compile(r"\S+")
_LEAD = "([{\"'`<"
_TRAIL = ")]}\"'`>:;,.!?"


def _core(token: str) -> tuple[str, str, str]:
    start, end = 0, len(token)
    while start < end and token[start] in _LEAD:
        start += 1
    while end > start and token[end - 1] in _TRAIL:
        end -= 1
    return token[:start], token[start:end], token[end:]


def _needs_protection(word: str, sentence_case: bool, first: bool) -> bool:
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return False
    parts = [p for p in re.split(r"[-‐/]", word) if p]
    # BERT, LoRA, ImageNet, fMRI, arXiv, SSVEP-BCI; not Pre-Training (Title Case parts).
    if any(any(c.isupper() for c in p[1:]) for p in parts):
        return True
    if any(c.isdigit() for c in word):  # GPT-4, 3D, V1, Llama-2
        return True
    if any(len(p) == 1 and p.isupper() for p in parts) and word != "A":  # Part B, X-ray
        return True
    if not word[0].isupper():
        return False
    base = parts[0].removesuffix("'s").removesuffix("’s") if parts else word
    if base in PROPER_NOUNS or word in PROPER_NOUNS:
        return True
    # In a sentence-case title, a capital inside the sentence marks a proper noun.
    return sentence_case and not first


def _is_sentence_case(words: list[str]) -> bool:
    """True when a title is written in sentence case (most later words lowercase)."""
    candidates = [w for w in words[1:] if w[:1].isalpha() and w.lower() not in STOPWORDS]
    plain = [w for w in candidates if not any(c.isupper() for c in w[1:]) and not any(
        c.isdigit() for c in w)]
    if len(plain) < 2:
        return False
    capitalised = sum(1 for w in plain if w[0].isupper())
    return capitalised * 2 < len(plain)


def format_title(title: str, style: Style = "bibtex") -> Escaped:
    """Escape a title and brace the words whose case must survive; math is braced whole."""
    text = " ".join(half_width_punctuation(title).split())
    left: list[str] = []
    spans = math_spans(text)
    pieces: list[tuple[bool, str]] = []  # (is_math, raw)
    pos = 0
    for start, end in spans:
        pieces.append((False, text[pos:start]))
        pieces.append((True, text[start:end]))
        pos = end
    pieces.append((False, text[pos:]))
    words = [m.group() for is_math, raw in pieces if not is_math for m in _WORD.finditer(raw)]
    sentence_case = _is_sentence_case([_core(w)[1] for w in words])
    out: list[str] = []
    first = True
    previous_colon = False
    for is_math, raw in pieces:
        if is_math:
            inner = _escape_math(raw[1:-1], style, left)
            out.append("{$" + inner + "$}")
            first = False
            continue
        pos = 0
        for m in _WORD.finditer(raw):
            out.append(raw[pos : m.start()])
            lead, core, trail = _core(m.group())
            protect = bool(core) and _needs_protection(core, sentence_case, first or previous_colon)
            body = _escape_plain(core, style, True, left)
            out.append(_escape_plain(lead, style, True, left))
            out.append("{" + body + "}" if protect else body)
            out.append(_escape_plain(trail, style, True, left))
            if core:
                first = False
            previous_colon = trail.endswith((":", "?", "!", "."))
            pos = m.end()
        out.append(raw[pos:])
    return _escaped("".join(out).strip(), left, style)


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------

_ORGANISATION = re.compile(
    r"\b(team|consortium|collaboration|group|institute|university|laboratory|lab|labs|"
    r"inc\.?|ltd\.?|corporation|corp\.?|company|project|committee|organi[sz]ation|"
    r"foundation|association|society|council|center|centre|agency|initiative|network|"
    r"alliance|partnership|research)\b",
    re.IGNORECASE,
)
_ORGANISATION_END = re.compile(r"\s(AI|ML|NLP|Labs?)$")  # Meta AI, Google AI


@dataclass(frozen=True, slots=True)
class NameParts:
    """A person's name split the BibTeX way; `literal` for names braced whole."""

    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""
    literal: bool = False


def split_name(name: str) -> NameParts:
    """Split a "First Last" (or "Last, First") name into BibTeX's four parts."""
    clean = " ".join(name.split())
    if not clean:
        return NameParts(literal=True)
    if (has_cjk(clean) or " and " in f" {clean.lower()} " or "&" in clean or _ORGANISATION.search(clean)
            or _ORGANISATION_END.search(clean)):
        return NameParts(last=clean, literal=True)
    if "," in clean:
        parts = [p.strip() for p in clean.split(",")]
        if len(parts) == 2 and parts[0] and parts[1]:
            return NameParts(first=parts[1], last=parts[0])
        if len(parts) == 3 and parts[0] and parts[2]:
            return NameParts(first=parts[2], last=parts[0], jr=parts[1])
        return NameParts(last=clean, literal=True)
    words = clean.split(" ")
    jr = ""
    if len(words) > 2 and words[-1].lower() in NAME_SUFFIXES:
        jr = words.pop()
    if len(words) == 1:
        return NameParts(last=words[0], jr=jr, literal=not jr)
    last = words.pop()
    von: list[str] = []
    while len(words) > 1 and words[-1].lower() in PARTICLES and words[-1][0].islower():
        von.insert(0, words.pop())
    return NameParts(first=" ".join(words), von=" ".join(von), last=last, jr=jr)


def format_name(name: str, style: Style = "bibtex") -> Escaped:
    """One author as BibTeX reads it: `von Last, Jr, First`, or `{Whole Name}`."""
    parts = split_name(name)
    left: list[str] = []

    def esc(text: str) -> str:
        return _escape_plain(text, style, True, left)

    if parts.literal:
        return _escaped("{" + esc(parts.last) + "}", left, style)
    last = f"{esc(parts.von)} {esc(parts.last)}" if parts.von else esc(parts.last)
    # A hyphen-less last name with a capital inside stays as written (McDonald is fine).
    pieces = [last]
    if parts.jr:
        pieces.append(esc(parts.jr))
    if parts.first:
        pieces.append(esc(parts.first))
    return _escaped(", ".join(pieces), left, style)


def format_authors(authors: tuple[str, ...] | list[str], style: Style = "bibtex") -> Escaped:
    names = [format_name(a, style) for a in authors if a.strip()]
    return Escaped(" and ".join(n.text for n in names), tuple(c for n in names for c in n.untypeset),
                   tuple(c for n in names for c in n.biber_unsafe))


# --------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryOptions:
    """How entries are written. `tldr`: the digest's TL;DR goes to `annote` (not printed)."""

    style: Style = "bibtex"
    abstract: bool = False
    tldr: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """One formatted entry (`\\n` newlines, no trailing newline) and what to tell the user."""

    key: str
    entry_type: str
    text: str
    warnings: tuple[str, ...] = ()


def entry_month(paper: Paper) -> int | None:
    """Month of first publication: the v1 date, else a new-style ID's MM."""
    if paper.published is not None:
        return paper.published.month
    if paper.arxiv_id and paper.arxiv_id[:4].isdigit() and "." in paper.arxiv_id:
        month = int(paper.arxiv_id[2:4])
        return month if 1 <= month <= 12 else None
    return None


def entry_date(paper: Paper) -> str | None:
    """biblatex `date`: YYYY-MM-DD, YYYY-MM or YYYY, from v1 (never the latest version)."""
    if paper.published is not None:
        return paper.published.isoformat()
    year = paper.year
    if year is None:
        return None
    month = entry_month(paper)
    return f"{year:04d}-{month:02d}" if month else f"{year:04d}"


def _field(name: str, value: str, *, bare: bool = False) -> str:
    return f"  {name} = {value}," if bare else f"  {name} = {{{value}}},"


def _tldr_text(paper: Paper) -> str | None:
    if paper.summary is None or not paper.summary.tldr:
        return None
    language = f" ({paper.summary.language})" if paper.summary.language else ""
    return f"TL;DR{language}: {' '.join(paper.summary.tldr.split())}"


def _eprint_fields(arxiv_id: str, primary: str | None, style: Style) -> list[str]:
    if style == "bibtex":
        fields = [_field("eprint", arxiv_id), _field("archivePrefix", "arXiv")]
        return fields + ([_field("primaryClass", primary)] if primary else [])
    fields = [_field("eprint", arxiv_id), _field("eprinttype", "arxiv")]
    return fields + ([_field("eprintclass", primary)] if primary else [])


_PAGE_RANGE = re.compile(r"^(\w+)\s*[-\u2010-\u2015]+\s*(\w+)$")


def publication_fields(paper: Paper, publication: Publication, style: Style, fields: list[str],
                      untypeset: list[str]) -> str:
    """The published version's entry (`@article`, `@inproceedings`): venue, volume, issue,
    pages and the venue's date, appended to `fields`; returns the entry type."""
    venue = escape(publication.container, style, math=False)
    untypeset.extend(venue.untypeset)
    journal = publication.kind == "journal-article"
    if style == "bibtex":
        fields.append(_field("journal" if journal else "booktitle", venue.text))
        year = publication.year or paper.year
        if year is not None:
            fields.append(_field("year", str(year)))
        month = int(publication.date[5:7]) if publication.date and len(publication.date) >= 7 else None
        if month and 1 <= month <= 12:
            fields.append(_field("month", MONTHS[month - 1], bare=True))
    else:
        fields.append(_field("journaltitle" if journal else "booktitle", venue.text))
        when = publication.date or entry_date(paper)
        if when:
            fields.append(_field("date", when))
    if publication.volume:
        fields.append(_field("volume", escape(publication.volume, style, math=False).text))
    if journal and publication.issue:
        fields.append(_field("number", escape(publication.issue, style, math=False).text))
    if publication.pages:
        pages = _PAGE_RANGE.sub(r"\1--\2", publication.pages.strip())
        fields.append(_field("pages", escape(pages, style, math=False).text))
    if not journal and publication.publisher:
        fields.append(_field("publisher", escape(publication.publisher, style, math=False).text))
    return "article" if journal else "inproceedings"


def format_entry(paper: Paper, key: str, options: EntryOptions | None = None) -> Entry:
    """The entry for `paper` under `key`, in the fixed field order of its style."""
    options = options or EntryOptions()
    style = options.style
    warnings: list[str] = []
    untypeset: list[str] = []
    biber_unsafe: list[str] = []
    fields: list[str] = []

    title = format_title(paper.title, style)
    untypeset.extend(title.untypeset)
    biber_unsafe.extend(title.biber_unsafe)
    fields.append(_field("title", title.text))
    if paper.authors:
        authors = format_authors(paper.authors, style)
        untypeset.extend(authors.untypeset)
        biber_unsafe.extend(authors.biber_unsafe)
        fields.append(_field("author", authors.text))
    else:
        warnings.append("no author names known")
        if style == "bibtex":  # plain.bst sorts by `key` when there is no author
            fields.append(_field("key", escape(paper.title, style, math=False).text))

    arxiv_id = paper.arxiv_id
    doi = normalize_doi(paper.doi) if paper.doi else None
    url = arxiv_abs_url(arxiv_id) if arxiv_id else (paper.url or None)
    if url and not url.lower().startswith(("http://", "https://")):
        url = None
    primary = paper.primary_category or (paper.categories[0] if paper.categories else None)
    if paper.year is None:
        warnings.append("no date known")

    publication = paper.publication if doi else None
    if publication is not None:
        entry_type = publication_fields(paper, publication, style, fields, untypeset)
        if arxiv_id:
            fields.extend(_eprint_fields(arxiv_id, primary, style))
    elif style == "bibtex":
        entry_type = "misc"
        if paper.year is not None:
            fields.append(_field("year", str(paper.year)))
        month = entry_month(paper)
        if month is not None:
            fields.append(_field("month", MONTHS[month - 1], bare=True))
        if arxiv_id:
            where = f"arXiv preprint arXiv:{arxiv_id}" + (f" [{primary}]" if primary else "")
            fields.append(_field("howpublished", escape(where, style, math=False).text))
            fields.extend(_eprint_fields(arxiv_id, primary, style))
        elif doi:
            fields.append(_field("howpublished", escape(f"DOI {doi}", style, math=False).text))
    else:
        # biblatex's @online requires url, doi or eprint; a paper with none is @misc.
        entry_type = "online" if (arxiv_id or doi or url) else "misc"
        when = entry_date(paper)
        if when:
            fields.append(_field("date", when))
        if arxiv_id:
            fields.extend(_eprint_fields(arxiv_id, primary, style))
    if url:
        fields.append(_field("url", verbatim_url(url)))
    if doi:
        fields.append(_field("doi", verbatim_url(doi)))
    if style == "biblatex" and arxiv_id and not doi and not paper.journal_ref and publication is None:
        fields.append(_field("pubstate", "prepublished"))
    if options.abstract and paper.abstract:
        abstract = escape(" ".join(paper.abstract.split()), style, typeset=False)
        fields.append(_field("abstract", abstract.text))
    if options.tldr:
        tldr = _tldr_text(paper)
        if tldr:
            fields.append(_field("annote", escape(tldr, style, typeset=False, math=False).text))

    if untypeset:
        shown = "".join(dict.fromkeys(untypeset))[:12]
        warnings.append(f"title/author keep characters pdflatex cannot typeset ({shown}): "
                        "compile with xelatex or lualatex")
    if biber_unsafe:
        shown = "".join(dict.fromkeys(biber_unsafe))[:12]
        warnings.append(f"title/author have letters ({shown}) that pdflatex typesets through bibtex "
                        "but not through biber: with biblatex, compile with xelatex or lualatex")
    fields[-1] = fields[-1].removesuffix(",")
    text = f"@{entry_type}{{{key},\n" + "\n".join(fields) + "\n}"
    return Entry(key, entry_type, text, tuple(warnings))


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


def paper_title_key(title: str) -> str:
    """The `title_key` a paper is matched by: that of the title field we write for it.

    Defined through our own escaping, so an entry zotsync wrote is always found again
    (whatever TeX or odd characters the title holds); an entry the user wrote matches
    when its title reads the same once decoded.
    """
    return title_key(latex_to_text(format_title(title).text))
