"""The `zotsync` command line: a click group; each command lives in zotsync.commands.

Commands are imported when they run (`COMMANDS`): `zotsync --help` and `zotsync parse`
do not load the Zotero client, the TUI, the .bib code or the LLM client.

Exit codes (zotsync.errors.ExitCode): 0 done; 1 some papers failed to sync (the report
says which); 2 bad usage or unreadable input/config; 3 Zotero refused or unreachable;
4 lookups or LLM summaries failed; 70 internal error (a bug: please report);
130 interrupted; 141 stdout's reader went away (`| head`), ended quietly.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sqlite3
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from zotsync import __version__
from zotsync.commands.common import RunContext
from zotsync.core.text import clean_text
from zotsync.errors import ExitCode, StoreError, ZotsyncError, exit_code_for, redact
from zotsync.store import damaged, is_damage

EPILOG = """\b
Exit codes:
  0    done
  1    some papers were not synced (the summary says which)
  2    bad usage, or an unreadable digest, .bib or config file
  3    Zotero refused the request or could not be reached
  4    lookups (arXiv, Hugging Face, Crossref) or summaries (LLM) failed
  70   internal error (a bug: please report it)
  130  interrupted
  141  the output's reader went away (`zotsync ... | head`)
"""


def _stdout_gone() -> None:
    """The reader of stdout went away: end quietly, as Unix tools do. Later writes (and the
    interpreter's last flush) go to /dev/null instead of raising again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _usage_error(ctx: click.Context, error: click.UsageError) -> NoReturn:
    """Click's usage errors as one line like every other error, with where to read more."""
    if isinstance(error, click.exceptions.NoArgsIsHelpError):  # `zotsync` alone: the help
        click.echo(error.ctx.get_help() if error.ctx is not None else ctx.get_help())
        ctx.exit(ExitCode.OK)
    where = error.ctx.command_path if error.ctx is not None else ctx.command_path
    click.echo(f"zotsync: error: {clean_text(redact(error.format_message()))} (see `{where} --help`)",
               err=True)
    ctx.exit(ExitCode.USAGE)


@dataclass(frozen=True)
class LazyCommand:
    """A command by where it lives, and the first paragraph of its help (the command list
    of `zotsync --help`, without importing it; a test keeps it equal to the docstring's)."""

    module: str
    name: str
    summary: str

    def load(self) -> click.Command:
        command = getattr(importlib.import_module(self.module), self.name)
        assert isinstance(command, click.Command)
        return command


COMMANDS = {
    "bib": LazyCommand("zotsync.commands.bib", "bib",
                       "Write the papers of digests as BibTeX entries into a .bib file."),
    "collections": LazyCommand("zotsync.commands.collections", "collections",
                               "List the library's collections as a tree, with item counts and keys."),
    "config": LazyCommand("zotsync.commands.config", "config_command",
                          "Show the settings in force and where each comes from (the API key is never "
                          "shown)."),
    "daily": LazyCommand("zotsync.commands.daily", "daily",
                         "Push what each [[daily]] entry of the config picks (for cron or a systemd "
                         "timer)."),
    "login": LazyCommand("zotsync.commands.login", "login",
                         "Ask for your Zotero API key, check it, and save it for later commands."),
    "parse": LazyCommand("zotsync.commands.parse", "parse",
                         "Read digests and list their papers, duplicates merged."),
    "push": LazyCommand("zotsync.commands.push", "push",
                        "Push papers from digests into a Zotero collection, never duplicating."),
    "refresh": LazyCommand("zotsync.commands.refresh", "refresh",
                           "Turn preprints that have been published into their published version."),
    "resolve": LazyCommand("zotsync.commands.resolve", "resolve",
                           "Find arXiv IDs and fill authors, dates, categories and journal data."),
    "summarize": LazyCommand("zotsync.commands.summarize", "summarize",
                             "Write the missing TL;DRs (and motivation, method, result, conclusion) "
                             "with an LLM."),
    "tui": LazyCommand("zotsync.commands.tui", "tui",
                       "Browse digests, pick papers and a collection, review, push; export .bib."),
}


class ZotsyncGroup(click.Group):
    """Turns every error into one line on stderr and its exit code; no tracebacks.
    Its commands (`COMMANDS`) are imported when one is run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(COMMANDS[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, from `COMMANDS` (as click words it from each command's help)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name) or click.Command(name, help=COMMANDS[name].summary)
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `zotsync FILE...` (existing files, or sources such as hf:today, and no command)
        # opens the TUI.
        if (args and args[0] not in self.list_commands(ctx) and not args[0].startswith("-")
                and (Path(args[0]).is_file() or args[0].startswith(("hf:", "dae:", "arxiv:")))):
            args = ["tui", *args]
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            _usage_error(ctx, error)

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as unknown:  # an unknown command
            word = args[0] if args else ""
            meant_a_file = "/" in word or "." in word  # a digest for the TUI (`zotsync FILE`)
            _usage_error(ctx, click.UsageError(f"{word}: no such file (nor a command)", ctx)
                         if meant_a_file else unknown)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # a command's options or arguments
            _usage_error(ctx, error)
        except ZotsyncError as error:
            click.echo(f"zotsync: error: {clean_text(redact(str(error)))}", err=True)
            ctx.exit(exit_code_for(error))
        except sqlite3.DatabaseError as error:  # a store read outside Store's own checks
            run = ctx.find_object(RunContext)
            path = run.settings.store_path if run is not None else Path("zotsync.sqlite3")
            problem = damaged(path, error) if is_damage(error) else StoreError(
                f"cannot use the local store {path}: {error}", hint="is another zotsync running? try again")
            click.echo(f"zotsync: error: {redact(str(problem))}", err=True)
            ctx.exit(exit_code_for(problem))
        except KeyboardInterrupt:
            click.echo("zotsync: interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:  # `zotsync ... | head` has read enough
            _stdout_gone()
            ctx.exit(ExitCode.PIPE_CLOSED)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as error:  # a bug: one line, the traceback only on request
            debug = bool(os.environ.get("ZOTSYNC_DEBUG"))
            if debug:
                traceback.print_exc()
            message = redact(f"{type(error).__name__}: {error}")
            more = "the traceback is above" if debug else "set ZOTSYNC_DEBUG=1 for the traceback"
            click.echo(f"zotsync: internal error: {message} (a bug: please report it; {more})", err=True)
            ctx.exit(ExitCode.INTERNAL)
        finally:
            run = ctx.find_object(RunContext)
            if run is not None:
                run.close()


@click.group(name="zotsync", cls=ZotsyncGroup, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zotsync")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Turn daily paper digests into a clean Zotero library and .bib.

    Reads daily-arXiv-ai-enhanced Markdown/JSONL digests, Hugging Face Daily Papers
    (page text or API JSON), arXiv API/RSS/listing e-mails and plain ID lists.
    """
    ctx.ensure_object(RunContext)


def main(argv: list[str] | None = None) -> None:
    # A command makes tens of thousands of small records and next to no reference cycles; the
    # cyclic collector, run after every 700 new objects by default, scanned them all again
    # and again: 276 runs, 0.08 s of `parse` on 10,000 entries. After every 50,000: 35 runs.
    gc.freeze()  # (what the imports made lives as long as the process: never scanned again)
    gc.set_threshold(50_000, 10, 10)
    cli.main(args=argv, prog_name="zotsync")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
