from __future__ import annotations

from typing import Any

import pytest

from paper_summarizer.nodes.route import route


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


def state(*evaluations: str | None, cap: int = 4, review: bool = False, reviewed: bool = False) -> Any:
    attempts = []
    for i, e in enumerate(evaluations, 1):
        a: dict[str, Any] = {"round": i, "summary": "s"}
        if e is not None:
            a["verdict"] = verdict(e)
        attempts.append(a)
    if reviewed:
        attempts[-1]["review"] = "approved"
    return {"source": "x", "attempts": attempts, "max_iterations": cap, "human_review": review}


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        (state("PASS"), "__end__"),
        (state("NEEDS_IMPROVEMENT"), "generate"),
        (state("FAIL"), "generate"),
        (state("NEEDS_IMPROVEMENT", "FAIL", "NEEDS_IMPROVEMENT", "NEEDS_IMPROVEMENT"), "__end__"),
        (state("NEEDS_IMPROVEMENT", "PASS", cap=2), "__end__"),
        (state("NEEDS_IMPROVEMENT", cap=1), "__end__"),
        (state(None), "generate"),
        (state("PASS", review=True), "review"),
        (state("PASS", review=True, reviewed=True), "__end__"),
        (state("NEEDS_IMPROVEMENT", review=True, reviewed=True), "generate"),
        ({"source": "x"}, "generate"),
    ],
)
def test_route_covers_every_edge(s: Any, expected: str) -> None:
    assert route(s) == expected


def test_route_is_pure() -> None:
    s = state("NEEDS_IMPROVEMENT", "NEEDS_IMPROVEMENT")
    before = repr(s)
    assert route(s) == route(s) == "generate"
    assert repr(s) == before
