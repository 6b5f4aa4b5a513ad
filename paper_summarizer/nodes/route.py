"""The conditional edges: pure functions of the state and the run's settings (runtime.context),
no I/O, no exceptions. Nothing is copied into the state for their sake, so a cap raised on
resume takes effect at once."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Send

from paper_summarizer.context import Context
from paper_summarizer.state import State


def route_after_fetch(state: State) -> list[Send] | Literal["generate"]:
    """Condense a paper with a plan of parts, all parts at once; otherwise start writing."""
    paper = state["paper"]
    if not paper.get("parts") or paper.get("condensed_key"):
        return "generate"
    return [Send("condense", {"source": state["source"], "paper": paper, "part": part}) for part in paper["parts"]]


def route(state: State, runtime: Runtime[Context]) -> Literal["generate", "review", "finalize"]:
    """After a verdict (or a reviewer's answer): another round, a reviewer, or the result."""
    attempts = state.get("attempts") or []
    last = attempts[-1] if attempts else {}
    verdict = last.get("verdict")
    if verdict is None:
        return "generate"
    if runtime.context.human_review and "review" not in last:
        return "review"
    if verdict["evaluation"] == "PASS" or len(attempts) >= runtime.context.max_iterations:
        return "finalize"
    return "generate"
