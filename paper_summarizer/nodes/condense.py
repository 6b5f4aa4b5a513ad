"""condense: one part of a long paper -> dense notes (the map step; parts run concurrently)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from typing_extensions import TypedDict

from paper_summarizer import texts
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.nodes.shared import chat_model, store_of, writer_name
from paper_summarizer.prompts import fill, quote, template
from paper_summarizer.replies import split_reply, usage_of
from paper_summarizer.state import Note, PaperRef, Part


class CondenseTask(TypedDict):
    source: str
    paper: PaperRef
    part: Part
    writer: str  # the run's chosen writer (see shared.with_writer)


async def condense(state: CondenseTask, runtime: Runtime[Context]) -> dict[str, Any]:
    ctx = runtime.context
    store = store_of(runtime)
    part, paper = state["part"], state["paper"]
    text = (await library.text(store, paper))[part["start"] : part["end"]]
    request = fill(
        template("condense"), title=paper["title"], heading=part["heading"], text=quote(text), words=part["words"]
    )
    name = writer_name(ctx)
    reply = await (await chat_model(name, ctx)).ainvoke(
        [HumanMessage(request)],
        config={
            "run_name": f"condense part {part['index'] + 1}",
            "metadata": {"source": state["source"], "part": part["index"], "model": name},
        },
    )
    notes, _ = split_reply(reply)
    note = Note(
        index=part["index"],
        heading=part["heading"],
        text_key=await texts.put(store, notes),
        chars=len(notes),
        usage=usage_of(reply),
    )
    return {"notes": [note], "model_calls": 1}
