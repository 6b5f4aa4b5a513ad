"""paper-summarizer: research papers to markdown summaries, written by an LLM and checked by an
LLM judge and by code, in a checkpointed LangGraph loop."""

from paper_summarizer.context import Context
from paper_summarizer.graph import build_graph, graph
from paper_summarizer.runner import SummaryResult, ThreadInfo, history, resume, summarize, threads

__all__ = [
    "Context",
    "SummaryResult",
    "ThreadInfo",
    "build_graph",
    "graph",
    "history",
    "resume",
    "summarize",
    "threads",
]
