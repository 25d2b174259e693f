"""Summarize 300 papers against the Chat Completions stand-in at a fixed latency.

    python benchmarks/bench_summarize.py [--papers 300] [--latency 1.0] [--concurrency 4 16]

For each concurrency: a first run (every paper asked, through the real `openai` client
over real HTTP to the stand-in on 127.0.0.1, in its own process) and a re-run (nothing
to ask: 0 requests). Reports wall time, requests, the most requests the stand-in saw in
flight at once, and tokens. Goals: 300 papers at 1 s in < 120 s with concurrency 4, in
< 25 s with 16; re-run 0 requests.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from servers.llm_standin import ChatStandIn  # noqa: E402
from zotsync.config import load_settings  # noqa: E402
from zotsync.inputs import load_papers  # noqa: E402
from zotsync.store import Store  # noqa: E402
from zotsync.summaries import summarize_papers  # noqa: E402


def _serve(latency: float, conn: Connection) -> None:
    standin = ChatStandIn(latency=latency)
    with standin.serving("/v1"):
        conn.send(standin.url)
        while True:
            command = conn.recv()
            if command == "stop":
                return
            conn.send((len(standin.requests()), standin.max_in_flight))
            standin.clear_log()


def digest(path: Path, count: int) -> Path:
    rows = [{"id": f"2607.{10000 + n:05d}", "categories": ["cs.LG"], "authors": [f"Author {n}"],
             "title": f"Benchmark Paper {n}: On Learning",
             "summary": f"We study problem {n} and propose a method. " * 8} for n in range(count)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 16])
    args = parser.parse_args()
    goals = {4: 120.0, 16: 25.0}
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(args.latency, theirs), daemon=True)
    server.start()
    url = ours.recv()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        papers = load_papers([str(digest(Path(tmp) / "d.jsonl", args.papers))]).papers
        for concurrency in args.concurrency:
            settings = load_settings(environ={"ZOTSYNC_LLM_URL": url, "ZOTSYNC_LLM_MODEL": "standin-chat",
                                              "ZOTSYNC_LLM_CONCURRENCY": str(concurrency)},
                                     config_path=Path(tmp) / "none.toml")
            with Store(Path(tmp) / f"store-{concurrency}.sqlite3") as store:
                for run in ("first run", "re-run"):
                    started = time.perf_counter()
                    report = summarize_papers(papers, settings, store)
                    wall = time.perf_counter() - started
                    ours.send("count")
                    served, in_flight = ours.recv()
                    tokens = report.prompt_tokens + report.completion_tokens
                    print(f"{args.papers} papers, latency {args.latency:g} s, concurrency {concurrency}, "
                          f"{run}: {wall:.1f} s wall, {report.requests} requests (server saw {served}, "
                          f"max {in_flight} in flight), {report.count('generated')} generated, "
                          f"{report.count('failed')} failed, {tokens} tokens", flush=True)
                    if run == "first run":
                        goal = goals.get(concurrency)
                        ok &= report.count("generated") == args.papers
                        if goal is not None and args.latency == 1.0 and args.papers == 300:
                            ok &= wall < goal
                    else:
                        ok &= report.requests == 0 and served == 0
    ours.send("stop")
    server.join(timeout=5)
    print("goals met" if ok else "GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
