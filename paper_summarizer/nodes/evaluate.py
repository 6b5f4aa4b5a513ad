"""evaluate: code checks what it can measure; only a summary that clears every gate goes to the
LLM judge, whose replies are data to parse, never trusted to be well-formed.

The judge answers twice over, in calls made together: once on the criteria (clarity for the
audience, grammar, structure, the TL;DR), and once sentence by sentence, each sentence with its
evidence in the paper (see nodes/fact_check.py). Faithfulness is that second answer: it passes
only when no sentence fails, and a coverage gate fails a summary that leaves out most of the
paper's key facts. A judge that cannot answer costs the writer no round: the node fails with a
retryable error, and the graph's RetryPolicy judges the same summary again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Protocol

from langgraph.runtime import Runtime

from paper_summarizer import claims, figure_markers, prompts, quality, texts, verdicts
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.documents.figures import Figure
from paper_summarizer.nodes import fact_check
from paper_summarizer.nodes.shared import check_budget, judge_name, paper_for_prompt, store_of
from paper_summarizer.prompts import conversation, fill, quote, template
from paper_summarizer.replies import add_usage
from paper_summarizer.state import Check, NumberCheck, State

# (summary, paper text, settings) -> (every gate, each number with whether the paper states it)
Gates = Callable[..., tuple[list[Check], list[NumberCheck]]]


class EvaluateNode(Protocol):
    async def __call__(self, state: State, runtime: Runtime[Context]) -> dict[str, Any]: ...


def evaluate_with(gates: Gates) -> EvaluateNode:
    """The evaluate node with these code gates: a summary's (quality.assess), or an overview's
    across papers, which adds its own (see synthesis.py)."""

    async def evaluate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        return await _evaluate(state, runtime, gates)

    return evaluate


async def _evaluate(state: State, runtime: Runtime[Context], assess: Gates) -> dict[str, Any]:
    ctx = runtime.context
    store = store_of(runtime)
    attempt = state["attempts"][-1]
    summary = state.get("summary", "")
    full_text, where = await library.located_text(store, state["paper"])
    figures = await library.figures(store, state["paper"])
    # The checks search the paper (an index built on first use) and load a language model from
    # disk: off the event loop, which LangGraph Server's blocking check enforces. They read the
    # summary without its figure markers (code's to fill), and a marker naming no figure fails.
    gates, numbers = await asyncio.to_thread(
        assess,
        figure_markers.without_markers(summary),
        full_text,
        min_words=ctx.min_words,
        min_sections=ctx.min_sections,
        language=ctx.language,
        paper_title=state["paper"]["title"],
    )
    gates = [*gates, _figures_check(summary, figures)]
    if not all(g["passed"] for g in gates):
        verdict = verdicts.from_gates(gates, numbers, empty=not summary.strip())
        return {"attempts": [{"round": attempt["round"], "verdict": verdict}]}

    paper_text, _ = await paper_for_prompt(store, state["paper"], ctx, full_text)
    facts, facts_usage, facts_calls = await fact_check.key_facts(state, ctx, store, full_text, where)
    summary_claims = await asyncio.to_thread(claims.claims_of, summary, full_text)
    check_budget(state, ctx, facts_calls + 1 + fact_check.claim_calls(ctx, len(summary_claims)))
    criteria = prompts.criteria(ctx)
    request = fill(ctx.evaluate_instructions or template("evaluate"), summary=quote(summary), n_criteria=len(criteria))
    name = judge_name(ctx)
    judge = await fact_check.structured(name, ctx, "verdict", verdicts.judge_schema(len(criteria)))
    run = {"run_name": f"judge round {attempt['round']}", "metadata": {"source": state["source"]}}
    (reply, usage, calls), (answers, claims_usage, claims_calls) = await asyncio.gather(
        fact_check.ask_json(
            judge, conversation(paper_text, ctx, request), lambda t: verdicts.parse_judge_reply(t, len(criteria)), run
        ),
        fact_check.check_claims(state, ctx, summary, full_text, paper_text, summary_claims, facts, where),
    )
    checked, covered = claims.judged(summary_claims, answers, facts)
    gates = [*gates, claims.faithful_check(checked), claims.coverage_check(covered, ctx.min_coverage)]
    # The claims, their evidence and the facts live in the store; the state keeps their key.
    record = await texts.put(store, json.dumps({"claims": checked, "facts": covered}, ensure_ascii=False))
    verdict = verdicts.from_judge(
        reply, criteria, gates, numbers, name, add_usage(usage, claims_usage, facts_usage), claims_key=record
    )
    return {
        "attempts": [{"round": attempt["round"], "verdict": verdict}],
        "model_calls": facts_calls + calls + claims_calls,
    }


def _figures_check(summary: str, figures: list[Figure]) -> Check:
    unknown = figure_markers.unknown_markers(summary, figures)
    listed = ", ".join(figure_markers.marker(f) for f in figures) or "none"
    problem = f"places {', '.join(unknown)}, which the paper does not have; use only its figures ({listed})"
    return quality.check("figures", problem if unknown else "")


evaluate = evaluate_with(quality.assess)
