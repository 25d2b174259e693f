"""The lookup HTTP client against a real loopback server: pacing, one connection,
Retry-After, backoff, bounded retries, timeouts, dropped connections."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import urllib3.exceptions

from servers.arxiv_standin import ArxivStandIn
from zotsync.lookup.http import (
    USER_AGENT,
    HttpClient,
    Policy,
    SourceUnavailable,
    _cannot_resolve,
    retry_after_seconds,
)

FAST = Policy(delay=0.0, retries=3, backoff=0.01, timeout=5)
QUERY = {"id_list": "2504.10100"}
# Times are taken when the server reads a request: a late read of one request (a busy
# machine) shortens the next gap by as much, so gaps are checked with this slack.
SLACK = 0.03


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_requests_are_paced_over_one_connection(arxiv_standin: ArxivStandIn) -> None:
    client = HttpClient("arXiv", Policy(delay=0.15))
    started = time.monotonic()
    for _ in range(4):
        assert client.get(arxiv_standin.url, QUERY).status_code == 200
    log = arxiv_standin.requests()
    assert len(log) == 4 == client.requests_made
    # Paced from send to send at the client: four requests take at least three delays. (The
    # gaps the server sees can be shorter on a loaded machine: a late first arrival.)
    assert time.monotonic() - started >= 3 * 0.15
    assert sum(gaps([r.time for r in log])) >= 3 * 0.15 - 0.15  # and were not sent in a burst
    assert len({r.client_port for r in log}) == 1, "one keep-alive connection"
    assert {r.user_agent for r in log} == {USER_AGENT}
    assert USER_AGENT.startswith("zotsync/") and "(+https://" in USER_AGENT


def test_429_waits_as_long_as_retry_after_says(arxiv_standin: ArxivStandIn) -> None:
    arxiv_standin.fail_next("429", retry_after="1")
    client = HttpClient("arXiv", Policy(delay=0.01, backoff=0.01))
    assert client.get(arxiv_standin.url, QUERY).status_code == 200
    log = arxiv_standin.requests()
    assert [r.status for r in log] == [429, 200]
    assert gaps([r.time for r in log])[0] >= 1.0 - SLACK


def test_503_is_retried_with_growing_backoff(arxiv_standin: ArxivStandIn) -> None:
    arxiv_standin.fail_next("503", times=3)
    client = HttpClient("arXiv", Policy(delay=0.0, retries=3, backoff=0.06))
    assert client.get(arxiv_standin.url, QUERY).status_code == 200
    log = arxiv_standin.requests()
    assert [r.status for r in log] == [503, 503, 503, 200]
    waited = gaps([r.time for r in log])
    assert waited[0] >= 0.06 - SLACK and waited[1] >= 0.12 - SLACK and waited[2] >= 0.24 - SLACK
    assert waited[2] > waited[0]


def test_retries_are_bounded(arxiv_standin: ArxivStandIn) -> None:
    arxiv_standin.fail_next("503", times=10)
    client = HttpClient("arXiv", Policy(retries=2, backoff=0.01))
    with pytest.raises(SourceUnavailable) as caught:
        client.get(arxiv_standin.url, QUERY)
    assert caught.value.message == "arXiv: HTTP 503 after 3 attempts"
    assert caught.value.exit_code == 4
    assert len(arxiv_standin.requests()) == 3


def test_a_retry_after_beyond_max_wait_gives_up_at_once(arxiv_standin: ArxivStandIn) -> None:
    arxiv_standin.fail_next("429", retry_after="3600")
    client = HttpClient("arXiv", Policy(max_wait=60, backoff=0.01))
    with pytest.raises(SourceUnavailable, match="asked to wait 3600 s"):
        client.get(arxiv_standin.url, QUERY)
    assert len(arxiv_standin.requests()) == 1


def test_a_slow_answer_times_out_and_is_asked_again(arxiv_standin: ArxivStandIn) -> None:
    arxiv_standin.fail_next("slow", seconds=0.8)
    client = HttpClient("arXiv", Policy(timeout=0.2, backoff=0.01))
    assert client.get(arxiv_standin.url, QUERY).status_code == 200
    assert len(arxiv_standin.requests()) == 2


def test_an_answer_that_never_comes_in_time_ends_in_one_message(arxiv_standin: ArxivStandIn) -> None:
    arxiv_standin.fail_next("slow", times=2, seconds=0.6)
    client = HttpClient("arXiv", Policy(timeout=0.15, retries=1, backoff=0.01))
    with pytest.raises(SourceUnavailable, match=r"^arXiv: no answer in time after 2 attempts"):
        client.get(arxiv_standin.url, QUERY)


def test_a_dropped_connection_is_retried(arxiv_standin: ArxivStandIn) -> None:
    arxiv_standin.fail_next("drop")
    client = HttpClient("arXiv", FAST)
    assert client.get(arxiv_standin.url, QUERY).status_code == 200
    assert [r.status for r in arxiv_standin.requests()] == [None, 200]


def test_a_refused_connection_is_retried_once_then_reported(arxiv_standin: ArxivStandIn) -> None:
    dead = arxiv_standin.url.rsplit(":", 1)[0] + ":9"
    client = HttpClient("arXiv", Policy(retries=5, backoff=0.01, timeout=1))  # 5 allowed, 1 used
    with pytest.raises(SourceUnavailable, match=r"arXiv: (connection refused|ConnectionError) after 2"):
        client.get(dead, QUERY)
    assert client.requests_made == 2


def test_other_answers_are_returned_for_the_caller_to_read(arxiv_standin: ArxivStandIn) -> None:
    client = HttpClient("arXiv", FAST)
    assert client.get(arxiv_standin.url, {"id_list": "abc"}).status_code == 400
    assert client.requests_made == 1


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds((now + timedelta(seconds=5)).strftime("%a, %d %b %Y %H:%M:%S GMT"), now) == 5


def test_an_unresolvable_host_name_is_not_retried() -> None:
    resolution = urllib3.exceptions.NameResolutionError("nowhere.invalid", None, OSError("unknown"))  # type: ignore[arg-type]
    wrapped = requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", resolution))  # type: ignore[arg-type]
    assert _cannot_resolve(wrapped)
    assert not _cannot_resolve(requests.ConnectionError("Connection refused"))
