"""The judge's claim-level calls, for evaluate: the paper's key facts (once per paper, kept in the
store) and each sentence of a summary checked against its evidence. Every reply is parsed with
Pydantic; one that cannot be read is sent back once with what was wrong, then the node fails
with a retryable error (see evaluate)."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph.store.base import BaseStore

from paper_summarizer import claims, evidence, models
from paper_summarizer.context import Context
from paper_summarizer.documents import budget
from paper_summarizer.errors import UnreadableVerdictError
from paper_summarizer.nodes.shared import (
    SMALL_CONTEXT,
    chat_model,
    check_budget,
    context_window,
    judge_name,
    prompt_budget,
)
from paper_summarizer.prompts import conversation, fill, quote, template
from paper_summarizer.replies import add_usage, split_reply, usage_of
from paper_summarizer.state import PaperRef, State, Usage

T = TypeVar("T")
JUDGE_TRIES = 2  # a reply that cannot be read is sent back once, with what was wrong with it
# The judge's JSON is bounded by its schema; a writer's small output limit must not cut it off.
JUDGE_MIN_OUTPUT_TOKENS = 1024
# Sentences per fact-checking call: a whole summary at once, or a few at a time for a model
# whose window holds 8k tokens or less (their evidence must fit beside them).
CLAIMS_PER_CALL, CLAIMS_PER_SMALL_CALL = 40, 8
# A small judge's replies are kept short enough for its output limit (1,024 tokens for the
# embedded model): shorter reasons and facts, and fewer facts a call.
SMALL_TEXT_CHARS, SMALL_MOST_FACTS = 100, 8
KEY_FACTS = ("key_facts",)  # store namespace


def key_facts_version() -> str:
    """Changes whenever the prompt does, so a changed prompt extracts the facts again."""
    return hashlib.sha256(template("key_facts").encode()).hexdigest()[:12]


async def key_facts(
    state: State, ctx: Context, store: BaseStore, full_text: str, where: evidence.Locator
) -> tuple[list[dict[str, Any]], Usage, int]:
    """(the paper's key facts, tokens spent, calls made): read from the store, keyed by the
    paper's hash, the judge and the prompt's version, or extracted once from the paper itself
    (part by part when it does not fit the judge's window; never from the writer's notes)."""
    if ctx.min_coverage <= 0:
        return [], _no_usage(), 0
    paper, name = state["paper"], judge_name(ctx)
    key = f"{paper['key']}:{name}:{key_facts_version()}"
    item = await store.aget(KEY_FACTS, key)
    if item is not None:
        return list(item.value["facts"]), _no_usage(), 0
    spans = _spans(paper, full_text, ctx)
    check_budget(state, ctx, len(spans))
    small = _small(ctx)
    most = max(2, claims.MAX_FACTS // len(spans)) if len(spans) > 1 else claims.MAX_FACTS
    most = min(most, SMALL_MOST_FACTS) if small else most
    least = min(claims.MIN_FACTS, most) if len(spans) == 1 else 1
    chars = SMALL_TEXT_CHARS if small else claims.FACT_MAX_CHARS
    model = await structured(name, ctx, "key_facts", claims.key_facts_schema(most, chars))

    async def extract(n: int, start: int, end: int) -> tuple[claims.KeyFactsReply, Usage, int]:
        part = f" (part {n + 1} of {len(spans)}; other parts are read separately)" if len(spans) > 1 else ""
        request = fill(template("key_facts"), part=part, least=least, most=most)
        messages = conversation(full_text[start:end], ctx, request)
        run = {"run_name": f"key facts {n + 1}/{len(spans)}", "metadata": {"source": state["source"], "part": n}}
        return await ask_json(model, messages, claims.parse_key_facts, run)

    done = await asyncio.gather(*(extract(n, start, end) for n, (start, end) in enumerate(spans)))
    facts = await asyncio.to_thread(claims.located_facts, [r for r, _, _ in done], full_text, where)
    await store.aput(KEY_FACTS, key, {"facts": facts, "judge": name}, index=False)
    return facts, add_usage(*[u for _, u, _ in done]), sum(c for _, _, c in done)


def _spans(paper: PaperRef, full_text: str, ctx: Context) -> list[tuple[int, int]]:
    if paper.get("parts"):
        return [(p["start"], p["end"]) for p in paper["parts"]]
    room = prompt_budget(ctx)
    if budget.tokens(full_text) <= room:
        return [(0, len(full_text))]
    return [(p["start"], p["end"]) for p in budget.plan_parts(full_text, room, room)]


async def check_claims(
    state: State,
    ctx: Context,
    summary: str,
    full_text: str,
    paper_text: str,
    summary_claims: list[dict[str, Any]],
    facts: list[dict[str, Any]],
    where: evidence.Locator,
) -> tuple[list[claims.ClaimsReply], Usage, int]:
    """The judge's answer for each sentence, in one call for a large model, a few sentences
    per call within a small one's window (without the paper: its evidence goes with each
    sentence). The first call also marks which key facts the summary conveys."""
    small = _small(ctx)
    groups = claims.batches(summary_claims, _claims_per_call(ctx))
    name = judge_name(ctx)

    async def check(n: int, group: list[dict[str, Any]]) -> tuple[claims.ClaimsReply, Usage, int]:
        numbers = [c["number"] for c in group]
        ask_facts = bool(facts) and n == 0
        request = fill(
            template("claims"),
            paper_note=" (only the passages below are shown of it)" if small else " above",
            facts_request=fill(template("facts_conveyed"), facts=claims.facts_for_prompt(facts)) if ask_facts else "",
            first=numbers[0] if numbers else 0,
            last=numbers[-1] if numbers else 0,
            # A small window holds the whole summary once: in the call that judges its coverage.
            summary=f"<summary>\n{quote(summary)}\n</summary>\n\n" if ask_facts or not small else "",
            claims=quote(claims.claims_for_prompt(group, full_text, where)) or "(none)",
        )
        schema = claims.claims_schema(
            numbers, len(facts) if ask_facts else 0, SMALL_TEXT_CHARS if small else claims.REASON_MAX_CHARS
        )
        model = await structured(name, ctx, "claims", schema)
        messages = conversation("" if small else paper_text, ctx, request)
        run = {"run_name": f"fact-check round {len(state['attempts'])}", "metadata": {"batch": n}}
        return await ask_json(model, messages, lambda text: claims.parse_claims(text, numbers), run)

    done = await asyncio.gather(*(check(n, group) for n, group in enumerate(groups)))
    return [r for r, _, _ in done], add_usage(*[u for _, u, _ in done]), sum(c for _, _, c in done)


def claim_calls(ctx: Context, n_claims: int) -> int:
    return max(1, -(-n_claims // _claims_per_call(ctx)))


def _small(ctx: Context) -> bool:
    """A judge whose window holds 8k tokens or less: a few sentences a call, without the paper."""
    return context_window(ctx) <= SMALL_CONTEXT


def _claims_per_call(ctx: Context) -> int:
    return CLAIMS_PER_SMALL_CALL if _small(ctx) else CLAIMS_PER_CALL


async def structured(name: str, ctx: Context, schema_name: str, schema: dict[str, Any]) -> Runnable[Any, Any]:
    """The judge, asked for JSON the way its provider supports it (a JSON schema for
    OpenAI-compatible servers, which llama.cpp turns into a grammar; JSON mode for DeepSeek),
    at temperature 0 where the model takes one: a judge should not answer by chance."""
    limit = max(models.max_output_tokens(name, ctx.max_output_tokens), JUDGE_MIN_OUTPUT_TOKENS)
    model: Runnable[Any, Any] = await chat_model(name, dataclasses.replace(ctx, max_output_tokens=limit))
    provider = models.provider_of(name, ctx.base_url)
    settings: dict[str, Any] = {} if models.is_reasoning(name) else {"temperature": 0}
    if provider == "openai":
        settings["response_format"] = {"type": "json_schema", "json_schema": {"name": schema_name, "schema": schema}}
    elif provider == "deepseek":
        settings["response_format"] = {"type": "json_object"}  # DeepSeek has JSON mode, no schemas
    return model.bind(**settings) if settings else model


async def ask_json(
    model: Runnable[Any, Any], messages: list[BaseMessage], parse: Callable[[str], T], run: dict[str, Any]
) -> tuple[T, Usage, int]:
    """(the parsed reply, its usage, how many calls it took)."""
    import openai

    usages: list[Usage] = []
    problem = ""
    for try_no in range(1, JUDGE_TRIES + 1):
        config: RunnableConfig = {"run_name": run["run_name"], "metadata": {**run.get("metadata", {}), "try": try_no}}
        try:
            message = await model.ainvoke(messages, config=config)
        except openai.LengthFinishReasonError:
            # A schema-bound reply cut off by the output limit: the client refuses to parse it.
            problem = "the reply was cut off by the output limit"
            messages = [*messages, HumanMessage(f"Your reply {problem}. Answer again, with shorter reasons.")]
            continue
        usages.append(usage_of(message))
        text = split_reply(message)[0]
        try:
            return parse(text), add_usage(*usages), try_no
        except ValueError as exc:
            problem = str(exc)
            messages = [
                *messages,
                AIMessage(text),
                HumanMessage(f"Your reply could not be read: {problem}. Answer again with the JSON object only."),
            ]
    raise UnreadableVerdictError(f"the judge's reply could not be read after {JUDGE_TRIES} tries: {problem}")


def _no_usage() -> Usage:
    return Usage(input_tokens=0, output_tokens=0, reasoning_tokens=0)
