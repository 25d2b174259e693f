"""Push 1,000 papers into a 10,000-item library on the Zotero emulator (fixed latency).

    python benchmarks/bench_push.py [--papers 1000] [--library 10000] [--latency 0.05]

Reports requests by kind against the minimum the API allows, wall time and peak
memory, for the first run (index filled from scratch, everything created) and the
re-run (nothing to do). The emulator runs in-process on 127.0.0.1; zotsync talks to
it over real HTTP exactly as to api.zotero.org.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from servers.zotero_emulator import ZoteroEmulator  # noqa: E402
from zotsync.config import load_settings  # noqa: E402
from zotsync.core.sync_plan import PushOptions  # noqa: E402
from zotsync.inputs import load_papers  # noqa: E402
from zotsync.store import Store  # noqa: E402
from zotsync.sync import open_library, push  # noqa: E402

KEY = "BenchKey0000000000000001"


def library_items(count: int, rng: random.Random) -> list[dict[str, object]]:
    """A realistic mix: preprints (some with arXiv IDs), journal articles, with notes."""
    items: list[dict[str, object]] = []
    for i in range(count):
        if i % 3 == 0:
            items.append({"itemType": "journalArticle", "title": f"Journal study {i} of things",
                          "DOI": f"10.1000/j.{i}", "date": "2020",
                          "creators": [{"creatorType": "author", "firstName": "Ann", "lastName": f"Lee{i}"}]})
        else:
            items.append({"itemType": "preprint", "title": f"Existing preprint {i} on {rng.random():.6f}",
                          "archiveID": f"arXiv:24{i % 12 + 1:02d}.{i:05d}", "date": "2024",
                          "creators": [{"creatorType": "author", "firstName": "Bo", "lastName": f"Chen{i}"}]})
    return items


def digest(papers: int) -> str:
    out = []
    for i in range(papers):
        out.append(
            f"### [{i + 1}] [Benchmark paper {i}: a study](https://arxiv.org/abs/2507.{i:05d})\n"
            f"*Author {i},Second Author*\n\nMain category: cs.LG\n\nTL;DR: 第{i}篇论文提出了新方法。\n\n"
            "<details>\n  <summary>Details</summary>\nMotivation: 动机。\n\nMethod: 方法。\n\n"
            "Result: 结果。\n\nConclusion: 结论。\n\nAbstract: An abstract of the paper.\n\n</details>\n")
    return "\n".join(out)


def serve(conn: Connection, latency: float, size: int) -> None:
    """The emulator in its own process, so its work is not counted as zotsync's."""
    with ZoteroEmulator(latency=latency) as emu:
        emu.add_user(1, "bench")
        emu.add_key(KEY, user_id=1, write=True)
        start = time.perf_counter()
        emu.seed_items(items=library_items(size, random.Random(1)))
        conn.send((emu.url, time.perf_counter() - start))
        while True:
            command = conn.recv()
            if command == "clear":
                emu.clear_log()
                conn.send(None)
            elif command == "log":
                conn.send([(r.method, r.path, r.query, r.status) for r in emu.log])
            else:
                return


def kinds(log: list[tuple[str, str, dict[str, str], Any]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for method, path, query, status in log:
        if method == "POST":
            kind = f"POST {path.rsplit('/', 1)[-1]}"
        elif path.endswith("/deleted"):
            kind = "GET deleted"
        elif "/collections" in path:
            kind = "GET collections"
        elif query.get("format") == "versions":
            kind = f"GET item versions ({status})"
        elif "itemKey" in query:
            kind = "GET items by key"
        else:
            kind = "GET items (pages)"
        counts[kind] += 1
    return counts


def run(emu: Connection, url: str, digest_path: Path, store: Store, label: str,
        minimum: dict[str, int]) -> None:
    emu.send("clear")
    emu.recv()
    settings = load_settings(environ={"ZOTERO_API_KEY": KEY, "ZOTERO_LIBRARY_ID": "1",
                                      "ZOTSYNC_ZOTERO_URL": url})
    start = time.perf_counter()
    cpu = time.process_time()
    papers = load_papers([str(digest_path)], as_of=date(2026, 1, 1)).papers
    report = push(papers, open_library(settings, store, refresh=False), "Bench/Run", PushOptions()).report
    assert report is not None
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emu.send("log")
    counts = kinds(emu.recv())
    print(f"{label}: {elapsed:.2f} s wall, {cpu:.2f} s CPU in zotsync, max RSS so far {rss:.0f} MiB, "
          f"{sum(counts.values())} requests (minimum {sum(minimum.values())})")
    print(f"    {report.counts()}")
    for kind in sorted(set(counts) | set(minimum)):
        print(f"    {kind:32} {counts.get(kind, 0):6}   minimum {minimum.get(kind, 0)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--library", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every request")
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(theirs, args.latency, args.library), daemon=True)
    server.start()
    url, seeding = ours.recv()
    print(f"emulator (own process): {args.library} items seeded in {seeding:.1f} s; "
          f"latency {args.latency * 1000:.0f} ms per request; {args.papers} papers to push")
    with tempfile.TemporaryDirectory() as tmp:
        digest_path = Path(tmp) / "digest.md"
        digest_path.write_text(digest(args.papers), encoding="utf-8")
        store = Store(Path(tmp) / "store.sqlite3")
        first_minimum = {
            "GET items (pages)": math.ceil(args.library / 100),
            "GET collections": 1,
            "POST collections": 1,
            # each paper's 3 objects share a request: 16 papers (48 objects) per request
            "POST items": math.ceil(args.papers / (50 // 3)),
            # no read-back: the index is updated from the write answers
        }
        run(ours, url, digest_path, store, "first run", first_minimum)
        run(ours, url, digest_path, store, "re-run", {"GET item versions (304)": 1})
    ours.send("stop")
    server.join(timeout=10)


if __name__ == "__main__":
    main()
