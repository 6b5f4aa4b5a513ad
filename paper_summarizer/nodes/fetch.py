"""fetch: source string -> paper text in the store, a small reference in the state. A paper too
long for the model's context gets a plan of parts to condense first.

fetch starts every run, so it also clears what an earlier run on the same thread left behind:
a new paper on a used thread is a new run, not a revision of the old paper's summary."""

from __future__ import annotations

from typing import Any, Protocol

from langgraph.runtime import Runtime
from langgraph.types import Overwrite

from paper_summarizer import models
from paper_summarizer.context import Context
from paper_summarizer.documents import budget, library
from paper_summarizer.documents.sources import Access
from paper_summarizer.errors import SourceError
from paper_summarizer.nodes.shared import (
    check_allowed,
    check_budget,
    context_window,
    drafts_by_outline,
    prompt_budget,
    store_of,
    writer_name,
)
from paper_summarizer.state import State


class FetchNode(Protocol):
    async def __call__(self, state: State, runtime: Runtime[Context]) -> dict[str, Any]: ...


def fetch_with(access: Access) -> FetchNode:
    """The fetch node for a graph whose runs may read what `access` allows (a deployment's
    decision, made when the graph is built, never a run's)."""

    async def fetch(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        ctx = runtime.context
        check_allowed(ctx, access)  # before anything is downloaded or converted
        store = store_of(runtime)
        max_bytes = int(ctx.max_download_mb * 1_000_000)
        paper, text = await library.load(
            state["source"], store, access=access, max_bytes=max_bytes, upload=state.get("upload"),
            with_figures=ctx.max_figures > 0,
        )  # fmt: skip
        if paper["words"] > ctx.max_paper_words:
            raise SourceError(
                f"{state['source']} has {paper['words']:,} words, over the limit of {ctx.max_paper_words:,} "
                "(max_paper_words)"
            )
        # The upload is in the store now; clearing it keeps later checkpoints from copying it.
        fresh: dict[str, Any] = {
            "attempts": Overwrite([]), "notes": Overwrite([]), "drafts": Overwrite([]), "summary": "", "result": None,
            "upload": None, "model_calls": Overwrite(0), "writer": writer_name(ctx),
        }  # fmt: skip
        room = prompt_budget(ctx)
        # A small model drafting by outline reads each section's own part of the full text, so
        # condensing (slow and lossy with such a model) would only serve the judge: shorten instead.
        if ctx.condense and not drafts_by_outline(ctx) and budget.tokens(text) > room:
            output = models.max_output_tokens(writer_name(ctx), ctx.max_output_tokens)
            parts = budget.plan_parts(text, budget.part_budget(context_window(ctx), output), room)
            if len(parts) > ctx.max_condense_parts:
                raise SourceError(
                    f"{state['source']} would take {len(parts)} parts to condense, over the limit of "
                    f"{ctx.max_condense_parts} (max_condense_parts)"
                )
            check_budget(State(source=state["source"]), ctx, len(parts))
            notice = f"The paper is too long for the model's context: condensing it in {len(parts)} parts first."
            return {**fresh, "paper": {**paper, "parts": parts, "notice": notice}}
        _, notice = budget.fit(text, room)
        return {**fresh, "paper": {**paper, "notice": notice}}

    return fetch
