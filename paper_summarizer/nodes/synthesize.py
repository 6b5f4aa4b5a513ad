"""synthesize: one overview across the summarized papers, written and judged in the synthesis loop
(a subgraph made of the summarizer's own generate, evaluate, review and finalize nodes, see
reading_list.py), against the papers' summaries. A list with fewer than two summaries has
nothing to compare, and no overview."""

from __future__ import annotations

from typing import Any, Protocol

from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from paper_summarizer import synthesis
from paper_summarizer.context import Context
from paper_summarizer.documents import budget, library
from paper_summarizer.nodes.shared import prompt_budget, store_of
from paper_summarizer.state import ReadingListState, listed_papers


class SynthesizeNode(Protocol):
    async def __call__(self, state: ReadingListState, runtime: Runtime[Context]) -> dict[str, Any]: ...


def synthesize_with(loop: CompiledStateGraph[Any, Any, Any, Any]) -> SynthesizeNode:
    """The node that runs the synthesis `loop` (compiled without a checkpointer: it uses the list's)."""

    async def synthesize(state: ReadingListState, runtime: Runtime[Context]) -> dict[str, Any]:
        done = [(p["index"], p["result"]) for p in listed_papers(state) if p["result"] is not None]
        if len(done) < 2:
            return {"synthesis": None}
        topic = state.get("topic") or ""
        text = synthesis.document(topic, done)
        titles = "; ".join(result["title"] for _, result in done)
        title = f"{topic}: {titles}" if topic else titles
        paper = await library.keep(store_of(runtime), text, title=title, name="overview")
        _, shortened = budget.fit(text, prompt_budget(runtime.context))
        checked = f"Checked against the summaries of the {len(done)} papers, not against the papers themselves."
        paper["notice"] = " ".join(n for n in (checked, shortened) if n)
        ctx = synthesis.context(runtime.context, topic, [n for n, _ in done])
        out = await loop.ainvoke({"source": f"overview of {len(done)} papers", "paper": paper}, context=ctx)
        return {"synthesis": out["result"]}

    return synthesize
