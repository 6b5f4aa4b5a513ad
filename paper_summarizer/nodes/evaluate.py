"""evaluate: code checks what it can measure; only a summary that clears every gate goes to the
LLM judge, whose reply is data to parse, never trusted to be well-formed.

The judge is asked for structured output the way its provider supports it: a JSON schema for
OpenAI-compatible servers (llama.cpp turns it into a grammar), JSON mode for DeepSeek, and for
the rest a plain request. Every reply is parsed with Pydantic; one that cannot be read is sent
back with the parse error. A judge that still cannot answer costs the writer no round: the
node fails with a retryable error, and the graph's RetryPolicy judges the same summary again."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable
from langgraph.runtime import Runtime

from paper_summarizer import models, quality, verdicts
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.errors import UnreadableVerdictError
from paper_summarizer.nodes.shared import chat_model, check_budget, judge_name, paper_for_prompt, store_of
from paper_summarizer.prompts import conversation, fill, quote, template
from paper_summarizer.replies import add_usage, split_reply, usage_of
from paper_summarizer.state import State, Usage

JUDGE_TRIES = 2  # a reply that cannot be read is sent back once, with what was wrong with it
# The verdict's schema bounds its length (about 1,500 characters for 5 criteria); a writer's
# small output limit must not cut the judge's JSON in half.
JUDGE_MIN_OUTPUT_TOKENS = 1024


async def evaluate(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    store = store_of(runtime)
    attempt = state["attempts"][-1]
    summary = state.get("summary", "")
    full_text = await library.text(store, state["paper"])
    # The checks search the paper (an index built on first use) and load a language model from
    # disk: off the event loop, which LangGraph Server's blocking check enforces.
    gates, numbers = await asyncio.to_thread(
        quality.assess,
        summary,
        full_text,
        min_words=ctx.min_words,
        min_sections=ctx.min_sections,
        language=ctx.language,
        paper_title=state["paper"]["title"],
    )
    if not all(g["passed"] for g in gates):
        verdict = verdicts.from_gates(gates, numbers, empty=not summary.strip())
        return {"attempts": [{"round": attempt["round"], "verdict": verdict}]}

    paper_text, _ = await paper_for_prompt(store, state["paper"], ctx, full_text)
    request = fill(
        ctx.evaluate_instructions or template("evaluate"), summary=quote(summary), n_criteria=len(ctx.judged_criteria())
    )
    messages = conversation(paper_text, ctx, request)
    check_budget(state, ctx, 1)
    name = judge_name(ctx)
    reply, usage, calls = await ask_judge(
        await _judge_model(name, ctx), messages, len(ctx.judged_criteria()), state["source"], attempt["round"]
    )
    verdict = verdicts.from_judge(reply, ctx.judged_criteria(), gates, numbers, name, usage)
    return {"attempts": [{"round": attempt["round"], "verdict": verdict}], "model_calls": calls}


async def ask_judge(
    judge: Runnable[Any, Any], messages: list[BaseMessage], n_criteria: int, source: str, round_no: int
) -> tuple[verdicts.JudgeReply, Usage, int]:
    """The judge's reply, its usage, and how many calls it took."""
    import openai

    usages: list[Usage] = []
    problem = ""
    for try_no in range(1, JUDGE_TRIES + 1):
        try:
            message = await judge.ainvoke(
                messages,
                config={
                    "run_name": f"judge round {round_no}",
                    "metadata": {"source": source, "round": round_no, "try": try_no},
                },
            )
        except openai.LengthFinishReasonError:
            # A schema-bound reply cut off by the output limit: the client refuses to parse it.
            problem = "the reply was cut off by the output limit"
            messages = [*messages, HumanMessage(f"Your reply {problem}. Answer again, with shorter reasons.")]
            continue
        usages.append(usage_of(message))
        text = split_reply(message)[0]
        try:
            return verdicts.parse_judge_reply(text, n_criteria), add_usage(*usages), try_no
        except ValueError as exc:
            problem = str(exc)
            messages = [
                *messages,
                AIMessage(text),
                HumanMessage(f"Your reply could not be read: {problem}. Answer again with the JSON object only."),
            ]
    raise UnreadableVerdictError(f"the judge's reply could not be read after {JUDGE_TRIES} tries: {problem}")


async def _judge_model(name: str, ctx: Context) -> Runnable[Any, Any] | BaseChatModel:
    limit = max(models.max_output_tokens(name, ctx.max_output_tokens), JUDGE_MIN_OUTPUT_TOKENS)
    model = await chat_model(name, dataclasses.replace(ctx, max_output_tokens=limit))
    provider = models.provider_of(name, ctx.base_url)
    if provider == "openai":
        schema = verdicts.judge_schema(len(ctx.judged_criteria()))
        return model.bind(response_format={"type": "json_schema", "json_schema": {"name": "verdict", "schema": schema}})
    if provider == "deepseek":
        return model.bind(response_format={"type": "json_object"})  # DeepSeek has JSON mode, no schemas
    return model
