"""Identifiers and title fingerprints: what makes two entries the same paper.

All functions are pure. The rules follow arXiv's identifier scheme
(https://info.arxiv.org/help/arxiv_identifier.html) and Zotero's duplicate detection
(`chrome/content/zotero/xpcom/duplicates.js`), see docs/formats.md.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from zotsync.core.paper import Paper

# New style: YYMM.NNNN (0704-1412) or YYMM.NNNNN (1501 on), optional vN.
_NEW_ID = re.compile(r"(?P<id>(?P<yymm>\d{4})\.(?P<num>\d{4,5}))(?:v(?P<v>\d+))?")
# Old style: archive[.SC]/YYMMNNN, optional vN. Archives are lowercase words with hyphens.
_OLD_ID = re.compile(
    r"(?P<archive>[A-Za-z][A-Za-z-]*)(?:\.[A-Za-z]{2})?/(?P<num>\d{7})(?:v(?P<v>\d+))?"
)
_ARXIV_PREFIX = re.compile(r"^arxiv\s*:\s*", re.IGNORECASE)
_ARXIV_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<rest>.+?)(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_HF_URL = re.compile(r"^(?:https?://)?(?:www\.)?huggingface\.co/papers/(?P<rest>[^/?#]+)", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<rest>.+)$", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi\s*:\s*)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


class ArxivId(NamedTuple):
    """An arXiv identifier split into its versionless identity and its version."""

    id: str
    version: int | None


# arXiv versions are small (v1, v2, ... a few dozen at most): a longer run of digits is
# not a version (and a 5,000-digit one would not even convert to an int).
_MAX_VERSION_DIGITS = 6


def _version(digits: str | None) -> int | None:
    return int(digits) if digits else None


def _match_bare_id(text: str) -> ArxivId | None:
    m = _NEW_ID.fullmatch(text)
    if m and m["v"] and len(m["v"]) > _MAX_VERSION_DIGITS:
        return None
    if m:
        month = int(m["yymm"][2:])
        five_digits = len(m["num"]) == 5
        # 5-digit numbers started in 1501; 4-digit ones ended with 1412.
        if m["yymm"] < "0704" or not 1 <= month <= 12 or five_digits != (m["yymm"] >= "1501"):
            return None
        return ArxivId(m["id"], _version(m["v"]))
    m = _OLD_ID.fullmatch(text)
    if m and not (m["v"] and len(m["v"]) > _MAX_VERSION_DIGITS):
        return ArxivId(f"{m['archive'].lower()}/{m['num']}", _version(m["v"]))
    return None


def parse_arxiv_id(text: str) -> ArxivId | None:
    """Read an arXiv ID from any of its spellings; None when it is not one.

    Accepts bare IDs (new and old style, with or without `vN`), `arXiv:` prefixes,
    abs/pdf/html URLs on arxiv.org and export.arxiv.org, Hugging Face paper URLs and
    the arXiv DOI `10.48550/arXiv.<id>` (also as a doi.org URL). Old-style IDs lose
    their subject class: `math.CA/0611800v2` -> `math/0611800`, version 2.
    """
    s = text.strip()
    if not s:
        return None
    s = _ARXIV_PREFIX.sub("", s)
    m = _ARXIV_URL.match(s) or _HF_URL.match(s)
    if m:
        s = _ARXIV_PREFIX.sub("", m["rest"])
    else:
        bare_doi = _DOI_PREFIX.sub("", s)
        m = _ARXIV_DOI.match(bare_doi)
        if m:
            s = m["rest"]
    return _match_bare_id(s)


def normalize_arxiv_id(text: str) -> str | None:
    """The versionless arXiv ID in `text`, or None."""
    parsed = parse_arxiv_id(text)
    return parsed.id if parsed else None


def normalize_doi(text: str) -> str | None:
    """A DOI without `https://doi.org/` or `doi:`; None unless it starts with `10.`.

    The case is kept as given (compare with `doi_key`).
    """
    s = _DOI_PREFIX.sub("", text.strip()).strip()
    return s if _DOI.match(s) else None


def doi_key(doi: str) -> str:
    """DOIs compare case-insensitively."""
    return doi.strip().lower()


def arxiv_doi(arxiv_id: str) -> str:
    """arXiv's DataCite DOI for a (versionless) ID; one per paper, all versions."""
    return f"10.48550/arXiv.{arxiv_id}"


def arxiv_abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def arxiv_pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"


# Runs of ASCII punctuation and spaces, as Zotero's duplicates.js normalizeString:
# /[ !-/:-@[-`{-~]+/g
_PUNCT_RUN = re.compile(r"[ !-/:-@\[-`{-~]+")


@functools.lru_cache(maxsize=1 << 16)  # a paper's title is fingerprinted at each stage that compares it
def title_fingerprint(title: str) -> str:
    """A title reduced so that spellings of the same title compare equal.

    NFKD with combining marks dropped (also folds full-width forms), TeX braces
    stripped, whitespace (newlines included) collapsed, runs of ASCII punctuation and
    spaces turned into one space, trimmed, casefolded.
    """
    s = title
    if not s.isascii():  # ASCII has nothing to decompose: skip the costly part
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.replace("{", "").replace("}", "")
    s = " ".join(s.split())
    s = _PUNCT_RUN.sub(" ", s)
    return s.strip().casefold()


def paper_keys(arxiv_id: str | None, doi: str | None, title: str) -> list[str]:
    """Every key a paper is known by, strongest first: `arxiv:<id>`, `doi:<doi>`,
    `title:<fingerprint>`. The first is the paper's identity in the store."""
    keys = []
    if arxiv_id:
        keys.append(f"arxiv:{arxiv_id}")
    if doi:
        keys.append(f"doi:{doi_key(doi)}")
    fingerprint = title_fingerprint(title)
    if fingerprint:
        keys.append(f"title:{fingerprint}")
    return keys


def surname_initials(authors: tuple[str, ...] | list[str]) -> set[tuple[str, str]]:
    """(last name, first initial) pairs, folded, for Zotero's shared-author veto.

    Names come as "First Last" or "Last, First"; a one-word name has no initial.
    """
    pairs: set[tuple[str, str]] = set()
    for name in authors:
        if "," in name:
            last, _, first = name.partition(",")
        else:
            first, _, last = name.strip().rpartition(" ")
        last_fp = title_fingerprint(last)
        first_fp = title_fingerprint(first)
        if last_fp:
            pairs.add((last_fp, first_fp[:1]))
    return pairs


# --------------------------------------------------------------------------------------
# Same paper: the one rule dedup, the library match and the .bib match share
# --------------------------------------------------------------------------------------

MatchedBy = Literal["arxiv", "doi", "title"]


@dataclass(frozen=True, slots=True)
class Ident:
    """What `same_paper` compares: IDs, title fingerprint, authors, year.

    `doi` is in `doi_key` form and never arXiv's own DOI. `authors` holds (surname
    fingerprint, first initial) pairs; a side that records surnames alone (a .bib entry,
    the key memory) has "" as every initial. How the fingerprint and the surnames are
    made is the caller's (digests and Zotero: `paper_ident`; .bib: `core.bibmatch`, which
    decodes TeX first), so that both sides of one comparison are made alike.
    """

    arxiv: str | None = None
    doi: str | None = None
    fingerprint: str = ""
    authors: frozenset[tuple[str, str]] = frozenset()
    year: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.arxiv or self.doi or self.fingerprint)

    @property
    def surnames(self) -> frozenset[str]:
        return frozenset(last for last, _ in self.authors)


def paper_ident(paper: Paper) -> Ident:
    """A paper's `Ident` as digests and Zotero items are compared: `title_fingerprint`,
    `surname_initials`, the year of `Paper.year`."""
    return Ident(paper.arxiv_id, doi_key(paper.doi) if paper.doi else None,
                 title_fingerprint(paper.title), frozenset(surname_initials(paper.authors)), paper.year)


DEFAULT_YEAR_GAP = 1  # Zotero's duplicates.js: years more than 1 apart are different papers


def vetoed(a: Ident, b: Ident, *, year_gap: int | None = DEFAULT_YEAR_GAP, initials: bool = True) -> bool:
    """True when `a` and `b` must be different papers whatever their titles say.

    Zotero's vetoes plus arXiv's: different arXiv IDs; different DOIs; years more than
    `year_gap` apart (None: years are not compared); both sides name authors and share
    none. Authors are shared by (surname, first initial), or with `initials=False` by
    surname alone.
    """
    if a.arxiv and b.arxiv and a.arxiv != b.arxiv:
        return True
    if a.doi and b.doi and a.doi != b.doi:
        return True
    if year_gap is not None and a.year is not None and b.year is not None and abs(a.year - b.year) > year_gap:
        return True
    if a.authors and b.authors:
        shared = a.authors & b.authors if initials else a.surnames & b.surnames
        return not shared
    return False


def same_paper(a: Ident, b: Ident, *, year_gap: int | None = DEFAULT_YEAR_GAP,
               initials: bool = True) -> MatchedBy | None:
    """How `a` and `b` are the same paper ("arxiv", "doi", "title"), or None.

    The same arXiv ID (any version) decides. Then the same DOI, unless the arXiv IDs
    differ (two preprints can carry one journal DOI by mistake, or share a proceedings
    DOI). Then equal title fingerprints, unless `vetoed`. The callers differ only in the
    named vetoes: dedup and the library match use the defaults; the .bib match passes
    `year_gap=None` (a .bib's year is often the published version's, years after the
    preprint) and `initials=False` (entries are matched by surname: "Smith" and
    "John Smith" are one author there).
    """
    if a.arxiv and a.arxiv == b.arxiv:
        return "arxiv"
    if a.arxiv and b.arxiv:
        return None
    if a.doi and a.doi == b.doi:
        return "doi"
    if a.fingerprint and a.fingerprint == b.fingerprint and not vetoed(
            a, b, year_gap=year_gap, initials=initials):
        return "title"
    return None
