"""The Zotero desktop stand-in follows the Zotero source (tests/servers/zotero_desktop.py).

Raw HTTP (http.client), so the Host header, the status line and a closed connection
are seen as a client sees them.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from servers.zotero_desktop import ZoteroDesktop

SERVER_ID = "SRVID0000001"


def call(
    zd: ZoteroDesktop, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", zd.port, timeout=5)
    sent = {"Content-Type": "application/json"} if body is not None else {}
    sent.update(headers or {})
    connection.request(
        method, path, body=json.dumps(body).encode() if body is not None else None, headers=sent
    )
    response = connection.getresponse()
    try:
        return response.status, response.reason, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def seven() -> Iterator[ZoteroDesktop]:
    with ZoteroDesktop("7", local_api=True) as zd:
        reading = zd.seed_collections([{"name": "Reading"}])[0]
        zd.seed_collections([{"name": "2025-06", "parentCollection": reading}])
        yield zd


@pytest.fixture
def ten() -> Iterator[ZoteroDesktop]:
    with ZoteroDesktop("10", local_api=True) as zd:
        yield zd


def test_answers_are_http_1_0_with_the_zotero_version(seven: ZoteroDesktop) -> None:
    status, _, headers, body = call(seven, "GET", "/connector/ping")
    assert (status, body) == (200, "<!DOCTYPE html><html><body>Zotero is running</body></html>")
    assert headers["X-Zotero-Version"] == "7.0.32"
    status, _, _, body = call(seven, "GET", "/nothing")
    assert (status, body) == (404, "No endpoint found\n")


def test_host_check_by_version() -> None:
    for version, refused in (
        ("7.0.0", True),
        ("7.0.32", False),
        ("9.0.1", False),
        ("9.0.2", True),
        ("10", True),
    ):
        with ZoteroDesktop(version) as zd:
            status, _, _, body = call(zd, "GET", "/connector/ping", headers={"Host": "evil.example"})
            assert (status == 400 and body == "Invalid Host header\n") is refused, version


def test_browser_requests_refused_or_cut_off_by_version() -> None:
    with ZoteroDesktop("8") as zd:
        status, _, _, body = call(
            zd,
            "POST",
            "/connector/getSelectedCollection",
            "{}",
            {"User-Agent": "Mozilla/5.0", "Content-Type": "text/plain"},
        )
        assert status == 400  # text/plain is not a type getSelectedCollection takes
        status, _, _, body = call(zd, "GET", "/api/users/0/items", headers={"User-Agent": "Mozilla/5.0"})
        assert (status, body) == (403, "Request not allowed\n")
    with ZoteroDesktop("10", local_api=True) as zd:
        with pytest.raises(http.client.RemoteDisconnected):
            call(zd, "GET", "/api/users/0/items", headers={"User-Agent": "Mozilla/5.0"})
        assert (
            call(
                zd,
                "GET",
                "/api/users/0/items",
                headers={"User-Agent": "Mozilla/5.0", "Zotero-Allowed-Request": "1"},
            )[0]
            == 200
        )


def test_selected_collection_lists_the_tree_with_levels(seven: ZoteroDesktop) -> None:
    status, _, _, body = call(seven, "POST", "/connector/getSelectedCollection", {})
    found = json.loads(body)
    assert status == 200 and found["id"] is None and found["name"] == "My Library"
    assert [(t["id"], t["name"], t["level"]) for t in found["targets"]] == [
        ("L1", "My Library", 0),
        ("C1", "Reading", 1),
        ("C2", "2025-06", 2),
    ]


def test_save_items_session_ids_are_used_once_and_notes_become_children(seven: ZoteroDesktop) -> None:
    item = {
        "id": "p1",
        "itemType": "preprint",
        "title": "A paper",
        "tags": ["t"],
        "notes": [{"note": "<p>TL;DR</p>"}],
        "attachments": [
            {
                "title": "PDF",
                "url": "https://arxiv.org/pdf/1",
                "mimeType": "application/pdf",
                "snapshot": False,
            }
        ],
    }
    assert call(seven, "POST", "/connector/saveItems", {"sessionID": "s1", "items": [item]})[0] == 201
    status, _, _, body = call(seven, "POST", "/connector/saveItems", {"sessionID": "s1", "items": [item]})
    assert (status, json.loads(body)) == (409, {"error": "SESSION_EXISTS"})
    assert (
        call(
            seven,
            "POST",
            "/connector/saveItems",
            None,
            {"Content-Type": "application/json", "Content-Length": "0"},
        )[0]
        == 409
    )
    items = seven.library.items
    parents = [i for i in items.values() if i["itemType"] == "preprint"]
    notes = [i for i in items.values() if i["itemType"] == "note"]
    assert len(parents) == 1 and len(notes) == 1 and len(items) == 2  # the PDF link is dropped
    assert notes[0]["parentItem"] == parents[0]["key"]
    assert parents[0]["version"] == 0 and parents[0]["tags"] == [{"tag": "t", "type": 1}]
    assert parents[0]["collections"] == []  # the library was selected


def test_update_session_moves_the_items_and_its_errors(seven: ZoteroDesktop) -> None:
    call(
        seven,
        "POST",
        "/connector/saveItems",
        {"sessionID": "s1", "items": [{"id": "a", "itemType": "book", "title": "B"}]},
    )
    assert json.loads(call(seven, "POST", "/connector/updateSession", {"target": "C1"})[3]) == {
        "error": "SESSION_ID_NOT_PROVIDED"
    }
    assert json.loads(
        call(seven, "POST", "/connector/updateSession", {"sessionID": "x", "target": "C1"})[3]
    ) == {"error": "SESSION_NOT_FOUND"}
    assert json.loads(
        call(seven, "POST", "/connector/updateSession", {"sessionID": "s1", "target": "C9"})[3]
    ) == {"error": "COLLECTION_NOT_FOUND"}
    # 7.0.x: tags must be a string; an array is a 500 and nothing moves
    assert (
        call(seven, "POST", "/connector/updateSession", {"sessionID": "s1", "target": "C2", "tags": []})[0]
        == 500
    )
    (item,) = seven.library.items.values()
    assert item["collections"] == []
    assert call(seven, "POST", "/connector/updateSession", {"sessionID": "s1", "target": "C2"})[0] == 200
    (item,) = seven.library.items.values()
    assert len(item["collections"]) == 1 and seven.selected == "C2"
    seven.restart()  # sessions live in memory
    assert call(seven, "POST", "/connector/saveItems", {"sessionID": "s1", "items": []})[0] == 201


def test_local_api_before_10_is_off_by_default_read_only_with_sync_versions() -> None:
    with ZoteroDesktop("9") as zd:
        zd.seed_items([{"itemType": "book", "title": "Synced"}])  # synced: version 1
        status, _, headers, body = call(zd, "GET", "/api/users/0/items")
        assert (status, body) == (403, "Local API is not enabled") and headers["Zotero-API-Version"] == "3"
        zd.local_api = True
        assert call(zd, "POST", "/api/users/0/items", [])[3] == "Endpoint does not support method\n"
        assert call(zd, "GET", "/api/users/0/deleted?since=0")[3] == "No endpoint found\n"
        version = int(call(zd, "GET", "/api/users/0/items?format=versions")[2]["Last-Modified-Version"])
        call(
            zd,
            "POST",
            "/connector/saveItems",
            {"sessionID": "s", "items": [{"id": "a", "itemType": "book", "title": "B"}]},
        )
        status, _, headers, body = call(zd, "GET", f"/api/users/0/items?format=versions&since={version}")
        assert json.loads(body) == {}  # saved locally: version 0, missed by `since`
        assert int(headers["Last-Modified-Version"]) == version
        assert (
            call(
                zd,
                "GET",
                "/api/users/0/items?format=versions",
                headers={"If-Modified-Since-Version": str(version)},
            )[0]
            == 304
        )
        assert len(json.loads(call(zd, "GET", "/api/users/0/items?format=versions&since=0")[3])) == 2
        assert "Zotero-Server-ID" not in headers


def test_ten_authorize_server_id_and_key_rules(ten: ZoteroDesktop) -> None:
    status, reason, headers, body = call(ten, "POST", "/api/local/authorize", {"appName": "zotsync"})
    assert (status, reason, body) == (428, "undefined", "Zotero-Server-ID not provided")
    assert headers["Zotero-Server-ID"] == SERVER_ID
    assert (
        call(ten, "POST", "/api/local/authorize", {"appName": "zotsync"}, {"Zotero-Server-ID": "WRONG"})[0]
        == 412
    )
    status, _, _, body = call(
        ten, "POST", "/api/local/authorize", {"appName": "zotsync"}, {"Zotero-Server-ID": SERVER_ID}
    )
    key = json.loads(body)["key"]
    item = [{"itemType": "book", "title": "B"}]
    status, _, headers, _ = call(ten, "POST", "/api/users/0/items", item, {"Zotero-Server-ID": SERVER_ID})
    assert status == 401 and "Zotero-API-Version" not in headers
    assert (
        call(
            ten, "POST", "/api/users/0/items", item, {"Zotero-Server-ID": SERVER_ID, "Zotero-API-Key": "nope"}
        )[0]
        == 401
    )
    ok = {"Zotero-Server-ID": SERVER_ID, "Zotero-API-Key": key}
    status, _, headers, body = call(ten, "POST", "/api/users/0/items", item, ok)
    assert status == 200 and len(json.loads(body)["successful"]) == 1
    status, _, headers, body = call(
        ten, "POST", "/api/users/0/items", item, ok | {"If-Unmodified-Since-Version": "0"}
    )
    assert status == 412 and "Last-Modified-Version" not in headers
    assert call(ten, "POST", "/api/users/0/items", item * 51, ok)[0] == 413
    assert call(ten, "POST", "/api/users/0/items", item, ok | {"Zotero-Write-Token": "t" * 32})[0] == 200
    assert call(ten, "POST", "/api/users/0/items", item, ok | {"Zotero-Write-Token": "t" * 32})[3] == (
        "Write token already used"
    )


def test_ten_one_time_key_deny_and_rate_limit(ten: ZoteroDesktop) -> None:
    ten.dialog = "allow"
    sid = {"Zotero-Server-ID": SERVER_ID}
    key = json.loads(call(ten, "POST", "/api/local/authorize", {"appName": "z"}, sid)[3])["key"]
    item = [{"itemType": "book", "title": "B"}]
    assert call(ten, "POST", "/api/users/0/items", item, sid | {"Zotero-API-Key": key})[0] == 200
    assert call(ten, "POST", "/api/users/0/items", item, sid | {"Zotero-API-Key": key})[0] == 401
    ten.dialog = "deny"
    status, _, _, body = call(ten, "POST", "/api/local/authorize", {"appName": "z"}, sid)
    assert (status, json.loads(body)) == (403, {"denied": True})
    for _ in range(3):
        call(ten, "POST", "/api/local/authorize", {"appName": "z"}, sid)
    status, _, headers, _ = call(ten, "POST", "/api/local/authorize", {"appName": "z"}, sid)
    assert status == 429 and int(headers["Retry-After"]) >= 1
