"""The driver's backend on this machine: the graph with a checkpoint database (SQLite or
PostgreSQL) and, in its store, a record of each thread (source, settings, where its files go, the
process driving it), so `resume`, `history` and `threads` work from any shell."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.store.base import BaseStore
from langgraph.types import Command, StateSnapshot

from paper_summarizer import texts
from paper_summarizer.context import Context
from paper_summarizer.errors import BadInputError, ThreadNotFoundError
from paper_summarizer.graph import build_graph
from paper_summarizer.persistence import open_persistence
from paper_summarizer.runs import (
    LOCAL_CONCURRENCY,
    OnUpdate,
    Record,
    Stand,
    Start,
    ThreadInfo,
    new_thread_id,
    plain,
    task_key,
)
from paper_summarizer.state import Attempt, Status

THREADS = ("threads",)


class LocalBackend:
    """Runs of this machine's graph; local files and private hosts may be read, as the caller
    is this machine's user."""

    def __init__(self, saver: BaseCheckpointSaver[str], store: BaseStore) -> None:
        self.saver, self.store = saver, store
        self.graph = build_graph(saver, store)
        self._reading_list: Any = None

    @classmethod
    @asynccontextmanager
    async def open(cls, checkpoint_db: str | None) -> AsyncIterator[LocalBackend]:
        async with open_persistence(checkpoint_db) as (saver, store):
            yield cls(saver, store)

    def _graph_of(self, sources: list[str] | None) -> Any:
        """The graph a thread runs: the summarizer, or for a reading list (its sources) its own."""
        if not sources:
            return self.graph
        if self._reading_list is None:
            from paper_summarizer.reading_list import build_reading_list_graph

            self._reading_list = build_reading_list_graph(self.saver, self.store)
        return self._reading_list

    def settings(self, context: Context | Mapping[str, Any] | None) -> dict[str, Any]:
        """Every field, as this shell's environment fills the ones not given: a resume from
        another shell goes on with the same settings."""
        ctx = context if isinstance(context, Context) else Context(**dict(context or {}))
        return dataclasses.asdict(ctx)

    async def create(self, source: str, record: Record, thread_id: str | None) -> str:
        thread_id = thread_id or new_thread_id()
        if (
            await self._graph_of(record.sources).aget_state(_config(thread_id, source))
        ).values or await self.store.aget(THREADS, thread_id):
            raise BadInputError(f"thread {thread_id} already exists: use `resume {thread_id}`")
        now = _now()
        await self._put(thread_id, {**_stored(record), "created_at": now, "updated_at": now})
        return thread_id

    async def record(self, thread_id: str) -> Record:
        value = await self._value(thread_id)
        settings = dict(value["settings"])
        output_dir = Path(settings.pop("output_dir", "."))
        return Record(
            value["source"], settings, output_dir, list(value.get("sources") or []), value.get("topic", ""),
            int(value.get("concurrency") or 0),
        )  # fmt: skip

    async def save(self, thread_id: str, record: Record) -> None:
        await self._put(thread_id, {**await self._value(thread_id), **_stored(record)})

    async def stand(self, thread_id: str) -> Stand:
        value = await self._value(thread_id)
        snapshot = await self._graph_of(value.get("sources")).aget_state(_config(thread_id, value["source"]))
        values = snapshot.values
        return Stand(
            status=status_of(snapshot, value),
            result=values.get("result") if not snapshot.next else None,
            attempts=list(values.get("attempts") or []),
            question=snapshot.interrupts[0].value if snapshot.interrupts else None,
            started=bool(values),
            paper=values.get("paper"),
        )

    async def run(self, thread_id: str, record: Record, start: Start, on_update: OnUpdate | None) -> None:
        config = _config(thread_id, record.source)
        if record.sources:  # a reading list's papers, up to its concurrency at once
            config["max_concurrency"] = record.concurrency or LOCAL_CONCURRENCY
        first = {"sources": record.sources, "topic": record.topic} if record.sources else {"source": record.source}
        run_input: Any = {
            "new": first,
            "continue": None,
            "answer": Command(resume=start.answer),
            "more_rounds": {"source": record.source, "more_rounds": True},
        }[start.kind]
        await self._touch(thread_id, pid=os.getpid())
        try:
            # durability="sync": a step's checkpoint is on disk before the next step starts,
            # so a kill -9 never loses a finished (paid-for) model call.
            # "tasks", as from a server: a node's whole update ("updates" from a subgraph run inside
            # a node, a reading list's papers, holds only its output keys); subgraphs=True: each
            # paper reports its own steps, under its own task.
            stream = self._graph_of(record.sources).astream(
                run_input, config, context=Context.restore(record.settings), stream_mode="tasks",
                durability="sync", subgraphs=True,
            )  # fmt: skip
            async for namespace, task in stream:
                if on_update is not None and isinstance(task.get("result"), dict):  # a finished node
                    on_update(task_key(thread_id, namespace), task["name"], plain(task["result"]))
        finally:
            await self._touch(thread_id, pid=None)

    async def follow(self, thread_id: str, on_update: OnUpdate | None) -> bool:
        return False  # a run another process drives here has no stream to join: go on from its checkpoint

    async def delete(self, thread_id: str) -> None:
        if isinstance(self.graph.checkpointer, BaseCheckpointSaver):
            await self.graph.checkpointer.adelete_thread(thread_id)
        await self.store.adelete(THREADS, thread_id)

    async def threads(self) -> list[ThreadInfo]:
        out = []
        for item in await self.store.asearch(THREADS, limit=10_000):
            snapshot = await self._graph_of(item.value.get("sources")).aget_state(
                _config(item.key, item.value["source"])
            )
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

    async def spelled(self, attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [await texts.with_texts(self.store, cast(Attempt, a)) for a in attempts]

    def explained(self, exc: Exception) -> Exception:
        return exc

    async def _value(self, thread_id: str) -> dict[str, Any]:
        item = await self.store.aget(THREADS, thread_id)
        if item is None:
            raise ThreadNotFoundError(f"no run with thread ID {thread_id!r} in this checkpoint database")
        return dict(item.value)

    async def _put(self, thread_id: str, value: dict[str, Any]) -> None:
        await self.store.aput(THREADS, thread_id, value, index=False)

    async def _touch(self, thread_id: str, *, pid: int | None) -> None:
        item = await self.store.aget(THREADS, thread_id)
        if item is not None:
            await self._put(thread_id, {**item.value, "updated_at": _now(), "pid": pid})


def _stored(record: Record) -> dict[str, Any]:
    settings = {**record.settings, "output_dir": str(record.output_dir)}
    return {
        "source": record.source, "settings": settings, "sources": record.sources, "topic": record.topic,
        "concurrency": record.concurrency,
    }  # fmt: skip


def _config(thread_id: str, source: str) -> RunnableConfig:
    return {
        "configurable": {"thread_id": thread_id},
        "run_name": "paper-summarizer",
        "metadata": {"source": source, "thread_id": thread_id},
    }


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


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
