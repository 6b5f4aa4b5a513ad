"""summarize_paper: one paper of a reading list, summarized by the summarizer graph itself, as a
subgraph: its own rounds, verdicts and result, and its own checkpoints (in this run's thread,
under this task's namespace), so a resumed list goes on inside a paper that was cut off.

A paper that cannot be read (a missing file, not a paper, an HTTP 404) is that paper's error,
and the list goes on without it. Any other error (a model API refusing the key, the budget, a
network fault) stops the list, as it would stop each of its papers: it is resumed from there."""

from __future__ import annotations

from typing import Any, Protocol

from langgraph.graph.state import CompiledStateGraph

from paper_summarizer.errors import SourceError, describe
from paper_summarizer.state import PaperOutcome, PaperTask


class SummarizePaperNode(Protocol):
    async def __call__(self, state: PaperTask) -> dict[str, Any]: ...


def summarize_paper_with(summarizer: CompiledStateGraph[Any, Any, Any, Any]) -> SummarizePaperNode:
    """The node that runs `summarizer` (compiled without a checkpointer: it uses the list's)."""

    async def summarize_paper(state: PaperTask) -> dict[str, Any]:
        # The outcome holds the paper's place, not its upload: the store keeps the bytes' text.
        try:
            out = await summarizer.ainvoke({"source": state["source"], "upload": state.get("upload")})
        except SourceError as exc:
            return {
                "papers": [
                    PaperOutcome(index=state["index"], source=state["source"], result=None, error=describe(exc)[0])
                ]
            }
        return {"papers": [PaperOutcome(index=state["index"], source=state["source"], result=out["result"], error="")]}

    return summarize_paper
