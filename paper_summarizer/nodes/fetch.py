"""fetch: source string -> paper text in the store, a small reference in the state."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.nodes.shared import paper_for_prompt, store_of
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
    _, notice = paper_for_prompt(store, paper, ctx)
    return {"paper": {**paper, "notice": notice}}
