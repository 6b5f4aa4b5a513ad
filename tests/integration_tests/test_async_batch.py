"""The local batch runs on the async path: papers share one event loop, one SQLite file and one
model endpoint, and their model calls overlap instead of waiting for each other."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from paper_summarizer import runner
from paper_summarizer.context import Context
from tests.conftest import start
from tests.factories import paper_markdown, summary, write_paper
from tests.fakes import RecordingFake, script
from tests.scripted_server import Reply, ScriptedServer, role_of, verdict_json


def test_eight_papers_at_once_on_one_sqlite_file_all_finish(fakes: dict[str, RecordingFake], tmp_path: Path) -> None:
    """Concurrent papers read and write the store between each other's checkpoints; with a
    connection each, SQLite refused the store's writes ("database is locked")."""
    n = 8
    script(fakes, "writer", [summary(150, seed=i + 1) for i in range(n)])  # seed 0 would copy paper 0
    script(fakes, "judge", [verdict_json("PASS")] * n)
    papers = [str(write_paper(tmp_path, f"p{i}.md", paper_markdown(seed=i))) for i in range(n)]
    db = str(tmp_path / "c.sqlite")
    ctx = Context(model="writer", evaluator_model="judge", min_words=100)
    items = runner.summarize_many(papers, ctx, concurrency=n, checkpoint_db=db, output_dir=tmp_path / "out")
    assert [i.error for i in items] == [None] * n
    assert all(i.result and i.result.passed for i in items)
    listed = runner.threads(checkpoint_db=db)
    assert sorted(t.thread_id for t in listed) == sorted(i.thread_id for i in items)
    assert all(t.status == "passed" and t.rounds == 1 for t in listed)
    assert len(list((tmp_path / "out").glob("*.summary.md"))) == n


def test_the_batchs_model_calls_overlap(scripted: list[ScriptedServer], tmp_path: Path) -> None:
    in_flight, most = 0, 0
    lock = threading.Lock()

    def slow(body: dict[str, Any], number: int) -> Reply:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.3)  # the model's latency, while the others' requests arrive
        with lock:
            in_flight -= 1
        return Reply(summary(150) if role_of(body) == "writer" else verdict_json("PASS"))

    model = start(scripted, slow)
    papers = [str(write_paper(tmp_path, f"p{i}.md", paper_markdown(seed=i))) for i in range(4)]
    ctx = Context(model="openai:scripted", base_url=model.url, min_words=100)
    items = runner.summarize_many(
        papers, ctx, concurrency=4, checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path / "out"
    )
    assert all(i.result and i.result.passed for i in items), [i.error for i in items]
    assert most == 4  # every paper's call was in flight at once: none waited for another's
