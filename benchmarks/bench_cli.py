"""The command line as a user runs it: `zotsync --help`, and `zotsync parse` of a generated
10,000-entry digest with `--json`, each a whole process (start-up, imports, output).

    python benchmarks/bench_cli.py [--entries 10000] [--runs 5] [--wrapped]

Prints the best and median wall time and the best CPU time (user + system) of each. Goals
(issue 12): `parse --json` under 1 s, `--help` under 0.15 s. `parse` runs with
`--no-enrich` (the digest's papers all carry IDs; no lookup to make) and, as by default,
enriching `--offline` (every paper asked of the empty lookup cache); stdout goes to a file.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_parse import make_digest  # noqa: E402


def timed(args: list[str], env: dict[str, str], out: Path, runs: int) -> tuple[float, float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with out.open("wb") as stdout:
            subprocess.run(args, stdout=stdout, stderr=subprocess.DEVNULL, env=env, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), sorted(walls)[len(walls) // 2], min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--wrapped", action="store_true",
                        help="abstracts cut every 78 characters (the generator until 2026-12-06)")
    args = parser.parse_args()
    workdir = HERE / "out"
    workdir.mkdir(exist_ok=True)
    digest = workdir / f"digest-{args.entries}{'-wrapped' if args.wrapped else ''}.md"
    digest.write_text(make_digest(args.entries, 0.3, wrapped=args.wrapped), encoding="utf-8")  # never stale
    zotsync = [sys.executable, "-m", "zotsync"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ZOTSYNC_DATA_DIR": tmp, "ZOTSYNC_CONFIG": str(Path(tmp) / "config.toml"),
               "PYTHONPATH": str(HERE.parent / "src")}
        out = Path(tmp) / "out.json"
        cases = [
            ("zotsync --help", [*zotsync, "--help"], 0.15),
            (f"zotsync parse ({args.entries} entries) --json --no-enrich",
             [*zotsync, "parse", str(digest), "--json", "--no-enrich"], 1.0),
            (f"zotsync parse ({args.entries} entries) --json --offline",
             [*zotsync, "parse", str(digest), "--json", "--offline"], None),
        ]
        for label, command, goal in cases:
            best, median, cpu = timed(command, env, out, args.runs * (3 if goal == 0.15 else 1))
            print(f"{label}: best {best:.3f} s, median {median:.3f} s wall; CPU best {cpu:.3f} s"
                  + (f" (goal < {goal} s)" if goal else ""))
        print(f"  --json output: {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
