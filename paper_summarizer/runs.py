"""What the driver (runner.py) and its backends (local.py, remote.py) share: a run as it stands,
a thread's record, the protocol a backend implements, and the small pure helpers both backends
use. The backends import this, never the driver, so no import runs back up."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from paper_summarizer.context import Context
from paper_summarizer.state import ReadingListResult, Result, Status

OnUpdate = Callable[[str, str, dict[str, Any]], None]  # (thread_id, node, update)
LOCAL_CONCURRENCY = 4  # papers at once on this machine; a server's queue decides its own


def new_thread_id() -> str:
    return uuid.uuid4().hex[:12]


def plain(update: dict[str, Any]) -> dict[str, Any]:
    """A node's update as progress shows it: fetch resets the per-run lists with Overwrite,
    here an object, from a server its JSON form; either way the reader gets the plain value."""

    from langgraph.types import Overwrite

    def value(v: Any) -> Any:
        if isinstance(v, Overwrite):
            return v.value
        if isinstance(v, dict) and v.get("type") == "__overwrite__":
            return v.get("value")
        return v

    return {k: value(v) for k, v in update.items()}


def task_key(thread_id: str, namespace: tuple[str, ...]) -> str:
    """Whose progress an update is: the thread's, or inside a reading list one paper's (its task,
    named by the first characters of its ID) or the overview's."""
    for part in namespace:
        if part.startswith("summarize_paper:"):
            return f"{thread_id}/{part.split(':', 1)[1][:6]}"
        if part.startswith("synthesize:"):
            return f"{thread_id}/overview"
    return thread_id


@dataclass
class SummaryResult:
    """A run as it stands: its status, and once it has finished, the graph's result."""

    thread_id: str
    source: str
    status: Status
    result: Result | None = None  # the final node's output; None until the run reaches it
    attempts: list[dict[str, Any]] = field(default_factory=list)  # as stored, for an unfinished run
    summary_path: Path | None = None
    report_path: Path | None = None
    figures: list[tuple[str, str]] = field(default_factory=list)  # (label, file beside the summary)

    @property
    def passed(self) -> bool:
        return self.status == Status.PASSED

    @property
    def rounds(self) -> int:
        return self.result["rounds"] if self.result else len(self.attempts)

    @property
    def best_round(self) -> int:
        return self.result["best_round"] if self.result else 0

    @property
    def summary(self) -> str:
        return self.result["summary"] if self.result else ""

    @property
    def failing(self) -> list[str]:
        return self.result["failing"] if self.result else []


@dataclass
class ThreadInfo:
    thread_id: str
    source: str
    status: Status
    rounds: int
    updated_at: str


@dataclass
class BatchItem:
    source: str
    thread_id: str
    result: SummaryResult | None = None
    error: BaseException | None = None


@dataclass
class Record:
    """What a thread keeps beside its checkpoints: its source, the settings it was started with
    (or given since), and where its files go, so a resume from any shell goes on as it began."""

    source: str  # for a reading list, a label naming its papers
    settings: dict[str, Any]
    output_dir: Path
    sources: list[str] = field(default_factory=list)  # a reading list's papers; empty for one paper
    topic: str = ""  # what a reading list's overview answers
    concurrency: int = 0  # a reading list's papers summarized at once (0: the backend's default)

    @property
    def graph(self) -> str:
        """The graph this thread runs, by its name in langgraph.json."""
        return READING_LIST if self.sources else SUMMARIZER


SUMMARIZER, READING_LIST = "paper_summarizer", "reading_list"


def list_label(sources: list[str]) -> str:
    shown = ", ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
    return f"reading list: {shown}"


@dataclass
class ListRun:
    """A reading list as it stands: its status (its overview's, once finished), and its result,
    with the files written from it."""

    thread_id: str
    status: Status
    result: ReadingListResult | None = None
    papers: list[SummaryResult] = field(default_factory=list)  # each readable paper's, files included
    digest_path: Path | None = None
    overview_path: Path | None = None
    overview_report_path: Path | None = None


@dataclass
class Stand:
    """Where a thread stands, as its backend reads it."""

    status: Status
    # The final node's output once a run reached it and ended: a Result, a list's ReadingListResult.
    result: Any = None
    attempts: list[dict[str, Any]] = field(default_factory=list)  # as stored (texts by store key)
    question: Any = None  # what a thread awaiting review asks
    started: bool = False  # a run got past its input: there is a checkpoint to go on from
    paper: Any = None  # the paper's reference, once the source became one


@dataclass(frozen=True)
class Start:
    """How a run of the graph begins: the source as a new input, the last checkpoint, a
    reviewer's answer, or a request for more rounds (which the graph grants or not)."""

    kind: Literal["new", "continue", "answer", "more_rounds"]
    answer: Any = None


class Backend(Protocol):
    def settings(self, context: Context | Mapping[str, Any] | None) -> dict[str, Any]:
        """The settings to keep for a new thread, from what the caller gave."""
        ...

    async def create(self, source: str, record: Record, thread_id: str | None) -> str: ...

    async def record(self, thread_id: str) -> Record: ...

    async def save(self, thread_id: str, record: Record) -> None: ...

    async def stand(self, thread_id: str) -> Stand: ...

    async def run(self, thread_id: str, record: Record, start: Start, on_update: OnUpdate | None) -> None:
        """Run the graph on the thread until it ends or waits for a reviewer; a failed run raises."""
        ...

    async def follow(self, thread_id: str, on_update: OnUpdate | None) -> bool:
        """Follow a run of the thread that is still going (started by a client since stopped)
        to its end; False when there is none to follow."""
        ...

    async def delete(self, thread_id: str) -> None: ...

    async def threads(self) -> list[ThreadInfo]: ...

    async def spelled(self, attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """An unfinished run's attempts with their texts in place of store keys."""
        ...

    def explained(self, exc: Exception) -> Exception:
        """A failure of the backend itself (a server out of reach) as one line; others as they are."""
        ...
