"""What the graph carries from node to node. The paper's text is not here: it lives once in the
store under `PaperRef.key`, so checkpoints stay small however long the paper is."""

from __future__ import annotations

import operator
from typing import Annotated, Literal

# typing_extensions: on Python < 3.12 pydantic (and so LangGraph Server's schema endpoint) rejects
# typing.TypedDict, and Studio would show no input form.
from typing_extensions import TypedDict

Evaluation = Literal["PASS", "NEEDS_IMPROVEMENT", "FAIL"]


class Check(TypedDict):
    name: str
    passed: bool
    detail: str


class NumberCheck(TypedDict):
    number: str
    context: str
    found: bool


class Usage(TypedDict):
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int


class Verdict(TypedDict):
    evaluation: Evaluation
    feedback: str
    gates: list[Check]
    grounding: list[NumberCheck]
    criteria: list[Check]
    judge_model: str
    usage: Usage


class Attempt(TypedDict, total=False):
    round: int
    summary_key: str  # the texts live in the store (see texts.py); the state keeps their keys
    reasoning_key: str
    words: int
    model: str
    usage: Usage
    verdict: Verdict
    review: str


class Part(TypedDict):
    """A span of the paper's text: the condense step gets offsets, never the text itself."""

    index: int
    heading: str
    start: int
    end: int
    words: int  # notes budget, so that the joined notes fit the context


class PaperRef(TypedDict):
    key: str  # SHA-256 of the source bytes: where the text lives in the store
    title: str
    name: str  # file-name-safe stem for the outputs
    source_url: str
    arxiv_id: str
    chars: int
    words: int
    notice: str  # what was shortened or condensed, for the reader
    parts: list[Part]  # spans to condense first, when the paper does not fit the context
    condensed_key: str  # the condensed text, in the store, once the parts are condensed


class Note(TypedDict):
    index: int
    heading: str
    text_key: str
    chars: int
    usage: Usage


def upsert_attempts(current: list[Attempt], update: list[Attempt]) -> list[Attempt]:
    """Merge attempts by round: generate adds a round, evaluate and review fill in its verdict."""
    merged = {a["round"]: a for a in current}
    for attempt in update:
        merged[attempt["round"]] = {**merged.get(attempt["round"], {}), **attempt}
    return [merged[r] for r in sorted(merged)]


class InputState(TypedDict):
    source: str


class State(InputState, total=False):
    paper: PaperRef
    notes: Annotated[list[Note], operator.add]  # one per condensed part, in any order
    summary: str  # the latest attempt's text: what the judge reads and Studio shows
    attempts: Annotated[list[Attempt], upsert_attempts]
    max_iterations: int
    human_review: bool
