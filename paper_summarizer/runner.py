"""The public API: summarize papers, resume a run, read a thread's history, list threads.

This layer keeps runs (checkpoints, a record of each thread's settings), drives them (streaming
progress, answering a reviewer) and writes each finished run's files. What a run produced comes
from the graph's final state (the `finalize` node), exactly as Studio and the SDK see it.

The graph's nodes are async, and so is this layer: `asummarize`, `asummarize_many`, `aresume`,
`ahistory` and `athreads` run in the caller's event loop; `summarize` and the others without the
`a` run them to completion for scripts and the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.store.base import BaseStore
from langgraph.types import Command, Overwrite, StateSnapshot

from paper_summarizer import models, outputs, texts
from paper_summarizer.context import Context
from paper_summarizer.errors import BadInputError, ThreadNotFoundError, describe
from paper_summarizer.graph import Graph, build_graph
from paper_summarizer.nodes.shared import round_cap
from paper_summarizer.persistence import open_persistence
from paper_summarizer.state import Result, Status

THREADS = ("threads",)
OnUpdate = Callable[[str, str, dict[str, Any]], None]  # (thread_id, node, update)
Reviewer = Callable[[dict[str, Any]], Any]  # interrupt payload -> "approve", feedback, or a dict
P = ParamSpec("P")
T = TypeVar("T")


def blocking(function: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """The same API call, run to completion in a fresh event loop (for scripts and the CLI)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return asyncio.run(function(*args, **kwargs))
        finally:
            # Model clients made in that loop keep its connections, which the next call's loop
            # cannot use ("Event loop is closed"). The embedded model's server stays up.
            models.forget_clients()

    return run


class OneAtATime:
    """A reviewer asked about one paper at a time. It (a terminal prompt) waits in a thread, so
    the other papers of a batch go on meanwhile. Local and --server runs share this."""

    def __init__(self, reviewer: Reviewer) -> None:
        self.reviewer, self.lock = reviewer, asyncio.Lock()

    async def __call__(self, payload: dict[str, Any]) -> Any:
        async with self.lock:
            return await asyncio.to_thread(self.reviewer, payload)


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


@asynccontextmanager
async def _session(checkpoint_db: str | None) -> AsyncIterator[tuple[Graph, BaseStore]]:
    async with open_persistence(checkpoint_db) as (saver, store):
        yield build_graph(saver, store), store


def _config(thread_id: str, source: str) -> RunnableConfig:
    return {
        "configurable": {"thread_id": thread_id},
        "run_name": "paper-summarizer",
        "metadata": {"source": source, "thread_id": thread_id},
    }


def new_thread_id() -> str:
    return uuid.uuid4().hex[:12]


async def asummarize(
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
    Local files and private hosts may be read: the caller is this machine's user."""
    async with _session(checkpoint_db) as (graph, store):
        run = _Run(graph, store, Path(output_dir), on_update, reviewer)
        return await run.start(source, context or Context(), thread_id or new_thread_id())


async def aresume(
    thread_id: str,
    *,
    checkpoint_db: str | None = None,
    overrides: dict[str, Any] | None = None,
    on_update: OnUpdate | None = None,
    reviewer: Reviewer | None = None,
) -> SummaryResult:
    """Continue a thread from its last checkpoint with the settings it started with. `overrides`
    (Context fields, or output_dir) replace some of them, and are stored for later resumes. A
    run that stopped at the round cap goes on when the cap is raised."""
    async with _session(checkpoint_db) as (graph, store):
        record = await _record(store, thread_id)
        settings = {**record["settings"], **{k: v for k, v in (overrides or {}).items() if v is not None}}
        await _save_record(store, thread_id, {**record, "settings": settings})
        output_dir = Path(settings.pop("output_dir", "."))
        run = _Run(graph, store, output_dir, on_update, reviewer)
        return await run.resume(thread_id, record["source"], Context.restore(settings))


async def ahistory(thread_id: str, *, checkpoint_db: str | None = None) -> SummaryResult:
    """A thread's attempts and verdicts as stored, without writing anything."""
    async with _session(checkpoint_db) as (graph, store):
        record = await _record(store, thread_id)
        snapshot = await graph.aget_state(_config(thread_id, record["source"]))
        return await _as_result(thread_id, record, snapshot, store)


async def athreads(*, checkpoint_db: str | None = None) -> list[ThreadInfo]:
    async with _session(checkpoint_db) as (graph, store):
        out = []
        for item in await store.asearch(THREADS, limit=10_000):
            snapshot = await graph.aget_state(_config(item.key, item.value["source"]))
            out.append(
                ThreadInfo(
                    thread_id=item.key,
                    source=item.value["source"],
                    status=status_of(snapshot, item.value),
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


async def asummarize_many(
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
    in its item and does not stop the others. Items come back in the order of `sources`; output
    names are unique within the batch. A reviewer is asked about one paper at a time."""
    items = [BatchItem(source, new_thread_id()) for source in sources]
    ctx = context or Context()
    # One database session for the batch: papers share its connections, and do not race each
    # other through first-time setup.
    async with _session(checkpoint_db) as (graph, store):
        run = _Run(graph, store, Path(output_dir), on_update, reviewer, names=Names())
        return await run_batch(
            items, lambda item: run.start(item.source, ctx, item.thread_id), concurrency, Path(output_dir), on_done
        )


async def run_batch(
    items: list[BatchItem],
    work: Callable[[BatchItem], Awaitable[SummaryResult]],
    concurrency: int,
    output_dir: Path,
    on_done: Callable[[BatchItem], None] | None,
) -> list[BatchItem]:
    """Each item's work, up to `concurrency` at once; a failure stays in its item and stops no
    other. Then, for several papers, the digest. Local and --server batches share this."""
    slots = asyncio.Semaphore(max(1, concurrency))

    async def one(item: BatchItem) -> BatchItem:
        async with slots:
            try:
                item.result = await work(item)
            except Exception as exc:
                item.error = exc
        if on_done is not None:
            on_done(item)
        return item

    done = list(await asyncio.gather(*(one(item) for item in items)))
    if len(done) > 1:
        write_digest(done, output_dir)
    return done


def write_digest(items: list[BatchItem], output_dir: Path) -> Path:
    """digest.md beside the summaries: the reading list at a glance, from each run's result."""
    entries = []
    for item in items:
        if item.error is not None or item.result is None:
            error = describe(item.error or RuntimeError("no result"))[0]
            entries.append(outputs.digest_entry(item.source, error=error))
            continue
        path = item.result.summary_path
        entries.append(
            outputs.digest_entry(
                item.source,
                item.result.result,
                status=item.result.status,
                rounds=item.result.rounds,
                link=path.name if path else "",
            )
        )
    path = output_dir / "digest.md"
    outputs.write_atomic(path, outputs.digest_markdown(entries))
    return path


class Names:
    """Output names claimed in a batch: two papers called paper.pdf in different folders get
    paper.summary.md and paper-2.summary.md, not one file written twice."""

    def __init__(self) -> None:
        self._taken: dict[str, str] = {}  # thread -> name; claimed in one event loop, so no lock

    def claim(self, thread_id: str, name: str) -> str:
        if thread_id not in self._taken:
            used = set(self._taken.values())
            unique, n = name, 1
            while unique in used:
                n += 1
                unique = f"{name}-{n}"
            self._taken[thread_id] = unique
        return self._taken[thread_id]


class _Run:
    """Drives runs of one graph and store and writes their files."""

    def __init__(
        self,
        graph: Graph,
        store: BaseStore,
        output_dir: Path,
        on_update: OnUpdate | None,
        reviewer: Reviewer | None,
        names: Names | None = None,
    ) -> None:
        self.graph, self.store, self.output_dir = graph, store, output_dir
        self.on_update, self.names = on_update, names
        self.ask = OneAtATime(reviewer) if reviewer is not None else None

    async def start(self, source: str, ctx: Context, thread_id: str) -> SummaryResult:
        config = _config(thread_id, source)
        if (await self.graph.aget_state(config)).values or await self.store.aget(THREADS, thread_id):
            raise BadInputError(f"thread {thread_id} already exists: use `resume {thread_id}`")
        # The model is resolved once and stored, so a resume from another shell, with other
        # API keys set, goes on with the model that wrote the earlier rounds.
        ctx = dataclasses.replace(ctx, model=models.choose(ctx.model).name)
        now = _now()
        settings = {**dataclasses.asdict(ctx), "output_dir": str(self.output_dir)}
        record = {"source": source, "settings": settings, "created_at": now, "updated_at": now}
        await _save_record(self.store, thread_id, record)
        try:
            return await self._drive(config, {"source": source}, ctx)
        except Exception:
            if "paper" not in (await self.graph.aget_state(config)).values:
                # The source never became a paper: there is nothing to resume, so leave no trace.
                if isinstance(self.graph.checkpointer, BaseCheckpointSaver):
                    await self.graph.checkpointer.adelete_thread(thread_id)
                await self.store.adelete(THREADS, thread_id)
            raise

    async def resume(self, thread_id: str, source: str, ctx: Context) -> SummaryResult:
        config = _config(thread_id, source)
        snapshot = await self.graph.aget_state(config)
        command: Any = None  # go on from the last checkpoint
        if not snapshot.values:
            command = {"source": source}  # killed before its first checkpoint: start over
        elif snapshot.interrupts:
            if self.ask is None:
                return await self._finish(config)
            command = Command(resume=await self.ask(snapshot.interrupts[0].value))
        elif not snapshot.next:
            result = snapshot.values.get("result")
            if not result or result["status"] != Status.CAP_REACHED or result["rounds"] >= round_cap(ctx):
                return await self._finish(config)  # finished: write its files again
            command = {"source": source, "more_rounds": True}  # the cap was raised: the graph routes it
        return await self._drive(config, command, ctx)

    async def _drive(self, config: RunnableConfig, first_input: Any, ctx: Context) -> SummaryResult:
        thread_id = config["configurable"]["thread_id"]
        await _touch(self.store, thread_id, pid=os.getpid())
        run_input = first_input
        try:
            while True:
                # durability="sync": a step's checkpoint is on disk before the next step starts,
                # so a kill -9 never loses a finished (paid-for) model call.
                stream = self.graph.astream(run_input, config, context=ctx, stream_mode="updates", durability="sync")
                async for chunk in stream:
                    for node, update in chunk.items():
                        if self.on_update is not None and isinstance(update, dict):
                            self.on_update(thread_id, node, plain(update))
                snapshot = await self.graph.aget_state(config)
                if not (snapshot.interrupts and self.ask is not None):
                    return await self._finish(config, snapshot)
                run_input = Command(resume=await self.ask(snapshot.interrupts[0].value))
        finally:
            await _touch(self.store, thread_id, pid=None)

    async def _finish(self, config: RunnableConfig, snapshot: StateSnapshot | None = None) -> SummaryResult:
        thread_id = config["configurable"]["thread_id"]
        record = await _record(self.store, thread_id)
        snapshot = snapshot or await self.graph.aget_state(config)
        out = await _as_result(thread_id, record, snapshot, self.store)
        values = snapshot.values
        if out.result is not None and out.status in (Status.PASSED, Status.CAP_REACHED):
            name = self.names.claim(thread_id, out.result["name"]) if self.names else out.result["name"]
            out.summary_path, out.report_path = write_outputs(self.output_dir, name, out, values.get("paper"))
        return out


def write_outputs(output_dir: Path, name: str, out: SummaryResult, paper: Any) -> tuple[Path, Path]:
    """<name>.summary.md and <name>.report.json, from a finished run's result alone (local or
    fetched from a server: the same files either way)."""
    assert out.result is not None
    report = {"thread_id": out.thread_id, "source": out.source, "paper": paper}
    report.update({k: v for k, v in out.result.items() if k != "markdown"})
    return outputs.write(output_dir, name, out.result["markdown"], json.dumps(report, indent=2, ensure_ascii=False))


def plain(update: dict[str, Any]) -> dict[str, Any]:
    """A node's update as progress shows it: fetch resets the per-run lists with Overwrite,
    here an object, from a server its JSON form; either way the reader gets the plain value."""

    def value(v: Any) -> Any:
        if isinstance(v, Overwrite):
            return v.value
        if isinstance(v, dict) and v.get("type") == "__overwrite__":
            return v.get("value")
        return v

    return {k: value(v) for k, v in update.items()}


def status_of(snapshot: StateSnapshot, record: dict[str, Any] | None = None) -> Status:
    """Where a thread stands, from its last checkpoint (and, for an unfinished run, whether the
    process driving it is still alive)."""
    if snapshot.interrupts:
        return Status.AWAITING_REVIEW
    result = snapshot.values.get("result")
    if result and not snapshot.next:
        return Status(result["status"])
    pid = (record or {}).get("pid")
    return Status.RUNNING if pid and _alive(pid) else Status.INTERRUPTED


async def _as_result(
    thread_id: str, record: dict[str, Any], snapshot: StateSnapshot, store: BaseStore
) -> SummaryResult:
    values = snapshot.values
    result: Result | None = values.get("result") if not snapshot.next else None
    # A finished run's result spells its attempts out already; an unfinished one's hold store keys.
    attempts = (
        result["attempts"] if result else [await texts.with_texts(store, a) for a in values.get("attempts") or []]
    )
    return SummaryResult(
        thread_id=thread_id,
        source=record["source"],
        status=status_of(snapshot, record),
        result=result,
        attempts=attempts,
    )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _record(store: BaseStore, thread_id: str) -> dict[str, Any]:
    item = await store.aget(THREADS, thread_id)
    if item is None:
        raise ThreadNotFoundError(f"no run with thread ID {thread_id!r} in this checkpoint database")
    return dict(item.value)


async def _save_record(store: BaseStore, thread_id: str, record: dict[str, Any]) -> None:
    await store.aput(THREADS, thread_id, record, index=False)


async def _touch(store: BaseStore, thread_id: str, *, pid: int | None) -> None:
    item = await store.aget(THREADS, thread_id)
    if item is not None:
        await _save_record(store, thread_id, {**item.value, "updated_at": _now(), "pid": pid})


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


summarize = blocking(asummarize)
summarize_many = blocking(asummarize_many)
resume = blocking(aresume)
history = blocking(ahistory)
threads = blocking(athreads)
