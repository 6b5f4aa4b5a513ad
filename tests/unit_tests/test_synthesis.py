"""The overview's own gates, against a document of the papers' summaries (synthesis.py)."""

from __future__ import annotations

from typing import Any

import pytest

from paper_summarizer import evidence, synthesis
from tests.factories import LIST_TITLES, list_summary, overview


def _document(second: tuple[str, str] = ("", "")) -> str:
    """The reading list's summaries as one document; `second`: (old, new) text in paper 2's."""
    results: list[tuple[int, Any]] = []
    for n, title in enumerate(LIST_TITLES, 1):
        text = list_summary(title)
        results.append((n, {"title": title, "summary": text.replace(*second) if n == 2 and second[0] else text}))
    return synthesis.document("Are gates worth it?", results)


def _failing(text: str, paper: str) -> dict[str, str]:
    checks, _ = synthesis.gates(text, paper, min_words=100, min_sections=3, paper_title="; ".join(LIST_TITLES))
    return {c["name"]: c["detail"] for c in checks if not c["passed"]}


def test_the_document_names_each_paper_in_each_of_its_sections() -> None:
    paper = _document()
    assert paper.startswith("# Are gates worth it?\n")
    assert "## [2] Gated Writers for Summaries\n\n**TL;DR:**" in paper and "### [2] The results\n" in paper
    assert "# Gated Writers for Summaries: A Clear Summary" not in paper  # each summary's own title is its heading
    assert {n: title for n, (title, _) in synthesis.listed(paper).items()} == dict(enumerate(LIST_TITLES, 1))
    assert "Gates rejected 46%" in synthesis.listed(paper)[3][1]


def test_an_overview_that_compares_every_paper_from_their_summaries_passes_every_gate() -> None:
    assert _failing(overview(), _document()) == {}


def test_an_overview_that_leaves_out_a_paper_fails_and_says_which() -> None:
    failing = _failing(overview(cited=(1, 2)), _document())
    assert list(failing) == ["cites_every_paper"]
    assert "does not cite [3] Gated Readers for Summaries" in failing["cites_every_paper"]


def test_a_paper_named_by_its_title_is_cited() -> None:
    text = overview(cited=(1, 2)).replace(
        "## What to read first", "## What to read first\n\nGated Readers for Summaries comes last."
    )
    assert "cites_every_paper" not in _failing(text, _document())


def test_a_number_that_no_summary_states_fails() -> None:
    failing = _failing(overview(number="73%"), _document())
    assert "73%" in failing["numbers"]
    assert '73% in "Gates rejected 73% of drafts in [1], [2], [3]' in failing["cited_numbers"]


def test_a_number_given_to_a_paper_whose_summary_does_not_state_it_fails() -> None:
    # Paper 2's summary says 52% where the others say 46%: "[2] ... 46%" is another paper's result.
    paper = _document(second=("rejected 46%", "rejected 52%"))
    failing = _failing(overview(), paper)
    assert list(failing) == ["cited_numbers"]
    assert "is not in the summary of [2]" in failing["cited_numbers"] and "[1]" not in failing["cited_numbers"]


@pytest.mark.parametrize("text", ["As [2] shows, gates help.", "Both [1, 3] and [2; 3] agree."])
def test_citations_are_not_numbers_the_overview_states(text: str) -> None:
    assert evidence.numbers(synthesis.uncited(text)) == []
    assert synthesis.citations(text) <= {1, 2, 3}
