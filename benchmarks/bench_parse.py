"""Parse + dedup of a generated 10,000-entry Markdown digest (with repeats).

    python benchmarks/bench_parse.py [--entries 10000] [--repeat-share 0.3] [--wrapped]

Prints wall time (best of 3) and peak memory (traced Python allocations and the
process's max RSS). Goal: under 1 s and 200 MB on the reference machine (2 cores).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from zotsync.inputs import load_papers

CATEGORIES = ["cs.CV", "cs.LG", "cs.CL", "cs.AI", "q-bio.NC", "stat.ML", "eess.IV", "math.OC"]
WORDS = ("neural", "graph", "learning", "attention", "diffusion", "brain", "sparse", "model",
         "representation", "transformer", "robust", "efficient", "vision", "language", "cortex")
ZH = "本文提出了一种新的方法，通过整合多种机制，验证了其有效性和优势。实验表明该方法可行。"


def make_digest(entries: int, repeat_share: float, seed: int = 7, *, wrapped: bool = False) -> str:
    """A digest in the current template. Abstracts are written as that template writes them:
    on one line, with arXiv's paragraph break ("\n  ") in about 1 in 7 (the corpus's
    digests). `wrapped`: cut every 78 characters, mid-word, as this generator did until
    2026-12-06 (no digest does that; kept to compare figures)."""
    rng = random.Random(seed)
    unique = int(entries * (1 - repeat_share))
    ids = [f"25{(i // 90000) % 12 + 1:02d}.{i % 90000 + 10000:05d}" for i in range(unique)]
    order = ids + [rng.choice(ids) for _ in range(entries - unique)]
    rng.shuffle(order)
    by_cat: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for arxiv_id in order:
        by_cat[rng.choice(CATEGORIES)].append(arxiv_id)
    out = ["<div id=toc></div>", "", "# Table of Contents", ""]
    out += [f"- [{c}](#{c}) [Total: {len(v)}]" for c, v in by_cat.items()]
    n = 0
    for cat, members in by_cat.items():
        out += ["", "", f"<div id='{cat}'></div>", "", f"# {cat} [[Back]](#toc)", ""]
        for arxiv_id in members:
            n += 1
            r = random.Random(arxiv_id)  # the same paper gets the same title everywhere
            title = " ".join(r.choice(WORDS) for _ in range(8)).capitalize()
            authors = ",".join(f"Author{r.randint(1, 999)} Name{r.randint(1, 999)}" for _ in range(5))
            abstract = " ".join(r.choice(WORDS) for _ in range(180))
            if wrapped:
                abstract = "\n".join(abstract[i:i + 78] for i in range(0, len(abstract), 78))
            elif r.random() < 0.15:
                cut = abstract.index(" ", len(abstract) // 2)
                abstract = abstract[:cut] + ".\n  " + abstract[cut + 1:].capitalize()
            out += [f"### [{n}] [{title}](https://arxiv.org/abs/{arxiv_id})", f"*{authors}*", "",
                    f"Main category: {cat}", "", f"TL;DR: {ZH}", "", "", "<details>",
                    "  <summary>Details</summary>", f"Motivation: {ZH}", "", f"Method: {ZH}", "",
                    f"Result: {ZH}", "", f"Conclusion: {ZH}", "", "Abstract: " + abstract,
                    "", "</details>", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat-share", type=float, default=0.3)
    parser.add_argument("--wrapped", action="store_true",
                        help="abstracts cut every 78 characters (this generator until 2026-12-06)")
    args = parser.parse_args()
    workdir = Path(__file__).resolve().parent / "out"
    workdir.mkdir(exist_ok=True)
    digest = workdir / f"digest-{args.entries}{'-wrapped' if args.wrapped else ''}.md"
    digest.write_text(make_digest(args.entries, args.repeat_share, wrapped=args.wrapped), encoding="utf-8")
    size_mb = digest.stat().st_size / 1e6

    timings, cpu = [], []
    for _ in range(5):
        start, cpu_start = time.perf_counter(), time.process_time()
        loaded = load_papers([str(digest)], as_of=date(2026, 1, 1))
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    tracemalloc.start()
    load_papers([str(digest)], as_of=date(2026, 1, 1))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"parse+dedup: {loaded.entries_read} entries ({size_mb:.1f} MB) -> {len(loaded.papers)} papers, "
          f"{loaded.merged} merged")
    print(f"  time: best {min(timings):.3f} s, median {sorted(timings)[2]:.3f} s wall; "
          f"CPU best {min(cpu):.3f} s (goal < 1 s)")
    print(f"  memory: traced peak {traced_peak / 2**20:.1f} MiB, process max RSS {max_rss:.1f} MiB "
          "(goal < 200 MB)")


if __name__ == "__main__":
    main()
