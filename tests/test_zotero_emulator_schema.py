"""Conformance: the emulator's embedded field table matches Zotero's schema (v41).

Reads ../shared/reference/zotero-schema.json, a third-party file that is not part of
the repository; skipped when ../shared is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from servers.zotero_emulator import (
    ALL_CREATOR_TYPES,
    ALL_FIELDS,
    ALL_ITEM_TYPES,
    BASE_FIELDS,
    CREATOR_TYPES,
    ITEM_TYPE_FIELDS,
    PRIMARY_CREATOR_TYPE,
    SCHEMA_VERSION,
)

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
SHARED = ROOT.parent / "shared"
SCHEMA = SHARED / "reference" / "zotero-schema.json"

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared not present (reference corpus only)"),
]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def types(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["itemType"]: t for t in schema["itemTypes"]}


def test_schema_version(schema: dict[str, Any]) -> None:
    assert schema["version"] == SCHEMA_VERSION


@pytest.mark.parametrize("item_type", sorted(ITEM_TYPE_FIELDS))
def test_fields_of_each_embedded_type(types: dict[str, dict[str, Any]], item_type: str) -> None:
    fields = types[item_type]["fields"]
    assert ITEM_TYPE_FIELDS[item_type] == tuple(f["field"] for f in fields)
    assert BASE_FIELDS[item_type] == {f["field"]: f["baseField"] for f in fields if f.get("baseField")}


@pytest.mark.parametrize("item_type", sorted(ITEM_TYPE_FIELDS))
def test_creator_types_of_each_embedded_type(types: dict[str, dict[str, Any]], item_type: str) -> None:
    creators = types[item_type]["creatorTypes"]
    assert CREATOR_TYPES[item_type] == tuple(c["creatorType"] for c in creators)
    primary = [c["creatorType"] for c in creators if c.get("primary")]
    ours = [PRIMARY_CREATOR_TYPE[item_type]] if item_type in PRIMARY_CREATOR_TYPE else []
    assert ours == primary


def test_the_embedded_types_cover_what_zotsync_needs() -> None:
    needed = {"preprint", "journalArticle", "conferencePaper", "book", "bookSection", "report", "thesis",
              "webpage", "manuscript", "note", "attachment"}
    assert needed <= set(ITEM_TYPE_FIELDS)


def test_every_type_field_and_creator_type_name(types: dict[str, dict[str, Any]]) -> None:
    assert set(types) == ALL_ITEM_TYPES
    names = {f[key] for t in types.values() for f in t["fields"]
             for key in ("field", "baseField") if key in f}
    assert names == ALL_FIELDS
    assert {c["creatorType"] for t in types.values() for c in t["creatorTypes"]} == ALL_CREATOR_TYPES
