"""outline: for a small writer model, code plans this round's summary: the paper's title, fixed
sections, subsections from the paper's headings, and the part of the paper each one reads.
The sections are then written one at a time (write_section) and joined (compose)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from paper_summarizer import section_plan
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.nodes.shared import check_budget, store_of
from paper_summarizer.state import State


async def outline(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    text = await library.text(store_of(runtime), state["paper"])
    sections = section_plan.plan(text, runtime.context.min_words, runtime.context.language)
    check_budget(state, runtime.context, len(sections))  # one model call per section
    return {"outline": sections}
