"""`zotsync bib --upgrade`: preprint entries zotsync wrote become their published version.

    report = upgrade_bib(path, settings, store, dry_run=False)

Which entries: those zotsync wrote and the user has not edited since — their exact text
(`bibstore.entry_hash`) is the one zotsync remembers writing — that are still preprints
(`@misc` / `@online` with an arXiv `eprint` and no journal DOI). An entry with a key zotsync
wrote but other text was edited: it is listed, never touched. The papers are asked about
again (`refresh.look_up_again`: arXiv 100 IDs per request, Crossref once per paper arXiv
gives a DOI), and each published one is rewritten in place by `core.upgrade.entry_upgrade`
(key, title, authors, eprint fields kept). The lookups run before the file is locked; the
write happens under `bib_lock`, into the file as it is then (an entry edited meanwhile is
left), atomically with `<file>.bak`, every other byte of the file kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from zotsync.bibfile import (
    MERGE_ATTEMPTS,
    BibText,
    _syntax_error,
    bib_lock,
    read_bib,
    write_bib,
)
from zotsync.bibstore import KeyMemory, WrittenEntries, entry_hash
from zotsync.config import Settings
from zotsync.core.bibmatch import ident_from_fields
from zotsync.core.bibscan import BibSyntaxError, Block, entry_fields, scan
from zotsync.core.citekeys import fold_key
from zotsync.core.identity import Ident
from zotsync.core.latex import latex_to_text
from zotsync.core.paper import Paper
from zotsync.core.upgrade import EntryUpgrade, entry_upgrade, is_published
from zotsync.errors import InputError
from zotsync.fileio import DEFAULT_MAX_SIZE, Changed
from zotsync.lookup import Lookups
from zotsync.refresh import look_up_again
from zotsync.store import Store

_PREPRINT_TYPES = frozenset({"misc", "online"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A preprint entry zotsync wrote, unedited."""

    key: str
    line: int
    arxiv_id: str
    title: str
    hash: str
    text: str  # `\n` newlines


@dataclass(frozen=True, slots=True)
class Edited:
    """A preprint entry zotsync wrote that the user has edited since: left alone."""

    key: str
    line: int
    arxiv_id: str | None


@dataclass
class BibUpgradeReport:
    path: Path
    checked: list[Candidate] = field(default_factory=list)
    edited: list[Edited] = field(default_factory=list)
    upgrades: list[tuple[Candidate, EntryUpgrade]] = field(default_factory=list)  # planned or written
    left: list[tuple[Candidate, str]] = field(default_factory=list)  # published, but not rewritten: why
    journal_ref_only: list[tuple[Candidate, str]] = field(default_factory=list)  # no DOI to go by
    requests: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    lookups_failed: bool = False
    written: bool = False
    backup: Path | None = None


def _fields(bib: BibText, block: Block) -> list[tuple[str, str]]:
    try:
        return entry_fields(bib.text, block)
    except BibSyntaxError as error:
        raise _syntax_error(str(bib.path), error) from None


def survey(bib: BibText, store: Store) -> tuple[list[Candidate], list[Edited]]:
    """The file's preprint entries zotsync wrote: unedited ones (to check) and edited ones."""
    written = WrittenEntries(store)
    entries = bib.scan.entries
    texts = [bib.text[b.start : b.end].replace("\r\n", "\n") for b in entries]
    hashes = [entry_hash(t) for t in texts]
    known = written.known(hashes)
    ours = written.written_keys(b.key for b in entries if b.key)
    candidates: list[Candidate] = []
    edited: list[Edited] = []
    for block, text, digest in zip(entries, texts, hashes, strict=True):
        if not block.key or (digest not in known and fold_key(block.key) not in ours):
            continue  # not written by zotsync (or before zotsync remembered what it wrote)
        fields = _fields(bib, block)
        ident = ident_from_fields(dict(fields))
        if block.entry_type not in _PREPRINT_TYPES or ident.doi or not ident.arxiv:
            continue  # already a published version, or no arXiv paper
        if digest in known:
            title = latex_to_text(next((v for n, v in fields if n == "title"), ""))
            title = title.replace("{", "").replace("}", "")  # case protection is no part of it
            candidates.append(Candidate(block.key, block.line, ident.arxiv, title, digest, text))
        else:
            edited.append(Edited(block.key, block.line, ident.arxiv))
    return candidates, edited


def upgrade_bib(path: Path, settings: Settings, store: Store, *, dry_run: bool = False,
                max_size: int = DEFAULT_MAX_SIZE, lookups: Lookups | None = None) -> BibUpgradeReport:
    """Plan and (unless `dry_run`) write the upgrade of the published preprints in `path`."""
    bib = read_bib(path, max_size=max_size)
    if not bib.exists:
        raise InputError(str(path), "does not exist", hint="--upgrade rewrites entries of an existing .bib")
    report = BibUpgradeReport(path)
    report.checked, report.edited = survey(bib, store)
    if not report.checked:
        return report
    looked = look_up_again([Paper(title=c.title, arxiv_id=c.arxiv_id) for c in report.checked],
                           settings, store, lookups)
    report.requests, report.warnings, report.lookups_failed = looked.requests, looked.warnings, looked.failed
    for candidate in report.checked:
        paper = looked.papers.get(candidate.arxiv_id)
        if paper is None:
            continue
        if not is_published(paper):
            if paper.journal_ref and not paper.doi:
                report.journal_ref_only.append((candidate, paper.journal_ref))
            continue
        upgrade = entry_upgrade(candidate.text, paper)
        if upgrade is None:
            report.left.append((candidate, "not in the one-field-per-line form zotsync writes"))
            continue
        try:
            upgrade.text.encode(bib.encoding)
        except UnicodeEncodeError:
            report.left.append((candidate, f"the file is {bib.encoding} and the venue needs UTF-8 "
                                "characters; convert the file to UTF-8"))
            continue
        report.upgrades.append((candidate, upgrade))
    if dry_run or not report.upgrades:
        return report
    with bib_lock(path):
        for _ in range(MERGE_ATTEMPTS):
            try:
                _write(read_bib(path, max_size=max_size), store, report)
            except Changed:
                continue
            return report
    raise InputError(str(path), f"kept changing while zotsync upgraded it ({MERGE_ATTEMPTS} tries); "
                     "nothing was written", hint="run again when nothing else is writing it")


def _write(bib: BibText, store: Store, report: BibUpgradeReport) -> None:
    """Put the planned entries in place of their unedited originals in `bib` (as it is now)."""
    wanted = {candidate.hash: upgrade for candidate, upgrade in report.upgrades}
    pieces: list[str] = []
    pos = 0
    done: set[str] = set()
    for block in bib.scan.entries:
        digest = entry_hash(bib.text[block.start : block.end])
        upgrade = wanted.get(digest)
        if upgrade is None or upgrade.key != block.key:
            continue
        pieces += [bib.text[pos : block.start], upgrade.text.replace("\n", bib.newline)]
        pos = block.end
        done.add(digest)
    pieces.append(bib.text[pos:])
    lost = [(c, u) for c, u in report.upgrades if c.hash not in done]
    report.left += [(c, "edited or removed in the file while zotsync looked it up") for c, _ in lost]
    report.upgrades = [(c, u) for c, u in report.upgrades if c.hash in done]
    if not report.upgrades:
        return
    bom = "\ufeff" if bib.encoding == "utf-8" and bib.data.startswith(b"\xef\xbb\xbf") else ""
    write_bib(bib, (bom + "".join(pieces)).encode(bib.encoding))
    report.written = True
    report.backup = bib.path.with_name(bib.path.name + ".bak")
    WrittenEntries(store).record((u.key, u.text) for _, u in report.upgrades)
    memory = KeyMemory(store)
    pairs: list[tuple[str, Ident]] = []
    for _, upgrade in report.upgrades:  # the paper is known by its journal DOI too now
        (block,) = scan(upgrade.text).entries
        pairs.append((upgrade.key, ident_from_fields(dict(entry_fields(upgrade.text, block)))))
    memory.record(pairs)
