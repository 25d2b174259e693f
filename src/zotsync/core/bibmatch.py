"""Which .bib entries are which papers, and what to add for the others. Pure.

The matcher and planner around `bibfile` (which reads, parses and writes the file) and
`bibstore` (the caches and the key memory in the store), as `core.sync_plan` is to
`sync`:

- `bib_ident` is a paper's identity as entries are compared (the title key of the entry
  zotsync would write, author surnames with TeX decoded); `ident_from_fields` an entry's,
  from its fields as bibtexparser gives them (an arXiv ID from `eprint`, `url`, `doi`,
  `howpublished`, `note`, `journal`...; the DOI; the title key; the surnames).
  `bib_same_paper` is `identity.same_paper` with the .bib's vetoes.
- `block_clues` is what the scanner sees in a block without bibtexparser; a block whose
  clues hold none of the papers' arXiv IDs, DOIs or title keys (`Needles`) cannot be one
  of them and is never parsed (`blocks_to_parse`). `BlockInfo` is what is known of one
  block, as cached by the hash of its text.
- `plan_entries` decides in named steps: `find_present`, `give_keys` (pinned key, else
  the remembered one, else the key format's, never one another paper has),
  `appended_text`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from zotsync.core.bibscan import Block, Scan, entry_fields
from zotsync.core.bibtex_entry import Entry, EntryOptions, format_entry, paper_title_key
from zotsync.core.citekeys import DEFAULT_FORMAT, KeyFormat, base_key, fold_key, unique_key
from zotsync.core.identity import (
    Ident,
    MatchedBy,
    doi_key,
    normalize_doi,
    parse_arxiv_id,
    same_paper,
    title_fingerprint,
)
from zotsync.core.latex import latex_to_text, title_key
from zotsync.core.paper import Paper

# --------------------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------------------


def bib_ident(paper: Paper) -> Ident:
    """A paper's `Ident` as .bib entries are compared: the title key of the entry zotsync
    would write for it, author surnames alone (TeX decoded), no year."""
    doi = normalize_doi(paper.doi) if paper.doi else None
    surnames = frozenset((s, "") for s in (_surname_fp(_paper_surname(a)) for a in paper.authors) if s)
    return Ident(paper.arxiv_id, doi_key(doi) if doi else None, paper_title_key(paper.title), surnames)


def _paper_surname(name: str) -> str:
    clean = " ".join(name.split())
    if "," in clean:
        return clean.split(",", 1)[0]
    return clean.rsplit(" ", 1)[-1]


def _surname_fp(last: str) -> str:
    return title_fingerprint(latex_to_text(last)).replace(" ", "")


def bib_same_paper(a: Ident, b: Ident) -> MatchedBy | None:
    """`identity.same_paper` with the .bib's vetoes: no year veto (an entry's year is often
    the published version's, years after the preprint) and authors by surname alone
    (`bib_ident` and entries record no initials)."""
    return same_paper(a, b, year_gap=None, initials=False)


# --------------------------------------------------------------------------------------
# What one entry block says (bibtexparser 1.4, run by `bibfile.parse_blocks`)
# --------------------------------------------------------------------------------------

_ARXIV_IN_TEXT = re.compile(
    r"arxiv(?:\.org/(?:abs|pdf)/|\s*(?:preprint)?\s*(?:arxiv)?\s*[:/]?\s*)"
    r"(?P<id>\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)
_FREE_TEXT_FIELDS = ("howpublished", "note", "journal", "journaltitle", "booktitle", "volume",
                     "number", "pages", "publisher", "series", "eprint", "annote", "addendum")


_ARXIV_TOKEN = re.compile(r"(?<!\d)(?:\d{4}\.\d{4,5}|\d{7})(?!\d)")
_DOI_TOKEN = re.compile(r"10\.\d{4,9}/[^\s{}\",]+")


@dataclass(frozen=True, slots=True)
class Clues:
    """What the scanner sees in a block without bibtexparser, enough to rule it out.

    A block can only be a paper's entry if it contains the paper's arXiv ID digits, or
    its DOI, or has a title field with the same fingerprint (the same value bibtexparser
    would give, macros unexpanded).
    """

    arxiv: frozenset[str] = frozenset()  # new-style IDs and old-style 7-digit numbers
    doi: frozenset[str] = frozenset()  # DOI-like strings, lowercased, escapes removed
    titles: frozenset[str] = frozenset()  # fingerprints of the title field(s)


def block_clues(text: str, block: Block) -> Clues:
    """Clues for one entry block; `BibSyntaxError` when the entry does not parse."""
    fields = entry_fields(text, block)
    body = text[block.start : block.end]
    arxiv = frozenset(_ARXIV_TOKEN.findall(body))
    doi: frozenset[str] = frozenset()
    if "10." in body:
        tokens = {t.replace("\\", "").lower() for t in _DOI_TOKEN.findall(body)}
        doi = frozenset(tokens | {t.rstrip(".,;:)]") for t in tokens})
    titles = frozenset(title_key(latex_to_text(value)) for name, value in fields if name == "title")
    return Clues(arxiv, doi, titles)


@dataclass(frozen=True, slots=True)
class Needles:
    """The papers' identifiers, in the form `Clues` are compared with."""

    arxiv: frozenset[str]
    doi: frozenset[str]
    titles: frozenset[str]

    @classmethod
    def of(cls, idents: Iterable[Ident]) -> Needles:
        idents = list(idents)
        return cls(
            frozenset(i.arxiv.split("/", 1)[1] if "/" in i.arxiv else i.arxiv for i in idents if i.arxiv),
            frozenset(i.doi for i in idents if i.doi),
            frozenset(i.fingerprint for i in idents if i.fingerprint),
        )


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """What is known about one entry block, cached by the hash of its text.

    `ident` is None until bibtexparser has parsed the block (only done when a paper
    might be in it); `unreadable` when bibtexparser found no entry in it.
    """

    key: str
    entry_type: str
    clues: Clues
    ident: Ident | None = None
    unreadable: bool = False

    def could_hold(self, needles: Needles) -> bool:
        c = self.clues
        return bool(c.arxiv & needles.arxiv or c.doi & needles.doi or c.titles & needles.titles)

    def to_json(self) -> str:
        c = self.clues
        doc: dict[str, Any] = {"k": self.key, "t": self.entry_type, "ca": sorted(c.arxiv),
                               "cd": sorted(c.doi), "ct": sorted(c.titles)}
        if self.ident is not None:
            i = self.ident
            doc.update(a=i.arxiv, d=i.doi, f=i.fingerprint, s=sorted(i.surnames), u=self.unreadable)
        return json.dumps(doc, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> BlockInfo:
        doc = json.loads(text)
        clues = Clues(frozenset(doc["ca"]), frozenset(doc["cd"]), frozenset(doc["ct"]))
        ident = None
        if "f" in doc:
            ident = Ident(doc["a"], doc["d"], doc["f"], frozenset((s, "") for s in doc["s"]))
        return cls(doc["k"], doc["t"], clues, ident, bool(doc.get("u", False)))


def _value_text(value: Any) -> str:
    """A field value as text; @string macros (not expanded) count as empty."""
    if isinstance(value, str):
        return value
    parts = getattr(value, "expr", None)
    if isinstance(parts, list):
        return "".join(p if isinstance(p, str) else "" for p in parts)
    return ""


_AND_OR_BRACE = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)


def _split_authors(value: str) -> list[str]:
    """BibTeX's split of an author list on " and " outside braces."""
    names: list[str] = []
    depth = 0
    start = 0
    for m in _AND_OR_BRACE.finditer(value):
        part = m.group()
        if part == "{":
            depth += 1
        elif part == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    return [n.strip() for n in names if n.strip()]


def _entry_surname(name: str) -> str:
    if name.startswith("{") and name.endswith("}"):
        return name[1:-1]
    if "," in name:
        return name.split(",", 1)[0]
    return name.rsplit(" ", 1)[-1]


def ident_from_fields(raw: dict[str, Any]) -> Ident:
    """The identity of one entry parsed by bibtexparser (field names lowercased)."""
    fields = {name.lower(): _value_text(v) for name, v in raw.items() if name not in {"ID", "ENTRYTYPE"}}
    arxiv: str | None = None
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    candidates: list[str] = []
    if fields.get("eprint") and prefix in {"", "arxiv"}:
        candidates.append(fields["eprint"])
    candidates += [fields[f] for f in ("arxivid", "arxiv_id", "arxiv", "url", "doi") if fields.get(f)]
    for text in candidates:
        found = parse_arxiv_id(text.strip().strip("{}"))
        if found:
            arxiv = found.id
            break
    if arxiv is None:
        for name in _FREE_TEXT_FIELDS:
            m = _ARXIV_IN_TEXT.search(fields.get(name, ""))
            found = parse_arxiv_id(m["id"]) if m else None
            if found:
                arxiv = found.id
                break
    doi: str | None = None
    for text in (fields.get("doi", ""), fields.get("url", "")):
        clean = re.sub(r"\\(?=[_%&#$])", "", text.strip().strip("{}"))
        normal = normalize_doi(clean) if clean else None
        if normal and parse_arxiv_id(normal) is None:
            doi = doi_key(normal)
            break
    fingerprint = title_key(latex_to_text(fields.get("title", "")))
    surnames = frozenset((s, "") for s in (_surname_fp(_entry_surname(n)) for n in
                                           _split_authors(fields.get("author", ""))) if s)
    return Ident(arxiv, doi, fingerprint, surnames)


# --------------------------------------------------------------------------------------
# The plan: what to add for which papers, in named steps (`bibfile.plan_merge` runs them)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportOptions:
    style: str = "bibtex"
    abstract: bool = False
    tldr: bool = False
    key_format: KeyFormat = DEFAULT_FORMAT

    def entry_options(self) -> EntryOptions:
        return EntryOptions("biblatex" if self.style == "biblatex" else "bibtex", self.abstract, self.tldr)


@dataclass(frozen=True, slots=True)
class Added:
    paper: Paper
    key: str
    entry: Entry


@dataclass(frozen=True, slots=True)
class Present:
    paper: Paper
    key: str
    keys: tuple[str, ...]
    matched_by: str
    line: int
    other_key: str | None = None  # the key it would have had (the rename map), if another
    other_source: str | None = None  # "zotero" (pinned there), "zotsync" (given before), "format"


@dataclass(frozen=True, slots=True)
class Skipped:
    paper: Paper
    reason: str


class KeyLookup(Protocol):
    """The keys given before (`bibstore.KeyMemory` in the store implements it)."""

    def current_key(self, ident: Ident) -> str | None:
        """The key this paper was last given or found under, if any."""
        ...

    def owner(self, key: str) -> Ident | None:
        """The paper a key belongs to, if it was given."""
        ...


class BibSource(Protocol):
    """The file as read (`bibfile.BibText`): what the planner needs of it."""

    @property
    def path(self) -> Path: ...
    @property
    def text(self) -> str: ...
    @property
    def encoding(self) -> str: ...
    @property
    def newline(self) -> str: ...
    @property
    def scan(self) -> Scan: ...


@dataclass
class Planned:
    """What `plan_entries` decided: entries to add (input order), papers already there,
    papers left out, warnings and the text to append."""

    added: list[Added] = field(default_factory=list)
    present: list[Present] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    appended: str = ""


def duplicate_key_warnings(bib: BibSource) -> list[str]:
    """One warning per key that several entries of the file use."""
    entries = bib.scan.entries
    keys = Counter(fold_key(b.key or "") for b in entries if b.key)
    warnings: list[str] = []
    for block in entries:
        if block.key and keys[fold_key(block.key)] > 1:
            warnings.append(f"{bib.path}:{block.line}: the key {block.key} is used by "
                            f"{keys[fold_key(block.key)]} entries (BibTeX and biber keep only one)")
            keys[fold_key(block.key)] = 1  # warn once per key
    return warnings


def keys_in_file(bib: BibSource) -> set[str]:
    """The casefolded keys the file uses, commented-out entries' too."""
    return ({fold_key(b.key) for b in bib.scan.entries if b.key}
            | {fold_key(k) for k in bib.scan.commented_keys})


def blocks_to_parse(infos: Mapping[int, BlockInfo], needles: Needles) -> list[int]:
    """The entries not parsed yet that could hold one of the papers."""
    return [i for i, info in infos.items() if info.ident is None and info.could_hold(needles)]


class EntryIndex:
    """The parsed entries by arXiv ID, DOI and title fingerprint."""

    def __init__(self, infos: Mapping[int, BlockInfo]) -> None:
        self.infos = infos
        self.by_arxiv: dict[str, list[int]] = {}
        self.by_doi: dict[str, list[int]] = {}
        self.by_title: dict[str, list[int]] = {}
        for index, info in infos.items():
            if info.ident is None:
                continue
            if info.ident.arxiv:
                self.by_arxiv.setdefault(info.ident.arxiv, []).append(index)
            if info.ident.doi:
                self.by_doi.setdefault(info.ident.doi, []).append(index)
            if info.ident.fingerprint:
                self.by_title.setdefault(info.ident.fingerprint, []).append(index)

    def matches(self, ident: Ident) -> list[tuple[int, MatchedBy]]:
        """The entries that are this paper, in file order, with how each matched."""
        near = set(self.by_arxiv.get(ident.arxiv or "", ())) | set(self.by_doi.get(ident.doi or "", ()))
        near |= set(self.by_title.get(ident.fingerprint, ())) if ident.fingerprint else set()
        return sorted((i, how) for i in near
                      if (how := bib_same_paper(ident, self.infos[i].ident or Ident())))


@dataclass
class KeyChoice:
    """What key choice needs: the options, the key memory, the file's keys, pinned keys."""

    options: ExportOptions
    memory: KeyLookup
    taken_in_file: set[str]
    pinned: Mapping[str, str]
    path: Path


def _new_key(paper: Paper, ident: Ident, keys: KeyChoice, warnings: list[str]) -> str:
    def taken(candidate: str) -> bool:
        folded = fold_key(candidate)
        if folded in keys.taken_in_file:
            return True
        owner = keys.memory.owner(candidate)
        return owner is not None and bib_same_paper(owner, ident) is None

    pinned = keys.pinned.get(paper.identity)
    if pinned is not None:  # chosen in Zotero (or Better BibTeX): it wins over zotsync's own
        if fold_key(pinned) not in keys.taken_in_file:
            return pinned
        warnings.append(f"{paper.label}: its Zotero key {pinned} is used by another entry in "
                        f"{keys.path}; giving it another key")
    remembered = keys.memory.current_key(ident)
    if remembered is not None:
        if not taken(remembered):
            return remembered
        warnings.append(f"{paper.label}: its key {remembered} is used by another entry in "
                        f"{keys.path}; giving it a new key")
    return unique_key(base_key(paper, keys.options.key_format), taken)


def _other_key(paper: Paper, ident: Ident, key: str, keys: KeyChoice) -> tuple[str | None, str | None]:
    """The key a paper already in the file would have had, and where that key is from:
    ("zotero", its pinned key), ("zotsync", the key zotsync last gave it elsewhere), or
    ("format", what the key format makes). (None, None) when that is the file's key."""
    pinned = keys.pinned.get(paper.identity)
    if pinned is not None:
        return (pinned, "zotero") if fold_key(pinned) != fold_key(key) else (None, None)
    remembered = keys.memory.current_key(ident)
    if remembered is not None:
        return (remembered, "zotsync") if fold_key(remembered) != fold_key(key) else (None, None)
    others = keys.taken_in_file - {fold_key(key)}

    def taken(candidate: str) -> bool:
        owner = keys.memory.owner(candidate)
        return fold_key(candidate) in others or (owner is not None and bib_same_paper(owner, ident) is None)

    made = unique_key(base_key(paper, keys.options.key_format), taken)
    return (made, "format") if fold_key(made) != fold_key(key) else (None, None)


def paper_order(paper: Paper) -> tuple[int, str, str, str]:
    """Deterministic order for giving keys: first published first, then by identity."""
    return (paper.year or 9999, paper.arxiv_id or "~", (paper.doi or "~").lower(),
            title_fingerprint(paper.title))


def find_present(papers: Sequence[Paper], idents: Sequence[Ident], index: EntryIndex, bib: BibSource,
                 keys: KeyChoice, planned: Planned) -> list[tuple[int, Paper, Ident]]:
    """Note the papers the file holds (`planned.present`); the others, with their input
    position, are returned."""
    entries = bib.scan.entries
    new: list[tuple[int, Paper, Ident]] = []
    for position, (paper, ident) in enumerate(zip(papers, idents, strict=True)):
        matches = index.matches(ident)
        if not matches:
            new.append((position, paper, ident))
            continue
        found = [entries[i] for i, _ in matches]
        other, source = _other_key(paper, ident, found[0].key or "", keys)
        planned.present.append(Present(paper, found[0].key or "", tuple(b.key or "" for b in found),
                                       matches[0][1], found[0].line, other, source))
        if len(found) > 1:
            planned.warnings.append(f"{paper.label} has {len(found)} entries in {bib.path}: "
                                    f"{', '.join(b.key or '?' for b in found)}")
    return new


def give_keys(new: Sequence[tuple[int, Paper, Ident]], bib: BibSource, keys: KeyChoice,
              planned: Planned) -> None:
    """Key and format the new papers' entries (`planned.added`, in input order).

    Keys are given in a fixed order (so collisions get the same suffixes whatever the
    input order). A second copy of a paper in this export, and an entry the file's
    encoding cannot hold, are skipped with the reason.
    """
    entry_options = keys.options.entry_options()
    added: list[tuple[int, Added, Ident]] = []
    for position, paper, ident in sorted(new, key=lambda item: paper_order(item[1])):
        twin = next((a for _, a, i in added if bib_same_paper(ident, i)), None)
        if twin is not None:
            planned.skipped.append(Skipped(paper, f"same paper as {twin.key} in this export"))
            continue
        key = _new_key(paper, ident, keys, planned.warnings)
        entry = format_entry(paper, key, entry_options)
        try:
            entry.text.encode(bib.encoding)
        except UnicodeEncodeError:
            planned.skipped.append(Skipped(paper, f"{bib.path} is {bib.encoding}, and the entry needs "
                                                  "UTF-8 characters; convert the file to UTF-8"))
            continue
        keys.taken_in_file.add(fold_key(key))
        added.append((position, Added(paper, key, entry), ident))
    planned.added = [a for _, a, _ in sorted(added, key=lambda item: item[0])]


def appended_text(bib: BibSource, texts: Sequence[str]) -> str:
    """The text to append for new entries: after one blank line, in the file's newlines."""
    if not texts:
        return ""
    plain = bib.text.replace("\r\n", "\n")
    if not plain.strip():  # empty or blank: keep its whitespace, start on a new line
        lead = "" if not plain or plain.endswith("\n") else "\n"
    elif plain.endswith("\n\n"):
        lead = ""
    elif plain.endswith("\n"):
        lead = "\n"
    else:
        lead = "\n\n"
    return (lead + "\n\n".join(texts) + "\n").replace("\n", bib.newline)


def plan_entries(papers: Sequence[Paper], idents: Sequence[Ident], infos: Mapping[int, BlockInfo],
                 bib: BibSource, memory: KeyLookup, options: ExportOptions,
                 pinned: Mapping[str, str]) -> Planned:
    """Decide what to add to `bib` for `papers` (`idents` their `bib_ident`s), given what
    is known of its entries (`infos`, parsed where they could hold a paper): which are
    there (`find_present`), keys and entries for the others (`give_keys`), the text to
    append (`appended_text`).

    `pinned` maps a paper's identity to the key already chosen for it in Zotero: a new
    entry gets that key. A paper already in the file keeps its entry's key;
    `Present.other_key` tells the key it would have had, for the rename map.
    """
    planned = Planned()
    keys = KeyChoice(options, memory, keys_in_file(bib), pinned, bib.path)
    new = find_present(papers, idents, EntryIndex(infos), bib, keys, planned)
    give_keys(new, bib, keys, planned)
    planned.appended = appended_text(bib, [a.entry.text for a in planned.added])
    return planned
