"""zotsync: daily paper digests to a clean Zotero library and .bib."""

from __future__ import annotations

__version__ = "0.1.0.dev0"
