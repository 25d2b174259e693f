"""One key per paper, everywhere (issue 13): pushed items carry the key `bib` writes, keys
pinned in Zotero win in both exports, an older server schema gets the Extra line, and the
rename map. Real HTTP against the Zotero emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers.zotero_emulator import ZoteroEmulator
from servers.zotero_fixtures import USER_ID, USERNAME, WRITE_KEY

DATA = Path(__file__).parent / "data"
MD = str(DATA / "arxiv-daily-digest.md")


def preprints(emu: ZoteroEmulator) -> dict[str, dict[str, Any]]:
    """{arXiv ID: item} of the library's preprints."""
    return {(i["archiveID"] or i["url"]).removeprefix("arXiv:").removeprefix("https://arxiv.org/abs/"): i
            for i in emu.library().items.values() if i["itemType"] == "preprint"}


def bib_keys(run_cli: Any, out: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, str]:
    result = run_cli("bib", *args, "-o", str(out), "--json", env=env)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    return {a["arxiv_id"]: a["key"] for a in report["added"]} | {
        p["arxiv_id"]: p["key"] for p in report["present"]}


def test_pushed_items_carry_the_key_the_bib_has(run_cli: Any, zotero_emu: ZoteroEmulator,
                                                tmp_path: Path) -> None:
    pushed = run_cli("push", MD, "-c", "Thesis", "--json", env=zotero_emu.env)
    assert pushed.exit_code == 0, pushed.stderr
    items = preprints(zotero_emu)
    assert len(items) == 8
    in_zotero = {arxiv: item["citationKey"] for arxiv, item in items.items()}
    assert all(in_zotero.values()) and len({k.lower() for k in in_zotero.values()}) == 8
    assert not any("citationKey" in (i.get("extra") or "") for i in items.values())  # schema v41: native
    # The .bib written later, without Zotero settings, has the same keys (the store remembers them) ...
    assert bib_keys(run_cli, tmp_path / "a.bib", MD) == in_zotero
    # ... and so does one exported from the collection.
    assert bib_keys(run_cli, tmp_path / "b.bib", "--from-zotero", "--collection", "Thesis",
                    env=zotero_emu.env) == in_zotero
    report = json.loads(pushed.stdout)
    assert {r["citation_key"] for r in report["results"]} == set(in_zotero.values())


def test_keys_pinned_in_zotero_win_in_both_exports(run_cli: Any, zotero_emu: ZoteroEmulator,
                                                   tmp_path: Path) -> None:
    # Items the user made, with keys chosen in Zotero 8 (native) and by Better BibTeX (Extra).
    zotero_emu.seed_items(collections=[{"key": "THES2222", "name": "Thesis"}], items=[
        {"itemType": "preprint", "title": "x", "archiveID": "arXiv:2506.02013", "citationKey": "Native2025",
         "collections": ["THES2222"]},
        {"itemType": "preprint", "title": "y", "url": "https://arxiv.org/abs/2506.02044",
         "extra": "tex.note: x\nCitation Key: BBT_pinned:2025", "collections": ["THES2222"]},
        {"itemType": "preprint", "title": "z", "url": "https://arxiv.org/abs/2506.02263",
         "extra": "citationKey: lowerForm2025", "collections": ["THES2222"]},
    ])
    from_zotero = bib_keys(run_cli, tmp_path / "z.bib", "--from-zotero", "--collection", "Thesis",
                           env=zotero_emu.env)
    assert from_zotero == {"2506.02013": "Native2025", "2506.02044": "BBT_pinned:2025",
                           "2506.02263": "lowerForm2025"}

    # `bib FILE...` with Zotero configured reads them from the library index, which the
    # export above just refreshed: no request at all.
    zotero_emu.clear_log()
    from_digest = bib_keys(run_cli, tmp_path / "d.bib", MD, env=zotero_emu.env)
    assert {k: from_digest[k] for k in from_zotero} == from_zotero
    assert zotero_emu.log == []

    # A push files these items and leaves their keys alone; the new ones get zotsync's.
    assert run_cli("push", MD, "-c", "Thesis", env=zotero_emu.env).exit_code == 0
    items = preprints(zotero_emu)
    assert items["2506.02013"]["citationKey"] == "Native2025"
    assert items["2506.02044"]["citationKey"] == ""  # pinned in Extra: left there
    assert items["2506.02044"]["extra"] == "tex.note: x\nCitation Key: BBT_pinned:2025"
    assert items["2506.02813"]["citationKey"] == from_digest["2506.02813"]


def test_bib_reads_an_unknown_library_once_and_survives_an_unreachable_one(
        run_cli: Any, zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    zotero_emu.seed_items(items=[{"itemType": "preprint", "title": "x", "archiveID": "arXiv:2506.02013",
                                  "citationKey": "Native2025"}])
    assert bib_keys(run_cli, tmp_path / "a.bib", MD, "--select", "2506.02013",
                    env=zotero_emu.env) == {"2506.02013": "Native2025"}
    assert any(r.path == "/users/1/items" for r in zotero_emu.log)  # the index was filled
    env = zotero_emu.env | {"ZOTSYNC_ZOTERO_URL": "http://127.0.0.1:9", "ZOTSYNC_ZOTERO_RETRIES": "1"}
    result = run_cli("bib", MD, "--select", "2506.02044", "-o", str(tmp_path / "b.bib"), env=env)
    assert result.exit_code == 0, result.stderr
    assert "warning: keys pinned in Zotero were not checked" in result.stderr


def test_an_existing_entry_keeps_its_key_and_the_rename_map_says_the_other(
        run_cli: Any, zotero_emu: ZoteroEmulator, tmp_path: Path) -> None:
    out = tmp_path / "refs.bib"
    out.write_text("@misc{myOwnKey,\n  title = {x},\n  eprint = {2506.02013},\n"
                   "  archivePrefix = {arXiv}\n}\n",
                   encoding="utf-8")
    before = out.read_bytes()
    zotero_emu.seed_items(items=[{"itemType": "preprint", "title": "x", "archiveID": "arXiv:2506.02013",
                                  "citationKey": "zotero2025key"}])
    renames = tmp_path / "renames.json"
    result = run_cli("bib", MD, "-o", str(out), "--json", "--rename-map", str(renames), env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    present = next(p for p in report["present"] if p["arxiv_id"] == "2506.02013")
    assert (present["key"], present["other_key"], present["other_key_from"]) == (
        "myOwnKey", "zotero2025key", "zotero")
    assert report["rename_map"] == json.loads(renames.read_text(encoding="utf-8"))["rename_map"]
    assert [(r["bib_key"], r["other_key"]) for r in report["rename_map"]] == [("myOwnKey", "zotero2025key")]
    text = out.read_bytes()
    assert text.startswith(before) and text.count(b"myOwnKey") == 1 and b"zotero2025key" not in text


@pytest.fixture
def old_server() -> Iterator[ZoteroEmulator]:
    """A server whose schema predates `citationKey` on every item type."""
    with ZoteroEmulator(schema_version=30, without_fields={"citationKey"}) as emu:
        emu.add_user(USER_ID, USERNAME)
        emu.api_key = emu.add_key(WRITE_KEY, user_id=USER_ID, write=True)
        yield emu


def test_a_schema_without_the_field_gets_the_extra_line(run_cli: Any, old_server: ZoteroEmulator,
                                                        tmp_path: Path) -> None:
    result = run_cli("push", MD, "-c", "Thesis", "--select", "2506.02013,2506.02044", env=old_server.env)
    assert result.exit_code == 0, result.stderr
    items = preprints(old_server)
    assert all("citationKey" not in item for item in items.values())
    keys = {}
    for arxiv, item in items.items():
        lines = item["extra"].splitlines()
        assert lines[0].startswith(f"arXiv:{arxiv}")  # the translator's line stays first
        keys[arxiv] = next(line.removeprefix("citationKey: ") for line in lines
                           if line.startswith("citationKey: "))
    assert bib_keys(run_cli, tmp_path / "r.bib", MD, "--select", "2506.02013,2506.02044") == keys
    asked = [r for r in old_server.log if r.path == "/itemTypeFields"]
    assert len(asked) == 3  # preprint, journalArticle, conferencePaper: once per schema version
    old_server.clear_log()
    assert run_cli("push", MD, "-c", "Thesis", "--select", "2506.02263", env=old_server.env).exit_code == 0
    assert not [r for r in old_server.log if r.path == "/itemTypeFields"]
    assert "citationKey: " in preprints(old_server)["2506.02263"]["extra"]
