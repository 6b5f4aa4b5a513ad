"""The public API: summarize a paper, resume a run, read a thread's history, list threads.
The CLI is a thin layer over these; LangGraph Studio runs the same graph."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore
from langgraph.types import Command

from paper_summarizer import outputs, texts, verdicts
from paper_summarizer.context import Context
from paper_summarizer.errors import BadInputError, ThreadNotFoundError
from paper_summarizer.graph import build_graph
from paper_summarizer.nodes.shared import judge_name, writer_name
from paper_summarizer.persistence import open_persistence
from paper_summarizer.replies import add_usage
from paper_summarizer.state import Attempt, InputState, PaperRef, State, Usage

THREADS = ("threads",)
OnUpdate = Callable[[str, str, dict[str, Any]], None]  # (thread_id, node, update)
Reviewer = Callable[[dict[str, Any]], str]  # interrupt payload -> "approve" or feedback


@dataclass
class SummaryResult:
    thread_id: str
    source: str
    status: str  # passed | cap reached | awaiting review | interrupted
    passed: bool
    rounds: int
    title: str = ""
    summary: str = ""
    best_round: int = 0
    failing: list[str] = field(default_factory=list)
    notice: str = ""
    writer: str = ""
    judge: str = ""
    usage: Usage = field(default_factory=lambda: add_usage())  # every call: condense, write, judge
    condense_usage: Usage = field(default_factory=lambda: add_usage())
    cost_usd: float | None = None  # when prices are configured
    attempts: list[dict[str, Any]] = field(default_factory=list)  # each with its summary and reasoning
    summary_path: Path | None = None
    report_path: Path | None = None


@dataclass
class ThreadInfo:
    thread_id: str
    source: str
    status: str
    rounds: int
    updated_at: str


@contextmanager
def _session(
    checkpoint_db: str | None,
) -> Iterator[tuple[CompiledStateGraph[State, Context, InputState, State], BaseStore]]:
    with open_persistence(checkpoint_db) as (saver, store):
        yield build_graph(saver, store), store


def _config(thread_id: str, source: str) -> RunnableConfig:
    return {
        "configurable": {"thread_id": thread_id},
        "run_name": "paper-summarizer",
        "metadata": {"source": source, "thread_id": thread_id},
    }


def new_thread_id() -> str:
    return uuid.uuid4().hex[:12]


def summarize(
    source: str,
    context: Context | None = None,
    *,
    thread_id: str | None = None,
    checkpoint_db: str | None = None,
    output_dir: str | Path = ".",
    on_update: OnUpdate | None = None,
    reviewer: Reviewer | None = None,
) -> SummaryResult:
    """Summarize one paper; every step is checkpointed under `thread_id` (new if not given).
    Local files may be read here (the caller is on this machine) unless the context says no."""
    with _session(checkpoint_db) as (graph, store):
        return _start(graph, store, source, context, thread_id, output_dir, on_update, reviewer)


def _start(
    graph: CompiledStateGraph[State, Context, InputState, State],
    store: BaseStore,
    source: str,
    context: Context | None,
    thread_id: str | None,
    output_dir: str | Path,
    on_update: OnUpdate | None,
    reviewer: Reviewer | None,
) -> SummaryResult:
    ctx = context or Context(allow_local_files=True)
    thread_id = thread_id or new_thread_id()
    config = _config(thread_id, source)
    if graph.get_state(config).values or store.get(THREADS, thread_id):
        raise BadInputError(f"thread {thread_id} already exists: use `resume {thread_id}`")
    now = _now()
    settings = {**dataclasses.asdict(ctx), "output_dir": str(output_dir)}
    record = {"source": source, "settings": settings, "created_at": now, "updated_at": now}
    store.put(THREADS, thread_id, record, index=False)
    try:
        return _drive(graph, store, config, {"source": source}, ctx, Path(output_dir), on_update, reviewer)
    except BadInputError:
        if "paper" not in graph.get_state(config).values:
            # The source itself was bad: there is nothing to resume, so leave no trace.
            if isinstance(graph.checkpointer, BaseCheckpointSaver):
                graph.checkpointer.delete_thread(thread_id)
            store.delete(THREADS, thread_id)
        raise


def resume(
    thread_id: str,
    *,
    checkpoint_db: str | None = None,
    overrides: dict[str, Any] | None = None,
    on_update: OnUpdate | None = None,
    reviewer: Reviewer | None = None,
) -> SummaryResult:
    """Continue a thread from its last checkpoint with the settings it started with; `overrides`
    (Context fields, or output_dir) replace some of them."""
    with _session(checkpoint_db) as (graph, store):
        record = _record(store, thread_id)
        settings = {**record["settings"], **{k: v for k, v in (overrides or {}).items() if v is not None}}
        output_dir = Path(settings.pop("output_dir", "."))
        ctx = _context_from(settings)
        config = _config(thread_id, record["source"])
        snapshot = graph.get_state(config)
        command: Any = None
        if not snapshot.values:
            command = {"source": record["source"]}  # killed before its first checkpoint: start over
        elif snapshot.interrupts and reviewer is not None:
            command = Command(resume=reviewer(snapshot.interrupts[0].value))
        elif not snapshot.next:
            return _result(graph, store, config, ctx, output_dir)  # finished: just write again
        return _drive(graph, store, config, command, ctx, output_dir, on_update, reviewer)


def history(thread_id: str, *, checkpoint_db: str | None = None) -> SummaryResult:
    """A thread's attempts and verdicts as stored, without writing anything."""
    with _session(checkpoint_db) as (graph, store):
        record = _record(store, thread_id)
        return _result(graph, store, _config(thread_id, record["source"]), _context_from(record["settings"]), None)


def threads(*, checkpoint_db: str | None = None) -> list[ThreadInfo]:
    with _session(checkpoint_db) as (graph, store):
        out = []
        for item in store.search(THREADS, limit=10_000):
            snapshot = graph.get_state(_config(item.key, item.value["source"]))
            out.append(
                ThreadInfo(
                    thread_id=item.key,
                    source=item.value["source"],
                    status=_status(snapshot),
                    rounds=len(snapshot.values.get("attempts") or []),
                    updated_at=str(snapshot.created_at or item.value["updated_at"]),
                )
            )
        return sorted(out, key=lambda t: t.updated_at, reverse=True)


@dataclass
class BatchItem:
    source: str
    thread_id: str
    result: SummaryResult | None = None
    error: BaseException | None = None


def summarize_many(
    sources: list[str],
    context: Context | None = None,
    *,
    concurrency: int = 4,
    checkpoint_db: str | None = None,
    output_dir: str | Path = ".",
    on_update: OnUpdate | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
    reviewer: Reviewer | None = None,
) -> list[BatchItem]:
    """Summarize several papers at once, each in its own thread. One paper's failure is kept
    in its item and does not stop the others. Items come back in the order of `sources`."""
    items = [BatchItem(source, new_thread_id()) for source in sources]
    # One database session for the batch: the savers serialize their own access, and papers
    # do not race each other through first-time setup.
    with _session(checkpoint_db) as (graph, store):

        def run(item: BatchItem) -> BatchItem:
            try:
                item.result = _start(
                    graph, store, item.source, context, item.thread_id, output_dir, on_update, reviewer
                )
            except Exception as exc:
                item.error = exc
            if on_done is not None:
                on_done(item)
            return item

        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            return list(pool.map(run, items))


def _context_from(settings: dict[str, Any]) -> Context:
    """The stored settings as a Context; fields a later version dropped are ignored."""
    known = {f.name for f in dataclasses.fields(Context)}
    return Context(**{k: v for k, v in settings.items() if k in known})


def _record(store: BaseStore, thread_id: str) -> dict[str, Any]:
    item = store.get(THREADS, thread_id)
    if item is None:
        raise ThreadNotFoundError(f"no run with thread ID {thread_id!r} in this checkpoint database")
    return dict(item.value)


def _drive(
    graph: CompiledStateGraph[State, Context, InputState, State],
    store: BaseStore,
    config: RunnableConfig,
    first_input: Any,
    ctx: Context,
    output_dir: Path,
    on_update: OnUpdate | None,
    reviewer: Reviewer | None,
) -> SummaryResult:
    thread_id = config["configurable"]["thread_id"]
    run_input = first_input
    while True:
        # durability="sync": a step's checkpoint is on disk before the next step starts, so a
        # kill -9 never loses a finished (paid-for) model call.
        for chunk in graph.stream(run_input, config, context=ctx, stream_mode="updates", durability="sync"):
            for node, update in chunk.items():
                if on_update is not None:
                    on_update(thread_id, node, update if isinstance(update, dict) else {"value": update})
        snapshot = graph.get_state(config)
        if snapshot.interrupts and reviewer is not None:
            run_input = Command(resume=reviewer(snapshot.interrupts[0].value))
            continue
        item = store.get(THREADS, thread_id)
        if item is not None:
            store.put(THREADS, thread_id, {**item.value, "updated_at": _now()}, index=False)
        return _result(graph, store, config, ctx, output_dir)


def _status(snapshot: Any) -> str:
    attempts = snapshot.values.get("attempts") or []
    if snapshot.interrupts:
        return "awaiting review"
    if snapshot.next or not attempts:
        return "interrupted"
    verdict = attempts[-1].get("verdict")
    return "passed" if verdict and verdict["evaluation"] == "PASS" else "cap reached"


def _result(
    graph: CompiledStateGraph[State, Context, InputState, State],
    store: BaseStore,
    config: RunnableConfig,
    ctx: Context,
    output_dir: Path | None,
) -> SummaryResult:
    snapshot = graph.get_state(config)
    values = snapshot.values
    attempts: list[Attempt] = values.get("attempts") or []
    paper: PaperRef | None = values.get("paper")
    status = _status(snapshot)
    best = verdicts.best_attempt(attempts, len(ctx.criteria))
    thread_id = config["configurable"]["thread_id"]
    result = SummaryResult(
        thread_id=thread_id,
        source=values.get("source", ""),
        status=status,
        passed=status == "passed",
        rounds=len(attempts),
        title=paper["title"] if paper else "",
        notice=paper["notice"] if paper else "",
        writer=writer_name(ctx),
        judge=judge_name(ctx),
        attempts=[texts.with_texts(store, a) for a in attempts],
        condense_usage=add_usage(*[n["usage"] for n in values.get("notes") or []]),
        usage=add_usage(
            *[n["usage"] for n in values.get("notes") or []],
            *[a["usage"] for a in attempts if "usage" in a],
            *[a["verdict"]["usage"] for a in attempts if "verdict" in a],
        ),
    )
    if ctx.input_price or ctx.output_price:
        result.cost_usd = round(
            (result.usage["input_tokens"] * ctx.input_price + result.usage["output_tokens"] * ctx.output_price) / 1e6, 6
        )
    if best is not None and "verdict" in best:
        result.summary = texts.get(store, best.get("summary_key", ""))
        result.best_round = best["round"]
        result.failing = verdicts.failures(best["verdict"])
    if output_dir is not None and paper is not None and result.summary and status in ("passed", "cap reached"):
        result.summary_path, result.report_path = outputs.write(
            output_dir, paper["name"], outputs.summary_markdown(result.summary, _footer(result)), _report(result, paper)
        )
    return result


def _footer(result: SummaryResult) -> list[str]:
    lines = [
        f"Summary written by {result.writer} and judged by {result.judge} "
        f"(paper-summarizer, thread {result.thread_id})."
    ]
    if result.passed:
        lines.append(f"Passed every check on round {result.best_round} of {result.rounds}.")
    else:
        lines.append(
            f"Did not pass within {result.rounds} rounds; this is the best attempt (round "
            f"{result.best_round}); still failing: {'; '.join(result.failing)}."
        )
    if result.notice:
        lines.append(result.notice)
    return lines


def _report(result: SummaryResult, paper: PaperRef) -> dict[str, Any]:
    return {
        "thread_id": result.thread_id,
        "source": result.source,
        "paper": dict(paper),
        "status": result.status,
        "passed": result.passed,
        "rounds": result.rounds,
        "best_round": result.best_round,
        "failing": result.failing,
        "writer": result.writer,
        "judge": result.judge,
        "usage": dict(result.usage),
        "usage_by_step": {
            "condense": dict(result.condense_usage),
            "rounds": [
                {
                    "round": a["round"],
                    "write": a.get("usage"),
                    "judge": a["verdict"]["usage"] if "verdict" in a else None,
                }
                for a in result.attempts
            ],
        },
        "cost_usd": result.cost_usd,
        "attempts": [{k: v for k, v in a.items() if not k.endswith("_key")} for a in result.attempts],
    }


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
