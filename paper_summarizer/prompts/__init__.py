"""Prompt templates live beside this file as markdown.

Every call has the same shape: a system message with the instructions and criteria, then one
user message that starts with the paper and ends with the request. The paper is untrusted text,
so it sits in the user's turn, not the system's; and since it comes first and is byte-identical
across rounds and between writer and judge, providers that cache prompt prefixes (DeepSeek,
OpenAI, llama.cpp) bill and compute it once. (One user message, not two: DeepSeek's reasoner
refuses successive user messages.)"""

from __future__ import annotations

import functools
import json
import re
from importlib.resources import files

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from paper_summarizer.context import Context

# Our delimiters, and look-alikes of them, inside untrusted text (the paper, a summary, a part)
# would let that text pretend to close its block and speak as the request.
_DELIMITER = re.compile(r"<\s*(/?)\s*(paper|summary|part)\s*>", re.IGNORECASE)


@functools.cache
def template(name: str) -> str:
    return (files(__package__) / f"{name}.md").read_text(encoding="utf-8")


def fill(template_text: str, **values: object) -> str:
    """Put values into {name} slots in one pass, so braces in the values (a paper's JSON, a
    user's override) are never read as slots, and unknown {words} stay as they are."""
    return re.sub(
        r"\{(\w+)\}", lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template_text
    )


def quote(text: str) -> str:
    """Untrusted text made safe to put between our delimiters: `</paper>` becomes `[/paper]`."""
    return _DELIMITER.sub(lambda m: f"[{m.group(1)}{m.group(2)}]", text)


def numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))


@functools.cache
def _audiences() -> dict[str, dict[str, str]]:
    return dict(json.loads((files(__package__) / "audiences.json").read_text(encoding="utf-8")))


def reader(ctx: Context) -> dict[str, str]:
    """Who the summary is for and in what language: the same for both drafting paths (the
    whole summary, and an outline's sections), as slots `{audience}` and `{language}`."""
    return {"audience": _audiences()[ctx.audience]["writer"], "language": ctx.language}


def criteria(ctx: Context) -> list[str]:
    """What the judge checks: the caller's criteria, or the built-in ones for the run's audience
    and language. Faithfulness is not among them: the judge checks it sentence by sentence, each
    sentence with its evidence (nodes/fact_check.py), not as one impression of the summary."""
    return list(ctx.criteria) or built_in_criteria(ctx)


def built_in_criteria(ctx: Context, name: str = "criteria") -> list[str]:
    """The criteria of a prompt file (a markdown list), for the run's audience and language."""
    text = fill(template(name), audience=_audiences()[ctx.audience]["criterion"], language=ctx.language)
    return [line[2:].strip() for line in text.splitlines() if line.startswith("- ")]


def writer_instructions(ctx: Context, figures: str = "") -> str:
    """The writer's rules: the caller's own, or ours for the run's language and audience, and the
    paper's figures it may place (`figures`: their markers and captions, one per line). They hold
    in every round, revisions too."""
    rules = fill(
        ctx.generate_instructions or template("instructions"),
        min_words=ctx.min_words,
        min_chars=2 * ctx.min_words,
        **reader(ctx),
    ).strip()
    if not figures:
        return rules
    return rules + "\n" + fill(template("figures"), max_figures=ctx.max_figures, figures=figures).strip()


def conversation(paper: str, ctx: Context, request: str) -> list[BaseMessage]:
    system = fill(
        template("system"),
        criteria=numbered(criteria(ctx)),
        min_words=ctx.min_words,
        min_sections=ctx.min_sections,
        language=ctx.language,
    )
    if not paper:  # a small judge's fact-check: the evidence goes with each sentence instead
        return [SystemMessage(system), HumanMessage(request)]
    return [SystemMessage(system), HumanMessage(f"<paper>\n{quote(paper)}\n</paper>\n\n{request}")]
