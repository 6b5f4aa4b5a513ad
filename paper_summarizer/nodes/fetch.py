"""fetch: source string -> paper text in the store, a small reference in the state. A paper too
long for the model's context gets a plan of parts to condense first."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from paper_summarizer import models
from paper_summarizer.context import Context
from paper_summarizer.documents import budget, library
from paper_summarizer.nodes.shared import context_window, prompt_budget, store_of, writer_name
from paper_summarizer.state import State


def fetch(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    store = store_of(runtime)
    paper = library.load(
        state["source"],
        store,
        allow_local_files=ctx.allow_local_files,
        max_bytes=int(ctx.max_download_mb * 1_000_000),
    )
    text = library.text(store, paper)
    room = prompt_budget(ctx)
    if ctx.condense and budget.tokens(text) > room:
        output = models.max_output_tokens(writer_name(ctx), ctx.max_output_tokens)
        parts = budget.plan_parts(text, budget.part_budget(context_window(ctx), output), room)
        notice = f"The paper is too long for the model's context: condensing it in {len(parts)} parts first."
        return {"paper": {**paper, "parts": parts, "notice": notice}}
    _, notice = budget.fit(text, room)
    return {"paper": {**paper, "notice": notice}}
