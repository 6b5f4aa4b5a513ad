"""write_section: a small model writes one paragraph of the outline from its part of the paper
(the map step; sections run in parallel, one model request at a time for the embedded model).
Open points from the last verdict reach the sections they name. General advice does not: a 135M
model parrots it into the paragraph instead of following it."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from typing_extensions import TypedDict

from paper_summarizer import section_plan
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.nodes.shared import chat_model, store_of, writer_name
from paper_summarizer.prompts import fill, quote, reader, template
from paper_summarizer.replies import split_reply, usage_of
from paper_summarizer.state import OutlineSection, PaperRef, SectionDraft

TOKENS_PER_WORD = 2  # a paragraph's output bound: generous for English, tight against rambling


class SectionTask(TypedDict):
    source: str
    paper: PaperRef
    section: OutlineSection
    round: int
    feedback: str  # the last verdict's open points, one per line
    writer: str  # the run's chosen writer (see shared.with_writer)


async def write_section(state: SectionTask, runtime: Runtime[Context]) -> dict[str, Any]:
    task = state
    ctx = runtime.context
    section, paper = task["section"], task["paper"]
    text = await library.text(store_of(runtime), paper)
    notes = notes_for(section["heading"], task["feedback"])
    request = fill(
        template("section"),
        title=paper["title"],
        text=quote(section_plan.part_text(text, section)),
        words=section["words"],
        heading=section["heading"],
        notes=f"\n\nA reviewer asked for this: {notes}" if notes else "",
        **reader(ctx),  # the same reader and language as the whole-summary writer
    )
    name = writer_name(ctx)
    model = (await chat_model(name, ctx)).bind(max_tokens=section["words"] * TOKENS_PER_WORD)
    reply = await model.ainvoke(
        [HumanMessage(request)],
        config={
            "run_name": f"write section {section['index'] + 1} round {task['round']}",
            "metadata": {"source": task["source"], "round": task["round"], "section": section["heading"]},
        },
    )
    paragraph, _ = split_reply(reply)
    draft = SectionDraft(round=task["round"], index=section["index"], text=paragraph, usage=usage_of(reply))
    return {"drafts": [draft], "model_calls": 1}


def notes_for(heading: str, feedback: str) -> str:
    """The open points that name this section."""
    lines = [line.strip("- ").strip() for line in feedback.splitlines() if line.strip()]
    return " ".join(line for line in lines if heading.lower() in line.lower())[:400]
