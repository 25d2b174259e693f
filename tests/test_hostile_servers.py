"""Servers that trickle or send huge bodies: every command ends within its deadline.

A read timeout alone never trips on a server sending one byte every half second; a
gzip bomb inflates far beyond what was sent. Real sockets on 127.0.0.1 (`HostileServer`).
"""

from __future__ import annotations

import time

import pytest

from servers.hostile import HostileServer, canned, trickle
from zotsync.lookup.http import HttpClient, Policy, SourceUnavailable

ZOTERO = {"Zotero-API-Version": "3", "Content-Type": "application/json"}


def zotero_env(url: str, **extra: str) -> dict[str, str]:
    return {"ZOTERO_API_KEY": "SomeKey00000000000000000", "ZOTERO_LIBRARY_ID": "1",
            "ZOTERO_LIBRARY_TYPE": "user", "ZOTSYNC_ZOTERO_URL": url, "ZOTSYNC_ZOTERO_RETRIES": "2",
            "ZOTSYNC_ZOTERO_TIMEOUT": "1.5", **extra}


def test_a_trickling_zotero_ends_within_its_deadline(run_cli) -> None:  # type: ignore[no-untyped-def]
    server = HostileServer(lambda conn: None)
    server.behaviour = trickle(server.stopped)
    with server:
        started = time.monotonic()
        result = run_cli("collections", env=zotero_env(server.url))
        elapsed = time.monotonic() - started
    assert result.exit_code == 3
    assert "no complete answer within 1.5 s after 2 attempts" in result.stderr
    assert elapsed < 2 * 1.5 + 3  # two attempts of 1.5 s, not 2 s per byte forever
    assert server.connections == 2


def test_a_gzip_bomb_from_zotero_is_refused(run_cli) -> None:  # type: ignore[no-untyped-def]
    bomb = b"[" + b" " * (65 * 1024 * 1024) + b"]"  # 65 MB of JSON, ~65 KB on the wire
    with HostileServer(canned(200, bomb, ZOTERO | {"Last-Modified-Version": "1"}, gzip_body=True)) as server:
        started = time.monotonic()
        result = run_cli("collections", env=zotero_env(server.url))
        elapsed = time.monotonic() - started
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1].startswith("zotsync: error: Zotero's answer to GET /users/1/items "
                                                     "is too large (more than 64 MB)")
    assert elapsed < 10


def test_a_trickling_lookup_ends_within_its_deadline() -> None:
    server = HostileServer(lambda conn: None)
    server.behaviour = trickle(server.stopped, interval=0.2)
    with server:
        client = HttpClient("arXiv", Policy(retries=1, backoff=0.01, timeout=1.0))
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match="no answer in time after 2 attempts"):
            client.get(server.url + "/api/query")
        elapsed = time.monotonic() - started
    assert elapsed < 2 * 1.0 + 2


def test_a_gzip_bomb_lookup_is_refused() -> None:
    bomb = b"<feed>" + b" " * (65 * 1024 * 1024) + b"</feed>"
    with HostileServer(canned(200, bomb, {"Content-Type": "application/atom+xml"}, gzip_body=True)) as server:
        client = HttpClient("arXiv", Policy(retries=0, timeout=10.0))
        with pytest.raises(SourceUnavailable, match="answer too large"):
            client.get(server.url + "/api/query")


# -- answers that ended in "internal error" (exit 70): now one-line server errors ----------

@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (200, b"[" * 10_000 + b"]" * 10_000, {"Total-Results": "1"}, "Zotero sent an unreadable answer to GET"),
    (429, b"slow down", {"Retry-After": "inf"}, "Zotero asks to wait more than a week"),
    (200, b"[]", {"Backoff": "1e300", "Total-Results": "0"}, "Zotero asks to wait more than a week"),
    (200, b"[]", {"Total-Results": "many"}, "unreadable Total-Results header ('many')"),
])
def test_odd_server_answers_are_one_line(run_cli, status: int, body: bytes,  # type: ignore[no-untyped-def]
                                         headers: dict[str, str], expected: str) -> None:
    answer = canned(status, body, ZOTERO | {"Last-Modified-Version": "1"} | headers)
    with HostileServer(answer) as server:
        result = run_cli("collections", env=zotero_env(server.url))
    assert result.exit_code == 3, result.stderr
    assert expected in result.stderr.splitlines()[-1]
    assert "internal error" not in result.stderr


def test_a_list_for_format_versions_is_a_server_error() -> None:
    from zotsync.config import load_settings
    from zotsync.errors import ZoteroError
    from zotsync.zotero.web import ZoteroWeb

    with HostileServer(canned(200, b"[]", ZOTERO | {"Last-Modified-Version": "2"})) as server:
        web = ZoteroWeb(load_settings(environ=zotero_env(server.url)))
        with pytest.raises(ZoteroError, match=r"unreadable answer to items\?format=versions"):
            web.item_versions(1)


def test_a_refused_connection_fails_fast_in_one_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    result = run_cli("collections", env=zotero_env(f"http://127.0.0.1:{port}", ZOTSYNC_ZOTERO_RETRIES="5",
                                                   ZOTSYNC_ZOTERO_BACKOFF="2"))
    elapsed = time.monotonic() - started
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"zotsync: error: cannot connect to Zotero at 127.0.0.1:{port} (connection refused) (check the "
        "network and ZOTSYNC_ZOTERO_URL; nothing was being written)"]
    assert elapsed < 5  # not 5 attempts with 2, 4, 8, 16 s waits
