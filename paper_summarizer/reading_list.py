"""A reading list in one graph: every paper summarized at once, then one overview across them,
written and judged in the summarizer's own loop.

START --route_papers--> summarize_paper x N, all at once (the summarizer graph, each paper
                        its own rounds and result; a paper that cannot be read is its error)
summarize_paper --> synthesize --> finish --> END

synthesize = the synthesis loop, against the papers' summaries (see synthesis.py):
  generate --> evaluate --route--> finalize  (PASS, or the round cap)
     ^                  |-----> review (human_review on) --route--> finalize or generate
     '------------------'  (NEEDS_IMPROVEMENT or FAIL, rounds left)

Both subgraphs are compiled without a checkpointer and run inside a node, so they use the list's:
each paper's and the overview's steps are checkpointed in the list's thread, under its task's
namespace. A resumed list keeps the papers that were done, and a paper cut off goes on from its
own last checkpoint.
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore

from paper_summarizer import synthesis
from paper_summarizer.context import Context
from paper_summarizer.documents.sources import Access
from paper_summarizer.graph import MODEL_RETRY, build_graph
from paper_summarizer.nodes.evaluate import evaluate_with
from paper_summarizer.nodes.finalize import finalize
from paper_summarizer.nodes.finish_reading_list import finish_reading_list
from paper_summarizer.nodes.generate import generate
from paper_summarizer.nodes.review import review
from paper_summarizer.nodes.route import route, route_papers
from paper_summarizer.nodes.shared import reaching_models
from paper_summarizer.nodes.summarize_paper import summarize_paper_with
from paper_summarizer.nodes.synthesize import synthesize_with
from paper_summarizer.state import (
    PaperTask,
    ReadingListInput,
    ReadingListOutput,
    ReadingListState,
    State,
)

ReadingList = CompiledStateGraph[ReadingListState, Context, ReadingListInput, ReadingListOutput]


def build_synthesis_loop(access: Access) -> CompiledStateGraph[Any, Context, Any, Any]:
    """The summarizer's loop, for an overview: its context (synthesis.context) holds the
    overview's prompts and criteria, and its gates add the overview's own."""
    builder = StateGraph(State, context_schema=Context)
    builder.add_node("generate", reaching_models(generate, access), retry_policy=MODEL_RETRY)
    builder.add_node("evaluate", reaching_models(evaluate_with(synthesis.gates), access), retry_policy=MODEL_RETRY)
    builder.add_node("review", review)
    builder.add_node("finalize", finalize)
    builder.add_edge(START, "generate")
    builder.add_edge("generate", "evaluate")
    builder.add_conditional_edges("evaluate", route, ["generate", "review", "finalize"])
    builder.add_conditional_edges("review", route, ["generate", "finalize"])
    builder.add_edge("finalize", END)
    return builder.compile(name="synthesis")


def build_reading_list_graph(
    checkpointer: BaseCheckpointSaver[str] | None = None,
    store: BaseStore | None = None,
    *,
    access: Access | None = None,
) -> ReadingList:
    """The compiled reading-list graph; `access` as for build_graph (this machine's user's by default)."""
    access = access or Access.for_user()
    builder = StateGraph(
        ReadingListState, input_schema=ReadingListInput, output_schema=ReadingListOutput, context_schema=Context
    )
    builder.add_node("summarize_paper", summarize_paper_with(build_graph(access=access)), input_schema=PaperTask)
    builder.add_node("synthesize", synthesize_with(build_synthesis_loop(access)))
    builder.add_node("finish", finish_reading_list)
    builder.add_conditional_edges(START, route_papers, ["summarize_paper", "finish"])
    builder.add_edge("summarize_paper", "synthesize")
    builder.add_edge("synthesize", "finish")
    builder.add_edge("finish", END)
    return builder.compile(checkpointer=checkpointer, store=store, name="reading-list")


# For LangGraph Server / `langgraph dev`, which supplies its own checkpointer and store (see graph.py).
reading_list = build_reading_list_graph(access=Access.for_deployment())
