"""Merge 100 new papers into a generated 5,000-entry .bib (issue 4's speed goal: < 3 s).

    python benchmarks/bench_bib_merge.py [--entries 5000] [--new 100] [--baseline]

The .bib mixes arXiv's own export (`@misc` + eprint), Google Scholar style entries
(`journal = {arXiv preprint arXiv:...}`), zotsync's format, and hand-written
`@article` / `@inproceedings` / `@book` entries with `@string` macros, `%` comments,
LaTeX accents and odd spacing. Measured (read + plan + atomic write with backup + key
memory, on a copy of the file):

1. first merge, cold cache (a fresh store);
2. second merge of the same 100 papers into the same original file, warm cache;
3. merge of 100 *other* new papers into the result of 1 (warm cache, 100 fresh blocks);
4. re-merge of the first 100 into the result of 1 (all present: nothing written).

`--baseline` also times bibtexparser 1.4 parsing the whole file once (about 20 s), which
is what a merge would cost without the block cache and the pre-filter. Prints seconds,
blocks parsed/cached, and peak memory (traced Python allocations; process max RSS).
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from zotsync.bibfile import MergePlan, apply_merge, plan_merge, read_bib
from zotsync.core.bibtex_entry import EntryOptions, format_entry
from zotsync.core.paper import Paper
from zotsync.store import Store

OUT = Path(__file__).resolve().parent / "out"
CATEGORIES = ["cs.CV", "cs.LG", "cs.CL", "cs.AI", "q-bio.NC", "stat.ML", "eess.IV", "math.OC"]
WORDS = ("neural", "graph", "learning", "attention", "diffusion", "brain", "sparse", "model",
         "representation", "transformer", "robust", "efficient", "vision", "language", "cortex",
         "spiking", "memory", "dynamics", "inference", "bayesian", "causal", "retrieval",
         "benchmark", "scaling", "contrastive", "generative", "manifold", "decoding")
FIRST = ("Wei", "Anna", "José", "Łukasz", "Yu", "Maria", "Jürgen", "Chen", "Priya", "Olga",
         "Ahmed", "Søren", "Hiroshi", "Zoë", "Kwame", "Ines")
LAST = ("Zhang", "Müller", "García", "Nowak", "Kim", "Smith", "Rossi", "Ødegård", "Tanaka",
        "Dubois", "Novák", "Silva", "van der Berg", "O'Brien", "Ivanova", "Chen")


def _title(rng: random.Random, n: int = 8) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.3:
        words.insert(rng.randrange(n), rng.choice(("BERT", "LoRA", "GPT-4", "fMRI", "3D")))
    return " ".join(words).capitalize()


def _authors(rng: random.Random) -> tuple[str, ...]:
    return tuple(f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 8)))


def _arxiv_id(i: int) -> str:
    return f"{18 + i // 60000:02d}{i // 5000 % 12 + 1:02d}.{10000 + i % 5000 * 7:05d}"


def paper(i: int, seed: int) -> Paper:
    rng = random.Random(seed * 1_000_003 + i)
    arxiv_id = _arxiv_id(i)
    published = date(2000 + int(arxiv_id[:2]), int(arxiv_id[2:4]), 1) + timedelta(days=rng.randint(0, 27))
    return Paper(title=_title(rng), arxiv_id=arxiv_id, authors=_authors(rng),
                 primary_category=rng.choice(CATEGORIES), published=published,
                 abstract=" ".join(rng.choice(WORDS) for _ in range(120)))


def _bib_name(name: str) -> str:
    first, _, last = name.rpartition(" ")
    return f"{last}, {first}"


def existing_entry(i: int, rng: random.Random) -> str:
    p = paper(i, seed=1)
    key = re.sub(r"[^a-z]", "", p.authors[0].split()[-1].lower()) + f"{p.year}{i}"
    authors = " and ".join(_bib_name(a) for a in p.authors)
    style = i % 5
    if style == 0:  # arXiv's own export
        return (f"@misc{{{key},\n      title={{{p.title}}}, \n      author={{{p.authors[0]} and others}},\n"
                f"      year={{{p.year}}},\n      eprint={{{p.arxiv_id}}},\n      archivePrefix={{arXiv}},\n"
                f"      primaryClass={{{p.primary_category}}},\n"
                f"      url={{https://arxiv.org/abs/{p.arxiv_id}}}, \n}}")
    if style == 1:  # Google Scholar
        return (f"@article{{{key},\n  title={{{p.title}}},\n  author={{{authors}}},\n"
                f"  journal={{arXiv preprint arXiv:{p.arxiv_id}}},\n  year={{{p.year}}}\n}}")
    if style == 2:  # zotsync's own format
        return format_entry(p, key, EntryOptions("bibtex", abstract=rng.random() < 0.3)).text
    if style == 3:  # hand-written journal article with macros, accents and comments
        return (f"% read {p.year}, see notes\n@Article{{ {key} ,\n\tauthor = \"{authors}\",\n"
                f"\ttitle = \"{{{p.title.split()[0].upper()}}}: {' '.join(p.title.split()[1:])}\",\n"
                f"\tjournal = jnl{i % 3},\n\tvolume = {i % 40 + 1}, number = {i % 12 + 1},\n"
                f"\tpages = {{{i % 300}--{i % 300 + 12}}},\n\tyear = {p.year},\n"
                f"\tdoi = {{10.1000/jnl.{i:06d}}},\n\tnote = {{Sch{{\\\"o}}n \\& Co.\\ edition}},\n}}")
    return (f"@inproceedings{{{key},\n  author    = {{{authors}}},\n  title     = {{{p.title}}},\n"
            f"  booktitle = {{Proceedings of the {i % 30 + 1}th Conference on " + "{N}eural {S}ystems},\n"
            f"  pages     = {{{i % 500}--{i % 500 + 9}}},\n  year      = {{{p.year}}},\n"
            f"  publisher = {{ACM}},\n  month     = {rng.choice(('jan', 'jun', 'dec'))},\n}}")


def make_bib(entries: int) -> str:
    rng = random.Random(5)
    head = ["% Bibliography of a thesis, kept by hand since 2019.",
            '@string{jnl0 = "Journal of Neural Things"}',
            '@string{jnl1 = "Neural Computation"}',
            '@string{jnl2 = {Transactions on ' + "{M}achine {L}earning}}",
            '@preamble{"\\newcommand{\\noopsort}[1]{}"}', ""]
    body = [existing_entry(i, rng) for i in range(entries)]
    return "\n".join(head) + "\n\n".join(body) + "\n"


def measure(label: str, bib: Path, store: Store, papers: list[Paper], *, trace: bool) -> MergePlan:
    """Time one merge; with `trace`, run it on a copy first to measure traced memory
    (tracemalloc slows bibtexparser several times, so it never runs while timing)."""
    peak = 0.0
    if trace:
        with tempfile.TemporaryDirectory() as tmp:
            copy, copy_store = Path(tmp) / bib.name, Path(tmp) / "store.sqlite3"
            shutil.copyfile(bib, copy)
            store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all rows in the file
            shutil.copyfile(store.path, copy_store)
            traced = Store(copy_store)
            tracemalloc.start()
            apply_merge(plan_merge(papers, read_bib(copy), traced), traced)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            traced.close()
    start = time.perf_counter()
    plan = plan_merge(papers, read_bib(bib), store)
    apply_merge(plan, store)
    seconds = time.perf_counter() - start
    shown = f"  traced peak {peak:5.1f} MB" if trace else ""
    print(f"{label:<42} {seconds:6.2f} s   added {len(plan.added):3d}  present {len(plan.present):3d}  "
          f"parsed {plan.parsed_blocks:4d}  cached {plan.cached_blocks:4d}{shown}", flush=True)
    return plan


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=5000)
    ap.add_argument("--new", type=int, default=100)
    ap.add_argument("--baseline", action="store_true", help="also time a full bibtexparser parse")
    ap.add_argument("--no-trace", dest="trace", action="store_false",
                    help="skip the traced-memory runs (halves the running time)")
    args = ap.parse_args()

    OUT.mkdir(exist_ok=True)
    source = OUT / f"refs-{args.entries}.bib"
    source.write_text(make_bib(args.entries), encoding="utf-8")
    size = source.stat().st_size
    print(f"{source.name}: {args.entries} entries, {size / 2**20:.1f} MB; merging {args.new} new papers")
    first = [paper(args.entries + i, seed=1) for i in range(args.new)]
    other = [paper(args.entries + args.new + i, seed=1) for i in range(args.new)]

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = Store(work / "store.sqlite3")
        bib = work / "refs.bib"
        shutil.copyfile(source, bib)
        measure("1. first merge (cold cache)", bib, store, first, trace=args.trace)
        merged = bib.read_bytes()
        shutil.copyfile(source, bib)
        measure("2. same merge again (warm cache)", bib, store, first, trace=args.trace)
        bib.write_bytes(merged)
        measure("3. 100 other new papers into the result", bib, store, other, trace=args.trace)
        bib.write_bytes(merged)
        plan = measure("4. the first 100 again (all present)", bib, store, first, trace=args.trace)
        assert not plan.added and len(plan.present) == args.new
        store.connection.commit()
        store.close()

    if args.baseline:
        import bibtexparser  # noqa: PLC0415
        from bibtexparser.bparser import BibTexParser  # noqa: PLC0415

        start = time.perf_counter()
        parser = BibTexParser(ignore_nonstandard_types=False, interpolate_strings=False)
        db = bibtexparser.loads(source.read_text(encoding="utf-8"), parser)
        print(f"{'baseline: bibtexparser parses the whole file':<42} {time.perf_counter() - start:6.2f} s"
              f"   ({len(db.entries)} entries)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {rss:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
