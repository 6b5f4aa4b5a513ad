"""The conditional edge after a verdict: a pure function of the state, no I/O, no exceptions.
"__end__" is LangGraph's END."""

from __future__ import annotations

from typing import Literal

from langgraph.types import Send

from paper_summarizer.state import State

DEFAULT_MAX_ITERATIONS = 4


def route_after_fetch(state: State) -> list[Send] | Literal["generate"]:
    """Condense a paper with a plan of parts, all parts at once; otherwise start writing."""
    paper = state["paper"]
    if not paper.get("parts") or paper.get("condensed_key"):
        return "generate"
    return [Send("condense", {"source": state["source"], "paper": paper, "part": part}) for part in paper["parts"]]


def route(state: State) -> Literal["generate", "review", "__end__"]:
    attempts = state.get("attempts") or []
    last = attempts[-1] if attempts else {}
    verdict = last.get("verdict")
    if verdict is None:
        return "generate"
    if state.get("human_review") and "review" not in last:
        return "review"
    if verdict["evaluation"] == "PASS":
        return "__end__"
    if len(attempts) >= state.get("max_iterations", DEFAULT_MAX_ITERATIONS):
        return "__end__"
    return "generate"
