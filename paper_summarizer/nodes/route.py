"""The conditional edges: pure functions of the state and the run's settings (runtime.context),
no I/O, no exceptions. Nothing is copied into the state for their sake, so a cap raised on
resume takes effect at once."""

from __future__ import annotations

from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Send

from paper_summarizer.context import Context
from paper_summarizer.nodes.shared import drafts_by_outline, round_cap, with_writer
from paper_summarizer.state import PaperTask, ReadingListState, State

Draft = Literal["generate", "outline"]


def draft_step(state: State, runtime: Runtime[Context]) -> Draft:
    """A round is written in one call, or section by section for a small model."""
    return "outline" if drafts_by_outline(with_writer(runtime.context, state)) else "generate"


def route_start(state: State, runtime: Runtime[Context]) -> Literal["fetch", "finalize"] | Draft:
    """A new run fetches its paper. A finished run asked for more rounds goes back to drafting
    when its cap now allows another and its best attempt did not pass; otherwise its result
    stands, and is given again."""
    attempts = state.get("attempts") or []
    if not (state.get("more_rounds") and state.get("paper") and attempts):
        return "fetch"
    passed = any(a.get("verdict", {}).get("evaluation") == "PASS" for a in attempts)
    if passed or len(attempts) >= round_cap(with_writer(runtime.context, state)):
        return "finalize"
    return draft_step(state, runtime)


def route_after_fetch(state: State, runtime: Runtime[Context]) -> list[Send] | Draft:
    """Condense a paper with a plan of parts, all parts at once; otherwise start writing."""
    paper = state["paper"]
    if not paper.get("parts") or paper.get("condensed_key"):
        return draft_step(state, runtime)
    return [
        Send("condense", {"source": state["source"], "paper": paper, "part": part, "writer": state.get("writer", "")})
        for part in paper["parts"]
    ]


def route_sections(state: State) -> list[Send]:
    """Every section of this round's outline, written at once."""
    attempts = state.get("attempts") or []
    verdict = attempts[-1].get("verdict") if attempts else None
    feedback = verdict["feedback"] if verdict and verdict["evaluation"] != "PASS" else ""
    task = {
        "source": state["source"], "paper": state["paper"], "round": len(attempts) + 1, "feedback": feedback,
        "writer": state.get("writer", ""),
    }  # fmt: skip
    return [Send("write_section", {**task, "section": section}) for section in state["outline"]]


def route(state: State, runtime: Runtime[Context]) -> Literal["generate", "outline", "review", "finalize"]:
    """After a verdict (or a reviewer's answer): another round, a reviewer, or the result."""
    attempts = state.get("attempts") or []
    last = attempts[-1] if attempts else {}
    verdict = last.get("verdict")
    if verdict is None:
        return draft_step(state, runtime)
    if runtime.context.human_review and "review" not in last:
        return "review"
    if verdict["evaluation"] == "PASS" or len(attempts) >= round_cap(with_writer(runtime.context, state)):
        return "finalize"
    return draft_step(state, runtime)


def route_papers(state: ReadingListState) -> list[Send] | Literal["finish"]:
    """Every paper of a reading list, summarized at once (up to the run's max_concurrency)."""
    if not state["sources"]:
        return "finish"
    uploads = state.get("uploads") or []
    return [
        Send("summarize_paper", PaperTask(index=n, source=s, upload=uploads[n - 1] if n <= len(uploads) else None))
        for n, s in enumerate(state["sources"], 1)
    ]
