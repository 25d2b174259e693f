"""One exception tree and the exit codes it maps to.

Every error zotsync raises on purpose is a `ZotsyncError`: its message is one line
saying what went wrong and how to fix it, and never contains the API key. The CLI
turns it into that line on stderr and `exit_code_for(error)`; nothing else decides
exit codes. Stdout is data: with `--json` it holds one JSON document and nothing else.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    SYNC_FAILED = 1  # some papers were not written; the report says which
    USAGE = 2  # bad flag or argument, unreadable config, digest or .bib
    ZOTERO = 3  # Zotero refused (auth, permissions) or could not be reached
    NETWORK = 4  # arXiv / Hugging Face lookups failed
    BUSY = 5  # another zotsync is pushing to the same library
    INTERNAL = 70  # a bug in zotsync: please report it
    INTERRUPTED = 130  # Ctrl-C
    PIPE_CLOSED = 141  # stdout's reader went away (`| head`): 128 + SIGPIPE, as Unix tools end


class ZotsyncError(Exception):
    """Base of every error zotsync reports to the user as one line."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(ZotsyncError):
    """A digest, ID list or .bib file that cannot be read as asked."""

    def __init__(
        self, file: str, message: str, *, line: int | None = None, hint: str | None = None
    ) -> None:
        self.file = file
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}", hint=hint)


class OutputPathError(InputError):
    """The file to write cannot be used as given; another path (or fixing this one) is the
    way out. The hint is phrased for any caller ("choose another path"): the CLI says which
    option takes the path (`for_option`), a dialog points at its path field."""

    def for_option(self, option: str) -> OutputPathError:
        """This error, its hint now naming `option` ("... with -o")."""
        if self.hint:
            self.hint = f"{self.hint} with {option}"
        return self


class ConfigError(ZotsyncError):
    """Settings missing or invalid (config file, environment, flags)."""


class StoreError(ZotsyncError):
    """The local SQLite store cannot be opened or written."""


class ZoteroError(ZotsyncError):
    """Zotero refused a request or could not be reached."""

    exit_code = ExitCode.ZOTERO


class PushBusy(ZotsyncError):
    """Another zotsync holds this library's push lock; nothing was written."""

    exit_code = ExitCode.BUSY


class SyncFailed(ZotsyncError):
    """Some papers were not written; the report lists which and why."""

    exit_code = ExitCode.SYNC_FAILED


class LookupFailed(ZotsyncError):
    """arXiv or Hugging Face could not be asked (network, rate limit, bad answer)."""

    exit_code = ExitCode.NETWORK


def exit_code_for(error: BaseException) -> ExitCode:
    """The process exit code for an error that ended a command."""
    if isinstance(error, ZotsyncError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.INTERNAL


_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret (the API key) so `redact` can scrub it from any text."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `<redacted>`."""
    for secret in _SECRETS:
        text = text.replace(secret, "<redacted>")
    return text
