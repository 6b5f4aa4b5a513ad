"""Test material the tests make themselves: papers and summaries with known properties."""

from __future__ import annotations

import random
from pathlib import Path

_VOCAB = [
    # a few of the commonest English words, so that prose reads as English to the language gate
    "the",
    "and",
    "of",
    "to",
    "is",
    "model",
    "data",
    "training",
    "attention",
    "layer",
    "result",
    "method",
    "paper",
    "student",
    "idea",
    "network",
    "signal",
    "value",
    "error",
    "test",
    "benchmark",
    "score",
    "speed",
    "memory",
    "token",
    "context",
    "judge",
    "writer",
    "summary",
    "claim",
    "number",
    "table",
    "figure",
    "section",
    "problem",
    "approach",
    "limit",
    "future",
    "reason",
    "design",
    "choice",
    "step",
    "graph",
    "loop",
    "round",
    "verdict",
    "feedback",
    "reader",
    "text",
    "word",
    "title",
    "heading",
    "structure",
    "clear",
    "simple",
    "useful",
    "careful",
    "small",
    "large",
    "fast",
    "slow",
    "early",
    "late",
    "new",
    "old",
    "first",
    "second",
    "third",
    "main",
    "minor",
]


def prose(n_words: int, seed: int = 0) -> str:
    """Varied sentences: no repeated sentence and nearly all word triples distinct."""
    rng = random.Random(seed)
    words = [rng.choice(_VOCAB) for _ in range(n_words)]
    sentences = [" ".join(words[i : i + 10]) for i in range(0, n_words, 10)]
    return " ".join(s[0].upper() + s[1:] + "." for s in sentences)


SECTIONS = ["The problem", "The approach", "The results", "The limits", "Why it matters", "What comes next"]
# A sentence of the factory paper's abstract results, in other words: a summary that leaves out
# the paper's results does not pass.
FINDINGS = "Gates rejected 46% of drafts, cut judge tokens by 38% and made judging 4× cheaper."
TITLE = "Gated Judges for Summaries: A Clear Summary"


def summary(n_words: int = 120, sections: int = 3, title: str = TITLE, seed: int = 1) -> str:
    """A summary of `paper_markdown()` that passes every gate: a title naming the paper, a TL;DR,
    named `##` sections (the first with the paper's results), the last with a `###` subsection."""
    per = max(1, n_words // (sections + 1))
    body = "\n\n".join(
        f"## {SECTIONS[i % len(SECTIONS)]}{' ' + _VOCAB[i] if i >= len(SECTIONS) else ''}\n\n"
        + (FINDINGS + " " if i == 0 else "")
        + prose(per, seed * 100 + i)
        for i in range(sections)
    )
    detail = f"### Details\n\n{prose(n_words - per * sections, seed * 100 + 99)}"
    tldr = f"**TL;DR:** The paper shows that the {_VOCAB[seed % len(_VOCAB)]} gates make judging cheaper."
    return f"# {title}\n\n{tldr}\n\n{body}\n\n{detail}\n"


TITLE_OF_PAPER = "Gated Judges for Summaries"
PAPER_MD = """# Gated Judges for Summaries

## Abstract

We study judges. Gates rejected 46% of drafts and cut judge tokens by 38%. The method is 4× cheaper.

## 1 Introduction

{intro}

## 2 Method

{method}

## 3 Results

We measured 120 summaries of 40 papers. {results}

## 4 Conclusion

{conclusion}
"""


def paper_markdown(seed: int = 7) -> str:
    return PAPER_MD.format(
        intro=prose(150, seed),
        method=prose(200, seed + 1),
        results=prose(150, seed + 2),
        conclusion=prose(80, seed + 3),
    )


def write_paper(directory: Path, name: str = "paper.md", text: str | None = None) -> Path:
    path = directory / name
    path.write_text(text if text is not None else paper_markdown(), encoding="utf-8")
    return path


# A reading list: papers that differ in their titles, and an overview across them.
LIST_TITLES = ["Gated Judges for Summaries", "Gated Writers for Summaries", "Gated Readers for Summaries"]


def write_reading_list(directory: Path) -> list[str]:
    """Three papers (paper-1.md ...), each `paper_markdown()` under its own title."""
    return [
        str(
            write_paper(directory, f"paper-{n}.md", paper_markdown(seed=n).replace(f"# {TITLE_OF_PAPER}", f"# {title}"))
        )
        for n, title in enumerate(LIST_TITLES, 1)
    ]


def list_summary(title: str) -> str:
    """A summary of the reading list's paper with that title that passes every gate."""
    return summary(150, title=f"{title}: A Clear Summary", seed=LIST_TITLES.index(title) + 1)


def overview(cited: tuple[int, ...] = (1, 2, 3), number: str = "46%", seed: int = 5) -> str:
    """An overview across the reading list's summaries that passes every gate, citing `cited`
    and giving each of them `number` of drafts rejected (the summaries say 46%)."""
    cite = ", ".join(f"[{n}]" for n in cited)
    rows = "\n".join(
        f"| [{n}] | gates before the judge | summaries of papers | {number} of drafts rejected | one small benchmark |"
        for n in cited
    )
    return f"""# Gated Judges, Writers and Readers for Summaries Compared

**TL;DR:** Together the papers show that gates before a judge make judging summaries cheaper.

## The shared problem

All of them ask how a judge can check a summary {cite}. {prose(40, seed)}

## How the approaches differ

### Where the gates sit

Gates rejected {number} of drafts in {cite}. {prose(40, seed + 1)}

## Comparison table

| Paper | Method | Data | Main result | Limitations |
|---|---|---|---|---|
{rows}

## Where they agree and disagree

{prose(40, seed + 2)} The judge and the writer differ most in {cite}.

## What to read first

Read [1] first: its section on the loop is the clearest summary of the gates.
"""
