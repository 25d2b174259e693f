"""`zotsync push` against the Zotero Web API emulator: real HTTP through pyzotero's client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from servers.zotero_emulator import Fault, ZoteroEmulator
from zotsync.core.zotero_item import NOTE_TAG

DATA = Path(__file__).parent / "data"
MD = str(DATA / "arxiv-daily-digest.md")
IDS = ["2506.02013", "2506.02044", "2506.02263", "2506.02813", "2506.03088", "2505.21777",
       "2506.02164", "2506.03089"]


def items_of(emu: ZoteroEmulator, item_type: str) -> list[dict[str, Any]]:
    return [i for i in emu.library().items.values() if i["itemType"] == item_type]


def push(run_cli, emu: ZoteroEmulator, *args: str) -> Any:  # type: ignore[no-untyped-def]
    return run_cli("push", MD, "--collection", "Reading/2025-06", *args, env=emu.env)


def test_push_sample_creates_8_preprints_notes_and_pdfs_in_one_request(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    result = push(run_cli, zotero_emu, "--json")
    assert result.exit_code == 0, result.stderr
    preprints = items_of(zotero_emu, "preprint")
    notes = items_of(zotero_emu, "note")
    attachments = items_of(zotero_emu, "attachment")
    assert sorted(p["archiveID"] for p in preprints) == sorted(f"arXiv:{i}" for i in IDS)
    assert len(notes) == 8 and len(attachments) == 8
    collections = zotero_emu.library().collections
    reading = next(k for k, c in collections.items() if c["name"] == "Reading")
    month = next(k for k, c in collections.items() if c["name"] == "2025-06")
    assert collections[month]["parentCollection"] == reading
    assert all(p["collections"] == [month] for p in preprints)
    keys = {p["key"] for p in preprints}
    assert all(n["parentItem"] in keys for n in notes + attachments)
    assert all("本文提出" in n["note"] or "TL;DR" in n["note"] for n in notes)
    assert all({"tag": NOTE_TAG, "type": 1} in n["tags"] for n in notes)
    writes = zotero_emu.writes
    assert [w.path for w in writes] == ["/users/1/collections", "/users/1/items"]
    assert len(writes[1].json()) == 24
    report = json.loads(result.stdout)
    assert report["counts"]["created"] == 8 and report["counts"]["notes_created"] == 8


def test_second_push_writes_nothing(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    assert push(run_cli, zotero_emu).exit_code == 0
    zotero_emu.clear_log()
    again = push(run_cli, zotero_emu)
    assert again.exit_code == 0, again.stderr
    assert zotero_emu.writes == []
    assert len(zotero_emu.log) == 1  # one conditional read answered 304
    assert zotero_emu.log[0].status == 304
    assert "created 0, filed 0, notes created 0, notes updated 0, unchanged 8, failed 0" in again.stderr


def test_dry_run_writes_nothing(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    result = push(run_cli, zotero_emu, "--dry-run", "--json")
    assert result.exit_code == 0
    assert zotero_emu.writes == []
    plan = json.loads(result.stdout)["plan"]
    assert plan["counts"]["create"] == 8
    assert plan["collections_to_create"] == ["Reading", "2025-06"]
    assert plan["write_requests"] == 2


def test_select_and_tags(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    result = push(run_cli, zotero_emu, "--select", "arXiv:2506.02013v1,2506.02044", "--tag", "digest",
                  "--no-pdf-link")
    assert result.exit_code == 0, result.stderr
    preprints = items_of(zotero_emu, "preprint")
    assert sorted(p["archiveID"] for p in preprints) == ["arXiv:2506.02013", "arXiv:2506.02044"]
    assert all({"tag": "digest"} in p["tags"] for p in preprints)
    assert items_of(zotero_emu, "attachment") == []


def test_unknown_select_is_a_usage_error(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    result = push(run_cli, zotero_emu, "--select", "2506.99999")
    assert result.exit_code == 2
    assert "--select: 2506.99999 not among the 8 papers read" in result.stderr
    assert zotero_emu.writes == []


def test_existing_items_are_filed_also_ones_made_by_hand(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    [other] = zotero_emu.seed_collections(collections=[{"name": "Older"}])
    zotero_emu.seed_items(items=[
        {"itemType": "journalArticle", "title": "Hand made", "DOI": "10.48550/arXiv.2506.02013",
         "collections": [other]},
        {"itemType": "preprint", "title": ("A Brain Graph Foundation Model: Pre-Training and "
                                           "Prompt-Tuning for Any Atlas and Disorder"),
         "creators": [{"creatorType": "author", "firstName": "Xinxu", "lastName": "Wei"}]},
    ])
    result = push(run_cli, zotero_emu, "--json")
    assert result.exit_code == 0, result.stderr
    counts = json.loads(result.stdout)["counts"]
    assert (counts["created"], counts["filed"]) == (6, 2)
    library = zotero_emu.library()
    assert len(items_of(zotero_emu, "journalArticle")) == 1
    assert len(items_of(zotero_emu, "preprint")) == 7  # 6 new + the hand-made one
    hand = next(i for i in library.items.values() if i.get("title") == "Hand made")
    assert other in hand["collections"] and len(hand["collections"]) == 2
    assert len(items_of(zotero_emu, "note")) == 8


def test_if_exists_skip_leaves_existing_items_alone(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.seed_items(items=[{"itemType": "preprint", "title": "x", "archiveID": "arXiv:2506.02013"}])
    result = push(run_cli, zotero_emu, "--if-exists", "skip", "--json")
    assert json.loads(result.stdout)["counts"]["skipped"] == 1
    seeded = next(i for i in zotero_emu.library().items.values() if i.get("title") == "x")
    assert seeded["collections"] == []
    assert not [n for n in items_of(zotero_emu, "note") if n["parentItem"] == seeded["key"]]


def test_html_in_a_digest_title_stays_text(run_cli, zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    digest = tmp_path / "evil.md"
    digest.write_text(
        "### [1] [<script>alert(1)</script> & <b>Bold</b>](https://arxiv.org/abs/2506.11111)\n"
        "*Eve Mallory*\n\nMain category: cs.CR\n\nTL;DR: <img src=x onerror=alert(1)>总结\n",
        encoding="utf-8")
    result = run_cli("push", str(digest), "--collection", "X", env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    [item] = items_of(zotero_emu, "preprint")
    assert item["title"] == "<script>alert(1)</script> & <b>Bold</b>"
    [note] = items_of(zotero_emu, "note")
    assert "&lt;img src=x onerror=alert(1)&gt;总结" in note["note"]
    assert "<img" not in note["note"]


def test_bad_key_and_read_only_key(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    bad = run_cli("push", MD, "-c", "X",
                  env={**zotero_emu.env, "ZOTERO_API_KEY": "NotAValidKey000000000000"})
    assert bad.exit_code == 3
    [error] = [line for line in bad.stderr.splitlines() if line.startswith("zotsync: error")]
    assert "Zotero does not know this API key (403 Invalid key)" in error
    assert "NotAValidKey" not in bad.stderr
    readonly = run_cli("push", MD, "-c", "X",
                       env={**zotero_emu.env, "ZOTERO_API_KEY": zotero_emu.readonly_key})
    assert readonly.exit_code == 3
    assert "key lacks write access to user library 1" in readonly.stderr
    assert zotero_emu.readonly_key not in readonly.output
    assert zotero_emu.library().items == {}


def test_group_library(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    env = {**zotero_emu.env, "ZOTERO_LIBRARY_TYPE": "group", "ZOTERO_LIBRARY_ID": "42"}
    result = run_cli("push", MD, "-c", "Lab reading", env=env)
    assert result.exit_code == 0, result.stderr
    group_items = zotero_emu.library("/groups/42").items.values()
    assert len([i for i in group_items if i["itemType"] == "preprint"]) == 8
    assert zotero_emu.library().items == {}


def test_note_updated_in_place_when_the_summary_changes(run_cli, zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert push(run_cli, zotero_emu, "--select", "2506.02013").exit_code == 0
    [note] = items_of(zotero_emu, "note")
    changed = tmp_path / "changed.md"
    text = (DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8")
    new_text = text.replace("TL;DR: 本文提出了一种基于生物进化选择机制",
                            "TL;DR: 新的摘要，基于生物进化选择机制")
    changed.write_text(new_text, encoding="utf-8")
    result = run_cli("push", str(changed), "-c", "Reading/2025-06", "--select", "2506.02013", "--json",
                     env=zotero_emu.env)
    assert json.loads(result.stdout)["counts"]["notes_updated"] == 1
    [updated] = items_of(zotero_emu, "note")
    assert updated["key"] == note["key"]
    assert "新的摘要" in updated["note"]


def test_note_edited_in_zotero_is_kept(run_cli, zotero_emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import requests

    assert push(run_cli, zotero_emu, "--select", "2506.02013").exit_code == 0
    [note] = items_of(zotero_emu, "note")
    response = requests.patch(f"{zotero_emu.url}/users/1/items/{note['key']}",
                              json={"note": "<p>My own thoughts</p>"},
                              headers={"Zotero-API-Key": zotero_emu.api_key,
                                       "If-Unmodified-Since-Version": str(note["version"])}, timeout=5)
    assert response.status_code == 204
    changed = tmp_path / "changed.md"
    text = (DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8")
    changed.write_text(text.replace("TL;DR: 本文提出了", "TL;DR: 完全不同的摘要"), encoding="utf-8")
    result = run_cli("push", str(changed), "-c", "Reading/2025-06", "--select", "2506.02013", "--json",
                     env=zotero_emu.env)
    assert json.loads(result.stdout)["counts"]["notes_kept_edited"] == 1
    # the one-line report says so too (it said "unchanged 1"; the dry run "edited in Zotero: kept")
    assert "notes edited in Zotero (kept) 1" in result.stderr
    [kept] = items_of(zotero_emu, "note")
    assert "My own thoughts" in kept["note"]


@pytest.mark.parametrize("fault", [
    Fault.rate_limited("POST", "/items", retry_after=0),
    Fault.unavailable("POST", "/items", retry_after=0),
    Fault.locked("POST", "/items"),
    Fault.drop_before("POST", "/items"),
    Fault.drop_after_commit("POST", "/items"),
    Fault.rate_limited("GET", "/items", retry_after=0),
])
def test_faults_end_with_exactly_one_copy(run_cli, zotero_emu, fault: Fault) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.inject(fault)
    result = push(run_cli, zotero_emu)
    assert result.exit_code == 0, result.stderr
    assert fault.hits == 1
    assert len(items_of(zotero_emu, "preprint")) == 8
    assert len(items_of(zotero_emu, "note")) == 8
    assert len(items_of(zotero_emu, "attachment")) == 8


def test_per_object_500_is_retried(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.inject(Fault.object_errors([0, 4], "POST", "/items"))
    result = push(run_cli, zotero_emu)
    assert result.exit_code == 0, result.stderr
    assert len(items_of(zotero_emu, "preprint")) == 8
    assert len(items_of(zotero_emu, "note")) == 8


def test_persistent_failure_is_reported_with_reason(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.inject(Fault.object_errors([0], "POST", "/items", times=None))
    result = push(run_cli, zotero_emu, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["counts"]["failed"] == 1
    failed = [r for r in report["results"] if not r["ok"]]
    assert failed[0]["arxiv_id"] == "2506.02013" and "500" in failed[0]["reason"]
    assert "1 of 8 papers were not synced" in result.stderr
    zotero_emu.clear_faults()
    rerun = push(run_cli, zotero_emu, "--json")
    assert rerun.exit_code == 0
    assert json.loads(rerun.stdout)["counts"]["created"] == 1  # only the failed one
    assert len(items_of(zotero_emu, "preprint")) == 8


def test_rate_limit_outlasted_is_one_line(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.inject(Fault.rate_limited("*", "", retry_after=0, times=None))
    result = push(run_cli, zotero_emu)
    assert result.exit_code == 3
    assert "rate limited (429) after 5 attempts" in result.stderr
    assert len([line for line in result.stderr.splitlines() if "error" in line]) == 1


def test_backoff_header_is_honoured(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    import time

    zotero_emu.inject(Fault.with_backoff(0.5, "GET"))
    start = time.monotonic()
    assert push(run_cli, zotero_emu).exit_code == 0
    assert time.monotonic() - start >= 0.5


def test_collections_command(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    push(run_cli, zotero_emu)
    result = run_cli("collections", "--json", env=zotero_emu.env)
    assert result.exit_code == 0, result.stderr
    found = {c["path"]: c for c in json.loads(result.stdout)}
    assert found["Reading/2025-06"]["items"] == 8
    assert found["Reading"]["subcollections"] == 1
    table = run_cli("collections", env=zotero_emu.env)
    assert "Reading  (0 items)" in table.stdout and "  2025-06  (8 items)" in table.stdout


def test_a_long_retry_after_ends_with_a_message_not_a_silent_wait(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.inject(Fault.rate_limited(retry_after=100_000))
    result = push(run_cli, zotero_emu)
    assert result.exit_code == 3
    assert "Zotero asks to wait 27.8 h before the next request (429 with Retry-After)" in result.stderr
    assert "try again after" in result.stderr
    assert len(zotero_emu.log) == 1 and zotero_emu.writes == []
    zotero_emu.inject(Fault.with_backoff(3_600, method="GET"))
    result = push(run_cli, zotero_emu)
    assert result.exit_code == 3
    assert "Zotero asks to wait 60 min before the next request (Backoff)" in result.stderr
    assert zotero_emu.writes == []


def test_a_server_that_is_not_zotero_is_named_as_such(run_cli, zotero_emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        env = {**zotero_emu.env, "ZOTSYNC_ZOTERO_URL": url}
        result = run_cli("push", MD, "-c", "X", "--no-enrich", env=env)
        login = run_cli("login", env={"ZOTSYNC_ZOTERO_URL": url}, input=zotero_emu.api_key + "\n")
    finally:
        server.shutdown()
        server.server_close()
    for outcome in (result, login):
        assert outcome.exit_code == 3
        assert f"{url} does not look like a Zotero Web API server (it answered 404" in outcome.stderr
        assert "ZOTERO_LIBRARY_ID" not in outcome.stderr


def test_collection_names_and_tags_are_checked_before_anything_is_sent(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    for collection, message in (("A\tB", "has a control character"),
                                ("Lab/" + "x" * 300, "is 300 characters long"),
                                ("Reading\nList", "has a control character")):
        result = run_cli("push", MD, "-c", collection, "--no-enrich", env=zotero_emu.env)
        assert result.exit_code == 2 and message in result.stderr, collection
    tagged = run_cli("push", MD, "-c", "A", "--tag", "t" * 256, "--no-enrich", env=zotero_emu.env)
    assert tagged.exit_code == 2 and "is 256 characters long; Zotero allows 255" in tagged.stderr
    assert zotero_emu.writes == []
    ok = run_cli("push", MD, "-c", "Dept\\\\Lab/2025\\/06/C:\\data", "--select", "2506.02013", "--no-enrich",
                 env=zotero_emu.env)
    assert ok.exit_code == 0, ok.stderr
    names = sorted(c["name"] for c in zotero_emu.library().collections.values())
    assert names == ["2025/06", "C:\\data", "Dept\\Lab"]  # escapes read, other backslashes kept


def test_zotero_unreachable_after_the_collections_is_exit_3_with_a_summary(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.inject(Fault.unavailable("POST", "/items", times=None))
    env = {**zotero_emu.env, "ZOTSYNC_ZOTERO_RETRIES": "2"}
    result = run_cli("push", MD, "-c", "Reading", "--no-enrich", env=env)
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert "created 0, filed 0, notes created 0, notes updated 0, unchanged 0, failed 8" in result.stderr
    assert lines[-1].startswith("zotsync: error: Zotero at 127.0.0.1") and "unavailable (503)" in lines[-1]


def test_a_second_push_to_the_same_library_waits_its_turn(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    from zotsync.config import load_settings
    from zotsync.sync import push_lock

    settings = load_settings(environ=zotero_emu.env)
    with push_lock(settings):  # another zotsync (the TUI, a cron job) is pushing
        busy = push(run_cli, zotero_emu, "--no-enrich")
        dry = push(run_cli, zotero_emu, "--no-enrich", "--dry-run")  # reading only: no lock needed
    assert busy.exit_code == 5  # its own status (docs/usage.md), not "usage"
    assert "another zotsync is pushing to this library right now" in busy.stderr
    assert zotero_emu.writes == [] and dry.exit_code == 0
    done = push(run_cli, zotero_emu, "--no-enrich")  # released: the next push runs
    assert done.exit_code == 0 and len(items_of(zotero_emu, "preprint")) == 8


def test_a_collection_differing_only_in_case_is_created_with_a_warning(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.seed_collections(collections=[{"name": "Reading"}])
    dry = run_cli("push", MD, "-c", "reading", "--no-enrich", "--dry-run", "--json", env=zotero_emu.env)
    assert dry.exit_code == 0
    warning = "creating collection 'reading' beside the existing 'Reading'"
    assert json.loads(dry.stdout)["plan"]["warnings"] == [warning]
    assert f"warning: {warning}" in dry.stderr
    exact = run_cli("push", MD, "-c", "Reading", "--no-enrich", "--dry-run", "--json", env=zotero_emu.env)
    assert json.loads(exact.stdout)["plan"]["warnings"] == []


# -- answers the real server sends before its headers (docs/zotero-api.md §1.1) --------

@pytest.mark.parametrize("command", ["push", "collections"])
def test_a_wrong_library_id_is_named(run_cli, zotero_emu, command: str) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.add_user(2, "bob")
    args = ["push", MD, "-c", "X", "--no-enrich"] if command == "push" else ["collections"]
    unknown = run_cli(*args, env={**zotero_emu.env, "ZOTERO_LIBRARY_ID": "999"})
    assert unknown.exit_code == 3
    assert unknown.stderr.splitlines()[-1] == (
        f"zotsync: error: user library 999 not found on {zotero_emu.url} (check ZOTERO_LIBRARY_ID and "
        "ZOTERO_LIBRARY_TYPE, or run `zotsync login`)")
    someone_elses = run_cli(*args, env={**zotero_emu.env, "ZOTERO_LIBRARY_ID": "2"})
    assert someone_elses.exit_code == 3
    assert "the API key has no access to user library 2" in someone_elses.stderr
    group = run_cli(*args, env={**zotero_emu.env, "ZOTERO_LIBRARY_ID": "77", "ZOTERO_LIBRARY_TYPE": "group"})
    assert group.exit_code == 3 and "group library 77 not found" in group.stderr
    assert zotero_emu.writes == []


def test_collections_with_a_bad_key_is_one_line(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("collections", env={**zotero_emu.env, "ZOTERO_API_KEY": "NotAValidKey000000000000"})
    assert result.exit_code == 3
    assert result.stderr.startswith("zotsync: error: Zotero does not know this API key")
    assert "NotAValidKey" not in result.stderr


def test_a_resent_write_already_applied_counts_as_created(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    """Dropped after commit: the resend (same write token) gets 412 "Write token already
    used" without Zotero's headers; it means applied, not failed."""
    fault = zotero_emu.inject(Fault.drop_after_commit("POST", "/items"))
    result = push(run_cli, zotero_emu, "--json")
    assert result.exit_code == 0, result.stderr
    assert fault.hits == 1
    resent = [r for r in zotero_emu.log if r.method == "POST" and r.status == 412]
    assert len(resent) == 1
    counts = json.loads(result.stdout)["counts"]
    assert (counts["created"], counts["notes_created"], counts["failed"]) == (8, 8, 0)
    assert len(items_of(zotero_emu, "preprint")) == 8


def test_a_library_locked_for_good_is_named(run_cli, zotero_emu) -> None:  # type: ignore[no-untyped-def]
    zotero_emu.inject(Fault.locked("POST", "/collections", times=None))
    result = push(run_cli, zotero_emu)
    assert result.exit_code == 3
    assert "library locked (409)" in result.stderr
    assert "does not look like a Zotero" not in result.stderr
    assert items_of(zotero_emu, "preprint") == []


def test_a_digest_with_no_valid_paper_creates_nothing(run_cli, zotero_emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"foo": 1}\n{"bar": 2}\n', encoding="utf-8")
    result = run_cli("push", str(bad), "--format", "jsonl", "-c", "Empty", "--no-enrich", env=zotero_emu.env)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("zotsync: error: no valid papers to push")
    assert zotero_emu.log == [] and zotero_emu.library().collections == {}


def test_a_field_too_long_names_paper_and_field_and_is_not_retried(run_cli, zotero_emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (DATA / "arxiv-daily-digest.md").read_text(encoding="utf-8")
    digest = tmp_path / "long.md"
    digest.write_text(text.replace("Abstract: ", "Abstract: " + "x" * 70_000, 1), encoding="utf-8")
    result = run_cli("push", str(digest), "-c", "Long", "--no-enrich", env=zotero_emu.env)
    assert result.exit_code == 1
    [failed] = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert "413 Value for 'abstractNote' too long" in failed and "running again cannot help" in failed
    assert "run again to retry" not in result.stderr
    assert "running again will not help" in result.stderr.splitlines()[-1]
