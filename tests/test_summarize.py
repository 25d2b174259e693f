"""`zotsync summarize` end to end: real HTTP through the real `openai` client to the
loopback Chat Completions stand-in."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from servers.llm_fixtures import TEST_KEY, many_papers
from servers.llm_standin import ChatStandIn, chinese_answer

DATA = Path(__file__).resolve().parent / "data"


def _documents(result: Any) -> list[dict[str, Any]]:
    assert result.exit_code in {0, 4}, result.stderr
    return list(json.loads(result.stdout))


def test_each_paper_gets_its_own_summary_under_concurrency_and_a_rerun_sends_nothing(
    run_cli: Any, llm_standin: ChatStandIn, tmp_path: Path,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 12)
    # Early papers answer last: answers come back in another order than they were asked.
    for n in range(1, 13):
        llm_standin.delays[f"Paper Number {n}: Learning Things Well"] = 0.05 * (13 - n)
    result = run_cli("summarize", str(digest), "--no-enrich", "--json", "--concurrency", "3")
    assert result.exit_code == 0, result.stderr
    papers = json.loads(result.stdout)
    assert len(papers) == 12
    for paper in papers:
        assert paper["summary"]["tldr"] == chinese_answer(paper["title"])["tldr"]
        assert paper["summary"] | {"tldr": None} == {
            "tldr": None, "motivation": chinese_answer("")["motivation"],
            "method": chinese_answer("")["method"], "result": chinese_answer("")["result"],
            "conclusion": chinese_answer("")["conclusion"], "language": "zh", "origin": "generated",
            "model": "standin-chat"}
        assert paper["summary_status"] == "generated"
    assert len(llm_standin.completions()) == 12
    assert llm_standin.max_in_flight == 3  # at most --concurrency, and it was used
    for request in llm_standin.requests():
        assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
        assert request.body is not None and request.body["response_format"] == {"type": "json_object"}
    assert "summaries: 12 generated, 0 stored before" in result.stderr
    assert "; 12 requests, " in result.stderr and " tokens (" in result.stderr

    llm_standin.clear_log()
    again = run_cli("summarize", str(digest), "--no-enrich", "--json")
    assert again.exit_code == 0, again.stderr
    assert llm_standin.requests() == []
    assert [p["summary"] for p in json.loads(again.stdout)] == [p["summary"] for p in papers]
    assert "0 generated, 12 stored before" in again.stderr and "; 0 requests, 0 tokens" in again.stderr

    # parse shows them too, with their origin; --offline sends nothing and shows them
    parsed = run_cli("parse", str(digest), "--json")
    assert [p["summary"] for p in json.loads(parsed.stdout)] == [p["summary"] for p in papers]
    offline = run_cli("summarize", str(digest), "--offline", "--json")
    assert offline.exit_code == 0 and llm_standin.requests() == []
    assert {p["summary_status"] for p in json.loads(offline.stdout)} == {"stored"}


def test_digest_summaries_are_never_regenerated_unless_forced(
    run_cli: Any, llm_standin: ChatStandIn,
) -> None:
    digest = str(DATA / "digest_ai.jsonl")
    before = json.loads(run_cli("parse", digest, "--json").stdout)
    with_summary = {p["title"] for p in before if p["summary"] and p["summary"]["tldr"]}
    assert with_summary
    result = run_cli("summarize", digest, "--no-enrich", "--json")
    papers = _documents(result)
    asked = {r.title for r in llm_standin.requests()}
    assert asked.isdisjoint(with_summary)
    for paper in papers:
        if paper["title"] in with_summary:
            assert paper["summary_status"] == "digest" and paper["summary"]["origin"] == "digest"
    llm_standin.clear_log()
    forced = _documents(run_cli("summarize", digest, "--no-enrich", "--json", "--force"))
    assert {r.title for r in llm_standin.requests()} >= with_summary
    assert all(p["summary"]["origin"] == "generated" for p in forced if p["title"] in with_summary)


def test_faults_are_retried_and_bad_answers_fail_only_their_paper(
    run_cli: Any, llm_standin: ChatStandIn, tmp_path: Path,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 6)
    title = "Paper Number {}: Learning Things Well".format
    llm_standin.answers[title(2)] = "Sure! Here is the summary: {not json at all"
    llm_standin.answers[title(3)] = json.dumps(
        {"tldr": "We propose a method that works.", "motivation": "", "method": "", "result": "",
         "conclusion": ""})
    fenced = json.dumps(chinese_answer("x"), ensure_ascii=False)
    llm_standin.answers[title(4)] = f"```json\n{fenced}\n```"
    llm_standin.answers[title(5)] = json.dumps({"tldr": "N/A", "motivation": "", "method": "",
                                                "result": "", "conclusion": ""})
    llm_standin.fail_next("429", retry_after="1")
    llm_standin.fail_next("500")
    started = time.monotonic()
    result = run_cli("summarize", str(digest), "--no-enrich", "--json", "--concurrency", "1")
    assert result.exit_code == 4, result.stderr  # as `resolve` for partial failures
    statuses = {p["title"]: (p["summary_status"], p["summary_error"]) for p in json.loads(result.stdout)}
    assert statuses[title(1)] == ("generated", None)
    assert statuses[title(4)] == ("generated", None)  # fenced: read leniently
    assert statuses[title(6)] == ("generated", None)
    assert statuses[title(2)][0] == "failed" and "not a JSON object" in statuses[title(2)][1]
    assert statuses[title(3)][0] == "failed" and "not in Chinese" in statuses[title(3)][1]
    assert statuses[title(5)][0] == "failed" and "placeholder" in statuses[title(5)][1]
    for n in (2, 3, 5):
        assert f"failed: 2607.{10000 + n:05d}: " in result.stderr
    assert "3 of 6 summaries failed" in result.stderr
    statuses_log = [r.status for r in llm_standin.requests()]
    assert statuses_log[:3] == [429, 500, 200]  # one paper: rate limited, server error, answered
    first = llm_standin.requests()
    assert first[1].time - first[0].time >= 0.95  # Retry-After: 1 was waited for
    assert time.monotonic() - started < 30
    # The failed ones are asked again next time; the good ones are not.
    llm_standin.clear_log()
    llm_standin.answers.clear()
    again = run_cli("summarize", str(digest), "--no-enrich", "--json")
    assert again.exit_code == 0, again.stderr
    assert sorted(r.title or "" for r in llm_standin.requests()) == [title(2), title(3), title(5)]


def test_a_server_rejecting_response_format_is_asked_again_without_it(
    run_cli: Any, llm_standin: ChatStandIn, tmp_path: Path,
) -> None:
    llm_standin.reject_response_format = True
    digest = many_papers(tmp_path / "d.jsonl", 4)
    result = run_cli("summarize", str(digest), "--no-enrich", "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    requests = llm_standin.requests()
    assert [r.status for r in requests] == [400, 200, 200, 200, 200]  # learnt once, for all
    assert all(r.body is not None and "response_format" not in r.body for r in requests[1:])
    # A reasoning model refusing temperature 0.2: sent again with the server's default.
    llm_standin.clear_log()
    llm_standin.reject_temperature = True
    forced = run_cli("summarize", str(digest), "--no-enrich", "--concurrency", "1", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert [r.status for r in llm_standin.requests()] == [400, 400, 200, 200, 200, 200]
    assert all(r.body is not None and "temperature" not in r.body for r in llm_standin.requests()[2:])


def test_a_refused_key_stops_at_once_and_is_never_printed(
    run_cli: Any, llm_standin: ChatStandIn, tmp_path: Path,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 20)
    wrong = "sk-wrong-Kq3Lm8Nn2Pp7Rr1Ss5Tt"
    result = run_cli("summarize", str(digest), "--no-enrich", "--concurrency", "2",
                     env={"ZOTSYNC_LLM_API_KEY": wrong})
    assert result.exit_code == 4
    assert "refused the key" in result.stderr
    assert len(llm_standin.requests()) <= 2  # stopped: not 20 papers x retries
    assert wrong not in result.stdout + result.stderr
    # `zotsync config` names it without showing it
    shown = run_cli("config", env={"ZOTSYNC_LLM_API_KEY": wrong})
    assert wrong not in shown.stdout
    assert "llm.api_key = <set>    # from $ZOTSYNC_LLM_API_KEY" in shown.stdout
    assert "llm.model = standin-chat    # from $ZOTSYNC_LLM_MODEL" in shown.stdout


def test_a_key_echoed_by_the_server_is_redacted(
    run_cli: Any, llm_standin: ChatStandIn, tmp_path: Path,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 1)
    llm_standin.answers["Paper Number 1: Learning Things Well"] = f"key {TEST_KEY} is not a summary"
    result = run_cli("summarize", str(digest), "--no-enrich", "--json")
    assert result.exit_code == 4
    assert TEST_KEY not in result.stdout + result.stderr
    assert "<redacted>" in result.stderr


def test_openai_api_key_is_the_fallback_and_a_local_server_gets_no_key(
    run_cli: Any, llm_standin: ChatStandIn, tmp_path: Path, monkeypatch: Any,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 1)
    monkeypatch.delenv("ZOTSYNC_LLM_API_KEY")
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    assert run_cli("summarize", str(digest), "--no-enrich").exit_code == 0
    assert llm_standin.requests()[-1].headers["authorization"] == f"Bearer {TEST_KEY}"
    monkeypatch.delenv("OPENAI_API_KEY")
    llm_standin.api_key = None  # a local server (Ollama, llama.cpp): no key at all
    assert run_cli("summarize", str(digest), "--no-enrich", "--force").exit_code == 0
    assert "authorization" not in llm_standin.requests()[-1].headers


def test_without_an_llm_the_error_says_what_to_set(run_cli: Any, tmp_path: Path) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 1)
    result = run_cli("summarize", str(digest), "--no-enrich")
    assert result.exit_code == 2
    assert result.stderr.startswith("zotsync: error: no LLM configured: llm.url and llm.model not set")
    assert "ZOTSYNC_LLM_URL" in result.stderr and "Traceback" not in result.stderr


def test_bib_tldr_uses_generated_summaries(run_cli: Any, llm_standin: ChatStandIn, tmp_path: Path) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 2)
    assert run_cli("summarize", str(digest), "--no-enrich").exit_code == 0
    out = tmp_path / "refs.bib"
    result = run_cli("bib", str(digest), "-o", str(out), "--tldr", "--no-enrich")
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "TL;DR (zh): 本文提出了一种新方法（Paper Number 1" in text


def test_ctrl_c_keeps_what_is_done(llm_standin: ChatStandIn, tmp_path: Path) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 12)
    llm_standin.latency = 0.4
    env = {**os.environ, **llm_standin.env, "ZOTSYNC_LLM_CONCURRENCY": "2"}
    process = subprocess.Popen([sys.executable, "-m", "zotsync", "summarize", str(digest), "--no-enrich"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while len(llm_standin.completions()) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)  # the answers reach the client
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert "interrupted:" in err and "not sent (run again to finish)" in err
    done = int(err.split("interrupted: ")[1].split(" summaries kept")[0])
    assert 4 <= done < 12
    # Requests the killed run left in flight are logged when their answer goes out:
    # let them finish first, or they would be counted as the re-run's.
    deadline = time.monotonic() + 5
    while llm_standin.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    llm_standin.clear_log()
    llm_standin.latency = 0
    rerun = subprocess.run([sys.executable, "-m", "zotsync", "summarize", str(digest), "--no-enrich"],
                           env=env, capture_output=True, text=True, timeout=60, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert len(llm_standin.completions()) == 12 - done  # what was kept is not asked again


def test_a_dropped_connection_is_retried_and_a_timeout_fails_only_its_paper(
    run_cli: Any, llm_standin: ChatStandIn, tmp_path: Path,
) -> None:
    digest = many_papers(tmp_path / "d.jsonl", 3)
    llm_standin.fail_next("drop")
    result = run_cli("summarize", str(digest), "--no-enrich", "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert [r.status for r in llm_standin.requests()][:2] == [None, 200]  # dropped, then answered
    slow = many_papers(tmp_path / "slow.jsonl", 3, start=10)
    llm_standin.delays["Paper Number 11: Learning Things Well"] = 2.0
    timed = run_cli("summarize", str(slow), "--no-enrich", "--json",
                    env={"ZOTSYNC_LLM_TIMEOUT": "0.5", "ZOTSYNC_LLM_RETRIES": "0"})
    assert timed.exit_code == 4
    statuses = {p["arxiv_id"]: (p["summary_status"], p["summary_error"]) for p in json.loads(timed.stdout)}
    assert statuses["2607.10011"] == ("failed", "no answer within llm.timeout seconds (after retries)")
    assert statuses["2607.10010"][0] == statuses["2607.10012"][0] == "generated"
