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

The character tables, `escape` and its inverse `latex_to_text` are in `core.latex`;
this module decides what goes in which field. `paper_title_key` is the title fingerprint
an entry zotsync writes for a paper is matched by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zotsync.core.citekeys import NAME_SUFFIXES, PARTICLES, STOPWORDS
from zotsync.core.identity import arxiv_abs_url, normalize_doi
from zotsync.core.latex import (
    Escaped,
    Style,
    escape,
    escape_math,
    escape_plain,
    finish_escaped,
    half_width_punctuation,
    has_cjk,
    latex_to_text,
    math_spans,
    title_key,
    verbatim_url,
)
from zotsync.core.paper import Paper, Publication

STYLES: tuple[Style, ...] = ("bibtex", "biblatex")

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

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
            inner = escape_math(raw[1:-1], style, left)
            out.append("{$" + inner + "$}")
            first = False
            continue
        pos = 0
        for m in _WORD.finditer(raw):
            out.append(raw[pos : m.start()])
            lead, core, trail = _core(m.group())
            protect = bool(core) and _needs_protection(core, sentence_case, first or previous_colon)
            body = escape_plain(core, style, True, left)
            out.append(escape_plain(lead, style, True, left))
            out.append("{" + body + "}" if protect else body)
            out.append(escape_plain(trail, style, True, left))
            if core:
                first = False
            previous_colon = trail.endswith((":", "?", "!", "."))
            pos = m.end()
        out.append(raw[pos:])
    return finish_escaped("".join(out).strip(), left, style)


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
        return escape_plain(text, style, True, left)

    if parts.literal:
        return finish_escaped("{" + esc(parts.last) + "}", left, style)
    last = f"{esc(parts.von)} {esc(parts.last)}" if parts.von else esc(parts.last)
    # A hyphen-less last name with a capital inside stays as written (McDonald is fine).
    pieces = [last]
    if parts.jr:
        pieces.append(esc(parts.jr))
    if parts.first:
        pieces.append(esc(parts.first))
    return finish_escaped(", ".join(pieces), left, style)


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


def paper_title_key(title: str) -> str:
    """The `title_key` a paper is matched by: that of the title field we write for it.

    Defined through our own escaping, so an entry zotsync wrote is always found again
    (whatever TeX or odd characters the title holds); an entry the user wrote matches
    when its title reads the same once decoded.
    """
    return title_key(latex_to_text(format_title(title).text))
