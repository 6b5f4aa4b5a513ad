"""The driver's backend on a LangGraph Server deployment (`server=URL`, the CLI's `--server`):
each paper becomes a background run on its own thread, and the deployment's queue schedules
them. Progress is streamed back; the files are written here, from each run's final state,
exactly as a local run writes them. A local source is uploaded as bytes in the run's input: the
server never reads this machine's files. An API key for the deployment comes from
LANGGRAPH_API_KEY or LANGSMITH_API_KEY, as the SDK reads them.

A thread's metadata keeps what a local run keeps in its record: the source, the settings the user
gave (the deployment's environment supplies the rest) and where its files go."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paper_summarizer.context import Context
from paper_summarizer.documents import sources
from paper_summarizer.errors import PaperSummarizerError, SourceError, ThreadNotFoundError, first_line, rebuild
from paper_summarizer.runs import OnUpdate, Record, Stand, Start, ThreadInfo, plain, task_key
from paper_summarizer.state import Status


class RemoteRunError(PaperSummarizerError):
    """A run failed on the server; the message is the server's, in one line."""


class ServerError(PaperSummarizerError):
    """The deployment could not be reached, or refused the request."""


class ServerBackend:
    """Runs on one deployment."""

    def __init__(self, server: str) -> None:
        from langgraph_sdk import get_client

        self.sdk, self.server = get_client(url=server), server

    def settings(self, context: Context | Mapping[str, Any] | None) -> dict[str, Any]:
        """Only what the caller gave: the deployment's environment supplies the rest. From a
        Context, the fields it sets apart from this machine's defaults."""
        if not isinstance(context, Context):
            return dict(context or {})
        defaults = dataclasses.asdict(Context())
        return {k: v for k, v in dataclasses.asdict(context).items() if v != defaults[k]}

    async def create(self, source: str, record: Record, thread_id: str | None) -> str:
        metadata = {
            "source": source, "context": record.settings, "output_dir": str(record.output_dir),
            "sources": record.sources, "topic": record.topic, "concurrency": record.concurrency,
        }  # fmt: skip
        return str((await self.sdk.threads.create(metadata=metadata))["thread_id"])

    async def record(self, thread_id: str) -> Record:
        metadata = (await self._thread(thread_id)).get("metadata") or {}
        return Record(
            str(metadata.get("source", "")),
            dict(metadata.get("context") or {}),
            Path(metadata.get("output_dir") or "."),
            list(metadata.get("sources") or []),
            str(metadata.get("topic") or ""),
            int(metadata.get("concurrency") or 0),
        )

    async def save(self, thread_id: str, record: Record) -> None:
        metadata = {"context": record.settings, "output_dir": str(record.output_dir)}
        await self.sdk.threads.update(thread_id, metadata=metadata)

    async def stand(self, thread_id: str) -> Stand:
        return _stand_of(await self._thread(thread_id))

    async def run(self, thread_id: str, record: Record, start: Start, on_update: OnUpdate | None) -> None:
        begin: dict[str, Any]
        if start.kind == "new" and record.sources:
            begin = {"input": await asyncio.to_thread(_list_input, record, record.settings)}
        elif start.kind == "new":
            begin = {"input": await asyncio.to_thread(_input, record.source, record.settings)}
        elif start.kind == "answer":
            begin = {"command": {"resume": start.answer}}
        elif start.kind == "more_rounds":
            begin = {"input": {"source": record.source, "more_rounds": True}}
        else:
            begin = {"input": None}  # go on from the last checkpoint
        # A background run streams only the modes it was created with, and only to clients
        # already listening unless resumable: created so, its events replay from the start.
        # "tasks", not "updates": the server trims updates to the output schema's keys.
        if record.sources and record.concurrency:  # a reading list's papers, so many at once
            begin["config"] = {"max_concurrency": record.concurrency}
        run = await self.sdk.runs.create(
            thread_id, record.graph, context=record.settings, stream_mode="tasks", stream_resumable=True,
            stream_subgraphs=bool(record.sources), **begin,
        )  # fmt: skip
        await self._join(thread_id, run["run_id"], on_update)

    async def follow(self, thread_id: str, on_update: OnUpdate | None) -> bool:
        running = await self.sdk.runs.list(thread_id, status="running", limit=1)
        running += await self.sdk.runs.list(thread_id, status="pending", limit=1)
        if not running:
            return False
        await self._join(thread_id, running[0]["run_id"], on_update)
        return True

    async def delete(self, thread_id: str) -> None:
        await self.sdk.threads.delete(thread_id)

    async def threads(self) -> list[ThreadInfo]:
        """The deployment's threads, newest first."""
        found = await self.sdk.threads.search(limit=100, sort_by="updated_at", sort_order="desc")
        out = []
        for thread in found:
            stand = _stand_of(thread)
            rounds = stand.result["rounds"] if stand.result else len(stand.attempts)
            source = (thread.get("metadata") or {}).get("source") or ""
            out.append(ThreadInfo(thread["thread_id"], source, stand.status, rounds, str(thread.get("updated_at", ""))))
        return out

    async def spelled(self, attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        from langgraph_sdk.errors import NotFoundError

        out = []
        for attempt in attempts:
            spelled = dict(attempt)
            for field in ("summary", "reasoning"):
                key = attempt.get(f"{field}_key")
                try:
                    item = await self.sdk.store.get_item(["texts"], key) if key else None
                except NotFoundError:
                    item = None
                spelled[field] = str(item["value"]["text"]) if item else ""
            out.append(spelled)
        return out

    def explained(self, exc: Exception) -> Exception:
        """A deployment that cannot be reached or refuses the key, said in one line."""
        import httpx

        if isinstance(exc, httpx.TransportError):
            return ServerError(f"cannot reach the LangGraph server at {self.server}: {exc or type(exc).__name__}")
        if isinstance(exc, httpx.HTTPStatusError):
            code = exc.response.status_code
            hint = " (set LANGGRAPH_API_KEY or LANGSMITH_API_KEY)" if code in (401, 403) else ""
            return ServerError(f"the LangGraph server at {self.server} answered HTTP {code}{hint}")
        return exc

    async def _join(self, thread_id: str, run_id: str, on_update: OnUpdate | None) -> None:
        async for part in self.sdk.runs.join_stream(thread_id, run_id, stream_mode="tasks"):
            # "tasks", or inside a reading list's paper "tasks|summarize_paper:<task id>|...".
            event, _, namespace = part.event.partition("|")
            task = part.data if event == "tasks" and isinstance(part.data, dict) else {}
            if on_update is not None and isinstance(task.get("result"), dict):  # a finished node
                on_update(task_key(thread_id, tuple(namespace.split("|"))), task["name"], plain(task["result"]))
        run = await self.sdk.runs.get(thread_id, run_id)
        if run["status"] != "success":
            error = await self.sdk.runs.join(thread_id, run_id)
            raise _error_of(error.get("__error__", error) if isinstance(error, dict) else {}, run["status"])

    async def _thread(self, thread_id: str) -> Any:
        """The thread with its latest values and status. (Not get_state: under load it took the
        dev server 0.7 s a call, against 10 ms for this.)"""
        from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

        try:
            return await self.sdk.threads.get(thread_id)
        except (NotFoundError, UnprocessableEntityError):  # 422: not even a thread ID's shape
            raise ThreadNotFoundError(f"no thread {thread_id!r} on {self.server}") from None


def _stand_of(thread: Any) -> Stand:
    """Where a thread stands: its result once its last run reached the final node and ended
    (a run that failed after a cap was raised keeps the earlier result, but is not finished)."""
    raw = thread.get("values")
    values: dict[str, Any] = raw if isinstance(raw, dict) else {}
    result = values.get("result") if thread["status"] == "idle" else None
    unfinished = {"interrupted": Status.AWAITING_REVIEW, "busy": Status.RUNNING}.get(
        thread["status"], Status.INTERRUPTED
    )
    interrupts = [i for found in (thread.get("interrupts") or {}).values() for i in found]
    return Stand(
        status=Status(result["status"]) if result else unfinished,
        result=result or None,
        attempts=list(values.get("attempts") or []),
        question=interrupts[-1]["value"] if interrupts else None,  # the latest, after an unclear answer
        started=bool(values),
        paper=values.get("paper"),
    )


def _input(source: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The run's input: the source, and for a local file its bytes (checked and read here)."""
    parsed = sources.parse(source)
    if parsed.kind != "file":
        return {"source": source}
    max_bytes = int(float(settings.get("max_download_mb", 50)) * 1e6)
    fetched = sources.fetch(parsed, access=sources.Access.for_user(), max_bytes=max_bytes)
    if len(fetched.data) > max_bytes:
        raise SourceError(f"{source} is larger than the {max_bytes / 1e6:g} MB limit")
    encoded = base64.b64encode(fetched.data).decode("ascii")
    return {"source": Path(source).name, "upload": {"name": Path(source).name, "content_base64": encoded}}


def _list_input(record: Record, settings: Mapping[str, Any]) -> dict[str, Any]:
    """A reading list's input: its sources, and each local file's bytes in its place."""
    each = [_input(source, settings) for source in record.sources]
    return {
        "sources": [one["source"] for one in each], "topic": record.topic,
        "uploads": [one.get("upload") for one in each],
    }  # fmt: skip


def _error_of(error: dict[str, Any], status: str) -> PaperSummarizerError:
    kind, message = str(error.get("error", "")), str(error.get("message", "") or f"the run ended as {status}")
    first = first_line(message) or message
    # Our errors cross the boundary by type: a server's SourceError is a SourceError here (exit 2).
    return rebuild(kind, first) or RemoteRunError(f"{kind}: {first}" if kind else first)
