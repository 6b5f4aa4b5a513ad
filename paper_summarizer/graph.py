"""The summarize -> evaluate -> refine loop, wired.

START --route_start--> fetch  (a new run), draft  (a capped run whose cap was raised), or finalize
fetch --route_after_fetch--> draft  (the paper fits the context)
      '--> condense x N, in parallel --> assemble --> draft  (it does not)

draft = generate  (one call writes the summary)
     or outline --> write_section x N, in parallel --> compose  (a small model, section by section)

draft --> evaluate --route--> finalize --> END  (PASS, or the round cap)
  ^                  |-----> review (human_review on) --route--> finalize or draft
  '------------------'  (NEEDS_IMPROVEMENT or FAIL, rounds left)
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore
from langgraph.types import RetryPolicy

from paper_summarizer.context import Context
from paper_summarizer.documents.sources import Access
from paper_summarizer.models import is_transient
from paper_summarizer.nodes.assemble import assemble
from paper_summarizer.nodes.compose import compose
from paper_summarizer.nodes.condense import CondenseTask, condense
from paper_summarizer.nodes.evaluate import evaluate
from paper_summarizer.nodes.fetch import fetch_with
from paper_summarizer.nodes.finalize import finalize
from paper_summarizer.nodes.generate import generate
from paper_summarizer.nodes.outline import outline
from paper_summarizer.nodes.review import review
from paper_summarizer.nodes.route import draft_step, route, route_after_fetch, route_sections, route_start
from paper_summarizer.nodes.shared import pinned, reaching_models
from paper_summarizer.nodes.write_section import SectionTask, write_section
from paper_summarizer.state import InputState, OutputState, State

# 429s, 5xx and timeouts are retried with backoff; 401 or an unknown model fail at once.
MODEL_RETRY = RetryPolicy(max_attempts=4, initial_interval=1.0, retry_on=is_transient)

Graph = CompiledStateGraph[State, Context, InputState, OutputState]


def build_graph(
    checkpointer: BaseCheckpointSaver[str] | None = None,
    store: BaseStore | None = None,
    *,
    access: Access | None = None,
) -> Graph:
    """The compiled graph. `access` is what runs may read and reach: by default what this
    machine's user may (local files, private hosts, any model server), as the CLI and the Python
    API run as that user."""
    access = access or Access.for_user()
    # After fetch, each node runs with the writer fetch chose (`pinned`; the model nodes' wrapper
    # pins it too): a run resumed elsewhere keeps its model.
    builder = StateGraph(State, input_schema=InputState, output_schema=OutputState, context_schema=Context)
    builder.add_node("fetch", fetch_with(access))
    condense_part = reaching_models(condense, access)
    builder.add_node("condense", condense_part, input_schema=CondenseTask, retry_policy=MODEL_RETRY)
    builder.add_node("assemble", pinned(assemble))
    builder.add_node("generate", reaching_models(generate, access), retry_policy=MODEL_RETRY)
    builder.add_node("outline", pinned(outline))
    section = reaching_models(write_section, access)
    builder.add_node("write_section", section, input_schema=SectionTask, retry_policy=MODEL_RETRY)
    builder.add_node("compose", pinned(compose))
    builder.add_node("evaluate", reaching_models(evaluate, access), retry_policy=MODEL_RETRY)
    builder.add_node("review", review)
    builder.add_node("finalize", pinned(finalize))
    builder.add_conditional_edges(START, route_start, ["fetch", "generate", "outline", "finalize"])
    builder.add_conditional_edges("fetch", route_after_fetch, ["condense", "generate", "outline"])
    builder.add_edge("condense", "assemble")
    builder.add_conditional_edges("assemble", draft_step, ["generate", "outline"])
    builder.add_conditional_edges("outline", route_sections, ["write_section"])
    builder.add_edge("write_section", "compose")
    builder.add_edge("generate", "evaluate")
    builder.add_edge("compose", "evaluate")
    builder.add_conditional_edges("evaluate", route, ["generate", "outline", "review", "finalize"])
    builder.add_conditional_edges("review", route, ["generate", "outline", "finalize"])
    builder.add_edge("finalize", END)
    return builder.compile(checkpointer=checkpointer, store=store, name="paper-summarizer")


# For LangGraph Server / `langgraph dev`, which supplies its own checkpointer and store. Its
# callers may be hostile: what it may read is the deployment's environment's decision
# (PAPER_SUMMARIZER_ALLOW_LOCAL_FILES, _ALLOW_PRIVATE_URLS, _ALLOW_MODEL_URLS), off by default.
graph = build_graph(access=Access.for_deployment())
