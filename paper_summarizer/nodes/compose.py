"""compose: the sections' paragraphs joined under the outline's headings into this round's
attempt (the reduce step). Code also removes what a small model is prone to add: headings inside
a paragraph, a sentence it already wrote, and numbers that are not in the paper."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from langgraph.runtime import Runtime

from paper_summarizer import figure_markers, quality, texts
from paper_summarizer.context import Context
from paper_summarizer.documents import library
from paper_summarizer.figure_markers import Captioned
from paper_summarizer.nodes.shared import store_of, writer_name
from paper_summarizer.replies import add_usage
from paper_summarizer.state import Attempt, State

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


async def compose(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    store = store_of(runtime)
    round_no = len(state.get("attempts") or []) + 1
    drafts = {d["index"]: d for d in state.get("drafts") or [] if d["round"] == round_no}
    paper_text = await library.text(store, state["paper"])
    # A small writer places no figure itself: the outline shows the one that overviews the method.
    figures = await library.figures(store, state["paper"]) if runtime.context.max_figures else []
    shown = figure_markers.overview_figure(figures)
    # Checking numbers searches the paper (an index built on first use): off the event loop.
    summary = await asyncio.to_thread(_composed, state, drafts, paper_text, shown)
    attempt = Attempt(
        round=round_no,
        summary_key=await texts.put(store, summary),
        reasoning_key="",
        words=len(summary.split()),
        model=writer_name(runtime.context),
        usage=add_usage(*[d["usage"] for d in drafts.values()]),
    )
    return {"summary": summary, "attempts": [attempt]}


def _composed(state: State, drafts: dict[int, Any], paper_text: str, figure: Captioned | None) -> str:
    seen: set[str] = set()
    blocks = [f"# {state['paper']['title']}"]
    approach = [s["index"] for s in state["outline"] if s["level"] == 2][1:2]  # the second: the approach
    for section in state["outline"]:
        raw = drafts[section["index"]]["text"] if section["index"] in drafts else ""
        if section["level"] == 0:  # the TL;DR: one sentence, on the line under the title
            tldr = clean(_SENTENCE.split(raw.strip())[0], paper_text, seen)
            blocks.append(f"{quality.TLDR} {tldr}" if tldr else "")
            continue
        text = clean(raw, paper_text, seen)
        blocks.append(f"{'#' * section['level']} {section['heading']}")
        blocks.append(text)
        if figure is not None and section["index"] in approach:
            blocks.append(figure_markers.marker(figure))
    return "\n\n".join(b for b in blocks if b).strip() + "\n"


def clean(paragraph: str, paper: str, seen: set[str]) -> str:
    """One paragraph of sentences that are new to the summary and state no number the paper
    lacks, without the sentence the output limit cut off. `seen` collects the summary's
    sentences across paragraphs."""
    lines = [line for line in paragraph.splitlines() if not line.lstrip().startswith(("#", "|", "---"))]
    sentences = _SENTENCE.split(" ".join(line.strip(" -*") for line in lines).strip())
    if len(sentences) > 1 and not sentences[-1].rstrip().endswith((".", "!", "?", '"', ")")):
        sentences.pop()
    kept = []
    for sentence in sentences:
        key = " ".join(quality.words(sentence))
        if not key or key in seen or not all(n["found"] for n in quality.grounding(sentence, paper)):
            continue
        seen.add(key)
        kept.append(sentence)
    return " ".join(kept)
