"""generate: the writer drafts a summary, or revises the best one so far against its open points."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from paper_summarizer import figure_markers, texts, verdicts
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.nodes.shared import chat_model, check_budget, paper_for_prompt, store_of, writer_name
from paper_summarizer.prompts import conversation, criteria, fill, quote, template, writer_instructions
from paper_summarizer.replies import split_reply, usage_of
from paper_summarizer.state import Attempt, State


async def generate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    paper = state["paper"]
    store = store_of(runtime)
    paper_text, _ = await paper_for_prompt(store, paper, ctx)
    attempts = state.get("attempts") or []
    round_no = len(attempts) + 1
    figures = await library.figures(store, paper) if ctx.max_figures else []
    instructions = writer_instructions(ctx, figure_markers.figure_list(figures, ctx.max_figures))
    base = revision_base(attempts, len(criteria(ctx)))
    if base is None:
        request = fill(template("generate"), instructions=instructions)
    else:
        # Only one earlier attempt and its open points: the prompt does not grow every round.
        request = fill(
            template("revise"),
            feedback=base["verdict"]["feedback"],
            summary=quote(await texts.get(store, base.get("summary_key", ""))),
            instructions=instructions,
        )
    messages = conversation(paper_text, ctx, request)
    check_budget(state, ctx, 1)
    name = writer_name(ctx)
    reply = await (await chat_model(name, ctx)).ainvoke(
        messages,
        config={
            "run_name": f"write round {round_no}",
            "metadata": {"source": state["source"], "round": round_no, "model": name},
        },
    )
    summary, reasoning = split_reply(reply)
    attempt = Attempt(
        round=round_no,
        summary_key=await texts.put(store, summary),
        reasoning_key=await texts.put(store, reasoning),
        words=len(summary.split()),
        model=name,
        usage=usage_of(reply),
    )
    return {"summary": summary, "attempts": [attempt], "model_calls": 1}


def revision_base(attempts: list[Attempt], n_criteria: int) -> Attempt | None:
    """The attempt to revise: the best one so far, so a FAIL (an empty or off-topic reply) or a
    worse round is not what the writer builds on. None (write afresh) when nothing worth
    revising exists yet."""
    best = verdicts.best_attempt(attempts, n_criteria)
    if best is None or best["verdict"]["evaluation"] == "FAIL" or not best.get("summary_key"):
        return None
    return best
