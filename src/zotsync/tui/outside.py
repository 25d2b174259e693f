"""What the TUI hands to the world outside the terminal: a paper's link to a web browser
(started detached, never in the terminal the TUI draws on), and the text of a citation for
the clipboard with what to say when this terminal is known to drop it. The app copies
(OSC 52, Textual's `copy_to_clipboard`)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import webbrowser
from collections.abc import Mapping

from zotsync.core.paper import Paper


def paper_url(paper: Paper, *, pdf: bool) -> str | None:
    """The abstract page (or the PDF) of a paper: arXiv's, else its DOI's, else its URL."""
    if pdf:
        if paper.pdf_url:
            return paper.pdf_url
        return f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    if paper.doi:
        return f"https://doi.org/{paper.doi}"
    return paper.url


def open_in_browser(url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Open `url` in a web browser without touching the terminal the TUI draws on.

    `$BROWSER` is honoured first (a `:`-separated list of commands; `%s` stands for the
    URL, else it is appended), as the `webbrowser` module reads it. Without it, a graphical
    session's default browser. None when opened; else why not (the caller shows the URL).
    """
    environ = os.environ if environ is None else environ
    commands = [c for c in environ.get("BROWSER", "").split(os.pathsep) if c.strip()]
    for command in commands:
        argv = [part.replace("%s", url) for part in shlex.split(command)]
        if "%s" not in command:
            argv.append(url)
        try:
            subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: S603
                             stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError:
            continue
        return None
    if commands:
        return "no command in $BROWSER could be started"
    desktop = sys.platform in {"darwin", "win32"}
    # no graphical session: a text browser (lynx, w3m) would take over this terminal
    if not (desktop or environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return "no web browser here (set $BROWSER to open links)"
    try:
        opened = webbrowser.open(url, new=2)
    except webbrowser.Error:
        opened = False
    return None if opened else "no web browser found (set $BROWSER)"


def cite_text(keys: list[str], *, bare: bool) -> str:
    """`\\cite{a,b}`, or the keys alone (`a,b`)."""
    joined = ",".join(keys)
    return joined if bare else "\\cite{" + joined + "}"


def tmux_passes_clipboard() -> bool:
    """Whether the tmux this runs in hands applications' OSC 52 copies on (`set-clipboard on`)."""
    try:
        answer = subprocess.run(["tmux", "show-options", "-gv", "set-clipboard"], capture_output=True,  # noqa: S607
                                text=True, timeout=2, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return False
    return answer.returncode == 0 and answer.stdout.strip() == "on"


def clipboard_caveat(environ: Mapping[str, str] | None = None, *, tmux_on: bool = False) -> str | None:
    """Why the OSC 52 copy may not reach the clipboard in this terminal, if known
    (`tmux_on`: tmux was asked, see `tmux_passes_clipboard`)."""
    environ = os.environ if environ is None else environ
    if environ.get("TERM_PROGRAM") == "Apple_Terminal":
        return "Terminal.app ignores clipboard requests (OSC 52): use iTerm2, kitty or WezTerm"
    if environ.get("VTE_VERSION"):
        return "this terminal (VTE: GNOME Terminal, Tilix…) ignores clipboard requests (OSC 52)"
    if environ.get("TMUX") and not tmux_on:
        return "in tmux this needs `set -g set-clipboard on` (and a terminal that supports OSC 52)"
    return None
