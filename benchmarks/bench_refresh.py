"""`zotsync refresh` of a 1,000-preprint collection, 120 of them published since; then
`bib --upgrade` of a .bib zotsync wrote with the same 1,000 preprints.

    python benchmarks/bench_refresh.py [--papers 1000] [--published 120]

Checks the issue-13 budget: at most ceil(papers/100) arXiv requests, Crossref only for
papers arXiv gives a DOI, and ceil(changed/50) write requests; prints the Zotero reads
and the wall time. Zotero emulator, arXiv and Crossref stand-ins on 127.0.0.1, real HTTP.
For the .bib: the same arXiv and Crossref budget, one write of the file.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from servers.arxiv_standin import ArxivStandIn  # noqa: E402
from servers.crossref_standin import CrossrefStandIn  # noqa: E402
from servers.standin import CatalogPaper  # noqa: E402
from servers.zotero_emulator import ZoteroEmulator  # noqa: E402
from zotsync.bibfile import apply_merge, plan_merge, read_bib  # noqa: E402
from zotsync.bibupgrade import upgrade_bib  # noqa: E402
from zotsync.config import load_settings  # noqa: E402
from zotsync.core.paper import Paper  # noqa: E402
from zotsync.refresh import refresh_library  # noqa: E402
from zotsync.store import Store  # noqa: E402
from zotsync.sync import open_library  # noqa: E402

KEY = "BenchKey0000000000000001"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--published", type=int, default=120)
    args = parser.parse_args()
    when = datetime(2025, 7, 1, tzinfo=UTC)
    ids = [f"2507.{i:05d}" for i in range(args.papers)]
    catalogue = [CatalogPaper(arxiv_id=a, title=f"Paper {a}", authors=("Ann Lee",), published=when,
                              **({"journal_ref": f"Neural Computation {i % 40 + 1} (2026) 1-{i + 2}",
                                  "doi": f"10.1162/bench.{i}"} if i < args.published else {}))
                 for i, a in enumerate(ids)]
    arxiv, crossref = ArxivStandIn(catalogue=catalogue), CrossrefStandIn(catalogue=catalogue)
    with ZoteroEmulator() as emu, arxiv.serving("/api/query"), crossref.serving(""), \
            tempfile.TemporaryDirectory() as tmp:
        emu.add_user(1, "bench")
        emu.add_key(KEY, user_id=1, write=True)
        emu.seed_items(collections=[{"key": "BNCH2222", "name": "Bench"}], items=[
            {"itemType": "preprint", "title": f"Paper {a}", "archiveID": f"arXiv:{a}",
             "DOI": f"10.48550/arXiv.{a}", "url": f"https://arxiv.org/abs/{a}", "extra": f"arXiv:{a} [cs.LG]",
             "collections": ["BNCH2222"], "citationKey": f"lee2025paper{i}",
             "creators": [{"creatorType": "author", "firstName": "Ann", "lastName": "Lee"}]}
            for i, a in enumerate(ids)])
        settings = load_settings(environ={
            "ZOTERO_API_KEY": KEY, "ZOTERO_LIBRARY_ID": "1", "ZOTSYNC_ZOTERO_URL": emu.url,
            "ZOTSYNC_ARXIV_URL": arxiv.url, "ZOTSYNC_ARXIV_DELAY": "0", "ZOTSYNC_CROSSREF_URL": crossref.url})
        with Store(Path(tmp) / "store.sqlite3") as store:
            library = open_library(settings, store)
            emu.clear_log()
            start = time.perf_counter()
            report = refresh_library(settings, store, library, collection="Bench")
            elapsed = time.perf_counter() - start
        reads = sum(1 for r in emu.log if r.method == "GET")
        writes = len(emu.writes)
        budget = {"arXiv": math.ceil(args.papers / 100), "Crossref": args.published,
                  "writes": math.ceil(args.published / 50)}
        got = {"arXiv": len(arxiv.requests()), "Crossref": len(crossref.requests()), "writes": writes}
        print(f"refresh of {args.papers} preprints, {args.published} published: "
              f"upgraded {len(report.written)} in {elapsed:.2f} s")
        for name, value in got.items():
            print(f"  {name:9} {value:5}  (budget {budget[name]})")
        print(f"  Zotero reads {reads} (items of the upgrades by key, 50 per request)")
        ok = all(got[n] <= budget[n] for n in got) and len(report.written) == args.published

        # The same preprints as entries zotsync wrote into a .bib, then `bib --upgrade`.
        with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "store.sqlite3") as store:
            bib = Path(folder) / "refs.bib"
            papers = [Paper(title=f"Paper {a}", arxiv_id=a, authors=("Ann Lee",), published=when.date())
                      for a in ids]
            apply_merge(plan_merge(papers, read_bib(bib), store), store)
            arxiv.clear_log()
            crossref.clear_log()
            start = time.perf_counter()
            upgraded = upgrade_bib(bib, settings, store)
            elapsed = time.perf_counter() - start
            got_bib = {"arXiv": len(arxiv.requests()), "Crossref": len(crossref.requests())}
            print(f"bib --upgrade of {args.papers} preprint entries, {args.published} published: "
                  f"upgraded {len(upgraded.upgrades)} in {elapsed:.2f} s (one write of the file: "
                  f"{upgraded.written})")
            for name, value in got_bib.items():
                print(f"  {name:9} {value:5}  (budget {budget[name]})")
            ok = ok and all(got_bib[n] <= budget[n] for n in got_bib) and upgraded.written \
                and len(upgraded.upgrades) == args.published
        print("within budget" if ok else "OVER BUDGET")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
