"""Batch throughput: 20 papers against a scripted model server that takes 0.5 s per call; each
paper passes at round 2 (4 calls). Wall time at --concurrency 1 and 8, against the ideal
(calls x latency / concurrency). Target: within 1.3x of ideal at concurrency 8.

Run: uv run python benchmarks/batch_throughput.py
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paper_summarizer import Context
from paper_summarizer.runner import summarize_many
from tests.factories import paper_markdown, summary, write_paper
from tests.scripted_server import Reply, ScriptedServer, role_of, verdict_json

PAPERS, LATENCY, CALLS_PER_PAPER = 20, 0.5, 4
FIRST, SECOND = summary(150, seed=1), summary(150, seed=2)


def script(body: dict[str, Any], n: int) -> Reply:
    """Stateless, so papers can interleave: round 1 is sent back, round 2 passes."""
    last = body["messages"][-1]["content"]
    if role_of(body) == "writer":
        return Reply(SECOND if "previous summary" in last else FIRST, delay=LATENCY)
    passed = SECOND.strip() in last
    return Reply(verdict_json("PASS") if passed else verdict_json("NEEDS_IMPROVEMENT", "Add detail."), delay=LATENCY)


def main() -> None:
    server = ScriptedServer(script).start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        papers = [str(write_paper(folder, f"paper{i}.md", paper_markdown(seed=i))) for i in range(PAPERS)]
        ctx = Context(model="openai:scripted", base_url=server.url, min_words=100)
        for concurrency in (1, 8):
            start = len(server.requests)
            began = time.perf_counter()
            items = summarize_many(
                papers,
                ctx,
                concurrency=concurrency,
                checkpoint_db=f"{tmp}/c{concurrency}.sqlite",
                output_dir=folder / f"out{concurrency}",
            )
            wall = time.perf_counter() - began
            calls = len(server.requests) - start
            assert all(i.result and i.result.passed and i.result.rounds == 2 for i in items), [i.error for i in items]
            assert calls == PAPERS * CALLS_PER_PAPER, calls
            ideal = calls * LATENCY / concurrency
            print(
                f"concurrency {concurrency}: {PAPERS} papers, {calls} calls, "
                f"wall {wall:.2f} s, ideal {ideal:.2f} s, ratio {wall / ideal:.2f}x "
                f"(whole papers per worker: floor {math.ceil(PAPERS / concurrency) * CALLS_PER_PAPER * LATENCY:.2f} s)"
            )
    server.stop()


if __name__ == "__main__":
    main()
