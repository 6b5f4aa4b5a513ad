"""An overview across a reading list, written and judged in the summarizer's own loop. What it is
written from and checked against is a document made of the papers' summaries, each a section
named by its paper ("## [2] Title"), so a summary's gates and claim checks apply to it as they
are. Two gates are its own: it cites every paper, and a number in a sentence (or a table row)
that cites papers is stated in those papers' summaries.

Pure functions of text and settings; nodes/synthesize.py runs the loop."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from paper_summarizer import evidence, quality, reading
from paper_summarizer.context import Context
from paper_summarizer.prompts import built_in_criteria, fill, quote, template
from paper_summarizer.state import Check, NumberCheck, Result

_CITATION = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_PAPER_HEADING = re.compile(r"^## \[(\d+)\] (.*)$", re.MULTILINE)
_HEADING = re.compile(r"^(#{1,5})\s+", re.MULTILINE)


def document(topic: str, papers: list[tuple[int, Result]]) -> str:
    """The papers' summaries as one markdown document: each under "## [n] Title", its own title
    line dropped and its headings one level down and numbered too ("### [n] The results"), so
    every passage says which paper it is from."""
    cited = ", ".join(f"[{n}]" for n, _ in papers)
    parts = [f"# {topic.strip() or 'A reading list'}", f"The summaries of {len(papers)} papers, cited as {cited}."]
    for n, result in papers:
        body = result["summary"].strip()
        if body.startswith("# "):
            body = body.partition("\n")[2].strip()
        body = _HEADING.sub(rf"#\g<1> [{n}] ", body)
        parts.append(f"## [{n}] {' '.join(result['title'].split())}\n\n{body}")
    return "\n\n".join(parts) + "\n"


def listed(paper: str) -> dict[int, tuple[str, str]]:
    """Each paper of a `document`: its number -> (its title, its summary's text)."""
    found = list(_PAPER_HEADING.finditer(paper))
    ends = [m.start() for m in found[1:]] + [len(paper)]
    return {int(m.group(1)): (m.group(2).strip(), paper[m.start() : end]) for m, end in zip(found, ends, strict=True)}


def citations(text: str) -> set[int]:
    return {int(n) for m in _CITATION.finditer(text) for n in re.split(r"\s*[,;]\s*", m.group(1))}


def uncited(text: str) -> str:
    """The text without its citations: "[2]" is a reference, not a number the overview states."""
    return _CITATION.sub("", text)


def gates(summary: str, paper: str, **settings: Any) -> tuple[list[Check], list[NumberCheck]]:
    """A summary's gates (quality.assess) on the overview without its citations, and its own two."""
    papers = listed(paper)
    checks, numbers = quality.assess(uncited(summary), paper, **settings)
    return [*checks, _cites_every_paper(summary, papers), _cited_numbers(summary, papers)], numbers


def _cites_every_paper(summary: str, papers: dict[int, tuple[str, str]]) -> Check:
    cited, text = citations(summary), " ".join(summary.lower().split())
    named = {n for n, (title, _) in papers.items() if " ".join(title.lower().split()) in text}
    missing = [f"[{n}] {title}" for n, (title, _) in papers.items() if n not in cited | named]
    problem = f"does not cite {'; '.join(missing)}: compare every paper of the list, citing each as [n]"
    return quality.check("cites_every_paper", problem if missing else "")


def _cited_numbers(summary: str, papers: dict[int, tuple[str, str]]) -> Check:
    """Each number in a sentence or table row that cites papers is stated in one of their
    summaries: a result given to the wrong paper fails, even when another paper states it."""
    stated = {n: evidence.numbers(uncited(text)) for n, (_, text) in papers.items()}
    wrong = []
    for statement in _statements(summary):
        cited = sorted(citations(statement) & stated.keys())
        for number in evidence.numbers(uncited(statement), claims=True) if cited else []:
            if not any(evidence.same_number(number, s) for n in cited for s in stated[n]):
                where = " or ".join(f"[{n}]" for n in cited)
                wrong.append(f'{number.shown} in "{statement.strip()[:100]}" is not in the summary of {where}')
    problem = f"{'; '.join(wrong[:4])}. Give each number from the summary of the paper it is about, or remove it"
    return quality.check("cited_numbers", problem if wrong else "")


def _statements(summary: str) -> list[str]:
    """Each sentence of the overview's prose and each row of its tables (a row is one paper's)."""
    lines = summary.splitlines()
    rows = [line for line in lines if line.lstrip().startswith("|")]
    prose = reading.render("\n".join("" if line.lstrip().startswith("|") else line for line in lines))
    return rows + [s for b in prose.blocks if b.kind == reading.PARAGRAPH for s in evidence.sentences(b.text)]


def criteria(ctx: Context) -> list[str]:
    """What the judge checks in an overview (prompts/synthesis_criteria.md), for the run's reader
    and language."""
    return built_in_criteria(ctx, "synthesis_criteria")


def context(ctx: Context, topic: str, numbers: list[int]) -> Context:
    """The run's settings for its overview: the overview's own writer instructions, judge
    instructions and criteria, written in one call a round (a small model's outline is a
    paper's sections, not an overview's); the rest (models, rounds, budgets) as the run's."""
    asked = f" They were gathered to answer: {quote(topic.strip())}." if topic.strip() else ""
    cited = ", ".join(f"[{n}]" for n in numbers[:-1]) + f" and [{numbers[-1]}]" if len(numbers) > 1 else "[1]"
    return dataclasses.replace(
        ctx,
        generate_instructions=fill(template("synthesize"), n_papers=len(numbers), citations=cited, topic=asked),
        evaluate_instructions=template("evaluate_synthesis"),
        criteria=criteria(ctx),
        draft_mode="whole",
        max_figures=0,  # an overview's figures would be one paper's; it compares them in words
    )
