"""Prompt templates live beside this file as markdown. Every call starts with the same system
message (instructions + paper), byte-identical across rounds and between writer and judge, so
providers that cache prompt prefixes (DeepSeek, OpenAI, llama.cpp) bill and compute it once."""

from __future__ import annotations

import functools
import re
from importlib.resources import files

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage


@functools.cache
def template(name: str) -> str:
    return (files(__package__) / f"{name}.md").read_text(encoding="utf-8")


def fill(template_text: str, **values: object) -> str:
    """Put values into {name} slots in one pass, so braces in the values (a paper's JSON, a
    user's override) are never read as slots, and unknown {words} stay as they are."""
    return re.sub(
        r"\{(\w+)\}", lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template_text
    )


def numbered(items: list[str]) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))


def conversation(paper: str, criteria: list[str], min_words: int, min_sections: int, request: str) -> list[BaseMessage]:
    system = fill(
        template("system"),
        criteria=numbered(criteria),
        min_words=min_words,
        min_sections=min_sections,
        paper=paper,
    )
    return [SystemMessage(system), HumanMessage(request)]
