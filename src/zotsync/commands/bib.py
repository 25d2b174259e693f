"""`zotsync bib`: digests (or a Zotero collection) -> entries merged into a .bib file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from zotsync.bibfile import MergePlan, merge_bib, read_bib
from zotsync.bibupgrade import BibUpgradeReport, upgrade_bib
from zotsync.commands.common import (
    RunContext,
    as_of_option,
    emit_json,
    format_option,
    json_option,
    names_output_option,
    note,
    pass_run,
    print_table,
    resolve_as_of,
    target_option,
)
from zotsync.commands.enrichment import choose_papers, enrich_option, offline_option, select_option
from zotsync.commands.parse import report_counts
from zotsync.commands.where import apply_where, where_option
from zotsync.core.bibmatch import ExportOptions
from zotsync.core.citekeys import DEFAULT_KEY_FORMAT, KeyFormat, KeyFormatError, parse_key_format
from zotsync.core.paper import Paper
from zotsync.core.query import Query
from zotsync.errors import InputError, LookupFailed
from zotsync.fileio import atomic_write_bytes
from zotsync.inputs import load_papers
from zotsync.summaries import attach_summaries
from zotsync.sync import collection_papers_and_keys, library_keys, open_library


def _key_format(ctx: click.Context, param: click.Parameter, value: str | None) -> KeyFormat | None:
    if value is None:  # bib.key_format, else the default (resolved with the settings)
        return None
    try:
        return parse_key_format(value)
    except KeyFormatError as error:
        raise click.BadParameter(str(error)) from None


def _paper_fields(paper: Paper) -> dict[str, Any]:
    return {"arxiv_id": paper.arxiv_id, "doi": paper.doi, "title": paper.title}


def plan_json(plan: MergePlan, *, dry_run: bool) -> dict[str, Any]:
    path = plan.bib.path
    return {
        "file": str(path),
        "style": plan.options.style,
        "dry_run": dry_run,
        "written": plan.changed and not dry_run,
        "backup": str(path.with_name(path.name + ".bak")) if plan.changed and plan.bib.exists
        and not dry_run else None,
        "added": [{"key": a.key, **_paper_fields(a.paper), "entry": a.entry.text,
                   "warnings": list(a.entry.warnings)} for a in plan.added],
        "present": [{"key": p.key, "keys": list(p.keys), "matched_by": p.matched_by, "line": p.line,
                     "other_key": p.other_key, "other_key_from": p.other_source,
                     **_paper_fields(p.paper)} for p in plan.present],
        "rename_map": rename_map(plan),
        "skipped": [{"reason": s.reason, **_paper_fields(s.paper)} for s in plan.skipped],
        "warnings": plan.warnings,
    }


def rename_map(plan: MergePlan) -> list[dict[str, Any]]:
    """Papers whose key in the .bib differs from the key they have elsewhere (pinned in
    Zotero, given by zotsync before) or would get from the key format: for fixing `\\cite`
    commands. The .bib is never rewritten."""
    return [{"bib_key": p.key, "other_key": p.other_key, "from": p.other_source, "line": p.line,
             **_paper_fields(p.paper)} for p in plan.present if p.other_key]


def write_rename_map(path: Path, renames: list[dict[str, Any]]) -> None:
    """The rename map as a JSON document (written atomically), `-` for stdout."""
    text = json.dumps({"rename_map": renames}, ensure_ascii=False, indent=2) + "\n"
    if str(path) == "-":
        click.echo(text, nl=False)
        return
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot be written: {exc.strerror}",
                         hint="choose another --rename-map path") from None


def report_plan(plan: MergePlan, *, dry_run: bool) -> None:
    """Counts and warnings, one line each, on stderr; entry warnings grouped."""
    verb = "would add" if dry_run else "added"
    tail = " (dry run: nothing written)" if dry_run else ""
    if not dry_run and not plan.changed:
        tail = " (file unchanged)"
    note(f"{plan.bib.path}: {verb} {len(plan.added)}, already present {len(plan.present)}, "
         f"skipped {len(plan.skipped)}{tail}")
    for message in plan.warnings:
        note(f"warning: {message}")
    grouped: dict[str, list[str]] = {}
    for added in plan.added:
        for message in added.entry.warnings:
            grouped.setdefault(message, []).append(added.key)
    for message, keys in grouped.items():
        shown = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "")
        note(f"warning: {message}: {len(keys)} entr{'y' if len(keys) == 1 else 'ies'} ({shown})")
    for skipped in plan.skipped:
        note(f"skipped {skipped.paper.label}: {skipped.reason}")


def _print_table(plan: MergePlan, *, dry_run: bool) -> None:
    from rich.table import Table  # noqa: PLC0415

    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("Status", no_wrap=True)
    table.add_column("Key", no_wrap=True)
    table.add_column("arXiv / DOI", no_wrap=True)
    table.add_column("Title", overflow="fold")
    added = "would add" if dry_run else "added"
    for a in plan.added:
        table.add_row(added, a.key, a.paper.arxiv_id or a.paper.doi or "", a.paper.title)
    for p in plan.present:
        table.add_row("present", p.key, p.paper.arxiv_id or p.paper.doi or "", p.paper.title)
    for s in plan.skipped:
        table.add_row("skipped", "", s.paper.arxiv_id or s.paper.doi or "", f"{s.paper.title} ({s.reason})")
    print_table(table)


def upgrade_json(report: BibUpgradeReport, *, dry_run: bool) -> dict[str, Any]:
    return {
        "file": str(report.path),
        "upgrade": True,
        "dry_run": dry_run,
        "written": report.written,
        "backup": str(report.backup) if report.backup else None,
        "counts": {"checked": len(report.checked), "upgraded": len(report.upgrades),
                   "edited": len(report.edited), "left": len(report.left),
                   "journal_ref_only": len(report.journal_ref_only)},
        "upgrades": [{"key": u.key, "arxiv_id": c.arxiv_id, "title": c.title, "line": c.line,
                      "entry_type": [u.old_type, u.entry_type],
                      "changes": {name: list(pair) for name, pair in u.changes.items()
                                  if name != "ENTRYTYPE"},
                      "entry": u.text, "warnings": list(u.warnings)} for c, u in report.upgrades],
        "edited": [{"key": e.key, "arxiv_id": e.arxiv_id, "line": e.line} for e in report.edited],
        "left": [{"key": c.key, "arxiv_id": c.arxiv_id, "reason": why} for c, why in report.left],
        "journal_ref_only": [{"key": c.key, "arxiv_id": c.arxiv_id, "journal_ref": ref}
                             for c, ref in report.journal_ref_only],
        "requests": report.requests,
        "warnings": report.warnings,
    }


def print_upgrade_diff(report: BibUpgradeReport) -> None:
    """Per upgraded entry: `key  arXiv  title`, then `- field: old` / `+ field: new` lines."""
    for candidate, upgrade in report.upgrades:
        click.echo(f"{upgrade.key}  arXiv:{candidate.arxiv_id}  {candidate.title}")
        click.echo(f"  - @{upgrade.old_type}")
        click.echo(f"  + @{upgrade.entry_type}")
        for name, (old, new) in upgrade.changes.items():
            if name == "ENTRYTYPE":
                continue
            if old:
                click.echo(f"  - {name}: {old}")
            if new:
                click.echo(f"  + {name}: {new}")


def run_upgrade(run: RunContext, output: Path, *, dry_run: bool, as_json: bool) -> None:
    report = upgrade_bib(output, run.settings, run.store, dry_run=dry_run,
                         max_size=run.settings.input_max_size)
    for line in report.warnings:
        note(f"warning: {line}")
    for edited in report.edited:
        note(f"{output}:{edited.line}: {edited.key} was edited since zotsync wrote it: left as it is")
    for candidate, ref in report.journal_ref_only:
        note(f"{candidate.key}: arXiv says published ({ref}) but gives no DOI: left a preprint")
    for candidate, why in report.left:
        note(f"left {candidate.key}: {why}")
    for _, upgrade in report.upgrades:
        for message in upgrade.warnings:
            note(f"warning: {upgrade.key}: {message}")
    verb = "would upgrade" if dry_run else "upgraded"
    asked = ", ".join(f"{name} {count}" for name, count in report.requests.items() if count)
    tail = " (dry run: nothing written)" if dry_run else ("" if report.written else " (file unchanged)")
    note(f"{output}: checked {len(report.checked)} preprint entries zotsync wrote: {verb} "
         f"{len(report.upgrades)}, edited since (left) {len(report.edited)} "
         f"(requests: {asked or 'none'}){tail}")
    if as_json:
        emit_json(upgrade_json(report, dry_run=dry_run))
    else:
        print_upgrade_diff(report)
    if report.lookups_failed:
        raise LookupFailed("some lookups could not be made; those entries were left as they are",
                           hint="run again when the service is back")


@click.command("bib")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True, path_type=str))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .bib file to create or merge into (existing entries are never changed, "
                   "but by --upgrade).")
@select_option("Only these papers: arXiv IDs (any spelling) or DOIs, comma-separated.")
@where_option
@click.option("--style", type=click.Choice(["bibtex", "biblatex"]), default=None,
              help="bibtex: @misc for bibtex + plain.bst and friends; biblatex: @online for biber "
                   "[default: bib.style, bibtex].")
@click.option("--key-format", "key_format", default=None, callback=_key_format,
              help=f"Citation key template, see docs/bibtex.md "
                   f"[default: bib.key_format, {DEFAULT_KEY_FORMAT}].")
@click.option("--abstract/--no-abstract", default=None,
              help="Include the abstract (styles do not print it) [default: bib.abstract, off].")
@click.option("--tldr/--no-tldr", default=None,
              help="Keep the digest's TL;DR in `annote` (not printed by plain.bst or biblatex's "
                   "standard styles) [default: bib.tldr, off].")
@click.option("--dry-run", is_flag=True, help="Show what would be added (or upgraded); write nothing.")
@click.option("--upgrade", is_flag=True,
              help="Turn the preprint entries zotsync wrote into -o (and you have not edited) into their "
                   "published version (@article, @inproceedings), keeping their keys; give no FILE.")
@click.option("--from-zotero", "from_zotero", is_flag=True,
              help="Export a Zotero collection (with --collection) instead of digests.")
@click.option("--collection", "-c", default=None, metavar="A/B",
              help="The Zotero collection, for --from-zotero (as push -c).")
@click.option("--rename-map", "rename_map_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Write, as JSON, the papers whose key in the .bib differs from the key they have in "
                   "Zotero or would get (keys in the .bib are never changed).")
@enrich_option
@offline_option
@format_option
@as_of_option
@target_option
@json_option
@pass_run
@names_output_option("-o")
def bib(run: RunContext, files: tuple[str, ...], output: Path, select: tuple[str, ...], where: Query | None,
        style: str | None,
        key_format: KeyFormat | None, abstract: bool | None, tldr: bool | None, dry_run: bool,
        upgrade: bool, from_zotero: bool, collection: str | None, rename_map_file: Path | None,
        enrich: bool, offline: bool,
        fmt: str | None, as_of: Any, as_json: bool) -> None:
    """Write the papers of digests as BibTeX entries into a .bib file.

    A new file is created; an existing one is merged into: papers it already holds
    (same arXiv ID, DOI or title) keep their entry and key, new ones are appended in a
    fixed format, and nothing else in the file changes (a `.bak` copy is kept). Keys are
    remembered: a paper gets the same key in every file, forever.

    With --upgrade, no FILE: the preprint entries zotsync wrote into the file, and you
    have not edited since, are looked up again on arXiv and Crossref, and the published
    ones become @article / @inproceedings (venue, volume, pages, DOI), keeping their keys
    and eprint fields. Edited entries are listed, never changed.

    \b
    Examples:
      zotsync bib examples/arxiv-daily-digest.md -o refs.bib
      zotsync bib digest.md -o refs.bib --style biblatex --select 2506.02013 --dry-run
      zotsync bib --upgrade -o refs.bib --dry-run
    """
    settings = run.settings  # [bib] holds the defaults of the four format flags
    style = style or settings.bib_style
    key_format = key_format or parse_key_format(settings.bib_key_format)
    abstract = settings.bib_abstract if abstract is None else abstract
    tldr = settings.bib_tldr if tldr is None else tldr
    if str(output) == "-":
        raise click.BadParameter("needs a .bib file to create or merge into (to see the entries "
                                 "without writing, use --dry-run --json)", param_hint="-o")
    if upgrade:
        if files or from_zotero or collection or select or where or rename_map_file:
            raise click.UsageError("--upgrade rewrites the entries of the -o file: give no FILE, "
                                   "--from-zotero, --collection, --select or --rename-map")
        if offline:
            raise click.UsageError("--upgrade asks arXiv and Crossref again: it cannot be --offline")
        run_upgrade(run, output, dry_run=dry_run, as_json=as_json)
        return
    if from_zotero and files:
        raise click.UsageError("--from-zotero exports a Zotero collection: give no FILE")
    if from_zotero and not collection:
        raise click.UsageError('--from-zotero needs --collection "A/B"')
    if not from_zotero and not files:
        raise click.UsageError('give digest FILEs, or --from-zotero --collection "A/B"')
    if not from_zotero and collection:
        raise click.UsageError("--collection goes with --from-zotero")
    # What is local and cheap first: a broken or unusable target .bib is said before any
    # lookup runs (it is read again, under its lock, when merging).
    read_bib(output, max_size=run.settings.input_max_size)
    if from_zotero:
        assert collection is not None
        papers, pinned = collection_papers_and_keys(open_library(run.settings, run.store), collection,
                                                    with_tldr=tldr)
        note(f"{len(papers)} papers in {collection}")
    else:
        loaded = load_papers(list(files), fmt, as_of=resolve_as_of(as_of),
                             max_size=run.settings.input_max_size, settings=run.settings)
        report_counts(loaded, len(files))
        papers = loaded.papers
    # Zotero items are not looked up again: they are what the library says.
    papers = choose_papers(run, papers, select, enrich=enrich and not from_zotero, offline=offline)
    if not from_zotero:
        papers = attach_summaries(papers, run.settings, run.store)  # `zotsync summarize`'s TL;DRs
    papers = apply_where(run, papers, where, files)
    if not from_zotero:
        # Keys chosen in Zotero win here too, when zotsync knows the library.
        pinned, warning = library_keys(run.settings, run.store, papers)
        if warning:
            note(f"warning: {warning}")

    options = ExportOptions(style=style, abstract=abstract, tldr=tldr, key_format=key_format)
    plan = merge_bib(papers, output, run.store, options, dry_run=dry_run,
                     max_size=run.settings.input_max_size, pinned=pinned)
    report_plan(plan, dry_run=dry_run)
    renames = rename_map(plan)
    if renames and not as_json:
        note(f"{len(renames)} papers have another key elsewhere than in {output} "
             f"({'see --rename-map FILE' if rename_map_file is None else rename_map_file}); "
             "their entries keep their keys")
    if rename_map_file is not None:
        write_rename_map(rename_map_file, renames)
    if as_json:
        emit_json(plan_json(plan, dry_run=dry_run))
    else:
        _print_table(plan, dry_run=dry_run)
