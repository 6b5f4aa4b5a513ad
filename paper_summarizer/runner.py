"""The public API: summarize papers, resume a run, read a thread's history, list threads, on this
machine or on a LangGraph Server deployment (`server=URL`).

One driver does it all against a backend: it starts a run, streams its progress, answers a
reviewer, resumes, and writes each finished run's files. The backends hold only what truly
differs: `local.py` (the graph with a checkpoint database, a record of each thread's settings)
and `remote.py` (a deployment through langgraph_sdk, local files uploaded as bytes). The rules of
a run (round caps, the drafting path, the writer) are the graph's; what a run produced comes from
its final node, exactly as Studio and the SDK see it.

The graph's nodes are async, and so is this layer: `asummarize`, `asummarize_many`, `aresume`,
`ahistory` and `athreads` run in the caller's event loop; `summarize` and the others without the
`a` run them to completion for scripts and the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from paper_summarizer import models, outputs
from paper_summarizer.context import Context
from paper_summarizer.errors import BadInputError, describe
from paper_summarizer.runs import (  # the types a caller gets, re-exported
    LOCAL_CONCURRENCY,
    Backend,
    BatchItem,
    ListRun,
    OnUpdate,
    Record,
    Stand,
    Start,
    SummaryResult,
    ThreadInfo,
    list_label,
)
from paper_summarizer.state import Status

Reviewer = Callable[[dict[str, Any]], Any]  # interrupt payload -> "approve", feedback, or a dict
__all__ = [
    "BatchItem", "ListRun", "SummaryResult", "ThreadInfo", "ahistory", "aresume", "asummarize", "asummarize_many",
    "asynthesize", "athreads", "history", "resume", "summarize", "summarize_many", "synthesize", "threads",
]  # fmt: skip
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


@asynccontextmanager
async def _backend(server: str | None, checkpoint_db: str | None) -> AsyncIterator[Backend]:
    backend: Backend
    if server:
        from paper_summarizer import remote

        backend = remote.ServerBackend(server)
        try:
            yield backend
        except Exception as exc:
            raise backend.explained(exc) from None
    else:
        from paper_summarizer import local

        async with local.LocalBackend.open(checkpoint_db) as local_backend:
            yield local_backend


# --- the driver -------------------------------------------------------------------------------


class OneAtATime:
    """A reviewer asked about one paper at a time. It (a terminal prompt) waits in a thread, so
    the other papers of a batch go on meanwhile."""

    def __init__(self, reviewer: Reviewer) -> None:
        self.reviewer, self.lock = reviewer, asyncio.Lock()

    async def __call__(self, payload: dict[str, Any]) -> Any:
        async with self.lock:
            return await asyncio.to_thread(self.reviewer, payload)


class Driver:
    """Drives runs on one backend to their end and writes their files."""

    def __init__(self, backend: Backend, on_update: OnUpdate | None = None, reviewer: Reviewer | None = None) -> None:
        self.backend, self.on_update = backend, on_update
        self.ask = OneAtATime(reviewer) if reviewer is not None else None
        self.names = outputs.Names()  # unique output names among the runs this driver writes

    async def summarize(self, item: BatchItem, settings: dict[str, Any], output_dir: Path) -> SummaryResult:
        """A new thread for the item's source (its ID set on the item at once, for progress),
        recorded before anything runs, and its first run."""
        record = Record(item.source, settings, output_dir)
        item.thread_id = await self.backend.create(item.source, record, item.thread_id or None)
        try:
            return await self._drive(item.thread_id, record, Start("new"))
        except Exception:
            if (await self.backend.stand(item.thread_id)).paper is None:
                # The source never became a paper: there is nothing to resume, so leave no trace.
                await self.backend.delete(item.thread_id)
            raise

    async def resume(self, thread_id: str, overrides: Mapping[str, Any]) -> SummaryResult | ListRun:
        """Continue a thread: a review answered, a stopped run picked up at its last checkpoint,
        a capped run offered more rounds (the graph grants them when its cap allows), a finished
        one's files written again. `overrides` replace some settings and are kept."""
        record = await self.backend.record(thread_id)
        given = {k: v for k, v in overrides.items() if v is not None}
        output_dir = Path(given.pop("output_dir", None) or record.output_dir)
        record = dataclasses.replace(record, settings={**record.settings, **given}, output_dir=output_dir)
        await self.backend.save(thread_id, record)
        stand = await self.backend.stand(thread_id)
        if record.sources:
            return await self._resume_list(thread_id, record, stand)
        if stand.status == Status.RUNNING and await self.backend.follow(thread_id, self.on_update):
            return await self._finish(thread_id, record)
        if stand.status == Status.AWAITING_REVIEW:
            if self.ask is None:
                return await self._finish(thread_id, record, stand)
            start = Start("answer", await self.ask(stand.question))
        elif stand.result is not None:
            if stand.status != Status.CAP_REACHED:
                return await self._finish(thread_id, record, stand)  # finished: write its files again
            start = Start("more_rounds")
        else:
            start = Start("continue" if stand.started else "new")
        return await self._drive(thread_id, record, start)

    async def history(self, thread_id: str) -> SummaryResult:
        record, stand = await self.backend.record(thread_id), await self.backend.stand(thread_id)
        return SummaryResult(thread_id, record.source, stand.status, stand.result, await self._attempts(stand))

    async def _attempts(self, stand: Stand) -> list[dict[str, Any]]:
        # A finished run's result spells its attempts out already; an unfinished one's hold store keys.
        return list(stand.result["attempts"]) if stand.result else await self.backend.spelled(stand.attempts)

    async def _drive(self, thread_id: str, record: Record, start: Start) -> SummaryResult:
        while True:
            await self.backend.run(thread_id, record, start, self.on_update)
            stand = await self.backend.stand(thread_id)
            if stand.status != Status.AWAITING_REVIEW or self.ask is None:
                return await self._finish(thread_id, record, stand)
            start = Start("answer", await self.ask(stand.question))

    async def _finish(self, thread_id: str, record: Record, stand: Stand | None = None) -> SummaryResult:
        stand = stand or await self.backend.stand(thread_id)
        out = SummaryResult(thread_id, record.source, stand.status, stand.result, await self._attempts(stand))
        if out.result is not None and out.status in (Status.PASSED, Status.CAP_REACHED):
            await self._write(out, thread_id, record.output_dir, stand.paper)
        return out

    async def _write(self, out: SummaryResult, key: str, output_dir: Path, paper: Any) -> None:
        """<name>.summary.md and <name>.report.json, from a finished run's result alone (local or
        from a server, one paper or one of a list's: the same files)."""
        assert out.result is not None
        name = self.names.claim(key, out.result["name"])
        markdown, figures = out.result["markdown"], out.result.get("figures") or []
        if name != out.result["name"]:  # a batch's second paper.pdf: its figures' folder is renamed too
            markdown = markdown.replace(f"]({out.result['name']}.figures/", f"]({name}.figures/")
        report = {"thread_id": out.thread_id, "source": out.source, "paper": paper}
        report.update({k: v for k, v in out.result.items() if k != "markdown"})
        # The report lists the figures shown (page, caption, file); the images are in the folder.
        report["figures"] = [{k: v for k, v in f.items() if k != "png_base64"} for f in figures]
        report_json = json.dumps(report, indent=2, ensure_ascii=False)
        await asyncio.to_thread(outputs.write_figures, output_dir, name, figures)
        out.summary_path, out.report_path = await asyncio.to_thread(
            outputs.write, output_dir, name, markdown, report_json
        )
        out.figures = [(f["label"], f"{name}.figures/{Path(f['file']).name}") for f in figures]

    # --- a reading list: one run of its graph on one thread --------------------------------------

    async def summarize_list(self, record: Record, thread_id: str | None) -> ListRun:
        thread_id = await self.backend.create(record.source, record, thread_id)
        try:
            await self.backend.run(thread_id, record, Start("new"), self.on_update)
        except Exception:
            if not (await self.backend.stand(thread_id)).started:
                await self.backend.delete(thread_id)  # nothing was done: leave no trace
            raise
        return await self._finish_list(thread_id, record)

    async def _resume_list(self, thread_id: str, record: Record, stand: Stand) -> ListRun:
        """A list stopped part way goes on from its last checkpoint: its finished papers are
        kept, a paper cut off goes on from its own; a finished one's files are written again."""
        if stand.status == Status.RUNNING and await self.backend.follow(thread_id, self.on_update):
            return await self._finish_list(thread_id, record)
        if stand.result is None:
            await self.backend.run(thread_id, record, Start("continue" if stand.started else "new"), self.on_update)
        return await self._finish_list(thread_id, record)

    async def _finish_list(self, thread_id: str, record: Record) -> ListRun:
        """Each readable paper's files, digest.md (linking them) and, when the list has one, its
        overview: synthesis.md and synthesis.report.json."""
        stand = await self.backend.stand(thread_id)
        out = ListRun(thread_id, stand.status, stand.result)
        if out.result is None:
            return out
        entries = []
        for paper in out.result["papers"]:
            if paper["result"] is None:
                entries.append(outputs.digest_entry(paper["source"], error=paper["error"]))
                continue
            done = SummaryResult(thread_id, paper["source"], Status(paper["result"]["status"]), paper["result"])
            await self._write(done, f"{thread_id}/{paper['index']}", record.output_dir, None)
            out.papers.append(done)
            entries.append(digest_entry(done))
        out.digest_path = record.output_dir / "digest.md"
        await asyncio.to_thread(outputs.write_atomic, out.digest_path, outputs.digest_markdown(entries))
        overview = out.result["synthesis"]
        if overview is not None:
            report: dict[str, Any] = {"thread_id": thread_id, "sources": record.sources, "topic": record.topic}
            report.update({k: v for k, v in out.result.items() if k not in ("overview", "digest", "papers")})
            # Each paper as the list saw it; its own report (beside its summary) has the rest.
            written = {p.source: p for p in out.papers}
            report["papers"] = [
                {
                    "index": p["index"], "source": p["source"], "error": p["error"],
                    "title": p["result"]["title"] if p["result"] else "",
                    "status": p["result"]["status"] if p["result"] else "",
                    "summary": str(written[p["source"]].summary_path or "") if p["source"] in written else "",
                }
                for p in out.result["papers"]
            ]  # fmt: skip
            report_json = json.dumps(report, indent=2, ensure_ascii=False)
            out.overview_path, out.overview_report_path = await asyncio.to_thread(
                outputs.write, record.output_dir, "synthesis", out.result["overview"], report_json, ".md"
            )
        return out


# --- the public API ---------------------------------------------------------------------------


async def asummarize(
    source: str,
    context: Context | Mapping[str, Any] | None = None,
    *,
    thread_id: str | None = None,
    checkpoint_db: str | None = None,
    server: str | None = None,
    output_dir: str | Path = ".",
    on_update: OnUpdate | None = None,
    reviewer: Reviewer | None = None,
) -> SummaryResult:
    """Summarize one paper; every step is checkpointed under `thread_id` (new if not given). On
    this machine, local files and private hosts may be read (the caller is this machine's user);
    on a `server`, a local file is uploaded and the deployment decides what else may be read."""
    if server and thread_id:
        raise BadInputError("a thread ID names a run on this machine; a server names its own threads")
    async with _backend(server, checkpoint_db) as backend:
        item = BatchItem(source, thread_id or "")
        return await Driver(backend, on_update, reviewer).summarize(item, backend.settings(context), Path(output_dir))


async def asummarize_many(
    sources: list[str],
    context: Context | Mapping[str, Any] | None = None,
    *,
    concurrency: int | None = None,
    checkpoint_db: str | None = None,
    server: str | None = None,
    output_dir: str | Path = ".",
    on_update: OnUpdate | None = None,
    on_done: Callable[[BatchItem], None] | None = None,
    reviewer: Reviewer | None = None,
) -> list[BatchItem]:
    """Summarize several papers at once, each in its own thread. One paper's failure is kept in
    its item and does not stop the others. Items come back in the order of `sources`; output
    names are unique within the batch, and several papers get a digest.md. A reviewer is asked
    about one paper at a time.

    `concurrency`: papers at once (default 4 here). On a server, by default every paper is
    queued at once: the deployment's workers decide how many run together; `concurrency` caps
    how many of these papers it holds at once (a shared one)."""
    items = [BatchItem(source, "") for source in sources]
    # One backend session for the batch: papers share its connections, and do not race each
    # other through first-time setup.
    async with _backend(server, checkpoint_db) as backend:
        driver = Driver(backend, on_update, reviewer)
        settings = backend.settings(context)

        def work(item: BatchItem) -> Awaitable[SummaryResult]:
            return driver.summarize(item, settings, Path(output_dir))

        default = len(items) if server else LOCAL_CONCURRENCY
        return await _run_batch(items, work, backend, concurrency or default, Path(output_dir), on_done)


async def _run_batch(
    items: list[BatchItem],
    work: Callable[[BatchItem], Awaitable[SummaryResult]],
    backend: Backend,
    concurrency: int,
    output_dir: Path,
    on_done: Callable[[BatchItem], None] | None,
) -> list[BatchItem]:
    slots = asyncio.Semaphore(max(1, concurrency))

    async def one(item: BatchItem) -> BatchItem:
        async with slots:
            try:
                item.result = await work(item)
            except Exception as exc:
                item.error = backend.explained(exc)
        if on_done is not None:
            on_done(item)
        return item

    done = list(await asyncio.gather(*(one(item) for item in items)))
    if len(done) > 1:
        write_digest(done, output_dir)
    return done


def digest_entry(done: SummaryResult) -> dict[str, Any]:
    """A run's entry in digest.md: its title, TL;DR, status, and links to its summary and figures."""
    link = done.summary_path.name if done.summary_path else ""
    return outputs.digest_entry(
        done.source, done.result, status=done.status, rounds=done.rounds, link=link, figures=done.figures
    )


def write_digest(items: list[BatchItem], output_dir: Path) -> Path:
    """digest.md beside the summaries: the reading list at a glance, from each run's result."""
    entries = []
    for item in items:
        if item.error is not None or item.result is None:
            error = describe(item.error or RuntimeError("no result"))[0]
            entries.append(outputs.digest_entry(item.source, error=error))
            continue
        entries.append(digest_entry(item.result))
    path = output_dir / "digest.md"
    outputs.write_atomic(path, outputs.digest_markdown(entries))
    return path


async def asynthesize(
    sources: list[str],
    topic: str = "",
    context: Context | Mapping[str, Any] | None = None,
    *,
    thread_id: str | None = None,
    concurrency: int | None = None,
    checkpoint_db: str | None = None,
    server: str | None = None,
    output_dir: str | Path = ".",
    on_update: OnUpdate | None = None,
) -> ListRun:
    """A reading list as one run of its graph (reading_list.py), on one thread: every paper
    summarized (up to `concurrency` at once, default 4 here; on a server, all of them), then one
    overview across them, judged like a summary. Writes each paper's files, digest.md (linking
    them) and synthesis.md with synthesis.report.json. On a server the whole list is one run."""
    if len(sources) < 2:
        raise BadInputError("a reading list's overview compares papers: give at least two sources")
    if server and thread_id:
        raise BadInputError("a thread ID names a run on this machine; a server names its own threads")
    async with _backend(server, checkpoint_db) as backend:
        settings = backend.settings(context)
        if settings.get("human_review"):
            raise BadInputError("review works one paper at a time: summarize the papers without the overview")
        record = Record(list_label(sources), settings, Path(output_dir), list(sources), topic, concurrency or 0)
        return await Driver(backend, on_update).summarize_list(record, thread_id)


async def aresume(
    thread_id: str,
    *,
    checkpoint_db: str | None = None,
    server: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    on_update: OnUpdate | None = None,
    reviewer: Reviewer | None = None,
) -> SummaryResult | ListRun:
    """Continue a thread from its last checkpoint with the settings it started with. `overrides`
    (Context fields, or output_dir) replace some of them, and are kept for later resumes. A run
    that stopped at the round cap goes on when the cap is raised. A reading list's thread gives
    a ListRun: its finished papers are kept, and a paper cut off goes on from its own checkpoint."""
    async with _backend(server, checkpoint_db) as backend:
        return await Driver(backend, on_update, reviewer).resume(thread_id, overrides or {})


async def ahistory(thread_id: str, *, checkpoint_db: str | None = None, server: str | None = None) -> SummaryResult:
    """A thread's attempts and verdicts as stored, without writing anything."""
    async with _backend(server, checkpoint_db) as backend:
        return await Driver(backend).history(thread_id)


async def athreads(*, checkpoint_db: str | None = None, server: str | None = None) -> list[ThreadInfo]:
    """The stored threads, newest first."""
    async with _backend(server, checkpoint_db) as backend:
        return await backend.threads()


summarize = blocking(asummarize)
summarize_many = blocking(asummarize_many)
synthesize = blocking(asynthesize)
resume = blocking(aresume)
history = blocking(ahistory)
threads = blocking(athreads)
