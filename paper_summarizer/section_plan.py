"""The outline a small model writes into: code, not the model, decides the summary's shape.

The `#` title is the paper's own; the `##` sections are fixed (the problem, the approach, the
results, why it matters); `###` subsections come from the paper's own headings. Each section
points at the part of the paper it summarizes, so a model with a small context reads only that.
Pure functions of the paper's markdown."""

from __future__ import annotations

import functools
import json
import re
from importlib.resources import files

from paper_summarizer.documents import budget
from paper_summarizer.state import OutlineSection

MAX_PART_CHARS = 3000  # about 850 tokens: a 135M model reads this in seconds on 2 cores
MAX_SUBSECTIONS = 3

_SKIP = re.compile(r"references|bibliography|acknowledg|appendix|contents", re.IGNORECASE)
_GROUPS = [
    ("The problem", re.compile(r"abstract|introduction|background|motivation|overview|related", re.IGNORECASE)),
    ("The results", re.compile(r"result|experiment|evaluation|benchmark|performance|analysis|finding", re.IGNORECASE)),
    ("Why it matters", re.compile(r"conclusion|discussion|limitation|future|impact|summary", re.IGNORECASE)),
]
APPROACH = "The approach"
# Level 0: not a section but the one-sentence TL;DR under the title, read from the abstract.
TLDR_HEADING = "TL;DR: the paper's main contribution, in one sentence"
ORDER = ["The problem", APPROACH, "The results", "Why it matters"]
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*|[IVX]+)\.?\s+")


def plan(markdown: str, min_words: int, language: str = "English") -> list[OutlineSection]:
    """The TL;DR, then four `##` sections in a fixed order, with `###` subsections from the
    paper's own headings under the approach and the results. A section the paper gives no part
    for reads the abstract (or the paper's start). The fixed headings are in `language` where
    prompts/outline_headings.json has them (the paper's own headings stay as the paper has them)."""
    spans: dict[str, list[tuple[str, int, int, int]]] = {name: [] for name in ORDER}
    offset = 0
    for heading, text in budget.sections(markdown):
        start, offset = offset, offset + len(text)
        level = len(text) - len(text.lstrip("#"))
        if not heading or level < 2 or _SKIP.search(heading):
            continue  # the title block, the references: no section of the summary reads them
        group = next((name for name, pattern in _GROUPS if pattern.search(heading)), APPROACH)
        spans[group].append((heading, level, start, offset))
    if not spans["The problem"]:
        spans["The problem"] = [("", 2, 0, min(len(markdown), MAX_PART_CHARS))]
    fallback = spans["The problem"][0]
    outline: list[tuple[int, str, int, int]] = []
    for name in ORDER:
        found = spans[name] or [fallback]
        outline.append((2, name, found[0][2], found[-1][3]))
        if name in (APPROACH, "The results") and spans[name]:
            for heading, _, start, end in found[:MAX_SUBSECTIONS]:
                outline.append((3, _NUMBERING.sub("", heading).strip() or heading, start, end))
    if not any(level == 3 for level, *_ in outline):
        # The paper has no headings to take subsections from: split the approach in two halves.
        i = next(i for i, (_, name, *_) in enumerate(outline) if name == APPROACH)
        _, _, start, end = outline[i]
        middle = (start + end) // 2
        outline[i + 1 : i + 1] = [(3, "How it works", start, middle), (3, "What it takes", middle, end)]
    named = _headings(language.strip().lower())
    outline = [(level, named.get(heading, heading), start, end) for level, heading, start, end in outline]
    words = max(60, min(150, round(min_words * 1.25 / len(outline))))
    problem = outline[0]
    tldr = OutlineSection(index=0, level=0, heading=TLDR_HEADING, start=problem[2], end=problem[3], words=30)
    return [tldr] + [
        OutlineSection(index=i, level=level, heading=heading, start=start, end=end, words=words)
        for i, (level, heading, start, end) in enumerate(outline, 1)
    ]


@functools.cache
def _headings(language: str) -> dict[str, str]:
    table = json.loads((files("paper_summarizer.prompts") / "outline_headings.json").read_text(encoding="utf-8"))
    return dict(table.get(language, {}))


def part_text(markdown: str, section: OutlineSection) -> str:
    return markdown[section["start"] : section["end"]][:MAX_PART_CHARS].strip() or markdown[:MAX_PART_CHARS]
