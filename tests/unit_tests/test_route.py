from __future__ import annotations

from typing import Any

import pytest
from langgraph.runtime import Runtime

from paper_summarizer.context import Context
from paper_summarizer.nodes.route import route, route_start


def verdict(evaluation: str) -> dict[str, Any]:
    return {
        "evaluation": evaluation,
        "feedback": "",
        "gates": [],
        "grounding": [],
        "criteria": [],
        "judge_model": "",
        "usage": {},
    }


def state(*evaluations: str | None, cap: int = 4, review: bool = False, reviewed: bool = False) -> tuple[Any, Any]:
    """(state, runtime): the run's settings travel in the runtime's context, not the state."""
    attempts = []
    for i, e in enumerate(evaluations, 1):
        a: dict[str, Any] = {"round": i, "summary": "s"}
        if e is not None:
            a["verdict"] = verdict(e)
        attempts.append(a)
    if reviewed:
        attempts[-1]["review"] = "approved"
    return {"source": "x", "attempts": attempts}, Runtime(
        context=Context(model="writer", max_iterations=cap, human_review=review)
    )


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        (state("PASS"), "finalize"),
        (state("NEEDS_IMPROVEMENT"), "generate"),
        (state("FAIL"), "generate"),
        (state("NEEDS_IMPROVEMENT", "FAIL", "NEEDS_IMPROVEMENT", "NEEDS_IMPROVEMENT"), "finalize"),
        (state("NEEDS_IMPROVEMENT", "PASS", cap=2), "finalize"),
        (state("NEEDS_IMPROVEMENT", cap=1), "finalize"),
        (state(None), "generate"),
        (state("PASS", review=True), "review"),
        (state("PASS", review=True, reviewed=True), "finalize"),
        (state("NEEDS_IMPROVEMENT", review=True, reviewed=True), "generate"),
        (({"source": "x"}, Runtime(context=Context(model="writer"))), "generate"),
    ],
)
def test_route_covers_every_edge(s: Any, expected: str) -> None:
    assert route(*s) == expected


def test_route_is_pure() -> None:
    s, runtime = state("NEEDS_IMPROVEMENT", "NEEDS_IMPROVEMENT")
    before = repr(s)
    assert route(s, runtime) == route(s, runtime) == "generate"
    assert repr(s) == before


def test_the_cap_is_read_from_the_run_settings_not_the_state(monkeypatch: Any) -> None:
    s, _ = state("NEEDS_IMPROVEMENT", "NEEDS_IMPROVEMENT", cap=2)
    assert route(s, Runtime(context=Context(model="writer", max_iterations=2))) == "finalize"
    assert route(s, Runtime(context=Context(model="writer", max_iterations=3))) == "generate"
    monkeypatch.setenv("PAPER_SUMMARIZER_MAX_ITERATIONS", "9")
    assert route(s, Runtime(context=Context(model="writer", max_iterations=2))) == "finalize"  # explicit beats env
    assert route(s, Runtime(context=Context(model="writer"))) == "generate"  # env is the default


@pytest.mark.parametrize(
    ("ctx", "step"),
    [
        (Context(model="local"), "outline"),  # the embedded model writes section by section
        (Context(model="openai:gpt-4o-mini"), "generate"),
        (Context(model="openai:gpt-4o-mini", context_window=8192), "outline"),  # a small context
        (Context(model="openai:gpt-4o-mini", draft_mode="outline"), "outline"),
        (Context(model="local", draft_mode="whole"), "generate"),
    ],
)
def test_a_small_model_drafts_by_outline(ctx: Context, step: str) -> None:
    s, _ = state("NEEDS_IMPROVEMENT")
    assert route(s, Runtime(context=ctx)) == step


@pytest.mark.parametrize(
    ("evaluations", "cap", "more_rounds", "expected"),
    [
        (("FAIL", "NEEDS_IMPROVEMENT"), 4, True, "generate"),  # the cap was raised: another round
        (("FAIL", "NEEDS_IMPROVEMENT"), 2, True, "finalize"),  # not raised: the result stands
        (("FAIL", "PASS"), 4, True, "finalize"),  # it passed: nothing to improve
        (("FAIL", "NEEDS_IMPROVEMENT"), 4, False, "fetch"),  # a new run on the thread
    ],
)
def test_more_rounds_are_decided_by_the_graph_not_the_client(
    evaluations: tuple[str, ...], cap: int, more_rounds: bool, expected: str
) -> None:
    s, runtime = state(*evaluations, cap=cap)
    s.update(paper={"key": "k"}, more_rounds=more_rounds)
    assert route_start(s, runtime) == expected
