#!/usr/bin/env python3
"""Real-terminal check of `zotsync tui`: run it in tmux, drive it with the keyboard, read the screen.

    python scripts/tui_tmux_check.py [--size 80x24] [--keep] [--verbose]

Starts the Zotero Web API emulator (tests/servers) on 127.0.0.1, opens the TUI on
examples/arxiv-daily-digest.md in a detached tmux session (80x24 unless --size says
otherwise) on its own tmux server (`-L`, so no other tmux is touched), and does what
the issue's "done when" says with send-keys alone: select 3 papers, create the
collection Reading/2025-06 (typed as one path in the new-collection dialog, checked
against the tree it shows), review, push, see the result; on the way it checks that
the picker's buttons and the review's titles are on screen. It reads the screen with
capture-pane between steps (waiting for text only that step produces) and finally checks
the emulator holds exactly those 3 preprints with their Chinese TL;DR notes in
Reading/2025-06. Exit status 0 when all
holds, 1 otherwise (with the last screen), 2 when tmux is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from servers.zotero_emulator import ZoteroEmulator  # noqa: E402

DIGEST = ROOT / "examples" / "arxiv-daily-digest.md"
WIDTH, HEIGHT = 80, 24
KEY = "ZsWriteKey4TmuxCheck0001"


class Failed(Exception):
    pass


class Terminal:
    """One tmux session on a private server socket."""

    def __init__(self, tmux: str, verbose: bool) -> None:
        self.binary = tmux
        self.socket = f"zotsync-check-{uuid.uuid4().hex[:8]}"
        self.session = "tui"
        self.verbose = verbose
        self.screen = ""
        self.status_file = Path(tempfile.gettempdir()) / f"{self.socket}.status"

    def tmux(self, *args: str) -> str:
        result = subprocess.run([self.binary, "-L", self.socket, *args],  # noqa: S603 - our own arguments
                                capture_output=True, text=True, check=False, timeout=10)
        if result.returncode != 0:
            raise Failed(f"tmux {' '.join(args[:2])} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self, command: str, width: int, height: int) -> None:
        # remain-on-exit: the last screen stays readable after the app ends (or crashes)
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(width), "-y", str(height), command,
                  ";", "set-option", "-t", self.session, "remain-on-exit", "on")

    def capture(self) -> str:
        self.screen = self.tmux("capture-pane", "-p", "-t", self.session)
        return self.screen

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if text in self.capture():
                    if self.verbose:
                        print(f"-- saw {text!r}")
                    return
            except Failed:
                pass  # the session may be starting or gone
            time.sleep(0.1)
        raise Failed(f"waited {timeout:.0f} s for {text!r}")

    def wait_for_line(self, pattern: str, timeout: float = 20.0) -> None:
        """Wait for a line of the screen to match the regular expression `pattern`."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with contextlib.suppress(Failed):  # the session may be starting or gone
                if any(re.search(pattern, line) for line in self.capture().splitlines()):
                    return
            time.sleep(0.1)
        raise Failed(f"waited {timeout:.0f} s for a line like {pattern!r}")

    def wait_gone(self, text: str, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text not in self.capture():
                return
            time.sleep(0.1)
        raise Failed(f"waited {timeout:.0f} s for {text!r} to go")

    def keys(self, *keys: str) -> None:
        """One send-keys per key, a short pause after each (as a person would)."""
        for key in keys:
            self.tmux("send-keys", "-t", self.session, key)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        for char in text:
            self.tmux("send-keys", "-t", self.session, "-l", char)
            time.sleep(0.05)

    def exit_status(self, timeout: float) -> str | None:
        """The app's exit status, written by the shell that ran it; None if it still runs
        after `timeout`. (tmux's own `pane_dead_status` cannot be relied on: on a loaded
        machine tmux 3.3 was seen leaving the exited app a zombie, status unknown.)"""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.status_file.exists() and self.status_file.read_text().strip():
                return self.status_file.read_text().strip()
            time.sleep(0.1)
        return None

    def stop(self) -> None:
        subprocess.run([self.binary, "-L", self.socket, "kill-server"],  # noqa: S603 - our own server
                       capture_output=True, check=False)


def drive(term: Terminal) -> None:
    term.wait_for("8 papers · 8 shown")
    term.wait_for("Zotero: My Library")  # the library index was read
    term.keys("Space", "Down", "Down", "Space", "Down", "Space")
    term.wait_for("3 selected")
    term.keys("p")
    term.wait_for("into which collection?")
    term.wait_for_line(r"│ .*Use +New… +Cancel .*│")  # the picker fits: its buttons, inside the dialog
    term.keys("n")
    term.wait_for("New collection in")
    term.type("Reading/2025-06")
    term.wait_for("└ 2025-06  new")  # the tree the path adds: typed whole (no key lost), nested
    if "Reading  new" not in term.screen:
        raise Failed("the new-collection dialog does not show Reading as new")
    term.keys("Enter")
    term.wait_for("2025-06  new")
    term.keys("Enter")
    term.wait_for("Review: 3 papers into Reading/2025-06")
    term.wait_for("Identifying interactions across")  # a readable Title column
    for line in ("2  collections to create", "3  items to create", "3  notes to create"):
        if line not in term.screen:
            raise Failed(f"the review does not say {line!r}")
    term.keys("p")
    term.wait_for("Done: Reading/2025-06")
    if "3  items created" not in term.screen or "3  notes created" not in term.screen:
        raise Failed("the result screen does not show 3 items and 3 notes created")
    term.keys("Escape")
    # The list's status line shows under the result screen too: wait for that screen to go,
    # or a "q" sent while the terminal still parses the Escape reads as Alt+Q.
    term.wait_gone("Done: Reading/2025-06")
    term.wait_for("0 selected")
    term.keys("q")
    status = term.exit_status(timeout=10)
    if status is None:
        raise Failed("q did not quit")
    if status != "0":
        raise Failed(f"zotsync exited with status {status}")


def check_library(emu: ZoteroEmulator) -> None:
    library = emu.library()
    preprints = [i for i in library.items.values() if i["itemType"] == "preprint"]
    notes = [i for i in library.items.values() if i["itemType"] == "note"]
    expected = {"arXiv:2506.02013", "arXiv:2506.02263", "arXiv:2506.02813"}
    if {p["archiveID"] for p in preprints} != expected:
        raise Failed(f"the library holds {sorted(p['archiveID'] for p in preprints)}, not {sorted(expected)}")
    by_name = {c["name"]: key for key, c in library.collections.items()}
    month = by_name.get("2025-06")
    if month is None or library.collections[month]["parentCollection"] != by_name.get("Reading"):
        raise Failed(f"no collection Reading/2025-06 in {sorted(by_name)}")
    if any(p["collections"] != [month] for p in preprints):
        raise Failed("not every preprint is in Reading/2025-06")
    parents = sorted(n["parentItem"] for n in notes)
    if parents != sorted(p["key"] for p in preprints):
        raise Failed("not exactly one note per preprint")
    if not all(any("\u4e00" <= ch <= "\u9fff" for ch in n["note"]) for n in notes):
        raise Failed("a note has no Chinese TL;DR")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the tmux session for a look")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--size", default=f"{WIDTH}x{HEIGHT}", help="the terminal, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    tmux = shutil.which("tmux")
    if tmux is None:
        print("tui_tmux_check: tmux is not installed", file=sys.stderr)
        return 2
    term = Terminal(tmux, args.verbose)
    with tempfile.TemporaryDirectory(prefix="zotsync-tmux-") as home, ZoteroEmulator() as emu:
        emu.add_user(1, "alice")
        emu.api_key = emu.add_key(KEY, user_id=1, write=True)
        env = {
            **emu.env,
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_CACHE_HOME": f"{home}/cache",
            "ZOTSYNC_CONFIG": f"{home}/config/zotsync.toml",
            "ZOTSYNC_DATA_DIR": f"{home}/data",
            "ZOTSYNC_ZOTERO_BACKOFF": "0.01",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "TEXTUAL_ANIMATIONS": "none",
        }
        command = " ".join([
            "env", *(shlex.quote(f"{k}={v}") for k, v in env.items()),
            shlex.quote(sys.executable), "-m", "zotsync", shlex.quote(str(DIGEST)), "--no-enrich",
        ])
        try:
            term.status_file = Path(home) / "exit-status"
            status_to = shlex.quote(str(term.status_file))
            term.start(f"cd {shlex.quote(str(ROOT))} && {command}; echo $? > {status_to}", width, height)
            drive(term)
            check_library(emu)
        except (Failed, subprocess.TimeoutExpired) as error:
            print(f"tui_tmux_check: FAILED: {error}\n--- last screen ---\n{term.screen}", file=sys.stderr)
            return 1
        finally:
            if not args.keep:
                term.stop()
    print(f"tui_tmux_check: ok ({width}x{height}, 3 papers pushed to Reading/2025-06 with their notes)")
    return 0


if __name__ == "__main__":
    os.environ.pop("TMUX", None)  # run inside a tmux too: our session lives on its own server
    sys.exit(main())
