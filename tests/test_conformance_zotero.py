"""Optional conformance checks against ../shared/reference (Zotero's own data).

Skipped, saying why, when ../shared is absent (a fresh clone has only the project).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from conftest import SHARED, needs_shared
from zotsync.core.paper import Paper, Publication
from zotsync.core.zotero_item import ITEM_FIELDS, paper_item

pytestmark = [pytest.mark.conformance, needs_shared]

SCHEMA = SHARED / "reference" / "zotero-schema.json"
TRANSLATOR = SHARED / "reference" / "zotero-arxiv-translator-tests.json"


def schema_fields() -> dict[str, set[str]]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return {t["itemType"]: {f["field"] for f in t["fields"]} for t in schema["itemTypes"]}


@pytest.mark.parametrize("item_type", ["preprint", "journalArticle", "conferencePaper"])
def test_item_fields_match_schema_exactly(item_type: str) -> None:
    assert set(ITEM_FIELDS[item_type]) == schema_fields()[item_type]


def test_attachment_fields_cover_the_schema() -> None:
    assert schema_fields()["attachment"] <= ITEM_FIELDS["attachment"]


def translator_preprints() -> list[tuple[str, dict[str, Any]]]:
    if not TRANSLATOR.is_file():
        return []
    cases = json.loads(TRANSLATOR.read_text(encoding="utf-8"))["testCases"]
    found = []
    for case in cases:
        if not isinstance(case.get("items"), list):
            continue
        for item in case["items"]:
            if item["itemType"] == "preprint":
                found.append((str(case.get("url") or case.get("input")), item))
    return found


def paper_from_translator_item(item: dict[str, Any]) -> Paper:
    """What a digest + arXiv enrichment would know about the paper."""
    extra = re.match(r"arXiv:(\S+)(?: \[(\S+)\])?(?:\nversion: (\d+))?", item["extra"])
    assert extra
    names = [c.get("name") or f"{c['firstName']} {c['lastName']}" for c in item["creators"]]
    return Paper(
        title=item["title"],
        arxiv_id=extra[1],
        version=int(extra[3]) if extra[3] else None,
        authors=tuple(names),
        abstract=item["abstractNote"],
        primary_category=extra[2],
        categories=(extra[2],) if extra[2] else (),
        updated=date.fromisoformat(item["date"]),
    )


@pytest.mark.parametrize(("source", "expected"), translator_preprints(),
                         ids=[s for s, _ in translator_preprints()])
def test_preprint_mapping_matches_translator(source: str, expected: dict[str, Any]) -> None:
    ours = paper_item(paper_from_translator_item(expected))
    for field in ("itemType", "title", "abstractNote", "repository", "archiveID", "DOI", "date",
                  "extra", "libraryCatalog", "shortTitle"):
        assert ours.get(field) == expected.get(field), field
    assert ours["creators"] == expected["creators"]
    # Deliberate difference: https, where the translator keeps the Atom id's http.
    assert ours["url"] == expected["url"].replace("http://", "https://")
    expected_tags = {t["tag"] for t in expected["tags"]}
    assert {t["tag"] for t in ours["tags"]} <= expected_tags
    assert all(t["type"] == 1 for t in ours["tags"])


def test_translator_cases_were_found() -> None:
    assert len(translator_preprints()) >= 4


def translator_published() -> list[tuple[str, dict[str, Any]]]:
    """The translator's cases for arXiv papers with a journal DOI (made through the DOI)."""
    if not TRANSLATOR.is_file():
        return []
    cases = json.loads(TRANSLATOR.read_text(encoding="utf-8"))["testCases"]
    return [(str(case.get("url") or case.get("input")), item) for case in cases
            if isinstance(case.get("items"), list) for item in case["items"]
            if item["itemType"] in {"journalArticle", "conferencePaper"}]


def published_paper_from_translator_item(item: dict[str, Any]) -> Paper:
    """What arXiv + Crossref enrichment would know about the paper."""
    extra = re.match(r"arXiv:(\S+)(?: \[(\S+)\])?", item["extra"])
    assert extra
    journal = item["itemType"] == "journalArticle"
    iso = re.fullmatch(r"\d{4}(-\d{2}){0,2}", item["date"])
    publication = Publication(
        kind="journal-article" if journal else "proceedings-article",
        container=item["publicationTitle" if journal else "proceedingsTitle"],
        container_short=item.get("journalAbbreviation"), volume=item.get("volume"), issue=item.get("issue"),
        pages=item.get("pages"), issn=tuple(item["ISSN"].split(", ")) if item.get("ISSN") else (),
        date=item["date"] if iso else None)
    names = [c.get("name") or f"{c['firstName']} {c['lastName']}" for c in item["creators"]]
    return Paper(title=item["title"], arxiv_id=extra[1], doi=item["DOI"], authors=tuple(names),
                 abstract=item.get("abstractNote"), primary_category=extra[2],
                 categories=(extra[2],) if extra[2] else (), publication=publication)


@pytest.mark.parametrize(("source", "expected"), translator_published(),
                         ids=[s for s, _ in translator_published()])
def test_published_mapping_matches_translator(source: str, expected: dict[str, Any]) -> None:
    ours = paper_item(published_paper_from_translator_item(expected))
    for field in ("itemType", "title", "abstractNote", "DOI", "extra", "libraryCatalog", "publicationTitle",
                  "proceedingsTitle", "journalAbbreviation", "volume", "issue", "pages", "ISSN"):
        assert ours.get(field) == expected.get(field), field
    if re.fullmatch(r"\d{4}(-\d{2}){0,2}", expected["date"]):  # older cases keep "12/2006"
        assert ours["date"] == expected["date"]
    assert ours["creators"] == expected["creators"]
    assert ours["url"] == expected["url"].replace("http://", "https://")
    assert set(ours) - {"key", "version"} <= ITEM_FIELDS[ours["itemType"]] | {
        "itemType", "creators", "tags", "collections", "relations"}


def test_published_translator_cases_were_found() -> None:
    assert {item["itemType"] for _, item in translator_published()} == {"journalArticle", "conferencePaper"}
