"""Merging into a .bib: recognition, stable keys, byte-exact preservation, the command."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zotsync.bibfile import MergePlan, apply_merge, plan_merge, read_bib
from zotsync.commands import bib as bib_command
from zotsync.core.bibmatch import ExportOptions
from zotsync.core.bibscan import scan
from zotsync.core.bibtex_entry import format_entry
from zotsync.core.citekeys import fold_key, parse_key_format
from zotsync.core.paper import Paper
from zotsync.errors import InputError
from zotsync.inputs import load_papers
from zotsync.store import Store

DATA = Path(__file__).resolve().parent / "data"
DIGEST = DATA / "arxiv-daily-digest.md"
HF_PAGE = DATA / "hf-daily-papers.txt"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "s.sqlite3") as s:
        yield s


def merge(papers: Sequence[Paper], path: Path, store: Store, **options: object) -> MergePlan:
    plan = plan_merge(papers, read_bib(path), store, ExportOptions(**options))  # type: ignore[arg-type]
    apply_merge(plan, store)
    return plan


def keys_in(path: Path) -> list[str]:
    return [b.key or "" for b in scan(path.read_text(encoding="utf-8")).entries]


def parse_all(path: Path) -> list[dict[str, str]]:
    parser = BibTexParser(ignore_nonstandard_types=False, interpolate_strings=False, common_strings=True)
    return list(bibtexparser.loads(path.read_text(encoding="utf-8"), parser).entries)


def paper(n: int, *, author: str = "Ann Smith", title: str | None = None, year: int = 2021,
          arxiv: bool = True) -> Paper:
    return Paper(title=title or f"Deep topic number {n} for brains", authors=(author, "Bo Li"),
                 arxiv_id=f"{year % 100:02d}01.{10000 + n:05d}" if arxiv else None,
                 published=date(year, 1, 1 + n % 27), primary_category="cs.LG")


def digest_papers() -> list[Paper]:
    return load_papers([str(DIGEST)]).papers


# -- the done criteria ------------------------------------------------------------------


def test_digest_gives_8_entries_and_a_second_run_changes_nothing(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "refs.bib"
    plan = merge(digest_papers(), out, store)
    assert len(plan.added) == 8
    assert len(parse_all(out)) == 8
    assert len({fold_key(k) for k in keys_in(out)}) == 8
    before, mtime = out.read_bytes(), out.stat().st_mtime_ns

    again = merge(digest_papers(), out, store)
    assert again.added == []
    assert [p.key for p in again.present] == [a.key for a in plan.added]
    assert all(p.matched_by == "arxiv" for p in again.present)
    assert out.read_bytes() == before
    assert out.stat().st_mtime_ns == mtime
    assert not (tmp_path / "refs.bib.bak").exists()  # nothing written, nothing backed up


def test_merging_the_hf_page_adds_only_new_papers(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "refs.bib"
    merge(digest_papers(), out, store)
    first = out.read_bytes()
    hf = load_papers([str(HF_PAGE)]).papers
    plan = merge(hf + digest_papers(), out, store)
    assert len(plan.added) == len(hf) == 57
    assert len(plan.present) == 8
    assert out.read_bytes().startswith(first)
    assert (tmp_path / "refs.bib.bak").read_bytes() == first
    # The HF papers have no IDs: the second time they are recognised by title alone.
    again = merge(hf + digest_papers(), out, store)
    assert again.added == []
    assert {p.matched_by for p in again.present} == {"arxiv", "title"}
    assert len(keys_in(out)) == len({fold_key(k) for k in keys_in(out)}) == 65


# -- keys ------------------------------------------------------------------------------


def test_keys_are_the_same_in_a_fresh_file_and_in_any_order(tmp_path: Path, store: Store) -> None:
    papers = digest_papers()
    first = merge(papers, tmp_path / "a.bib", store)
    second = merge(list(reversed(papers)), tmp_path / "b.bib", store)
    assert {a.paper.arxiv_id: a.key for a in first.added} == {a.paper.arxiv_id: a.key for a in second.added}
    # a store of its own (another machine): the same formula gives the same keys
    with Store(tmp_path / "other.sqlite3") as other:
        third = merge(list(reversed(papers)), tmp_path / "c.bib", other)
    assert {a.paper.arxiv_id: a.key for a in first.added} == {a.paper.arxiv_id: a.key for a in third.added}


def test_a_new_colliding_paper_gets_a_suffix_and_the_old_one_keeps_its_key(
    tmp_path: Path, store: Store
) -> None:
    out = tmp_path / "refs.bib"
    x, y, z = paper(1), paper(2), paper(3)
    assert merge([x], out, store).added[0].key == "smith2021deep"
    plan = merge([y, x], out, store)
    assert [a.key for a in plan.added] == ["smith2021deepa"]
    assert plan.present[0].key == "smith2021deep"
    assert [a.key for a in merge([z], out, store).added] == ["smith2021deepb"]
    # re-export everything to a fresh file: the same keys
    fresh = merge([z, y, x], tmp_path / "fresh.bib", store)
    assert {a.paper.arxiv_id: a.key for a in fresh.added} == {
        x.arxiv_id: "smith2021deep", y.arxiv_id: "smith2021deepa", z.arxiv_id: "smith2021deepb"}


def test_suffix_order_does_not_depend_on_input_order(tmp_path: Path) -> None:
    papers = [paper(5), paper(3), paper(4)]
    results = []
    for n, order in enumerate((papers, list(reversed(papers)))):
        with Store(tmp_path / f"s{n}.sqlite3") as s:
            plan = merge(order, tmp_path / f"r{n}.bib", s)
            results.append({a.paper.arxiv_id: a.key for a in plan.added})
    assert results[0] == results[1]
    assert sorted(results[0].values()) == ["smith2021deep", "smith2021deepa", "smith2021deepb"]
    assert results[0][paper(3).arxiv_id] == "smith2021deep"  # earliest ID first


def test_existing_keys_are_never_reused_case_insensitively(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "refs.bib"
    out.write_text("@book{Smith2021Deep,\n  title = {Something else},\n  year = 2021\n}\n"
                   "% @misc{smith2021deepa, title={commented out}}\n", encoding="utf-8")
    plan = merge([paper(1)], out, store)
    assert plan.added[0].key == "smith2021deepb"


def test_a_renamed_key_is_kept_forever_and_the_old_one_never_reused(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "refs.bib"
    x = paper(1)
    merge([x], out, store)
    out.write_text(out.read_text(encoding="utf-8").replace("smith2021deep", "myFavourite"), encoding="utf-8")
    plan = merge([x], out, store)
    assert plan.added == []
    assert plan.present[0].key == "myFavourite"
    # another paper whose formula gives the old key does not get it
    assert [a.key for a in merge([paper(2)], out, store).added] == ["smith2021deepa"]
    # a fresh file gets the user's key
    assert [a.key for a in merge([x], tmp_path / "fresh.bib", store).added] == ["myFavourite"]


def test_key_format_option(tmp_path: Path, store: Store) -> None:
    plan = merge([paper(1)], tmp_path / "r.bib", store,
                 key_format=parse_key_format("{auth}_{shorttitle2}_{year}"))
    assert plan.added[0].key == "smith_deeptopic_2021"


# -- recognising what the user wrote ----------------------------------------------------


USER_ENTRIES = """\
@misc{u_eprint, title = {X}, eprint = {2101.10001}, archivePrefix = {arXiv}}
@misc{u_url, title = {X}, url = {http://arxiv.org/pdf/2101.10002v3.pdf}}
@misc{u_doi, title = {X}, doi = {10.48550/arXiv.2101.10003}}
@article{u_scholar, title = {X}, journal = {arXiv preprint arXiv:2101.10004}}
@misc{u_howpub, title = {X}, howpublished = {\\url{https://arxiv.org/abs/2101.10005}}}
@article{u_journal, title = {X}, doi = {https://doi.org/10.1000/J.X\\_1}}
@inproceedings{u_title, title = {Deep {T}opic Number 7 for {B}rains}, author = {Smith, Ann}}
@inproceedings{u_veto, title = {Deep topic number 8 for brains}, author = {Other, Person}}
@misc{u_other_id, title = {Deep topic number 9 for brains}, eprint = {2101.99999}}
@misc{u_old, title = {X}, eprint = {hep-th/9901001}}
@misc{u_accents, title = {M{\\"u}ller's {\\L}{\\'o}d{\\'z} {\\ensuremath{\\alpha}}-nets}}
"""


def test_existing_entries_are_recognised_every_way(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "refs.bib"
    out.write_text(USER_ENTRIES, encoding="utf-8")
    papers = [paper(n) for n in range(1, 6)]
    papers += [paper(6).replace(arxiv_id=None, doi="10.1000/j.x_1"), paper(7, arxiv=False),
               paper(8, arxiv=False), paper(9), Paper(title="Old", arxiv_id="hep-th/9901001"),
               Paper(title="Müller’s Łódź α-nets", authors=("Q R",))]
    plan = plan_merge(papers, read_bib(out), store)
    found = {p.paper.title if p.paper.arxiv_id is None else p.paper.arxiv_id: (p.key, p.matched_by)
             for p in plan.present}
    assert found == {
        "2101.10001": ("u_eprint", "arxiv"), "2101.10002": ("u_url", "arxiv"),
        "2101.10003": ("u_doi", "arxiv"), "2101.10004": ("u_scholar", "arxiv"),
        "2101.10005": ("u_howpub", "arxiv"), papers[5].title: ("u_journal", "doi"),
        papers[6].title: ("u_title", "title"), "hep-th/9901001": ("u_old", "arxiv"),
        papers[10].title: ("u_accents", "title"),
    }
    # same title but another author (veto), same title but another arXiv ID: new papers
    assert {a.paper.title for a in plan.added} == {papers[7].title, papers[8].title}


def test_merge_keeps_every_byte_of_a_hand_written_file(tmp_path: Path, store: Store) -> None:
    original = (DATA / "bib" / "user.bib").read_bytes()
    out = tmp_path / "user.bib"
    out.write_bytes(original)
    papers = digest_papers()
    vaswani = Paper(title="Attention Is All You Need", arxiv_id="1706.03762", authors=("Ashish Vaswani",))
    bert = Paper(title="BERT", arxiv_id="1810.04805", authors=("Jacob Devlin",))
    plan = merge([vaswani, bert, *papers], out, store)
    assert [p.key for p in plan.present] == ["vaswani2017attention", "devlin2018bert"]
    assert len(plan.added) == 8
    new = out.read_bytes()
    assert new.startswith(original)
    assert new[len(original):].startswith(b"\n\n@misc{")  # the file had no final newline
    assert (tmp_path / "user.bib.bak").read_bytes() == original
    assert [b.key for b in scan(new.decode()).entries][:5] == [
        "Knuth1984", "vaswani2017attention", "paren", "nofields", "devlin2018bert"]


@pytest.mark.parametrize(("prefix", "newline", "encoding"), [
    (b"", "\r\n", "utf-8"), (b"\xef\xbb\xbf", "\n", "utf-8"), (b"", "\n", "latin-1"),
])
def test_encoding_bom_and_newlines_are_kept(tmp_path: Path, store: Store, prefix: bytes, newline: str,
                                            encoding: str) -> None:
    text = f"% Caf\u00e9{newline}@misc{{old,{newline}  title = {{Caf\u00e9}}{newline}}}{newline}"
    original = prefix + text.encode(encoding)
    out = tmp_path / "r.bib"
    out.write_bytes(original)
    merge([paper(1, author="Łukasz Müller")], out, store)
    new = out.read_bytes()
    assert new.startswith(original)
    tail = new[len(original):].decode(encoding)
    assert tail.startswith(newline + "@misc{")
    assert tail.count("\n") == tail.count(newline)  # every line break in the file's style
    assert 'M{\\"u}ller' in tail


def test_a_latin1_file_refuses_entries_that_need_utf8(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "r.bib"
    out.write_bytes("% Caf\u00e9\n".encode("latin-1"))
    plan = merge([paper(1, author="Łukasz Müller")], out, store, style="biblatex")
    assert plan.added == []
    assert "convert the file to UTF-8" in plan.skipped[0].reason
    assert out.read_bytes() == "% Caf\u00e9\n".encode("latin-1")


def test_broken_bib_is_one_error_with_the_line_and_stays_untouched(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "broken.bib"
    original = (DATA / "bib" / "broken.bib").read_bytes()
    out.write_bytes(original)
    mtime = out.stat().st_mtime_ns
    with pytest.raises(InputError) as info:
        merge([paper(1)], out, store)
    assert info.value.line == 8
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{out}:8: @misc{{broken2021: expected ','")
    assert "the file was not changed" in str(info.value)
    assert out.read_bytes() == original
    assert out.stat().st_mtime_ns == mtime
    assert not (tmp_path / "broken.bib.bak").exists()


def test_unclosed_entry_error(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "r.bib"
    out.write_text("@misc{a, title = {x}}\n\n@misc{b,\n  title = {y\n}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.bib:3: @misc\{b is never closed"):
        read_bib(out)


def test_dry_run_writes_nothing(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "refs.bib"
    plan = plan_merge(digest_papers(), read_bib(out), store)
    assert len(plan.added) == 8
    assert not out.exists()
    assert store.connection.execute("SELECT COUNT(*) FROM bib_keys").fetchone() == (0,)
    assert [a.key for a in merge(digest_papers(), out, store).added] == [a.key for a in plan.added]


def test_warnings_for_duplicates_already_in_the_file(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "r.bib"
    out.write_text("@misc{dup, title={A}, eprint={2101.10001}}\n@misc{DUP, title={B}}\n"
                   "@misc{again, title={C}, url={https://arxiv.org/abs/2101.10001}}\n", encoding="utf-8")
    plan = merge([paper(1)], out, store)
    assert any("the key dup is used by 2 entries" in w for w in plan.warnings)
    assert any("has 2 entries" in w and "dup, again" in w for w in plan.warnings)
    assert plan.present[0].keys == ("dup", "again")


def test_unchanged_blocks_are_never_parsed_again(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "refs.bib"
    papers = digest_papers()
    merge(papers, out, store)
    assert merge(papers, out, store).parsed_blocks == 8  # our new blocks, once
    third = merge(papers, out, store)
    assert third.parsed_blocks == 0
    assert third.cached_blocks == 8
    assert len(third.present) == 8


def test_blocks_that_cannot_hold_a_paper_are_not_parsed(tmp_path: Path, store: Store) -> None:
    out = tmp_path / "refs.bib"
    out.write_bytes((DATA / "bib" / "user.bib").read_bytes())
    plan = plan_merge([paper(1)], read_bib(out), store)
    assert plan.parsed_blocks == 0
    assert len(plan.added) == 1


# -- property: random files, random papers ----------------------------------------------

POOL = [paper(n, author=a, title=t) for n, (a, t) in enumerate([
    ("Ann Smith", None), ("Ann Smith", None), ("Ann Smith", "Deep topic number 0 for brains"),
    ("Łukasz Müller", "Ünïcödé & 50% of {braces}"), ("OpenAI", "GPT-4 Technical Report"),
    ("张三", "深度学习 $x^2$"), ("Bo Li", "C:\\path ~ #1 ^ _"), ("Ann Smith", "Deep"),
])] + [paper(20, arxiv=False), paper(21, arxiv=False, title="Sparse coding")]

FILLER = st.sampled_from([
    "% a comment line\n", "% @misc{ghost, title={x}}\n", "@string{jn = {J. Neuro}}\n",
    '@preamble{"\\relax"}\n', "@comment{ {nested} }\n", "free text } with a brace\n", "\n", "\t \n",
    "@book{smith2021deep,\n  title = {An unrelated book},\n  publisher = jn,\n  year = 2021\n}\n",
    "@article{SMITH2021DEEPA, author = \"Li, Bo\", title = \"Q\", year = 1999}\n",
    "@misc{nofields}\n", "@misc(paren, title = \"(p)\")\n",
])


@st.composite
def existing_files(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    """A .bib a user could have: filler of every kind, some pool papers in several
    spellings, CRLF or LF, with or without a final newline; no duplicate keys."""
    parts: list[str] = []
    held: list[int] = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):
            filler = draw(FILLER)
            if not (filler.startswith("@") and filler in parts):
                parts.append(filler)
            continue
        n = draw(st.integers(0, len(POOL) - 1))
        p = POOL[n]
        key = f"held{len(parts)}"
        style = draw(st.integers(0, 2))
        if p.arxiv_id and style == 1:
            parts.append(f"@article{{{key},\n title={{{p.title.replace('%', '')}}},\n"
                         f" journal={{arXiv preprint arXiv:{p.arxiv_id}}}}}\n")
        elif p.arxiv_id and style == 2:
            parts.append(f"@misc{{ {key} , eprint = \"{p.arxiv_id}\" }}\n")
        else:
            parts.append(format_entry(p, key).text + "\n")
        held.append(n)
    text = "".join(parts)
    keys = [fold_key(b.key or "") for b in scan(text).entries]
    assert len(keys) == len(set(keys))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = text.rstrip()
    return text.encode("utf-8"), held


@given(existing_files(), st.lists(st.integers(0, len(POOL) - 1), max_size=10), st.booleans())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_merge_property(existing: tuple[bytes, list[int]], picks: list[int], biblatex: bool) -> None:
    original, held = existing
    papers = [POOL[n] for n in dict.fromkeys(picks)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "refs.bib"
        out.write_bytes(original)
        with Store(Path(tmp) / "s.sqlite3") as s:
            plan = merge(papers, out, s, style="biblatex" if biblatex else "bibtex")
            new = out.read_bytes()
            # every original byte survives, in place
            assert new.startswith(original)
            text = new.decode("utf-8")
            entries = scan(text).entries
            keys = [fold_key(b.key or "") for b in entries]
            original_keys = {fold_key(b.key or "") for b in scan(original.decode()).entries}
            # no duplicate keys: the new ones are unique and clash with nothing
            added_keys = [fold_key(a.key) for a in plan.added]
            assert len(added_keys) == len(set(added_keys))
            assert not set(added_keys) & original_keys
            assert len(keys) == len(original_keys) + len(added_keys)
            # no duplicate papers: each paper is either found or added, once
            assert len(plan.added) + len(plan.present) == len(papers)
            for added in plan.added:
                assert POOL.index(added.paper) not in held
            # and a second run finds every one of them
            style = "biblatex" if biblatex else "bibtex"
            again = plan_merge(papers, read_bib(out), s, ExportOptions(style=style))
            assert again.added == []
            assert len(again.present) == len(papers)


# -- the command ------------------------------------------------------------------------


@pytest.fixture
def bib_cli() -> Callable[..., Result]:
    from zotsync.cli import ZotsyncGroup, cli

    group = cli if "bib" in cli.commands else ZotsyncGroup("zotsync", commands={"bib": bib_command.bib})

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(group, ["bib", *args], catch_exceptions=False)

    return invoke


def test_cli_json_report(tmp_path: Path, bib_cli: Callable[..., Result]) -> None:
    out = tmp_path / "refs.bib"
    result = bib_cli(str(DIGEST), "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["written"] is True
    assert doc["backup"] is None
    assert len(doc["added"]) == 8
    assert doc["added"][0]["entry"].startswith("@misc{")
    assert "added 8, already present 0" in result.stderr
    again = json.loads(bib_cli(str(DIGEST), "-o", str(out), "--json").stdout)
    assert again["added"] == [] and again["written"] is False
    assert sorted(p["key"] for p in again["present"]) == sorted(a["key"] for a in doc["added"])


def test_cli_select_any_spelling_dry_run_and_biblatex(tmp_path: Path, bib_cli: Callable[..., Result]) -> None:
    out = tmp_path / "refs.bib"
    result = bib_cli(str(DIGEST), "-o", str(out), "--select", "arXiv:2506.02013v2,https://arxiv.org/abs/2506.02044",
                     "--select", "10.48550/arXiv.2505.21777", "--style", "biblatex", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [a["arxiv_id"] for a in doc["added"]] == ["2506.02013", "2506.02044", "2505.21777"]
    assert all(a["entry"].startswith("@online{") for a in doc["added"])
    assert doc["dry_run"] is True and doc["written"] is False
    assert not out.exists()
    assert "dry run: nothing written" in result.stderr


def test_cli_errors_are_one_line(tmp_path: Path, bib_cli: Callable[..., Result]) -> None:
    out = tmp_path / "refs.bib"
    missing = bib_cli(str(DIGEST), "-o", str(out), "--select", "2401.00001")
    assert missing.exit_code == 2
    assert "--select: 2401.00001 not among the 8 papers read" in missing.stderr
    bad = bib_cli(str(DIGEST), "-o", str(out), "--select", "nonsense")
    assert bad.exit_code == 2 and "neither an arXiv ID nor a DOI" in bad.stderr
    fmt = bib_cli(str(DIGEST), "-o", str(out), "--key-format", "{nope}")
    assert fmt.exit_code == 2 and "unknown placeholder {nope}" in fmt.stderr
    broken = tmp_path / "broken.bib"
    broken.write_bytes((DATA / "bib" / "broken.bib").read_bytes())
    result = bib_cli(str(DIGEST), "-o", str(broken))
    assert result.exit_code == 2
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("zotsync: error:")]
    assert len(error_lines) == 1 and f"{broken}:8:" in error_lines[0]
    assert result.stdout == ""
    assert not out.exists()


def test_cli_table_and_counts(tmp_path: Path, bib_cli: Callable[..., Result]) -> None:
    out = tmp_path / "refs.bib"
    result = bib_cli(str(HF_PAGE), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "added 57" in result.stderr
    assert re.search(r"warning: no author names known: 57 entries \(anon", result.stderr)
    assert "added" in result.stdout and "anon2025hippomm" in result.stdout
    assert out.stat().st_size > 0


def test_a_linked_bib_is_written_through_and_a_read_only_one_is_refused(
    tmp_path: Path, bib_cli: Callable[..., Result],
) -> None:
    real = tmp_path / "thesis" / "refs.bib"
    real.parent.mkdir()
    real.write_text("% my references\n", encoding="utf-8")
    link = tmp_path / "refs.bib"
    link.symlink_to(real)
    result = bib_cli(str(DIGEST), "-o", str(link), "--no-enrich")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real  # still a link, to the same file
    assert real.read_text(encoding="utf-8").startswith("% my references\n") and "@misc{" in real.read_text()

    locked = tmp_path / "locked.bib"
    locked.write_text("% frozen\n", encoding="utf-8")
    locked.chmod(0o444)
    refused = bib_cli(str(DIGEST), "-o", str(locked), "--no-enrich")
    assert refused.exit_code == 2
    assert f"{locked}: cannot be written: the file is read-only (make it writable" in refused.stderr
    assert locked.read_text(encoding="utf-8") == "% frozen\n"
    # no temp file, no .bak left by the refused write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked.bib", "refs.bib", "thesis"]


def test_the_same_doi_with_other_arxiv_ids_is_not_the_same_paper() -> None:
    """As on the Zotero side (find_existing): a shared DOI does not join two arXiv IDs
    (two preprints can cite one journal DOI by mistake, or share a proceedings DOI)."""
    from zotsync.core.bibmatch import bib_same_paper
    from zotsync.core.identity import Ident

    a = Ident(arxiv="2101.10001", doi="10.1000/x", fingerprint="a", authors=frozenset())
    b = Ident(arxiv="2101.10002", doi="10.1000/x", fingerprint="b", authors=frozenset())
    assert bib_same_paper(a, b) is None
    c = Ident(arxiv=None, doi="10.1000/x", fingerprint="c", authors=frozenset())
    assert bib_same_paper(a, c) == "doi"
