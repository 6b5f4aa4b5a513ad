"""generate: the writer drafts a summary, or revises the latest one against its open points."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from paper_summarizer import texts
from paper_summarizer.context import Context
from paper_summarizer.nodes.shared import chat_model, paper_for_prompt, store_of, writer_name
from paper_summarizer.prompts import conversation, fill, template
from paper_summarizer.replies import split_reply, usage_of
from paper_summarizer.state import Attempt, State


def generate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    paper = state["paper"]
    store = store_of(runtime)
    paper_text, _ = paper_for_prompt(store, paper, ctx)
    attempts = state.get("attempts") or []
    round_no = len(attempts) + 1
    if attempts:
        # Only the latest attempt and its open points: the prompt does not grow every round.
        last = attempts[-1]
        request = fill(
            template("revise"),
            feedback=open_points(last),
            summary=state.get("summary", ""),
            min_words=ctx.min_words,
        )
    else:
        request = fill(ctx.generate_instructions or template("generate"), min_words=ctx.min_words)
    messages = conversation(paper_text, ctx.criteria, ctx.min_words, ctx.min_sections, request)
    name = writer_name(ctx)
    reply = chat_model(name, ctx).invoke(
        messages,
        config={
            "run_name": f"write round {round_no}",
            "metadata": {"source": state["source"], "round": round_no, "model": name},
        },
    )
    summary, reasoning = split_reply(reply)
    attempt = Attempt(
        round=round_no,
        summary_key=texts.put(store, summary),
        reasoning_key=texts.put(store, reasoning),
        words=len(summary.split()),
        model=name,
        usage=usage_of(reply),
    )
    # The cap and review switch travel in the state so the router stays a pure function of it.
    return {
        "summary": summary,
        "attempts": [attempt],
        "max_iterations": ctx.max_iterations,
        "human_review": ctx.human_review,
    }


def open_points(attempt: Attempt) -> str:
    verdict = attempt.get("verdict")
    points = verdict["feedback"] if verdict else "- (no verdict was recorded)"
    if attempt.get("review"):
        points = f"- A human reviewer wrote: {attempt['review']}\n{points}"
    return points
