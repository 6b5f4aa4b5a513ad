"""assemble: the condensed parts' notes, joined in reading order (the reduce step)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from paper_summarizer import texts
from paper_summarizer.context import Context
from paper_summarizer.nodes.shared import store_of, writer_name
from paper_summarizer.state import State


async def assemble(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    store = store_of(runtime)
    paper = state["paper"]
    notes = sorted(state.get("notes") or [], key=lambda n: n["index"])
    body = "\n\n".join([f"## {n['heading']}\n\n{(await texts.get(store, n['text_key'])).strip()}" for n in notes])
    condensed = f"# {paper['title']}\n\n{body}\n"
    words = len(condensed.split())
    notice = (
        f"The paper ({paper['words']:,} words) was too long for the model's context, so "
        f"{writer_name(runtime.context)} first condensed it part by part ({len(notes)} parts) into "
        f"{words:,} words of notes, and the summary was written from those notes."
    )
    return {"paper": {**paper, "condensed_key": await texts.put(store, condensed), "notice": notice}}
