"""The Textual TUI (`zotsync tui`). Only the `tui` command imports it: textual is slow to load."""

from __future__ import annotations
