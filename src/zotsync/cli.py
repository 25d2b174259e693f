"""The `zotsync` command line: a click group; each command lives in zotsync.commands.

Exit codes (zotsync.errors.ExitCode): 0 done; 1 some papers failed to sync (the report
says which); 2 bad usage or unreadable input/config; 3 Zotero refused or unreachable;
4 lookups or LLM summaries failed; 70 internal error (a bug: please report);
130 interrupted; 141 stdout's reader went away (`| head`), ended quietly.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from zotsync import __version__
from zotsync.commands.bib import bib
from zotsync.commands.collections import collections
from zotsync.commands.common import RunContext
from zotsync.commands.config import config_command
from zotsync.commands.login import login
from zotsync.commands.parse import parse
from zotsync.commands.push import push
from zotsync.commands.refresh import refresh
from zotsync.commands.resolve import resolve
from zotsync.commands.summarize import summarize
from zotsync.commands.tui import tui
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


class ZotsyncGroup(click.Group):
    """Turns every error into one line on stderr and its exit code; no tracebacks."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `zotsync FILE...` (existing files and no command) opens the TUI.
        if args and args[0] not in self.commands and not args[0].startswith("-") and Path(args[0]).is_file():
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


cli.add_command(parse)
cli.add_command(config_command)
cli.add_command(push)
cli.add_command(bib)
cli.add_command(collections)
cli.add_command(login)
cli.add_command(resolve)
cli.add_command(summarize)
cli.add_command(refresh)
cli.add_command(tui)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="zotsync")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
