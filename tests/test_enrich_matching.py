"""Choosing the record that is a paper, and folding records in (core.resolution): pure."""

from __future__ import annotations

from datetime import date

from zotsync.core.paper import Paper, Source, Summary
from zotsync.core.resolution import (
    Outcome,
    Rejection,
    Status,
    apply_arxiv,
    apply_huggingface,
    match_candidates,
    needs_enrichment,
)

PAGE = Paper(title="Brain3D: Generating 3D Objects from fMRI", author_count=7,
             published=date(2024, 5, 24), upvotes=3, sources=(Source("page.txt", 40),))


def record(arxiv_id: str, title: str = PAGE.title, authors: int = 7, day: date = date(2024, 5, 24),
           **fields: object) -> Paper:
    names = tuple(f"Author{k} Name{k}" for k in range(authors))
    return Paper(title=title, arxiv_id=arxiv_id, authors=names, published=day, **fields)  # type: ignore[arg-type]


def test_the_one_record_with_the_same_title_count_and_date_is_taken() -> None:
    hits = [record("2405.10122"), record("2405.99999", title="Brain3D: Something Else")]
    match = match_candidates(PAGE, hits)
    assert match.status is Status.RESOLVED
    assert match.chosen is not None and match.chosen.arxiv_id == "2405.10122"
    assert match.rejected == ()  # other search hits are not reported


def test_spelling_differences_do_not_matter() -> None:
    hit = record("2405.10122", title="brain3d - generating 3D objects from {fMRI}")
    assert match_candidates(PAGE, [hit]).status is Status.RESOLVED


def test_two_fitting_records_are_ambiguous_and_none_is_taken() -> None:
    twin = record("2405.10322", title="Brain3D - Generating 3D objects From fMRI", day=date(2024, 5, 25))
    match = match_candidates(PAGE, [record("2405.10122"), twin])
    assert match.status is Status.AMBIGUOUS
    assert match.chosen is None
    assert [c.arxiv_id for c in match.fitting] == ["2405.10122", "2405.10322"]


def test_a_lone_record_failing_a_check_is_rejected_not_guessed() -> None:
    match = match_candidates(PAGE, [record("2405.10122", authors=6)])
    assert match.status is Status.NOT_FOUND
    assert match.rejected == (Rejection(record("2405.10122", authors=6), "6 authors, not 7"),)

    far = match_candidates(PAGE, [record("2405.10122", day=date(2023, 1, 2))])
    assert far.status is Status.NOT_FOUND
    assert far.rejected[0].reason == "published 2023-01-02, not 2024-05-24"


def test_the_author_count_tells_twins_apart() -> None:
    match = match_candidates(PAGE, [record("2405.10122", authors=6), record("2405.10300")])
    assert match.chosen is not None and match.chosen.arxiv_id == "2405.10300"
    assert [r.candidate.arxiv_id for r in match.rejected] == ["2405.10122"]


def test_dates_a_few_days_apart_agree() -> None:
    assert match_candidates(PAGE, [record("2405.10122", day=date(2024, 5, 22))]).status is Status.RESOLVED


def test_named_authors_must_share_someone() -> None:
    paper = Paper(title="A Title", authors=("Ada Okafor", "Bruno Silva"))
    stranger = Paper(title="A title", arxiv_id="2501.00001", authors=("Chen Park", "Dana Rossi"))
    colleague = Paper(title="A title", arxiv_id="2501.00002", authors=("A. Okafor", "Dana Rossi"))
    assert match_candidates(paper, [stranger]).status is Status.NOT_FOUND
    assert match_candidates(paper, [colleague]).status is Status.RESOLVED


def test_records_without_id_and_papers_without_title_never_match() -> None:
    assert match_candidates(PAGE, [Paper(title=PAGE.title)]).status is Status.NOT_FOUND
    assert match_candidates(Paper(title="  "), [record("2405.10122", title="")]).status is Status.NOT_FOUND


def test_one_id_seen_twice_is_one_candidate() -> None:
    assert match_candidates(PAGE, [record("2405.10122"), record("2405.10122")]).status is Status.RESOLVED


def test_papers_lacking_an_id_authors_or_date_need_enrichment() -> None:
    complete = Paper(title="T", arxiv_id="2501.00001", authors=("A B",), published=date(2025, 1, 1))
    assert not needs_enrichment(complete)
    assert needs_enrichment(complete.replace(arxiv_id=None))
    assert needs_enrichment(complete.replace(authors=()))
    assert needs_enrichment(complete.replace(published=None))


def test_huggingface_fills_gaps_only() -> None:
    hf = record("2405.10122", title="Brain3D: generating 3D objects from fMRI", abstract="HF abstract",
                ai_summary="Short.", upvotes=12, day=date(2024, 5, 23))
    merged = apply_huggingface(PAGE.replace(abstract="Page abstract"), hf)
    assert merged.arxiv_id == "2405.10122"
    assert merged.title == PAGE.title and merged.abstract == "Page abstract"
    assert merged.published == date(2024, 5, 24)  # the page's date stays
    assert len(merged.authors) == 7
    assert merged.ai_summary == "Short." and merged.upvotes == 12
    assert merged.sources == PAGE.sources


def test_arxiv_is_the_source_of_record_but_the_digest_keeps_its_texts() -> None:
    summary = Summary(tldr="一句话", language="zh")
    digest = Paper(title="Digest Title", arxiv_id="2506.02013", version=1, authors=("D. Igest",),
                   abstract="Digest abstract", categories=("cs.AI",), primary_category="cs.AI",
                   summary=summary, upvotes=2, sources=(Source("d.md", 5),))
    arxiv = Paper(title="ArXiv Title", arxiv_id="2506.02013", version=3, authors=("Dee Igest", "Co Author"),
                  abstract="arXiv abstract", categories=("cs.LG", "cs.AI"), primary_category="cs.LG",
                  published=date(2025, 6, 2), updated=date(2025, 7, 1), comment="9 pages",
                  journal_ref="J. Things 1 (2025)", doi="10.1000/things")
    merged = apply_arxiv(digest, arxiv)
    assert merged.title == "Digest Title" and merged.abstract == "Digest abstract"
    assert merged.summary == summary and merged.upvotes == 2 and merged.sources == digest.sources
    assert merged.authors == ("Dee Igest", "Co Author")
    assert merged.categories == ("cs.LG", "cs.AI") and merged.primary_category == "cs.LG"
    assert (merged.published, merged.updated) == (date(2025, 6, 2), date(2025, 7, 1))
    assert merged.version == 3
    assert merged.comment == "9 pages"
    assert (merged.journal_ref, merged.doi) == ("J. Things 1 (2025)", "10.1000/things")


def test_outcome_json_names_candidates_and_rejections() -> None:
    outcome = Outcome(Status.AMBIGUOUS, reason="several", candidates=(record("2405.10122"),),
                      rejected=(Rejection(record("2405.10300", authors=6), "6 authors, not 7"),))
    shown = outcome.to_dict()
    assert shown["resolution"] == "ambiguous"
    assert shown["candidates"][0]["arxiv_id"] == "2405.10122"
    assert shown["candidates"][0]["author_count"] == 7
    assert shown["rejected"][0]["rejected"] == "6 authors, not 7"
