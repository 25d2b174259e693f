"""`zotsync daily`: for each `[[daily]]` entry in the config, push what its rules pick.

Each entry runs as `zotsync push SOURCE --where WHERE -c COLLECTION --tag ... [--summarize]`
would, and ends in one summary line on stderr. Idempotent: push never duplicates (a second
run writes nothing) and a past day's source is read from the cache (no request). A day
without a digest (weekends) is not a failure. The exit status is the worst entry's: 0
when every entry was pushed or had nothing to push, else push's code (docs/usage.md).
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import click

from zotsync.commands.common import RunContext, emit_json, json_option, note, pass_run
from zotsync.commands.push import push
from zotsync.commands.where import compile_where
from zotsync.config import DailyEntry
from zotsync.errors import ExitCode, ZotsyncError, exit_code_for
from zotsync.sources import NoDigest


def _summary(counts: dict[str, Any], dry_run: bool) -> str:
    shown = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in counts.items() if value)
    verb = "would push" if dry_run else "pushed"
    return f"{verb}: {shown}" if shown else "nothing to write"


def _run_entry(ctx: click.Context, run: RunContext, entry: DailyEntry, *, dry_run: bool) -> dict[str, Any]:
    where = compile_where(run, entry.where) if entry.where else None
    out = io.StringIO()
    with redirect_stdout(out):
        ctx.invoke(push, files=(entry.source,), collection=entry.collection, select=(), where=where,
                   tags=entry.tags, notes=True, pdf_link=None, if_exists="file", dry_run=dry_run,
                   summarize=entry.summarize, enrich=True, offline=False, fmt=None, as_of=None,
                   as_json=True)
    text = out.getvalue().strip()
    document = json.loads(text) if text else None
    if document is None:  # --where picked nothing
        return {"status": "nothing picked", "counts": {}, "collection": None}
    plan = document["plan"]
    counts = document.get("counts") or plan.get("counts") or {}
    return {"status": "dry run" if dry_run else "pushed", "counts": counts, "collection": plan["collection"]}


@click.command("daily")
@click.option("--dry-run", is_flag=True, help="Show what each entry would push; write nothing.")
@json_option
@pass_run
@click.pass_context
def daily(ctx: click.Context, run: RunContext, dry_run: bool, as_json: bool) -> None:
    """Push what each [[daily]] entry of the config picks (for cron or a systemd timer).

    Each entry names a source (hf:yesterday, dae:today, arxiv:cs.CL or a file), a --where query, a
    collection such as "Reading/{date}", tags and whether to summarize. One line per
    entry on stderr; a second run the same day writes nothing. See docs/daily.md.

    \b
    Example (crontab, 08:30 every day):
      30 8 * * * zotsync daily >> ~/.local/state/zotsync-daily.log 2>&1
    """
    entries = run.settings.daily
    if not entries:
        raise ZotsyncError("no [[daily]] entries in the config file",
                           hint="add one as docs/daily.md shows (source, where, collection)")
    results: list[dict[str, Any]] = []
    worst = ExitCode.OK
    for number, entry in enumerate(entries, 1):
        result: dict[str, Any] = {"entry": number, "source": entry.source, "where": entry.where}
        try:
            result |= _run_entry(ctx, run, entry, dry_run=dry_run)
            line = (_summary(result["counts"], dry_run) if result["status"] != "nothing picked"
                    else "nothing picked by the rules")
            if result["collection"]:
                line += f" (into {result['collection']})"
        except NoDigest as error:
            line = error.message.removeprefix(f"{entry.source}: ")
            result |= {"status": "no digest", "counts": {}, "error": line}
        except ZotsyncError as error:
            code = exit_code_for(error)
            worst = max(worst, code)
            result |= {"status": "failed", "counts": {}, "error": str(error), "exit_code": int(code)}
            line = f"failed: {error}"
        except click.UsageError as error:
            worst = max(worst, ExitCode.USAGE)
            result |= {"status": "failed", "counts": {}, "error": error.format_message(),
                       "exit_code": int(ExitCode.USAGE)}
            line = f"failed: {error.format_message()}"
        results.append(result)
        note(f"daily {number}/{len(entries)} {entry.source}: {line}")
    if as_json:
        emit_json({"dry_run": dry_run, "entries": results})
    if worst != ExitCode.OK:
        raise click.exceptions.Exit(int(worst))
