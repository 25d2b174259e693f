"""`zotsync refresh`: preprints in Zotero that have been published become the published version."""

from __future__ import annotations

from typing import Any

import click

from zotsync.commands.common import RunContext, emit_json, json_option, note, pass_run
from zotsync.errors import SyncFailed, ZotsyncError
from zotsync.refresh import RefreshReport, refresh_library
from zotsync.sync import open_library, push_lock


def report_json(report: RefreshReport, *, dry_run: bool) -> dict[str, Any]:
    arxiv = {item.key: item.arxiv_id for item in report.checked}
    return {
        "dry_run": dry_run,
        "counts": {"checked": len(report.checked),
                   "upgraded": len(report.upgrades if dry_run else report.written),
                   "left": len(report.left), "failed": len(report.failed),
                   "journal_ref_only": len(report.journal_ref_only)},
        "upgrades": [{"key": u.key, "arxiv_id": arxiv.get(u.key), "title": report.titles.get(u.key),
                      "item_type": u.item_type,
                      "changes": {name: list(pair) for name, pair in u.changes.items()},
                      "written": any(w.key == u.key for w in report.written)} for u in report.upgrades],
        "left": [{"key": key, "arxiv_id": arxiv.get(key), "reason": why} for key, why in report.left],
        "failed": [{"key": key, "arxiv_id": arxiv.get(key), "reason": why} for key, why in report.failed],
        "journal_ref_only": [{"key": item.key, "arxiv_id": item.arxiv_id, "journal_ref": ref}
                             for item, ref in report.journal_ref_only],
        "requests": report.requests,
        "write_requests": report.write_requests,
        "warnings": report.warnings,
    }


def print_diff(report: RefreshReport) -> None:
    arxiv = {item.key: item.arxiv_id for item in report.checked}
    for upgrade in report.upgrades:
        click.echo(f"{arxiv.get(upgrade.key)}  [{upgrade.key}]  {report.titles.get(upgrade.key, '')}")
        for name, (old, new) in upgrade.changes.items():
            if old:
                click.echo(f"  - {name}: {old}")
            click.echo(f"  + {name}: {new}")


@click.command()
@click.option("--collection", "-c", default=None, metavar='"A/B"',
              help="Check every arXiv preprint of this collection (default: the items zotsync created).")
@click.option("--dry-run", is_flag=True, help="Show what would change (a diff of fields); write nothing.")
@json_option
@pass_run
def refresh(run: RunContext, collection: str | None, dry_run: bool, as_json: bool) -> None:
    """Turn preprints that have been published into their published version.

    Checks the preprint items zotsync created (or, with -c, every arXiv preprint of a
    collection) against arXiv (journal reference, DOI) and Crossref. A published one
    becomes a journal article or conference paper (venue, volume, pages, DOI), keeping
    its key, citation key, notes, attachments, tags and collections, and its arXiv ID in
    Extra. An item changed in Zotero meanwhile is read again; your edits are never
    overwritten.

    \b
    Examples:
      zotsync refresh --dry-run
      zotsync refresh -c "Thesis/Ch1" --json
    """
    settings = run.settings
    if not (settings.api_key and settings.library_id):
        raise ZotsyncError("no Zotero credentials",
                           hint="run `zotsync login` (or set ZOTERO_API_KEY and ZOTERO_LIBRARY_ID)")
    if dry_run:
        report = refresh_library(settings, run.store, open_library(settings, run.store),
                                 collection=collection, dry_run=True)
    else:
        with push_lock(settings):  # one writer per library
            report = refresh_library(settings, run.store, open_library(settings, run.store),
                                     collection=collection)
    for line in report.warnings:
        note(f"warning: {line}")
    for item, ref in report.journal_ref_only:
        note(f"{item.arxiv_id}: arXiv says published ({ref}) but gives no DOI: left a preprint")
    for key, why in report.left:
        note(f"left {key}: {why}")
    for key, why in report.failed:
        note(f"failed {key}: {why}")
    upgraded = len(report.upgrades) if dry_run else len(report.written)
    verb = "would upgrade" if dry_run else "upgraded"
    asked = ", ".join(f"{name} {count}" for name, count in report.requests.items() if count)
    note(f"checked {len(report.checked)} preprints: {verb} {upgraded}, left {len(report.left)}, "
         f"failed {len(report.failed)} (requests: {asked or 'none'}; Zotero writes {report.write_requests})"
         + (" (dry run: nothing written)" if dry_run else ""))
    if as_json:
        emit_json(report_json(report, dry_run=dry_run))
    elif dry_run:
        print_diff(report)
    if report.failed:
        raise SyncFailed(f"{len(report.failed)} of {len(report.upgrades)} items were not upgraded",
                         hint="see the reasons above; run again to retry them")
