"""What the graph carries from node to node. The paper's text is not here: it lives once in the
store under `PaperRef.key`, so checkpoints stay small however long the paper is."""

from __future__ import annotations

import math
import operator
import os
from enum import StrEnum
from typing import Annotated, Any, Literal, NotRequired

# typing_extensions: on Python < 3.12 pydantic (and so LangGraph Server's schema endpoint) rejects
# typing.TypedDict, and Studio would show no input form.
from annotated_types import MaxLen
from langgraph.channels import EphemeralValue
from typing_extensions import TypedDict

Evaluation = Literal["PASS", "NEEDS_IMPROVEMENT", "FAIL"]


class Status(StrEnum):
    """Where a run stands. The final node sets PASSED or CAP_REACHED; the others describe a run
    that has not reached it (paused for a reviewer, still going, or stopped by a crash)."""

    PASSED = "passed"
    CAP_REACHED = "cap reached"
    AWAITING_REVIEW = "awaiting review"
    RUNNING = "running"
    INTERRUPTED = "interrupted"
    NO_OVERVIEW = "no overview"  # a reading list that finished with fewer than two papers to compare


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
    # In the store (see texts.py): each sentence with its evidence and the judge's answer, and
    # the paper's key facts with whether the summary conveys them. Absent when no judge ran.
    claims_key: NotRequired[str]


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
    left_out: str  # text of the PDF a reader cannot see, left out (see documents/unseen.py)
    parts: list[Part]  # spans to condense first, when the paper does not fit the context
    condensed_key: str  # the condensed text, in the store, once the parts are condensed


class Note(TypedDict):
    index: int
    heading: str
    text_key: str
    chars: int
    usage: Usage


class OutlineSection(TypedDict):
    """A section of the outline a small model writes into (see section_plan.py)."""

    index: int
    level: int  # 2 for '##', 3 for '###', 0 for the TL;DR line under the title
    heading: str
    start: int  # the span of the paper's text it summarizes
    end: int
    words: int  # how long its paragraph should be


class SectionDraft(TypedDict):
    """One paragraph of the outline, written by a small model (see section_plan.py)."""

    round: int
    index: int
    text: str
    usage: Usage


def upsert_attempts(current: list[Attempt], update: list[Attempt]) -> list[Attempt]:
    """Merge attempts by round: generate adds a round, evaluate and review fill in its verdict."""
    merged = {a["round"]: a for a in current}
    for attempt in update:
        merged[attempt["round"]] = {**merged.get(attempt["round"], {}), **attempt}
    return [merged[r] for r in sorted(merged)]


class Result(TypedDict):
    """What a run produced: the final node's output, the same for Studio, the SDK, Python and the
    CLI (which writes `markdown` to <name>.summary.md and the rest to <name>.report.json)."""

    status: str  # Status.PASSED or Status.CAP_REACHED
    title: str
    name: str  # file-name-safe stem for the outputs
    tldr: str  # the best attempt's one-sentence TL;DR
    summary: str  # the best attempt's text
    markdown: str  # the summary with a footer: who wrote it, what checked it, what it still fails
    best_round: int
    rounds: int
    failing: list[str]  # the gates and criteria the best attempt still fails
    writer: str  # the model that wrote the best attempt
    checked_by: str  # the judge that passed or failed it, or the code gates when no judge ran
    notice: str  # what was condensed or shortened
    left_out: str  # hidden text of the PDF that no model read
    usage: Usage  # every call: condense, write, judge
    condense_usage: Usage
    cost_usd: float | None  # when prices are configured
    # The best attempt's sentences, each with its evidence (where and what) and the judge's
    # answer; and the paper's key facts, each with whether the summary conveys it.
    claims: list[dict[str, Any]]
    key_facts: list[dict[str, Any]]
    attempts: list[dict[str, Any]]  # every round, with its texts, models, verdict and tokens
    # The paper's figures the summary shows: {label, file (as the markdown links it), page, caption,
    # png_base64}; the CLI writes each PNG to <name>.figures/.
    figures: list[dict[str, Any]]


def _largest_upload() -> int:
    """Base64 characters of the largest paper a deployment accepts (its download ceiling, else
    its default limit): declared in the input schema, and checked before anything is decoded."""
    for variable in ("PAPER_SUMMARIZER_MAX_DOWNLOAD_MB_CEILING", "PAPER_SUMMARIZER_MAX_DOWNLOAD_MB"):
        try:
            megabytes = float(os.environ.get(variable) or "nan")
        except ValueError:
            continue
        if megabytes == megabytes:  # not NaN
            return math.ceil(megabytes * 1_000_000 / 3) * 4
    return math.ceil(DEFAULT_MAX_DOWNLOAD_MB * 1_000_000 / 3) * 4


DEFAULT_MAX_DOWNLOAD_MB = 50.0


class Upload(TypedDict):
    """A local file sent by a client to a served graph, which may not read the client's disk."""

    name: Annotated[str, MaxLen(255)]  # the file's name, for its type and the outputs' names
    content_base64: Annotated[str, MaxLen(_largest_upload())]


class InputState(TypedDict):
    source: str
    upload: NotRequired[Upload | None]  # the source's bytes, when the source is the client's file
    # True: this thread's run reached its round cap, and its cap was raised: the graph's START
    # router sends it back to drafting, by the run's own drafting path. Seen by that router only.
    more_rounds: NotRequired[Annotated[bool, EphemeralValue(bool)]]


class OutputState(TypedDict, total=False):
    source: str
    paper: PaperRef
    result: Result | None  # set by the final node; cleared when a new run starts


class State(InputState, total=False):
    paper: PaperRef
    # The writer the run's first node chose when the context left it to the environment (an
    # API key set or not): every later node and resume writes with it (see nodes/shared.py).
    writer: str
    notes: Annotated[list[Note], operator.add]  # one per condensed part, in any order
    summary: str  # the latest attempt's text: what the judge reads and Studio shows
    attempts: Annotated[list[Attempt], upsert_attempts]
    outline: list[OutlineSection]  # small-model drafting: the sections code planned for this round
    drafts: Annotated[list[SectionDraft], operator.add]  # their paragraphs, every round's, in any order
    model_calls: Annotated[int, operator.add]  # calls made so far, against the run's budget
    result: Result | None  # set by the final node; cleared when a new run starts


# --- a reading list (reading_list.py): every paper summarized, then one overview across them ---


class ReadingListInput(TypedDict):
    sources: list[str]
    topic: NotRequired[str]  # the question the overview answers; empty: what the papers share
    # A client's own files, sent as bytes: uploads[i] is sources[i]'s (None for a URL or an ID).
    uploads: NotRequired[list[Upload | None]]


class PaperTask(TypedDict):
    """What each paper's summarizer is sent: its source, and its place in the list."""

    index: int  # from 1: the overview cites the paper as [index], the digest numbers it so
    source: str
    upload: NotRequired[Upload | None]


class PaperOutcome(PaperTask):
    result: Result | None  # the summarizer's result; None when the paper could not be read
    error: str  # why not, in one line


NO_OVERVIEW = Status.NO_OVERVIEW


class ReadingListResult(TypedDict):
    """What a reading list produced: its final node's output, the same for Studio, the SDK and
    Python. The totals count every paper's calls and rounds, and the overview's."""

    status: str  # the overview's (Status.PASSED or Status.CAP_REACHED), or NO_OVERVIEW
    overview: str  # the overview across the papers, with a footer as a summary has
    synthesis: Result | None  # the overview's rounds, verdicts and claims, as a summary's
    papers: list[PaperOutcome]  # in the order given
    digest: str  # the list at a glance (digest.md): each paper's title, TL;DR and status, or error
    usage: Usage
    cost_usd: float | None  # when prices are configured
    rounds: int


class ReadingListOutput(TypedDict, total=False):
    result: ReadingListResult | None


class ReadingListState(ReadingListInput, total=False):
    papers: Annotated[list[PaperOutcome], operator.add]  # one per source, in the order they finish
    synthesis: Result | None  # the overview's result, from the synthesis loop
    result: ReadingListResult | None


def listed_papers(state: ReadingListState) -> list[PaperOutcome]:
    """This run's outcome for each source, in the list's order. A thread's earlier run left its
    own outcomes in `papers`; the latest one per place and source is this run's."""
    latest = {(p["index"], p["source"]): p for p in state.get("papers") or []}
    return [latest[key] for key in enumerate(state["sources"], 1) if key in latest]
