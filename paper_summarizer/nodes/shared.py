"""What the writer and the judge both need: which models, the store, and the paper as the
prompt shows it (the same text for both, so their prompts share a cacheable prefix).

The nodes are async, so one server worker (or the CLI's batch) runs many papers at once; what
would block its event loop (building a model client, which may start the embedded model, or
reading and converting a paper) runs in a worker thread."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from langchain_core.language_models import BaseChatModel
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore

from paper_summarizer import models, texts
from paper_summarizer.context import SPENDING, Context, ceiling_variable
from paper_summarizer.documents import budget, library
from paper_summarizer.documents.sources import ALLOWED_MODELS, Access
from paper_summarizer.errors import BadInputError, BudgetExceededError, GraphSetupError
from paper_summarizer.replies import add_usage
from paper_summarizer.state import PaperRef, State, Usage


def store_of(runtime: Runtime[Context]) -> BaseStore:
    """The store that holds paper and summary texts. LangGraph Server brings one; in Python,
    build_graph(checkpointer=..., store=...) must be given one, or nothing would survive the
    process and a resume would find no text."""
    if runtime.store is None:
        raise GraphSetupError(
            "this graph keeps paper and summary texts in a LangGraph store and has none: "
            "build it with build_graph(checkpointer=..., store=...), e.g. an InMemoryStore or SqliteStore"
        )
    return runtime.store


ModelNode = TypeVar("ModelNode", bound=Callable[..., Awaitable[dict[str, Any]]])


def with_writer(ctx: Context, state: Mapping[str, Any]) -> Context:
    """The run's context with the writer its first node chose, where the context leaves the
    choice to the environment: a resume from another shell (other API keys set), or a deployment
    whose keys changed, goes on with the model that wrote the earlier rounds. A model the context
    names always wins."""
    writer = state.get("writer")
    return dataclasses.replace(ctx, model=writer) if writer and not ctx.model else ctx


def pinned(node: ModelNode) -> ModelNode:
    """`node`, run with the run's chosen writer in its context (see with_writer)."""

    async def run(state: Any, runtime: Runtime[Context]) -> dict[str, Any]:
        return await node(state, runtime.override(context=with_writer(runtime.context, state)))

    run.__name__ = run.__qualname__ = node.__name__
    return cast(ModelNode, run)


def reaching_models(node: ModelNode, access: Access) -> ModelNode:
    """`node` (it calls a model) in a graph whose runs may reach what `access` allows: a run whose
    context names a model server or model the deployment did not choose, or sets a spending
    field over its ceiling, fails before the client sends anything (or the deployment's API
    key) anywhere. Checked in each such node, as a resumed run can start at any of them."""

    async def checked(state: Any, runtime: Runtime[Context]) -> dict[str, Any]:
        check_allowed(runtime.context, access)
        return await node(state, runtime)

    checked.__name__ = checked.__qualname__ = node.__name__
    return pinned(cast(ModelNode, checked))


def check_allowed(ctx: Context, access: Access) -> None:
    """Refuse a run whose context asks for more than the deployment allows: another model server,
    a model not on its list, or a spending field over its ceiling (one line naming it)."""
    access.check_model_url(ctx.base_url)
    allowed = access.allowed_models
    if allowed is None and access.default_ceilings:
        own = Context()  # the deployment's own settings, from its environment
        allowed = frozenset({writer_name(own), judge_name(own)})
    if allowed is not None:
        for field_name, name in (("model", writer_name(ctx)), ("evaluator_model", judge_name(ctx))):
            if name not in allowed:
                raise BadInputError(
                    f"{field_name} {name!r} is not a model this deployment allows ({', '.join(sorted(allowed))}); "
                    f"its operator lists the allowed ones in {ALLOWED_MODELS}"
                )
    asked = spending(ctx)
    defaults = spending(Context(model=ctx.model, evaluator_model=ctx.evaluator_model, base_url=ctx.base_url))
    for name in SPENDING:
        ceiling = access.ceilings.get(name, defaults[name] if access.default_ceilings else None)
        if ceiling is not None and asked[name] > ceiling:
            raise BadInputError(
                f"{name}={_shown(asked[name])} is over this deployment's ceiling of {_shown(ceiling)} "
                f"({ceiling_variable(name)})"
            )


def _shown(value: float) -> str:
    return f"{int(value)}" if value == int(value) else f"{value:g}"


def spending(ctx: Context) -> dict[str, float]:
    """What each spending field comes to for this run: 0 means a default that depends on the model."""
    values = {name: float(getattr(ctx, name)) for name in SPENDING}
    values["max_iterations"] = round_cap(ctx)
    values["max_output_tokens"] = models.max_output_tokens(writer_name(ctx), ctx.max_output_tokens)
    values["context_window"] = context_window(ctx)
    return values


def writer_name(ctx: Context) -> str:
    return models.choose(ctx.model).name


def judge_name(ctx: Context) -> str:
    return ctx.evaluator_model or writer_name(ctx)


async def chat_model(name: str, ctx: Context) -> BaseChatModel:
    return await asyncio.to_thread(
        models.load, name, "" if name == models.LOCAL else ctx.base_url, ctx.max_output_tokens
    )


def context_window(ctx: Context) -> int:
    return min(
        models.context_window(writer_name(ctx), ctx.context_window),
        models.context_window(judge_name(ctx), ctx.context_window),
    )


DEFAULT_ROUNDS, LOCAL_ROUNDS = 4, 2


def round_cap(ctx: Context) -> int:
    """The most rounds a run may take: max_iterations, or its default for the writer."""
    return ctx.max_iterations or (LOCAL_ROUNDS if writer_name(ctx) == models.LOCAL else DEFAULT_ROUNDS)


SMALL_CONTEXT = 8192  # tokens; a model this small writes a summary section by section


def drafts_by_outline(ctx: Context) -> bool:
    if ctx.draft_mode in ("outline", "whole"):
        return ctx.draft_mode == "outline"
    writer = writer_name(ctx)  # the writer's own window: a small judge does not make a small writer
    return writer == models.LOCAL or models.context_window(writer, ctx.context_window) <= SMALL_CONTEXT


def prompt_budget(ctx: Context) -> int:
    """Tokens of paper text a writer or judge prompt can hold."""
    return budget.paper_budget(context_window(ctx), models.max_output_tokens(writer_name(ctx), ctx.max_output_tokens))


async def paper_for_prompt(
    store: BaseStore, paper: PaperRef, ctx: Context, full_text: str | None = None
) -> tuple[str, str]:
    """(paper text that fits both models' context, notice if it had to be shortened). The
    condensed notes stand in for a paper that was too long. `full_text`: the paper's text, when
    the caller has read it already."""
    key = paper.get("condensed_key")
    if key:
        text = await texts.get(store, key)
    else:
        text = full_text if full_text is not None else await library.text(store, paper)
    return budget.fit(text, prompt_budget(ctx))


def run_usage(state: State) -> tuple[Usage, Usage]:
    """(tokens spent condensing, tokens spent in all): condensing, writing and judging."""
    attempts = state.get("attempts") or []
    condensing = add_usage(*[n["usage"] for n in state.get("notes") or []])
    return condensing, add_usage(
        condensing,
        *[a["usage"] for a in attempts if "usage" in a],
        *[a["verdict"]["usage"] for a in attempts if "verdict" in a],
    )


def check_budget(state: State, ctx: Context, calls: int) -> None:
    """Refuse to make `calls` more model calls past the run's budget. Raised before the calls, in
    the node that would make them: the run stops at its last checkpoint, and a resume with a
    larger budget goes on from there."""
    made = state.get("model_calls", 0)
    if made + calls > ctx.max_model_calls:
        raise BudgetExceededError(
            f"the run has made {made} model calls and needs {calls} more, over its budget of "
            f"{ctx.max_model_calls} (max_model_calls); resume it with a larger budget to go on"
        )
    usage = run_usage(state)[1]
    spent = usage["input_tokens"] + usage["output_tokens"]
    if spent >= ctx.max_total_tokens:
        raise BudgetExceededError(
            f"the run has spent {spent:,} tokens, its budget is {ctx.max_total_tokens:,} (max_total_tokens); "
            "resume it with a larger budget to go on"
        )
