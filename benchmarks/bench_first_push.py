"""A first push into an empty library, then the same push again: 57 papers at 100 ms a request.

    python benchmarks/bench_first_push.py [--papers 57] [--latency 0.1]

Two inputs: an ID list (each paper becomes an item with a link to its PDF) and a digest
(each also gets its TL;DR note). Runs `zotsync.sync.push`, the session the CLI and the TUI
use, against the Zotero emulator in its own process over real HTTP; counts requests by
kind and times the push (reading the input included). Goals (issue 12): the ID list in 6
requests (index fill 2, collection 1, item writes 3), the digest in 7, each under 1.5 s;
the re-push in 1 request.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src"), str(HERE.parent / "tests")]

from bench_push import KEY, digest, kinds, serve  # noqa: E402

from zotsync.config import load_settings  # noqa: E402
from zotsync.core.sync_plan import PushOptions  # noqa: E402
from zotsync.inputs import load_papers  # noqa: E402
from zotsync.store import Store  # noqa: E402
from zotsync.sync import open_library, push  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=57)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {
            "ID list (PDF links)": Path(tmp) / "ids.txt",
            "digest (PDF links and notes)": Path(tmp) / "digest.md",
        }
        inputs["ID list (PDF links)"].write_text(
            "\n".join(f"2507.{i:05d}" for i in range(args.papers)) + "\n", encoding="utf-8")
        inputs["digest (PDF links and notes)"].write_text(digest(args.papers), encoding="utf-8")
        for number, (label, path) in enumerate(inputs.items()):
            ours, theirs = multiprocessing.Pipe()
            server = multiprocessing.Process(target=serve, args=(theirs, args.latency, 0), daemon=True)
            server.start()
            url, _ = ours.recv()
            settings = load_settings(environ={"ZOTERO_API_KEY": KEY, "ZOTERO_LIBRARY_ID": "1",
                                              "ZOTSYNC_ZOTERO_URL": url})
            store = Store(Path(tmp) / f"store-{number}.sqlite3")
            for run in ("first push", "re-push"):
                ours.send("clear")
                ours.recv()
                start = time.perf_counter()
                papers = load_papers([str(path)], as_of=date(2026, 1, 1)).papers
                report = push(papers, open_library(settings, store, refresh=False), "Bench/First",
                              PushOptions()).report
                elapsed = time.perf_counter() - start
                assert report is not None and not report.failed
                ours.send("log")
                counts = kinds(ours.recv())
                detail = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
                print(f"{label}, {run}: {len(papers)} papers, {sum(counts.values())} requests "
                      f"({detail}), {elapsed:.2f} s at {args.latency * 1000:.0f} ms a request")
            ours.send("stop")
            server.join(timeout=10)


if __name__ == "__main__":
    main()
