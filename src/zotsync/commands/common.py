"""What every command shares: the run context, shared options and output helpers.

Stdout is data (a table, or with `--json` exactly one JSON document); everything
meant for a person — counts, warnings, progress, errors — goes to stderr.
"""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar, cast

import click

from zotsync.config import Settings, load_settings
from zotsync.core import json_text
from zotsync.core.text import clean_text
from zotsync.errors import OutputPathError
from zotsync.readers import FORMATS
from zotsync.store import Store

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class RunContext:
    """Created once per command; settings and the store are opened on first use."""

    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None
    _store: Store | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.overrides)
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.store_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_run = click.make_pass_decorator(RunContext, ensure=True)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON document on stdout (messages stay on stderr).")(fn)


def format_option(fn: F) -> F:
    return click.option(
        "--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
        help="Input format (default: sniffed from each file's content).",
    )(fn)


def as_of_option(fn: F) -> F:
    return click.option(
        "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
        help="Date that page dates without a year are resolved against (default: today).",
    )(fn)


def files_argument(fn: F) -> F:
    return click.argument("files", nargs=-1, required=True,
                          type=click.Path(dir_okay=False, allow_dash=True, path_type=str))(fn)


def names_output_option(option: str) -> Callable[[F], F]:
    """Add the option that takes the file to write to the hints of `OutputPathError`s
    ("choose another path" -> "choose another path with -o"): the layers below phrase them
    for any caller, the TUI's export dialog among them."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except OutputPathError as error:
                raise error.for_option(option) from None

        return cast("F", run)

    return decorate


def resolve_as_of(value: Any) -> date:
    return value.date() if value is not None else date.today()


_JSON_BLOCK = 1 << 20


def emit_json(document: Any) -> None:
    """Write exactly one JSON document (and a newline) to stdout, as
    `json.dumps(document, ensure_ascii=False, indent=2)` spells it (zotsync.core.json_text),
    in UTF-8 (as JSON is) whatever the locale."""
    data = json_text.utf8(document)
    binary = getattr(sys.stdout, "buffer", None)
    if data is not None and binary is not None:
        sys.stdout.flush()  # anything written as text goes first
        # In blocks: one large write that a closing pipe cuts short (`| head`) returns the
        # short count without an error, and the rest would be dropped without a word.
        view = memoryview(data)
        for start in range(0, len(view), _JSON_BLOCK):
            binary.write(view[start:start + _JSON_BLOCK])
        binary.flush()
        return
    if data is not None:  # a text-only stdout (an embedding program's)
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return
    for piece in json_text.chunks(document):
        sys.stdout.write(piece)
    sys.stdout.write("\n")
    sys.stdout.flush()


def note(message: str) -> None:
    """A line for the person running the command, on stderr (never a control character,
    also where it quotes a file: an escape sequence would rewrite the terminal)."""
    click.echo(clean_text(message), err=True)


PIPED_WIDTH = 1000  # a table's width when stdout is not a terminal: no title wraps


def print_table(table: Any) -> None:
    """A rich table on stdout: on a terminal at least 100 columns wide (a wider terminal is
    used in full); piped, one line per row (titles wrapped over 5-9 lines in 80 columns)."""
    from rich.console import Console  # noqa: PLC0415  (rich only when a table is printed)

    class TableConsole(Console):
        def on_broken_pipe(self) -> None:  # rich would exit 1: let the CLI end as for any write
            raise BrokenPipeError

    # piped (`| less -S`, `| grep`): each row on one line, as wide as it needs
    width = max(100, shutil.get_terminal_size((100, 24)).columns) if sys.stdout.isatty() else PIPED_WIDTH
    TableConsole(soft_wrap=False, width=width).print(table)


def _set_target(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(RunContext).overrides["target"] = value


def target_option(fn: F) -> F:
    """`--target web|desktop`: which Zotero to use for this command (a setting's override)."""
    return click.option("--target", type=click.Choice(["web", "desktop"]), default=None, expose_value=False,
                        callback=_set_target, is_eager=True,
                        help="Zotero to use: 'web' (the Web API) or 'desktop' (the Zotero app on this "
                             "computer) [default: zotero.target, web].")(fn)
