"""The desktop target (`--target desktop`) against the Zotero desktop stand-in: Zotero 10
through its local API, Zotero 7-9 through the connector. Real HTTP, the real CLI."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers.zotero_desktop import ZoteroDesktop
from zotsync.config import load_settings, user_config_path
from zotsync.core.zotero_item import NOTE_TAG

ROOT = Path(__file__).resolve().parents[1]
DIGEST = str(ROOT / "examples" / "arxiv-daily-digest.md")
COLLECTION = "Reading/2025-06"


def papers(zd: ZoteroDesktop) -> list[dict[str, Any]]:
    return [i for i in zd.library.items.values() if i["itemType"] not in ("note", "attachment")]


def notes(zd: ZoteroDesktop) -> list[dict[str, Any]]:
    return [i for i in zd.library.items.values() if i["itemType"] == "note"]


def seed_reading(zd: ZoteroDesktop) -> str:
    """Reading/2025-06 made in Zotero; returns the key of 2025-06."""
    reading = zd.seed_collections([{"name": "Reading"}])[0]
    return zd.seed_collections([{"name": "2025-06", "parentCollection": reading}])[0]


def error_line(result: Any) -> str:
    """The one error line (other lines on stderr are the run's counts)."""
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("zotsync: error:")]
    return line


def env_for(zd: ZoteroDesktop, **extra: str) -> dict[str, str]:
    return {"ZOTSYNC_DESKTOP_URL": zd.url, **extra}


def push(run_cli: Any, zd: ZoteroDesktop, *args: str, env: dict[str, str] | None = None) -> Any:
    return run_cli("push", DIGEST, "-c", COLLECTION, "--target", "desktop", *args, env=env or env_for(zd))


@pytest.fixture
def zotero7() -> Iterator[ZoteroDesktop]:
    """Zotero 7 with the local API ticked on and Reading/2025-06 made."""
    with ZoteroDesktop("7", local_api=True) as zd:
        zd.collection_key = seed_reading(zd)  # type: ignore[attr-defined]
        yield zd


@pytest.fixture
def zotero10() -> Iterator[ZoteroDesktop]:
    """Zotero 10 with the local API on and zotsync allowed ("Always Allow")."""
    with ZoteroDesktop("10", local_api=True) as zd:
        zd.key = zd.add_key()  # type: ignore[attr-defined]
        yield zd


def env10(zd: ZoteroDesktop) -> dict[str, str]:
    return env_for(zd, ZOTSYNC_DESKTOP_KEY=zd.key)  # type: ignore[attr-defined]


# -- Zotero 7-9: the connector ---------------------------------------------------------------


def test_zotero7_push_files_8_items_with_notes_and_a_repush_writes_nothing(run_cli, zotero7) -> None:  # type: ignore[no-untyped-def]
    result = push(run_cli, zotero7)
    assert result.exit_code == 0, result.stderr
    assert "created 8, filed 0, notes created 8" in result.stderr
    assert "PDF links were not attached" in result.stderr
    found = papers(zotero7)
    assert len(found) == 8 and len(notes(zotero7)) == 8
    assert all(item["collections"] == [zotero7.collection_key] for item in found)
    assert all(any(t["tag"] == NOTE_TAG for t in n["tags"]) for n in notes(zotero7))
    assert {n["parentItem"] for n in notes(zotero7)} == {i["key"] for i in found}
    writes = [(r.method, r.path) for r in zotero7.writes]
    assert writes == [("POST", "/connector/saveItems"), ("POST", "/connector/updateSession")]
    zotero7.clear_log()
    again = push(run_cli, zotero7)
    assert again.exit_code == 0, again.stderr
    assert "created 0, filed 0, notes created 0, notes updated 0, unchanged 8" in again.stderr
    assert zotero7.writes == []
    assert len(zotero7.library.items) == 16


def test_zotero7_lost_save_answer_is_not_saved_twice(run_cli, zotero7) -> None:  # type: ignore[no-untyped-def]
    zotero7.drop_after.append("POST /connector/saveItems")  # saved, but the answer never arrives
    result = push(run_cli, zotero7)
    assert result.exit_code == 0, result.stderr
    saves = [r for r in zotero7.log if r.path == "/connector/saveItems"]
    assert [r.status for r in saves] == [None, 409]  # the resend: same session ID, refused
    assert saves[0].json()["sessionID"] == saves[1].json()["sessionID"]
    assert len(papers(zotero7)) == 8 and len(notes(zotero7)) == 8
    assert all(item["collections"] == [zotero7.collection_key] for item in papers(zotero7))


def test_zotero7_session_id_used_by_an_earlier_save_whose_items_were_deleted(run_cli, zotero7) -> None:  # type: ignore[no-untyped-def]
    assert push(run_cli, zotero7).exit_code == 0
    lib = zotero7.emulator._library_at("/users/1")
    for key in list(lib.items):  # the user deletes them all in Zotero (which keeps its sessions)
        zotero7.emulator._delete_items(lib, [key])
    result = push(run_cli, zotero7)
    assert result.exit_code == 0, result.stderr
    assert len(papers(zotero7)) == 8
    saves = [r.status for r in zotero7.log if r.path == "/connector/saveItems"]
    assert saves[-2:] == [409, 201]


def test_zotero7_missing_collection_changes_nothing_and_names_it(run_cli) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("7", local_api=True) as zd:
        zd.seed_collections([{"name": "Reading"}])
        result = push(run_cli, zd)
        assert result.exit_code == 2
        line = error_line(result)
        assert 'collection "Reading/2025-06" does not exist in Zotero' in line
        assert "New Collection: Reading → 2025-06" in line
        assert zd.writes == [] and zd.library.items == {}


def test_zotero8_local_api_off_says_which_setting_to_tick(run_cli) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("8") as zd:
        result = push(run_cli, zd)
        assert result.exit_code == 3
        assert error_line(result) == (
            "zotsync: error: Zotero's local API is off (in Zotero: Settings → Advanced → tick \"Allow other "
            "applications on this computer to communicate with Zotero\")")
        assert zd.writes == []


def test_zotero9_existing_paper_is_not_duplicated_and_not_filed_silently(run_cli) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("9", local_api=True) as zd:
        seed_reading(zd)
        zd.seed_items([{"itemType": "preprint", "title": "Existing", "archiveID": "arXiv:2506.02013",
                        "url": "http://arxiv.org/abs/2506.02013", "DOI": "10.48550/arXiv.2506.02013"}])
        result = push(run_cli, zd, "--select", "2506.02013,2506.02044")
        assert result.exit_code == 1
        assert "created 1" in result.stderr
        assert "cannot add an existing item to a collection" in result.stderr
        assert len(papers(zd)) == 2


def test_desktop_not_running_is_one_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("7") as zd:
        url = zd.url
    result = run_cli("push", DIGEST, "-c", COLLECTION, "--target", "desktop",
                     env={"ZOTSYNC_DESKTOP_URL": url})
    assert result.exit_code == 3
    assert error_line(result).startswith("zotsync: error: Zotero is not running at 127.0.0.1:")


# -- Zotero 10: the local API ---------------------------------------------------------------


def test_zotero10_push_files_8_items_with_notes_and_a_repush_writes_nothing(run_cli, zotero10) -> None:  # type: ignore[no-untyped-def]
    result = push(run_cli, zotero10, env=env10(zotero10))
    assert result.exit_code == 0, result.stderr
    assert "created 8, filed 0, notes created 8" in result.stderr
    assert len(papers(zotero10)) == 8 and len(notes(zotero10)) == 8
    collections = zotero10.library.collections
    assert sorted(c["name"] for c in collections.values()) == ["2025-06", "Reading"]  # created, nested
    writes = zotero10.writes
    assert all(r.headers.get("zotero-server-id") == "SRVID0000001" for r in writes)
    assert all(r.headers.get("zotero-api-key") == zotero10.key for r in writes)
    zotero10.clear_log()
    again = push(run_cli, zotero10, env=env10(zotero10))
    assert again.exit_code == 0, again.stderr
    assert "unchanged 8" in again.stderr and zotero10.writes == []


def test_zotero10_lost_write_answer_is_not_written_twice(run_cli, zotero10) -> None:  # type: ignore[no-untyped-def]
    zotero10.drop_after.append("POST /api/users/0/items")
    result = push(run_cli, zotero10, env=env10(zotero10))
    assert result.exit_code == 0, result.stderr
    assert len(papers(zotero10)) == 8 and len(notes(zotero10)) == 8
    posts = [r for r in zotero10.log if (r.method, r.path) == ("POST", "/api/users/0/items")]
    assert posts[0].status is None and len(posts) >= 2  # resent with its write token: not applied twice


def test_zotero10_without_a_key_says_to_log_in(run_cli, zotero10) -> None:  # type: ignore[no-untyped-def]
    result = push(run_cli, zotero10)
    assert result.exit_code == 2
    assert "run `zotsync login --desktop`" in result.stderr
    assert zotero10.library.items == {}


def test_collections_from_the_desktop(run_cli, zotero7) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("collections", "--target", "desktop", env=env_for(zotero7))
    assert result.exit_code == 0, result.stderr
    assert [line.strip().split("  ")[0] for line in result.output.splitlines()] == ["Reading", "2025-06"]


# -- login --desktop ------------------------------------------------------------------------


def test_login_desktop_saves_the_granted_key_0600(run_cli) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("10", local_api=True) as zd:
        result = run_cli("login", "--desktop", env=env_for(zd))
        assert result.exit_code == 0, result.stderr
        assert "Always Allow" in result.stderr
        settings = load_settings(environ={})
        assert settings.target == "desktop" and settings.desktop_key
        assert settings.desktop_key not in result.output
        assert stat.S_IMODE(user_config_path().stat().st_mode) == 0o600
        auth = [r for r in zd.log if r.path == "/api/local/authorize"]
        assert len(auth) == 1 and auth[0].headers["zotero-server-id"] == "SRVID0000001"


@pytest.mark.parametrize(("dialog", "expected"), [
    ("deny", "you denied zotsync access in Zotero's dialog; nothing was saved"),
    ("allow", "Zotero granted a key for one write only"),
    (5.0, "Zotero's dialog was not answered within 1 s"),
])
def test_login_desktop_refusals_are_one_line(run_cli, dialog, expected) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("10", local_api=True, dialog=dialog) as zd:
        result = run_cli("login", "--desktop", "--wait", "1", env=env_for(zd))
        assert result.exit_code == 3
        assert expected in error_line(result)
        assert not user_config_path().exists()


def test_login_desktop_when_zotero_is_not_running(run_cli) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("10") as zd:
        url = zd.url
    result = run_cli("login", "--desktop", env={"ZOTSYNC_DESKTOP_URL": url})
    assert result.exit_code == 3
    assert error_line(result).startswith("zotsync: error: Zotero is not running at")


def test_login_desktop_on_zotero7_needs_no_key(run_cli, zotero7) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("login", "--desktop", env=env_for(zotero7))
    assert result.exit_code == 0, result.stderr
    assert load_settings(environ={}).target == "desktop"
    assert "no key needed" in result.stderr


def test_config_shows_the_target_and_the_zotero_version(run_cli, zotero7) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("config", env={"ZOTSYNC_TARGET": "desktop", "ZOTSYNC_DESKTOP_URL": zotero7.url})
    assert "zotero.target = desktop    # from $ZOTSYNC_TARGET" in result.output
    assert f"zotero.desktop_url = {zotero7.url}" in result.output
    assert f"# in use: target desktop: {zotero7.url}, Zotero 7.0.32" in result.output
    url = zotero7.url
    zotero7.stop()
    stopped = run_cli("config", env={"ZOTSYNC_TARGET": "desktop", "ZOTSYNC_DESKTOP_URL": url})
    assert stopped.exit_code == 0 and "Zotero is not running at" in stopped.output


# -- the TUI --------------------------------------------------------------------------------


async def test_tui_status_bar_names_the_desktop_and_pushes_through_the_connector(
        zotero7: ZoteroDesktop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.widgets import Static

    from test_tui_support import make_tui, settle
    from zotsync.tui.screens.collections import CollectionPicker
    from zotsync.tui.screens.progress import ResultScreen
    from zotsync.tui.screens.review import ReviewScreen

    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")
    settings = load_settings(environ={"ZOTSYNC_TARGET": "desktop", "ZOTSYNC_DESKTOP_URL": zotero7.url})
    app = make_tui(tmp_path, settings=settings)
    async with app.run_test(size=(140, 36)) as pilot:
        await settle(app, pilot)
        assert app.zotero.state == "ready"
        status = str(app.papers_screen.query_one("#status", Static).render())
        assert "Zotero: My Library in Zotero desktop 7.0.32 · 2 collections" in status
        await pilot.press("space")
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, CollectionPicker)
        await pilot.press("slash", *"2025")
        await pilot.pause()
        await pilot.press("enter", "enter")  # to the matches, then use the first
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        assert app.screen.report is not None and app.screen.report.counts()["created"] == 1
    assert len(papers(zotero7)) == 1 and papers(zotero7)[0]["collections"] == [zotero7.collection_key]


def test_bib_from_the_desktop_collection(run_cli, zotero7, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert push(run_cli, zotero7, "--select", "2506.02013,2506.02044").exit_code == 0
    out = tmp_path / "refs.bib"
    result = run_cli("bib", "--from-zotero", "-c", COLLECTION, "-o", str(out), "--target", "desktop",
                     env=env_for(zotero7))
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.count("@") == 2 and "2506.02013" in text and "2506.02044" in text


def test_zotero7_no_library_check_pushes_against_its_own_record(run_cli) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("7") as zd:  # the local API left off
        key = seed_reading(zd)
        first = push(run_cli, zd, "--no-library-check")
        assert first.exit_code == 0, first.stderr
        assert "--no-library-check: Zotero's local API is off" in first.stderr
        assert len(papers(zd)) == 8 and all(p["collections"] == [key] for p in papers(zd))
        zd.clear_log()
        again = push(run_cli, zd, "--no-library-check")
        assert again.exit_code == 0, again.stderr
        assert "unchanged 8" in again.stderr
        assert zd.writes == [] and len(papers(zd)) == 8


def test_zotero7_dry_run_warns_that_a_missing_collection_cannot_be_made(run_cli) -> None:  # type: ignore[no-untyped-def]
    with ZoteroDesktop("7", local_api=True) as zd:
        result = push(run_cli, zd, "--dry-run")
        assert result.exit_code == 0, result.stderr
        assert "Zotero 7.0.32 cannot create collections from outside" in result.stderr
        assert zd.writes == []
