"""The CLI as a client of a LangGraph Server deployment (`--server URL`): each paper becomes a
background run on its own thread, and the deployment's queue schedules them. Progress is
streamed back; the files are written here, from each run's final state, exactly as a local run
writes them. A local source is uploaded as bytes in the run's input: the server never reads this
machine's files. An API key for the deployment comes from LANGGRAPH_API_KEY or LANGSMITH_API_KEY,
as the SDK reads them.

A thread's metadata keeps what a local run keeps in its record: the source, the settings the user
gave (the deployment's environment supplies the rest) and where its files go, so `resume` and
`history` work from any shell."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from paper_summarizer.documents import sources
from paper_summarizer.errors import (
    PaperSummarizerError,
    SourceError,
    ThreadNotFoundError,
    first_line,
    rebuild,
)
from paper_summarizer.runner import (
    BatchItem,
    Names,
    OneAtATime,
    OnUpdate,
    Reviewer,
    SummaryResult,
    ThreadInfo,
    blocking,
    plain,
    run_batch,
    write_outputs,
)
from paper_summarizer.state import Status

T = TypeVar("T")
GRAPH = "paper_summarizer"  # the graph's name in langgraph.json


class RemoteRunError(PaperSummarizerError):
    """A run failed on the server; the message is the server's, in one line."""


class ServerError(PaperSummarizerError):
    """The deployment could not be reached, or refused the request."""


class _Client:
    """Runs on one deployment, driven to their end; files written under `output_dir`."""

    def __init__(
        self,
        server: str,
        on_update: OnUpdate | None = None,
        reviewer: Reviewer | None = None,
        names: Names | None = None,
    ) -> None:
        from langgraph_sdk import get_client

        self.sdk = get_client(url=server)
        self.server, self.on_update, self.names = server, on_update, names or Names()
        self.ask = OneAtATime(reviewer) if reviewer is not None else None

    async def start(self, item: BatchItem, context: dict[str, Any], output_dir: Path) -> SummaryResult:
        run_input = await asyncio.to_thread(_input, item.source, context)
        metadata = {"source": item.source, "context": context, "output_dir": str(output_dir)}
        item.thread_id = (await self.sdk.threads.create(metadata=metadata))["thread_id"]
        try:
            return await self._drive(item.thread_id, item.source, {"input": run_input}, context, output_dir)
        except Exception:
            thread = await self.sdk.threads.get(item.thread_id)
            if "paper" not in (thread.get("values") or {}):
                # The source never became a paper: nothing to resume, so no thread is kept for it
                # (as a local run keeps none).
                await self.sdk.threads.delete(item.thread_id)
            raise

    async def resume(self, thread_id: str, overrides: dict[str, Any]) -> SummaryResult:
        """Continue a thread as `runner.resume` does: a review answered, a crashed run picked up
        at its last checkpoint, a capped run given more rounds, a finished one's files written."""
        thread = await self._thread(thread_id)
        metadata = thread.get("metadata") or {}
        given = {k: v for k, v in overrides.items() if v is not None}
        output_dir = Path(given.pop("output_dir", None) or metadata.get("output_dir") or ".")
        context = {**metadata.get("context", {}), **given}
        await self.sdk.threads.update(thread_id, metadata={"context": context, "output_dir": str(output_dir)})
        source = str(metadata.get("source", ""))
        out = _as_result(thread_id, source, thread)
        start: dict[str, Any]
        if out.status == Status.RUNNING:  # still going (its client was stopped): follow it
            running = await self.sdk.runs.list(thread_id, status="running", limit=1)
            running += await self.sdk.runs.list(thread_id, status="pending", limit=1)
            if running:
                return await self._follow(thread_id, source, running[0]["run_id"], output_dir)
            start = {"input": None}
        elif out.status == Status.AWAITING_REVIEW:
            if self.ask is None:
                return out
            start = {"command": {"resume": await self.ask(_question(thread))}}
        elif out.result is not None:
            cap = int(context.get("max_iterations") or 0)
            if out.status != Status.CAP_REACHED or out.result["rounds"] >= cap:
                return await self._finish(thread_id, source, output_dir)  # finished: write its files again
            start = {"input": {"source": source, "more_rounds": True}}  # the cap was raised: the graph routes it
        elif thread.get("values"):
            start = {"input": None}  # stopped mid-run: go on from the last checkpoint
        else:
            start = {"input": await asyncio.to_thread(_input, source, context)}  # never started
        return await self._drive(thread_id, source, start, context, output_dir)

    async def history(self, thread_id: str) -> SummaryResult:
        thread = await self._thread(thread_id)
        out = _as_result(thread_id, str((thread.get("metadata") or {}).get("source", "")), thread)
        if out.result is None:  # an unfinished run's attempts hold store keys: spell the texts out
            out.attempts = [await self._with_texts(a) for a in out.attempts]
        return out

    async def threads(self) -> list[ThreadInfo]:
        """The deployment's threads, newest first, as a local `threads` lists them."""
        found = await self.sdk.threads.search(limit=100, sort_by="updated_at", sort_order="desc")
        out = []
        for thread in found:
            source = (thread.get("metadata") or {}).get("source") or ""
            result = _as_result(thread["thread_id"], source, thread)
            updated = str(thread.get("updated_at", ""))
            out.append(ThreadInfo(result.thread_id, source, result.status, result.rounds, updated))
        return out

    async def _drive(
        self, thread_id: str, source: str, start: dict[str, Any], context: dict[str, Any], output_dir: Path
    ) -> SummaryResult:
        """Start a run; follow it; while it waits for a reviewer this client has, answer and go on."""
        while True:
            # A background run streams only the modes it was created with, and only to clients
            # already listening unless resumable: created so, its events replay from the start.
            # "tasks", not "updates": the server trims updates to the output schema's keys.
            run = await self.sdk.runs.create(
                thread_id, GRAPH, context=context, stream_mode="tasks", stream_resumable=True, **start
            )
            out = await self._follow(thread_id, source, run["run_id"], output_dir)
            if out.status != Status.AWAITING_REVIEW or self.ask is None:
                return out
            start = {"command": {"resume": await self.ask(_question(await self._thread(thread_id)))}}

    async def _follow(self, thread_id: str, source: str, run_id: str, output_dir: Path) -> SummaryResult:
        async for part in self.sdk.runs.join_stream(thread_id, run_id, stream_mode="tasks"):
            task = part.data if part.event == "tasks" and isinstance(part.data, dict) else {}
            if self.on_update is not None and isinstance(task.get("result"), dict):  # a finished node
                self.on_update(thread_id, task["name"], plain(task["result"]))
        run = await self.sdk.runs.get(thread_id, run_id)
        if run["status"] != "success":
            error = await self.sdk.runs.join(thread_id, run_id)
            raise _error_of(error.get("__error__", error) if isinstance(error, dict) else {}, run["status"])
        return await self._finish(thread_id, source, output_dir)

    async def _finish(self, thread_id: str, source: str, output_dir: Path) -> SummaryResult:
        thread = await self._thread(thread_id)
        out = _as_result(thread_id, source, thread)
        if out.result is not None:
            name = self.names.claim(thread_id, out.result["name"])
            paper = _values(thread).get("paper")
            out.summary_path, out.report_path = await asyncio.to_thread(write_outputs, output_dir, name, out, paper)
        return out

    async def _thread(self, thread_id: str) -> Any:
        """The thread with its latest values and status. (Not get_state: under load it took the
        dev server 0.7 s a call, against 10 ms for this.)"""
        from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

        try:
            return await self.sdk.threads.get(thread_id)
        except (NotFoundError, UnprocessableEntityError):  # 422: not even a thread ID's shape
            raise ThreadNotFoundError(f"no thread {thread_id!r} on {self.server}") from None

    async def _with_texts(self, attempt: dict[str, Any]) -> dict[str, Any]:
        from langgraph_sdk.errors import NotFoundError

        spelled = dict(attempt)
        for field in ("summary", "reasoning"):
            key = attempt.get(f"{field}_key")
            try:
                item = await self.sdk.store.get_item(["texts"], key) if key else None
            except NotFoundError:
                item = None
            spelled[field] = str(item["value"]["text"]) if item else ""
        return spelled


async def asummarize_many(
    server: str,
    source_list: list[str],
    context: dict[str, Any],
    *,
    concurrency: int | None,
    output_dir: Path,
    on_update: OnUpdate | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
    reviewer: Reviewer | None = None,
) -> list[BatchItem]:
    """Send every paper to the deployment; wait for all; write each one's files and, for several,
    the digest. `context` holds only the settings the user gave: the deployment has its own.

    By default every paper is queued at once: the deployment's queue and its workers decide how
    many run together, and a run waiting in the queue is picked up the moment a worker frees.
    `concurrency` caps how many of these papers the deployment holds at once (a shared one)."""
    client = _Client(server, on_update, reviewer)
    items = [BatchItem(source, "") for source in source_list]
    return await run_batch(
        items,
        lambda item: _reaching(server, client.start(item, context, output_dir)),
        concurrency or len(items),
        output_dir,
        on_done,
    )


async def aresume(
    server: str,
    thread_id: str,
    overrides: dict[str, Any],
    *,
    on_update: OnUpdate | None = None,
    reviewer: Reviewer | None = None,
) -> SummaryResult:
    return await _reaching(server, _Client(server, on_update, reviewer).resume(thread_id, overrides))


async def ahistory(server: str, thread_id: str) -> SummaryResult:
    return await _reaching(server, _Client(server).history(thread_id))


async def athreads(server: str) -> list[ThreadInfo]:
    return await _reaching(server, _Client(server).threads())


async def _reaching(server: str, work: Awaitable[T]) -> T:
    """`work`, with a deployment that cannot be reached or refuses the key said in one line."""
    import httpx

    try:
        return await work
    except httpx.TransportError as exc:
        raise ServerError(f"cannot reach the LangGraph server at {server}: {exc or type(exc).__name__}") from None
    except httpx.HTTPStatusError as exc:
        code = exc.response.status_code
        hint = " (set LANGGRAPH_API_KEY or LANGSMITH_API_KEY)" if code in (401, 403) else ""
        raise ServerError(f"the LangGraph server at {server} answered HTTP {code}{hint}") from None


def _question(thread: Any) -> Any:
    """What a thread waiting for its reviewer asks (the latest question, after an unclear answer)."""
    return next(iter(thread["interrupts"].values()))[-1]["value"]


def _values(thread: Any) -> dict[str, Any]:
    values = thread.get("values")
    return values if isinstance(values, dict) else {}


def _as_result(thread_id: str, source: str, thread: Any) -> SummaryResult:
    """Where a thread stands: its result once its last run reached the final node and ended
    (a run that failed after a cap was raised keeps the earlier result, but is not finished)."""
    values = _values(thread)
    result = values.get("result")
    if result and thread["status"] == "idle":
        return SummaryResult(thread_id, source, Status(result["status"]), result=result, attempts=result["attempts"])
    status = {"interrupted": Status.AWAITING_REVIEW, "busy": Status.RUNNING}.get(thread["status"], Status.INTERRUPTED)
    return SummaryResult(thread_id, source, status, attempts=list(values.get("attempts") or []))


def _input(source: str, context: dict[str, Any]) -> dict[str, Any]:
    """The run's input: the source, and for a local file its bytes (checked and read here)."""
    parsed = sources.parse(source)
    if parsed.kind != "file":
        return {"source": source}
    max_bytes = int(float(context.get("max_download_mb", 50)) * 1e6)
    fetched = sources.fetch(parsed, access=sources.Access.for_user(), max_bytes=max_bytes)
    if len(fetched.data) > max_bytes:
        raise SourceError(f"{source} is larger than the {max_bytes / 1e6:g} MB limit")
    encoded = base64.b64encode(fetched.data).decode("ascii")
    return {"source": Path(source).name, "upload": {"name": Path(source).name, "content_base64": encoded}}


def _error_of(error: dict[str, Any], status: str) -> PaperSummarizerError:
    kind, message = str(error.get("error", "")), str(error.get("message", "") or f"the run ended as {status}")
    first = first_line(message) or message
    # Our errors cross the boundary by type: a server's SourceError is a SourceError here (exit 2).
    return rebuild(kind, first) or RemoteRunError(f"{kind}: {first}" if kind else first)


# For the CLI and scripts, as in runner.py.
summarize_many = blocking(asummarize_many)
resume = blocking(aresume)
history = blocking(ahistory)
threads = blocking(athreads)
