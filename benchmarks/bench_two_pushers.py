"""Two machines push the same digest into one library at once (Zotero emulator).

    python benchmarks/bench_two_pushers.py [--papers 200] [--latency 0.02] [--rounds 3]

Two real `zotsync push` processes with separate stores start together against one
emulator. Reported per round: requests by kind, whole-request 412s (the library moved
under a write: re-read and re-plan), wall time, and the check that every paper, note,
link and collection exists once. Compare with one pusher alone (the first line).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from servers.zotero_emulator import ZoteroEmulator  # noqa: E402

KEY = "BenchKey0000000000000001"


def digest(n: int) -> str:
    return "\n".join(
        f"### [{i + 1}] [Two pushers paper {i}](https://arxiv.org/abs/2509.{i:05d})\n"
        f"*Author {i},Second Author*\n\nMain category: cs.LG\n\nTL;DR: 第{i}篇论文的总结。\n"
        for i in range(n))


def run(pushers: int, papers: int, latency: float, folder: Path) -> tuple[float, Counter[str], int, bool]:
    path = folder / "digest.md"
    path.write_text(digest(papers), encoding="utf-8")
    with ZoteroEmulator(latency=latency) as emu:
        emu.add_user(1, "bench")
        emu.add_key(KEY, user_id=1, write=True)
        processes = []
        started = time.monotonic()
        for _ in range(pushers):
            home = Path(tempfile.mkdtemp(dir=folder))
            env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "c"),
                   "XDG_DATA_HOME": str(home / "d"), "XDG_CACHE_HOME": str(home / "k"),
                   "XDG_STATE_HOME": str(home / "s"), "ZOTERO_API_KEY": KEY, "ZOTERO_LIBRARY_ID": "1",
                   "ZOTERO_LIBRARY_TYPE": "user", "ZOTSYNC_ZOTERO_URL": emu.url,
                   "PYTHONPATH": str(ROOT / "src")}
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "zotsync", "push", str(path), "-c", "Bench/Two",
                 "--no-enrich"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        codes = [p.wait(timeout=600) for p in processes]
        elapsed = time.monotonic() - started
        kinds: Counter[str] = Counter()
        conflicts = 0
        for request in emu.log:
            kind = request.path.rsplit("/", 1)[-1]
            if request.method == "GET" and request.query.get("format") == "versions":
                kind = "items?format=versions"
            elif request.method == "GET" and "itemKey" in request.query:
                kind = "items?itemKey"
            kinds[f"{request.method} {kind}"] += 1
            conflicts += request.status == 412
        library = emu.library()
        types = Counter(str(i["itemType"]) for i in library.items.values())
        ok = (codes == [0] * pushers and types == {"preprint": papers, "note": papers, "attachment": papers}
              and len(library.collections) == 2)
        return elapsed, kinds, conflicts, ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{args.papers} papers, {args.latency * 1000:.0f} ms latency per request")
        failed = False
        for label, pushers, rounds in (("one pusher", 1, 1), ("two pushers", 2, args.rounds)):
            for n in range(rounds):
                elapsed, kinds, conflicts, ok = run(pushers, args.papers, args.latency, folder)
                total = sum(kinds.values())
                writes = sum(v for k, v in kinds.items() if not k.startswith("GET"))
                print(f"{label} #{n + 1}: {total} requests ({writes} writes, {conflicts} refused with 412), "
                      f"{elapsed:.1f} s, exactly once: {'yes' if ok else 'NO'}")
                print("    " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
                failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
