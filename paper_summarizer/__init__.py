"""paper-summarizer: research papers to markdown summaries, written by an LLM and checked by an
LLM judge and by code, in a checkpointed LangGraph loop.

The public names are imported on first use: the markitdown plugin (`documents.pdf`) and the
CLI's `convert` and `--help` must not pay for importing LangGraph and LangChain.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paper_summarizer.context import Context
    from paper_summarizer.graph import build_graph, graph
    from paper_summarizer.reading_list import build_reading_list_graph
    from paper_summarizer.runner import (
        ahistory,
        aresume,
        asummarize,
        asummarize_many,
        asynthesize,
        athreads,
        history,
        resume,
        summarize,
        summarize_many,
        synthesize,
        threads,
    )
    from paper_summarizer.runs import ListRun, SummaryResult, ThreadInfo

_HOMES = {
    "Context": "paper_summarizer.context",
    "build_graph": "paper_summarizer.graph",
    "graph": "paper_summarizer.graph",
    "asynthesize": "paper_summarizer.runner",
    "synthesize": "paper_summarizer.runner",
    "ListRun": "paper_summarizer.runs",
    "build_reading_list_graph": "paper_summarizer.reading_list",
    "SummaryResult": "paper_summarizer.runs",
    "ThreadInfo": "paper_summarizer.runs",
    "ahistory": "paper_summarizer.runner",
    "aresume": "paper_summarizer.runner",
    "asummarize": "paper_summarizer.runner",
    "asummarize_many": "paper_summarizer.runner",
    "athreads": "paper_summarizer.runner",
    "history": "paper_summarizer.runner",
    "resume": "paper_summarizer.runner",
    "summarize": "paper_summarizer.runner",
    "summarize_many": "paper_summarizer.runner",
    "threads": "paper_summarizer.runner",
}
__all__ = [
    "Context",
    "ListRun",
    "SummaryResult",
    "ThreadInfo",
    "ahistory",
    "aresume",
    "asummarize",
    "asummarize_many",
    "asynthesize",
    "athreads",
    "build_graph",
    "build_reading_list_graph",
    "graph",
    "history",
    "resume",
    "summarize",
    "summarize_many",
    "synthesize",
    "threads",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
