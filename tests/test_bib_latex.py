"""Exported .bib files compile: pdflatex + bibtex (plain) and pdflatex + biber (biblatex).

Real documents cite every exported key. bibtex exits 0 on warnings, so its .blg is
read; biber's .blg is read for `WARN -` / `ERROR -`; the LaTeX .log for errors
(`-file-line-error`) and undefined citations; the .bbl for a raw `%` (which bibtex
passes through and TeX then silently drops the rest of the line). .ci/run installs
texlive + biber; without them these tests skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from zotsync.bibfile import apply_merge, plan_merge, read_bib
from zotsync.core.bibmatch import ExportOptions
from zotsync.core.latex import _LETTERS, _MATH_SYMBOLS, _TEXT_SYMBOLS, escape
from zotsync.core.paper import Paper, Publication, Summary
from zotsync.inputs import load_papers
from zotsync.store import Store

DATA = Path(__file__).resolve().parent / "data"
_MISSING = [tool for tool in ("pdflatex", "bibtex", "biber", "kpsewhich") if shutil.which(tool) is None]
if not _MISSING and subprocess.run(["kpsewhich", "biblatex.sty"], capture_output=True,
                                   check=False).returncode != 0:
    _MISSING.append("biblatex.sty")
pytestmark = [
    pytest.mark.latex,
    pytest.mark.skipif(bool(_MISSING), reason=f"{', '.join(_MISSING)} not installed "
                       "(.ci/run installs texlive-latex-base, -recommended, -bibtex-extra and biber)"),
]


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bbl: str = ""

    def about(self, keys: Sequence[str]) -> list[str]:
        """The warnings that name one of `keys`."""
        return [w for w in self.warnings if any(re.search(rf"\b{re.escape(k)}\b", w) for k in keys)]


def _run(args: list[str], cwd: Path, engine_log: list[str]) -> int:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, errors="replace",
                            timeout=120, check=False)
    engine_log.append(result.stdout[-2000:])
    return result.returncode


def _latex_problems(log: str, report: Report) -> None:
    for line in log.splitlines():
        error = line.startswith("!") or re.match(r"^\S+\.(tex|bbl):\d+: ", line)
        undefined = re.search(r"(Citation|Reference) `[^']+' .*undefined|There were undefined", line)
        glyph = "Unicode character" in line or "Missing character" in line
        if error or undefined or glyph:
            report.errors.append(line)


def compile_bibtex(folder: Path, keys: Sequence[str], *, engine: str = "pdflatex",
                   preamble: str = "\\usepackage[T1]{fontenc}\n\\usepackage{url}\n") -> Report:
    """`\\cite` every key under plain.bst; errors and warnings from .blg and .log."""
    (folder / "a.tex").write_text(
        "\\documentclass{article}\n" + preamble + "\\begin{document}\n"
        f"Cited: \\cite{{{','.join(keys)}}}.\n\\bibliographystyle{{plain}}\n\\bibliography{{refs}}\n"
        "\\end{document}\n", encoding="utf-8")
    report = Report()
    out: list[str] = []
    args = [engine, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "a"]
    _run(args, folder, out)
    if _run(["bibtex", "a"], folder, out) not in (0, 1):
        report.errors.append(f"bibtex failed: {out[-1]}")
    _run(args, folder, out)
    _run(args, folder, out)
    blg = (folder / "a.blg").read_text(encoding="utf-8", errors="replace")
    report.errors += [line for line in blg.splitlines() if "error message" in line or "---line" in line]
    report.warnings += [line for line in blg.splitlines() if line.startswith("Warning--")]
    report.bbl = (folder / "a.bbl").read_text(encoding="utf-8", errors="replace")
    _latex_problems((folder / "a.log").read_text(encoding="utf-8", errors="replace"), report)
    if not (folder / "a.pdf").exists():
        report.errors.append("no PDF")
    for key in keys:
        if f"\\bibitem{{{key}}}" not in report.bbl:
            report.errors.append(f"{key} missing from the bibliography")
    raw_percent = [line for line in report.bbl.splitlines() if re.search(r"(?<!\\)%", line)]
    report.errors += [f"raw % in .bbl: {line}" for line in raw_percent]
    return report


def compile_biber(folder: Path, keys: Sequence[str]) -> Report:
    """`\\cite` every key with biblatex + biber --validate-datamodel."""
    (folder / "b.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[backend=biber]{biblatex}\n"
        "\\addbibresource{refs.bib}\n\\begin{document}\n"
        f"Cited: \\cite{{{','.join(keys)}}}.\n\\printbibliography\n\\end{{document}}\n", encoding="utf-8")
    report = Report()
    out: list[str] = []
    args = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "b"]
    _run(args, folder, out)
    if _run(["biber", "--validate-datamodel", "b"], folder, out) != 0:
        report.errors.append(f"biber failed: {out[-1]}")
    _run(args, folder, out)
    _run(args, folder, out)
    blg = (folder / "b.blg").read_text(encoding="utf-8", errors="replace")
    report.errors += [line for line in blg.splitlines() if "ERROR - " in line]
    report.warnings += [line for line in blg.splitlines() if "WARN - " in line]
    report.bbl = (folder / "b.bbl").read_text(encoding="utf-8", errors="replace")
    _latex_problems((folder / "b.log").read_text(encoding="utf-8", errors="replace"), report)
    if not (folder / "b.pdf").exists():
        report.errors.append("no PDF")
    for key in keys:
        if f"\\entry{{{key}}}" not in report.bbl:
            report.errors.append(f"{key} missing from the bibliography")
    return report


def export(papers: Sequence[Paper], folder: Path, **options: object) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    with Store(folder / "store.sqlite3") as store:
        plan = plan_merge(papers, read_bib(folder / "refs.bib"), store, ExportOptions(**options))  # type: ignore[arg-type]
        apply_merge(plan, store)
    return [a.key for a in plan.added] + [p.key for p in plan.present]


def assert_clean(report: Report) -> None:
    assert report.errors == [], "\n".join(report.errors)
    assert report.warnings == [], "\n".join(report.warnings)


# -- papers with every character we handle ----------------------------------------------

# Every character the tables handle (the invisible ones are tested in test_bibtex_entry),
# and every Latin letter up to Latin Extended-B that has a LaTeX form.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\ufeff"
_EVERY_SYMBOL = "".join(ch for ch in [*_TEXT_SYMBOLS, *_MATH_SYMBOLS] if ch not in _INVISIBLE)
_LATIN = "".join(chr(c) for c in range(0xC0, 0x250)
                 if chr(c).isalpha() and not escape(chr(c)).untypeset and not escape(chr(c)).biber_unsafe)
# Letters with accent macros pdflatex typesets through bibtex, but not through biber.
_BIBTEX_ONLY = "".join(chr(c) for c in range(0xC0, 0x2000) if escape(chr(c)).biber_unsafe)

NASTY = [
    Paper(title="LoRA & GPT-4: 50% of $x^2$ in C:\\path {a ~ b_c #1 ^} and OpenAI's BERT on ImageNet",
          arxiv_id="2401.00001", authors=("Łukasz Müller", "OpenAI", "Ludwig van Beethoven",
                                           "Martin Luther King Jr.", "Yu"),
          primary_category="cs.LG", published=date(2024, 1, 2),
          abstract="Abstract: $\\alpha_1$ & 100% # _ ~ ^ \\ { } ≤ 5 Müller.",
          summary=Summary(tldr="本文提出了一种方法，效果提高 50%。", language="zh")),
    Paper(title="Latin: " + _LATIN[:180], arxiv_id="2401.00002", primary_category="math.CA",
          authors=("José Ñúñez", "Øystein Ødegård", "Đorđe Šćepanović", "Þór Ægisson", "Zoë Brontë"),
          published=date(2024, 2, 3)),
    Paper(title="Latin, continued: " + _LATIN[180:], arxiv_id="2401.00003", primary_category="math.CA",
          authors=("Ana Ćosić",), published=date(2024, 2, 4)),
    Paper(title="Symbols: " + _EVERY_SYMBOL, arxiv_id="hep-th/9901001", primary_category="hep-th",
          authors=("Jean-Luc Picard",)),
    Paper(title="Letters " + " ".join(_LETTERS) + " and math $α ≤ β$ and “quotes” — ℝ ﬁ ² Ａ",
          doi="10.1000/abc_def%20(x)", authors=("Jörg Straße",), published=date(2020, 5, 1)),
    Paper(title="Only a URL", url="https://example.org/a_b%20c?x=1#frag", authors=("Foo Bar",),
          published=date(2021, 1, 1)),
    Paper(title="HippoMM: Hippocampal-inspired Multimodal Memory", published=date(2025, 4, 14),
          author_count=6),
    # Published versions (Crossref): @article / @inproceedings with the arXiv eprint.
    Paper(title="Dust Emission in the Galaxy", arxiv_id="1107.4612", doi="10.1111/j.1365-2966.2011.19851.x",
          authors=("T. Ghosh",), primary_category="astro-ph.CO",
          publication=Publication(kind="journal-article", container="Journal of Optics & Photonics_X",
                                  volume="419", issue="2", pages="1795\u20131803", date="2012-01")),
    Paper(title="Break-A-Scene", doi="10.1145/3610548.3618154", authors=("Omri Avrahami",),
          publication=Publication(kind="proceedings-article", container="SIGGRAPH Asia 2023 Papers",
                                  pages="1-12", publisher="ACM", date="2023-12-10")),
]


@pytest.mark.parametrize("options", [
    {"style": "bibtex"}, {"style": "bibtex", "abstract": True, "tldr": True},
], ids=["bibtex", "bibtex-abstract-tldr"])
def test_every_special_character_compiles_with_bibtex_and_biber(
    tmp_path: Path, options: dict[str, object]
) -> None:
    keys = export(NASTY, tmp_path, **options)
    assert len(keys) == len(NASTY)
    assert_clean(compile_bibtex(tmp_path, keys))
    assert_clean(compile_biber(tmp_path, keys))  # the bibtex style also works under biblatex


def test_double_accents_compile_with_bibtex(tmp_path: Path) -> None:
    paper = Paper(title="Rare letters: " + _BIBTEX_ONLY, authors=("Văn Nguyễn",), arxiv_id="2401.00008",
                  published=date(2024, 1, 8))
    assert len(_BIBTEX_ONLY) > 100
    keys = export([paper], tmp_path)
    assert_clean(compile_bibtex(tmp_path, keys))


@pytest.mark.parametrize("options", [
    {"style": "biblatex"}, {"style": "biblatex", "abstract": True, "tldr": True},
], ids=["biblatex", "biblatex-abstract-tldr"])
def test_every_special_character_compiles_with_biblatex(tmp_path: Path, options: dict[str, object]) -> None:
    keys = export(NASTY, tmp_path, **options)
    assert_clean(compile_biber(tmp_path, keys))


def test_the_digest_compiles_both_ways(tmp_path: Path) -> None:
    papers = load_papers([str(DATA / "arxiv-daily-digest.md")]).papers
    keys = export(papers, tmp_path / "bibtex", tldr=True)
    assert len(keys) == 8
    assert_clean(compile_bibtex(tmp_path / "bibtex", keys))
    keys = export(papers, tmp_path / "biblatex", style="biblatex", tldr=True)
    assert_clean(compile_biber(tmp_path / "biblatex", keys))


def test_the_arxiv_id_is_printed_once(tmp_path: Path) -> None:
    paper = NASTY[0]
    keys = export([paper], tmp_path / "bibtex")
    plain = compile_bibtex(tmp_path / "bibtex", keys)
    assert plain.bbl.count("2401.00001") == 1  # howpublished; plain ignores eprint and url
    keys = export([paper], tmp_path / "biblatex", style="biblatex")
    biblatex = compile_biber(tmp_path / "biblatex", keys)
    assert re.search(r"\\verb\{eprint\}\s+\\verb 2401\.00001", biblatex.bbl)
    assert "howpublished" not in biblatex.bbl


def test_acronyms_survive_plain_lowercasing(tmp_path: Path) -> None:
    keys = export([NASTY[0]], tmp_path)
    bbl = compile_bibtex(tmp_path, keys).bbl
    for word in ("{LoRA}", "{GPT-4}", "{BERT}", "{ImageNet}", "{$x^2$}"):
        assert word in bbl


def test_merged_user_file_compiles(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_bytes((DATA / "bib" / "user.bib").read_bytes())
    papers = load_papers([str(DATA / "arxiv-daily-digest.md")]).papers
    ours = export(papers, tmp_path)
    user = ["Knuth1984", "vaswani2017attention", "paren", "devlin2018bert"]
    report = compile_bibtex(tmp_path, [*ours, *user])
    assert report.errors == []
    assert report.about(ours) == []
    report = compile_biber(tmp_path, [*ours, *user])
    assert report.errors == []
    assert report.about(ours) == []


@pytest.mark.skipif(shutil.which("xelatex") is None or subprocess.run(
    ["kpsewhich", "xeCJK.sty"], capture_output=True, check=False).returncode != 0,
    reason="xelatex + xeCJK not installed (.ci/run installs texlive-xetex and texlive-lang-chinese)")
def test_cjk_names_and_titles_compile_with_xelatex(tmp_path: Path) -> None:
    papers = [Paper(title="深度学习：{BERT} 模型研究", arxiv_id="2401.00009",
                    authors=("张三", "李四", "Łukasz Müller"), published=date(2024, 1, 1),
                    primary_category="cs.CL")]
    keys = export(papers, tmp_path)
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    family = fonts.stdout.splitlines()[0].split(",")[0] if fonts.stdout.strip() else None
    if family is None:
        pytest.skip("no Chinese font installed")
    report = compile_bibtex(tmp_path, keys, engine="xelatex",
                            preamble=f"\\usepackage{{xeCJK}}\n\\setCJKmainfont{{{family}}}\n")
    assert_clean(report)
    assert "{张三}" in report.bbl and "{李四}" in report.bbl  # each a single braced name


def test_cjk_only_in_annote_compiles_with_pdflatex(tmp_path: Path) -> None:
    papers = load_papers([str(DATA / "arxiv-daily-digest.md")]).papers
    keys = export(papers, tmp_path, tldr=True)
    assert "本文" in (tmp_path / "refs.bib").read_text(encoding="utf-8")
    assert_clean(compile_bibtex(tmp_path, keys))


@pytest.mark.parametrize("style", ["bibtex", "biblatex"])
def test_keys_pinned_in_zotero_compile(tmp_path: Path, style: str) -> None:
    # Better BibTeX's pinned keys may hold `:` `_` `-` `.`; the file must still compile.
    papers = [Paper(title="One", arxiv_id="2401.00001", authors=("Ann Lee",), published=date(2024, 1, 1)),
              Paper(title="Two", arxiv_id="2401.00002", authors=("Bo Li",), published=date(2024, 1, 2)),
              Paper(title="Three", arxiv_id="2401.00003", authors=("Cy Ng",), published=date(2024, 1, 3))]
    pinned = {papers[0].identity: "BBT_pinned:2024.one", papers[1].identity: "Native-2024"}
    with Store(tmp_path / "store.sqlite3") as store:
        plan = plan_merge(papers, read_bib(tmp_path / "refs.bib"), store, ExportOptions(style=style),
                          pinned=pinned)
        apply_merge(plan, store)
    keys = [a.key for a in plan.added]
    assert keys == ["BBT_pinned:2024.one", "Native-2024", "ng2024three"]
    assert_clean(compile_bibtex(tmp_path, keys) if style == "bibtex" else compile_biber(tmp_path, keys))


def test_a_broken_target_bib_is_reported_before_any_lookup(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The arXiv lookups ran (and printed their warnings) before the broken .bib was said."""
    from servers.arxiv_standin import ArxivStandIn

    broken = tmp_path / "refs.bib"
    broken.write_text("@article{a,\n  title = {unbalanced\n", encoding="utf-8")
    ids = tmp_path / "ids.txt"
    ids.write_text("2506.02013\n", encoding="utf-8")
    arxiv = ArxivStandIn()
    with arxiv.serving("/api/query"):
        result = run_cli("bib", str(ids), "-o", str(broken),
                         env={"ZOTSYNC_ARXIV_URL": arxiv.url, "ZOTSYNC_ARXIV_DELAY": "0"})
        assert result.exit_code == 2
        assert "refs.bib" in result.stderr and "the file was not changed" in result.stderr
        assert arxiv.requests() == []  # nothing looked up for a merge that cannot happen
