"""The TUI's screens: papers, collection picker, review, progress and result, export, help."""

from __future__ import annotations
