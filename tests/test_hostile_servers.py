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
    bomb = b"[" + b" " * (100 * 1024 * 1024) + b"]"  # 100 MB of JSON, ~100 KB on the wire
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
    bomb = b"<feed>" + b" " * (100 * 1024 * 1024) + b"</feed>"
    with HostileServer(canned(200, bomb, {"Content-Type": "application/atom+xml"}, gzip_body=True)) as server:
        client = HttpClient("arXiv", Policy(retries=0, timeout=10.0))
        with pytest.raises(SourceUnavailable, match="answer too large"):
            client.get(server.url + "/api/query")
