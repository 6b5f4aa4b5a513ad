"""The graph served by the real `langgraph dev` server, driven by the real langgraph_sdk client,
with a scripted model server: runs, state, history, streaming, and human review."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_sync_client
from langgraph_sdk.client import SyncLangGraphClient

from tests.conftest import REPO, start
from tests.factories import paper_markdown, summary
from tests.scripted_server import ScriptedServer, verdict_json, writer_and_judge

GRAPH = "paper_summarizer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("langgraph-dev") / "server.log"  # outside the repo: no reload loops
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("PAPER_SUMMARIZER_")}
    env.update(LANGGRAPH_CLI_NO_ANALYTICS="1", LANGSMITH_TRACING="false")
    langgraph = Path(sys.executable).with_name("langgraph")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(langgraph), "dev", "--no-browser", "--no-reload", "--port", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"langgraph dev exited: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        else:
            pytest.fail(f"langgraph dev did not answer /ok: {log.read_text()[-2000:]}")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def paper_url(file_server: tuple[Path, str]) -> str:
    folder, base = file_server
    (folder / "paper.md").write_text(paper_markdown())
    return f"{base}/paper.md"


def context(model: ScriptedServer, **extra: Any) -> dict[str, Any]:
    return {"model": "openai:scripted", "base_url": model.url, "min_words": 100, **extra}


def test_run_to_pass_then_read_state_and_history(
    server_url: str, scripted: list[ScriptedServer], paper_url: str
) -> None:
    model = start(
        scripted,
        writer_and_judge(
            [summary(150, seed=1), summary(150, seed=2)],
            [verdict_json("NEEDS_IMPROVEMENT", "More."), verdict_json("PASS")],
        ),
    )
    client = get_sync_client(url=server_url)
    thread = client.threads.create()
    final = client.runs.wait(thread["thread_id"], GRAPH, input={"source": paper_url}, context=context(model))
    assert isinstance(final, dict)
    assert [a["verdict"]["evaluation"] for a in final["attempts"]] == ["NEEDS_IMPROVEMENT", "PASS"]
    state = client.threads.get_state(thread["thread_id"])
    assert state["next"] == [] and state["values"]["summary"].startswith("# A Clear Summary")
    assert state["values"]["paper"]["title"] == "Gated Judges for Summaries"
    history = client.threads.get_history(thread["thread_id"], limit=50)
    rounds_seen = [len(h["values"].get("attempts") or []) for h in history]
    assert max(rounds_seen) == 2 and min(rounds_seen) == 0  # every step, from the input to the end


def test_stream_shows_node_updates_as_they_happen(
    server_url: str, scripted: list[ScriptedServer], paper_url: str
) -> None:
    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    client = get_sync_client(url=server_url)
    thread = client.threads.create()
    seen = []
    for part in client.runs.stream(
        thread["thread_id"],
        GRAPH,
        input={"source": paper_url},
        context=context(model),
        stream_mode=["updates", "messages"],
    ):
        if part.event == "updates":
            seen += list(part.data)
        elif part.event.startswith("messages"):
            seen.append("token")
    nodes = [n for n in seen if n != "token"]
    assert nodes == ["fetch", "generate", "evaluate"]
    assert "token" in seen  # the writer's tokens stream too


def test_served_graph_does_not_read_local_files(server_url: str, scripted: list[ScriptedServer]) -> None:
    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    client = get_sync_client(url=server_url)
    thread = client.threads.create()
    run = client.runs.create(
        thread["thread_id"], GRAPH, input={"source": str(REPO / "README.md")}, context=context(model)
    )
    client.runs.join(thread["thread_id"], run["run_id"])
    assert client.runs.get(thread["thread_id"], run["run_id"])["status"] == "error"
    assert model.requests == []


def _review(client: SyncLangGraphClient, thread_id: str, answer: str, model: ScriptedServer) -> dict[str, Any]:
    client.runs.wait(thread_id, GRAPH, command={"resume": answer}, context=context(model, human_review=True))
    return dict(client.threads.get_state(thread_id))


def test_human_review_feedback_then_approve(server_url: str, scripted: list[ScriptedServer], paper_url: str) -> None:
    model = start(scripted, writer_and_judge([summary(150, seed=1), summary(150, seed=2)], [verdict_json("PASS")]))
    client = get_sync_client(url=server_url)
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, GRAPH, input={"source": paper_url}, context=context(model, human_review=True))
    state = client.threads.get_state(thread_id)
    assert state["next"] == ["review"]
    payload = state["tasks"][0]["interrupts"][0]["value"]
    assert payload["round"] == 1 and payload["verdict"] == "PASS" and payload["summary"].startswith("# A Clear")

    state = _review(client, thread_id, "Please explain the method in simpler words.", model)
    assert state["next"] == ["review"]  # round 2 was written and judged, and waits for review again
    attempts = state["values"]["attempts"]
    assert attempts[0]["review"] == "Please explain the method in simpler words."
    assert attempts[0]["verdict"]["evaluation"] == "NEEDS_IMPROVEMENT"
    assert "Please explain the method in simpler words." in model.requests[2]["messages"][-1]["content"]

    state = _review(client, thread_id, "approve", model)
    assert state["next"] == []
    assert [a["verdict"]["evaluation"] for a in state["values"]["attempts"]] == ["NEEDS_IMPROVEMENT", "PASS"]
