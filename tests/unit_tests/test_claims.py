"""The claim-by-claim judge, the paper's key facts and the sources a reader can follow, with
fake models whose fact-checking replies are scripted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from paper_summarizer import claims, evidence
from paper_summarizer.context import Context
from paper_summarizer.graph import build_graph
from paper_summarizer.nodes import fact_check
from tests.factories import summary, write_paper
from tests.fakes import RecordingFake, script
from tests.graph_runs import invoke, state_of
from tests.scripted_server import fact_check_json, key_facts_json, request_of, role_of_request, verdict_json

Fakes = dict[str, RecordingFake]


def _run(paper: Path, store: InMemoryStore | None = None, thread: str = "t", **ctx: Any) -> dict[str, Any]:
    store = store if store is not None else InMemoryStore()
    graph = build_graph(InMemorySaver(), store)
    config: Any = {"configurable": {"thread_id": thread}}
    context = Context(model="writer", evaluator_model="judge", min_words=100, **ctx)
    out = invoke(graph, {"source": str(paper)}, config, context=context)
    return {**state_of(graph, config).values, "result": out["result"]}


def _fact_checks(judge: RecordingFake, role: str = "fact-checker") -> list[str]:
    return [request_of(str(p[-1].content)) for p in judge.fact_prompts if role_of_request(str(p[-1].content)) == role]


class FactChecker:
    """Answers fact-checks: sentence `failing` is not supported in the first round only."""

    def __init__(self, failing: int) -> None:
        self.failing, self.rounds = failing, 0

    def __call__(self, content: str) -> str:
        self.rounds += 1
        return fact_check_json(content, {self.failing: "not_supported"} if self.rounds == 1 else None)


def test_one_unsupported_sentence_fails_and_the_next_round_is_told_which(fakes: Fakes, tmp_path: Path) -> None:
    writer = script(fakes, "writer", [summary(150, seed=1), summary(150, seed=2)])
    judge = script(fakes, "judge", [verdict_json("PASS"), verdict_json("PASS")])
    judge.fact_replies = [key_facts_json(), FactChecker(failing=3)]
    state = _run(write_paper(tmp_path))
    first, second = (a["verdict"] for a in state["attempts"])
    assert first["evaluation"] == "NEEDS_IMPROVEMENT" and second["evaluation"] == "PASS"
    failed = next(g for g in first["gates"] if g["name"] == "claims")
    assert not failed["passed"] and failed["detail"].startswith("1 of ") and "sentence 3 (" in failed["detail"]
    checked = _fact_checks(judge)[0]
    sentence = re.search(r"^Sentence 3: (.+)$", checked, re.MULTILINE)
    assert sentence is not None
    revision = request_of(str(writer.prompts[1][-1].content))
    assert sentence.group(1)[:60] in revision and "Correct or remove these sentences" in revision


def test_each_sentence_goes_to_the_judge_with_its_evidence(fakes: Fakes, tmp_path: Path) -> None:
    script(fakes, "writer", [summary(150, seed=1)])
    judge = script(fakes, "judge", [verdict_json("PASS")])
    result = _run(write_paper(tmp_path), max_iterations=1)["result"]
    request = _fact_checks(judge)[0]
    numbered = re.findall(r"^Sentence (\d+): ", request, re.MULTILINE)
    assert numbered == [str(n) for n in range(1, len(numbered) + 1)] and len(numbered) >= 8
    assert re.search(r"^  Evidence 1 \((?:§\d|Abstract|Gated)[^)]*\): \S", request, re.MULTILINE)
    assert "Fact 1 (contribution)" in request  # and which key facts it conveys, in the same call
    # The report lists every sentence with its evidence and answer, and the key facts.
    assert len(result["claims"]) == len(numbered)
    assert all(c["verdict"] == "supported" and c["evidence"] for c in result["claims"][:3])
    assert [f["conveyed"] for f in result["key_facts"]] == [True, True, True]
    assert "checked against the paper and supported; it conveys 3 of the paper's 3 key facts" in result["markdown"]


def test_key_facts_are_extracted_once_per_paper_and_again_when_their_prompt_changes(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(fakes, "writer", [summary(150, seed=1), summary(150, seed=2), summary(150, seed=3)])
    judge = script(fakes, "judge", [verdict_json("PASS")] * 3)
    paper, store = write_paper(tmp_path), InMemoryStore()
    _run(paper, store, thread="a")
    _run(paper, store, thread="b")
    assert len(_fact_checks(judge, "reader")) == 1  # the second run, on the same paper, reads the store
    monkeypatch.setattr(fact_check, "key_facts_version", lambda: "changed")
    _run(paper, store, thread="c")
    assert len(_fact_checks(judge, "reader")) == 2


def test_a_summary_that_leaves_out_most_key_facts_fails_coverage_naming_them(fakes: Fakes, tmp_path: Path) -> None:
    script(fakes, "writer", [summary(150, seed=1)])
    judge = script(fakes, "judge", [verdict_json("PASS")])
    judge.fact_replies = [key_facts_json(), lambda content: fact_check_json(content, conveyed=[1])]
    result = _run(write_paper(tmp_path), max_iterations=1)["result"]
    assert result["status"] == "cap reached" and "key_facts" in result["failing"]
    assert "still failing: key_facts" in result["markdown"] and "Passed every check" not in result["markdown"]
    state_gate = result["attempts"][0]["verdict"]["gates"][-1]
    assert "conveys 1 of the paper's 3 key facts (33%, needs 70%)" in state_gate["detail"]
    assert "The study uses one small benchmark." in state_gate["detail"]


def test_min_coverage_zero_extracts_no_key_facts(fakes: Fakes, tmp_path: Path) -> None:
    script(fakes, "writer", [summary(150, seed=1)])
    judge = script(fakes, "judge", [verdict_json("PASS")])
    result = _run(write_paper(tmp_path), max_iterations=1, min_coverage=0)["result"]
    assert _fact_checks(judge, "reader") == [] and result["key_facts"] == [] and result["status"] == "passed"


def test_a_small_judge_checks_claims_a_few_at_a_time_without_the_paper(fakes: Fakes, tmp_path: Path) -> None:
    script(fakes, "writer", [summary(150, seed=1)])
    judge = script(fakes, "judge", [verdict_json("PASS")])
    result = _run(write_paper(tmp_path), max_iterations=1, context_window=8192, draft_mode="whole")["result"]
    checks = [p for p in judge.fact_prompts if role_of_request(str(p[-1].content)) == "fact-checker"]
    assert len(checks) == -(-len(result["claims"]) // fact_check.CLAIMS_PER_SMALL_CALL) > 1
    assert all("<paper>" not in str(p[-1].content) for p in checks)
    per_call = fact_check.CLAIMS_PER_SMALL_CALL
    assert all(len(re.findall(r"^Sentence \d+:", str(p[-1].content), re.MULTILINE)) <= per_call for p in checks)
    # coverage is asked once, with the whole summary; the other calls hold their sentences only
    assert sum("Fact 1 (" in str(p[-1].content) for p in checks) == 1
    assert sum("<summary>" in str(p[-1].content) for p in checks) == 1


def test_a_sentence_the_judge_leaves_unanswered_does_not_pass() -> None:
    checked, _ = claims.judged(
        [{"number": 1, "text": "a", "evidence": []}, {"number": 2, "text": "b", "evidence": []}],
        [claims.parse_claims(fact_check_json("Sentence 1: a\n"), [1, 2])],
        [],
    )
    assert [c["verdict"] for c in checked] == ["supported", "not_assessed"]
    assert not claims.faithful_check(checked)["passed"]


def test_sources_are_written_by_code_after_each_paragraph(fakes: Fakes, tmp_path: Path) -> None:
    script(fakes, "writer", [summary(150, seed=1), summary(150, seed=1)])
    script(fakes, "judge", [verdict_json("PASS")] * 2)
    markdown = _run(write_paper(tmp_path), max_iterations=1)["result"]["markdown"]
    paragraphs = [p for p in markdown.split("---")[0].split("\n\n") if p and not p.startswith(("#", "**TL;DR"))]
    assert paragraphs and all(re.search(r" \((?:§\d|Abstract|Gated)[^()]*\)$", p) for p in paragraphs), paragraphs
    plain = _run(write_paper(tmp_path), thread="n", max_iterations=1, sources=False)["result"]["markdown"]
    assert not re.search(r" \(§\d[^()]*\)$", plain, re.MULTILINE)


def test_sources_are_not_added_to_a_table_whose_last_row_would_get_a_stray_cell() -> None:
    text = "# T\n\n| a | b |\n|---|---|\n| [1] | 46% |\n"
    found = {"section": "[1] The results", "start": 0, "end": 1}
    claim = {"number": 1, "block": 1, "text": "| a | b |", "verdict": "supported", "evidence": [found]}
    assert claims.with_sources(text, [claim], evidence.Locator()) == text
