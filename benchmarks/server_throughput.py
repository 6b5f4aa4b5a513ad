"""Server throughput: 16 papers against a scripted model server that takes 0.5 s per call; each
paper passes at round 2 (4 calls). The same papers run through a real `langgraph dev` server
with `--server` (the CLI's client path: upload, background run, streamed progress, files written
here) and through the local batch. On the server, the CLI queues every paper at once and the
deployment's worker runs 1 or 8 at a time (`--n-jobs-per-worker`); `--concurrency 8` (the client
holding at most 8 papers in the deployment) is measured too. Locally, --concurrency 1 and 8. Each
wall time is printed against the ideal (calls x latency / papers at once), after one untimed paper
per path. Target: 8 at once within 1.3x of ideal on the server; the local batch no slower than
before the nodes were async.

Beside each 8-at-once server path, the same server runs a graph that only sleeps through its four
0.5 s "calls" (benchmarks/sleeping_graph.py), driven by the same SDK calls per paper: the floor
that `langgraph dev` itself sets (its in-memory queue looks for new runs every 0.5 s).

Run: uv run python benchmarks/server_throughput.py
"""

from __future__ import annotations

import asyncio
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paper_summarizer import Context, runner
from paper_summarizer.runner import BatchItem
from tests.factories import paper_markdown, summary, write_paper
from tests.langgraph_dev import running_langgraph_dev
from tests.scripted_server import Reply, ScriptedServer, role_of, verdict_json

PAPERS, LATENCY, CALLS_PER_PAPER, REPEATS = 16, 0.5, 4, 3
SLEEPING = {"sleeping": f"{Path(__file__).resolve().parent / 'sleeping_graph.py'}:graph"}
FIRST, SECOND = summary(150, seed=1), summary(150, seed=2)
SCRIPTED_MODEL = {  # runs name the scripted model and its URL
    "PAPER_SUMMARIZER_ALLOW_MODEL_URLS": "1",
    "PAPER_SUMMARIZER_ALLOWED_MODELS": "openai:scripted",
}


def script(body: dict[str, Any], n: int) -> Reply:
    """Stateless, so papers can interleave: round 1 is sent back, round 2 passes."""
    last = body["messages"][-1]["content"]
    if role_of(body) == "writer":
        return Reply(SECOND if "The earlier summary:" in last else FIRST, delay=LATENCY)
    passed = SECOND.strip() in last
    return Reply(verdict_json("PASS") if passed else verdict_json("NEEDS_IMPROVEMENT", "Add detail."), delay=LATENCY)


def measure(label: str, concurrency: int, model: ScriptedServer, batch: Callable[[], list[BatchItem]]) -> None:
    """Run the batch (three times when papers run at once: 2 cores make single runs noisy) and
    print the median wall time against the ideal."""
    walls = []
    for _ in range(1 if concurrency == 1 else REPEATS):
        start = len(model.requests)
        began = time.perf_counter()
        items = batch()
        walls.append(time.perf_counter() - began)
        calls = len(model.requests) - start
        assert all(i.result and i.result.passed and i.result.rounds == 2 for i in items), [
            (i.error, i.result and (i.result.status, i.result.rounds, i.result.failing)) for i in items
        ]
        assert all(i.result and i.result.summary_path and i.result.summary_path.is_file() for i in items)
        assert calls == PAPERS * CALLS_PER_PAPER, calls
    report(label, concurrency, walls)


def report(label: str, concurrency: int, walls: list[float]) -> None:
    wall, ideal = statistics.median(walls), PAPERS * CALLS_PER_PAPER * LATENCY / concurrency
    runs = f" (median of {', '.join(f'{w:.2f}' for w in walls)})" if len(walls) > 1 else ""
    print(f"{label:<48} wall {wall:5.2f} s, ideal {ideal:5.2f} s, ratio {wall / ideal:.2f}x{runs}", flush=True)


def floor(label: str, url: str, held: int | None) -> None:
    """The sleeping graph's 16 runs, each as remote.py sends a paper: a thread, a background run
    streaming "tasks", the stream joined, the run and the thread read back. `held`: runs the
    client keeps in the deployment at once (None: all queued)."""
    from langgraph_sdk import get_client

    async def batch() -> float:
        sdk, slots = get_client(url=url), asyncio.Semaphore(held or PAPERS)

        async def one(i: int) -> None:
            async with slots:
                thread = (await sdk.threads.create(metadata={"source": f"paper{i}"}))["thread_id"]
                run = await sdk.runs.create(
                    thread, "sleeping", input={"source": f"paper{i}"}, stream_mode="tasks", stream_resumable=True
                )
                async for _ in sdk.runs.join_stream(thread, run["run_id"], stream_mode="tasks"):
                    pass
                assert (await sdk.runs.get(thread, run["run_id"]))["status"] == "success"
                await sdk.threads.get(thread)

        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(PAPERS)))
        return time.perf_counter() - began

    asyncio.run(batch())  # untimed, as for the papers
    report(label, 8, [asyncio.run(batch()) for _ in range(REPEATS)])


def local_batch(papers: list[str], settings: dict[str, Any], concurrency: int, folder: Path) -> list[BatchItem]:
    """The local batch, on a database of its own: a new reading list, as a user runs one."""
    folder.mkdir(parents=True, exist_ok=True)
    db = tempfile.mktemp(suffix=".sqlite", dir=folder)
    return runner.summarize_many(
        papers, Context(**settings), concurrency=concurrency, checkpoint_db=db, output_dir=folder
    )


def main() -> None:
    model = ScriptedServer(script).start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        papers = [str(write_paper(folder, f"paper{i}.md", paper_markdown(seed=i))) for i in range(PAPERS)]
        settings = {"model": "openai:scripted", "base_url": model.url, "min_words": 100}

        def send(url: str, papers: list[str], settings: dict[str, Any], **options: Any) -> list[BatchItem]:
            return runner.summarize_many(papers, settings, server=url, **options)

        # The CLI's default: every paper queued at once; the deployment's worker runs `jobs` at a time.
        for jobs in (1, 8):
            log = folder / f"langgraph-dev-{jobs}.log"
            with running_langgraph_dev(log, jobs=jobs, graphs=SLEEPING, **SCRIPTED_MODEL) as url:
                # One paper first, untimed: a deployment is long-running, its graph and clients loaded.
                send(url, papers[:1], settings, concurrency=None, output_dir=folder / f"warm{jobs}")
                run = functools.partial(send, url, papers, settings, concurrency=None, output_dir=folder / f"s{jobs}")
                measure(f"server, queued, worker runs {jobs} at once", jobs, model, run)
                if jobs == 8:
                    floor("  floor: the sleeping graph, the same way", url, None)
        # --concurrency 8: the client holds at most 8 papers in the deployment (a 10-job worker).
        log = folder / "langgraph-dev-10.log"
        with running_langgraph_dev(log, jobs=10, graphs=SLEEPING, **SCRIPTED_MODEL) as url:
            send(url, papers[:1], settings, concurrency=1, output_dir=folder / "warm10")
            run = functools.partial(send, url, papers, settings, concurrency=8, output_dir=folder / "capped")
            measure("server, --concurrency 8", 8, model, run)
            floor("  floor: the sleeping graph, the same way", url, 8)
        runner.summarize_many(
            papers[:1], Context(**settings), checkpoint_db=f"{tmp}/warm.sqlite", output_dir=folder / "w"
        )
        for concurrency in (1, 8):
            run = functools.partial(local_batch, papers, settings, concurrency, folder / f"local{concurrency}")
            measure(f"local, --concurrency {concurrency}", concurrency, model, run)
    model.stop()


if __name__ == "__main__":
    main()
