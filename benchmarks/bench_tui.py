"""The TUI on a generated 5,000-paper digest: time to first paint, filter latency per keystroke.

    python benchmarks/bench_tui.py [--papers 5000] [--query "diffusion graph"] [--where "cat:cs.CV -graph"]

First paint: from the app built (`make_app`, as `zotsync tui` does: the digest read) to the
first list row drawn, in a headless `App.run_test` at 160x50; reading is timed separately. Filter
latency: for each key typed into the search field, from sending the key to the list's
next repaint (so it includes Textual's frame batching), then the same for backspace
(which widens the result and re-scans). The same for a `--where` query typed into the box
(fields, negation, OR: every keystroke parses and matches all papers, half-typed states
are errors that keep the list). Goals: first paint < 1 s, < 50 ms per key.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import textual.constants  # noqa: E402
from bench_parse import make_digest  # noqa: E402
from textual import events  # noqa: E402
from textual.widgets import Input  # noqa: E402

from zotsync.config import Settings  # noqa: E402
from zotsync.store import Store  # noqa: E402
from zotsync.tui.app import ZotsyncApp, make_app  # noqa: E402
from zotsync.tui.widgets import PaperList  # noqa: E402

textual.constants.TEXTUAL_ANIMATIONS = "none"  # type: ignore[misc]  # as the snapshot tests do

paints: list[float] = []  # perf_counter() of every list repaint (its header line)
rows_drawn: list[float] = []
_render_line = PaperList.render_line


def _timed_render_line(self: PaperList, y: int) -> Any:
    now = time.perf_counter()
    if y == 0:
        paints.append(now)
    elif not rows_drawn:
        rows_drawn.append(now)
    return _render_line(self, y)


PaperList.render_line = _timed_render_line  # type: ignore[method-assign]


async def wait_for(condition: Any, timeout: float = 10.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the TUI did not repaint")
        await asyncio.sleep(0.0005)


async def key_latency(app: ZotsyncApp, key: str, char: str | None) -> float:
    """Send one key as the terminal driver would; time until the list has repainted."""
    before = len(paints)
    start = time.perf_counter()
    assert app._driver is not None
    app._driver.send_message(events.Key(key, char))
    await wait_for(lambda: len(paints) > before and paints[-1] > start)
    return paints[-1] - start


def describe(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (f"{name}: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
            f"({len(ms)} keys)")


async def type_and_erase(app: ZotsyncApp, pilot: Any, query: str) -> tuple[list[float], list[float], int]:
    typing: list[float] = []
    for char in query:
        typing.append(await key_latency(app, "space" if char == " " else char, char))
    shown = len(app.model.visible)
    await pilot.pause(0.5)  # the detail pane follows once typing pauses
    erasing = [await key_latency(app, "backspace", None) for _ in query]
    return typing, erasing, shown


def compute_only(app: ZotsyncApp, query: str) -> list[float]:
    compute: list[float] = []  # the filter alone, without drawing
    for i in range(1, len(query) + 1):
        t = time.perf_counter()
        app.model.set_query(query[:i])
        compute.append(time.perf_counter() - t)
    app.model.set_query("")
    return compute


async def run(papers_file: Path, query: str, where: str) -> int:
    start = time.perf_counter()
    app = make_app([str(papers_file)], settings=Settings(), store=Store.in_memory(),
                   as_of=date(2026, 1, 1), enrich=False)
    papers = app.model.papers
    created = time.perf_counter()
    loaded = created - start
    print(f"read the digest ({len(papers)} papers) and built the app in {loaded * 1000:.0f} ms")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(lambda: bool(rows_drawn))
        first_paint = rows_drawn[0] - created
        print(f"first paint: {first_paint * 1000:.0f} ms after creating the app "
              f"({(loaded + first_paint) * 1000:.0f} ms including reading the digest)")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.query_one("#search", Input).focus()
        await pilot.pause(0.5)  # the footer shows the search field's keys: let that settle

        typing, erasing, shown = await type_and_erase(app, pilot, query)
        assert len(app.model.visible) == len(papers)
        compute = compute_only(app, query)
        await pilot.pause(0.2)
        where_typing, where_erasing, where_shown = await type_and_erase(app, pilot, where)
        assert len(app.model.visible) == len(papers)
        where_compute = compute_only(app, where)
    print(f"typing {query!r}: {shown} of {len(papers)} shown at the end")
    print("per key, ms: " + " ".join(f"{t * 1000:.0f}" for t in typing + erasing))
    print(describe("filter latency, typing", typing))
    print(describe("filter latency, backspace", erasing))
    print(describe("filter computation only, typing", compute))
    print(f"typing the query {where!r}: {where_shown} of {len(papers)} shown at the end")
    print(describe("query latency, typing", where_typing))
    print(describe("query latency, backspace", where_erasing))
    print(describe("query computation only, typing", where_compute))
    worst = max(typing + erasing + where_typing + where_erasing)
    ok = first_paint < 1.0 and worst < 0.050
    print(f"goals (first paint < 1 s, < 50 ms per key): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=5000)
    parser.add_argument("--query", default="author12 neural")
    parser.add_argument("--where",
                        default='cat:cs.CV -neural "graph" OR author:name12 upvotes:<1 OR tldr:yes')
    args = parser.parse_args()
    workdir = HERE / "out"
    workdir.mkdir(exist_ok=True)
    digest = workdir / f"tui-digest-{args.papers}.md"
    digest.write_text(make_digest(args.papers, 0.0), encoding="utf-8")
    sys.exit(asyncio.run(run(digest, args.query, args.where)))


if __name__ == "__main__":
    main()
