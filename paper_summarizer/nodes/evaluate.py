"""evaluate: code checks what it can measure; only a summary that clears every gate goes to the
LLM judge, whose reply is data to parse, never trusted to be well-formed."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import Runnable
from langgraph.runtime import Runtime

from paper_summarizer import models, quality, verdicts
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.nodes.shared import chat_model, judge_name, paper_for_prompt, store_of
from paper_summarizer.prompts import conversation, fill, template
from paper_summarizer.replies import add_usage, split_reply, usage_of
from paper_summarizer.state import State, Usage

JUDGE_TRIES = 2  # an unreadable verdict is asked for once more, then counts as not passed


def evaluate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    store = store_of(runtime)
    attempt = state["attempts"][-1]
    summary = state.get("summary", "")
    full_text = library.text(store, state["paper"])
    gates = quality.gates(summary, full_text, min_words=ctx.min_words, min_sections=ctx.min_sections)
    numbers = quality.grounding(summary, full_text)
    if not all(g["passed"] for g in gates):
        verdict = verdicts.from_gates(gates, numbers, empty=not summary.strip())
        return {"attempts": [{"round": attempt["round"], "verdict": verdict}]}

    paper_text, _ = paper_for_prompt(store, state["paper"], ctx)
    request = fill(
        ctx.evaluate_instructions or template("evaluate"),
        summary=summary,
        n_criteria=len(ctx.criteria),
    )
    messages = conversation(paper_text, ctx.criteria, ctx.min_words, ctx.min_sections, request)
    name = judge_name(ctx)
    judge = _judge_model(name, ctx)
    usages: list[Usage] = []
    reply, problem = None, ""
    for attempt_no in range(1, JUDGE_TRIES + 1):
        message = judge.invoke(
            messages,
            config={
                "run_name": f"judge round {attempt['round']}",
                "metadata": {"source": state["source"], "round": attempt["round"], "try": attempt_no},
            },
        )
        usages.append(usage_of(message))
        try:
            reply = verdicts.parse_judge_reply(split_reply(message)[0])
            break
        except ValueError as exc:
            problem = str(exc)
    verdict = verdicts.from_judge(reply, problem, ctx.criteria, gates, numbers, name, add_usage(*usages))
    return {"attempts": [{"round": attempt["round"], "verdict": verdict}]}


def _judge_model(name: str, ctx: Context) -> Runnable[Any, Any] | BaseChatModel:
    model = chat_model(name, ctx)
    if name != models.LOCAL:
        return model
    # llama.cpp turns the schema into a grammar: a 135M model then always answers in shape.
    schema = verdicts.judge_schema(len(ctx.criteria))
    return model.bind(response_format={"type": "json_schema", "json_schema": {"name": "verdict", "schema": schema}})
