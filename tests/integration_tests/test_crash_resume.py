"""kill -9 in the middle of round 2, then `resume`: the run finishes, fetch ran once, and no
round that had finished before the kill is generated again. With SQLite and with PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import start
from tests.factories import summary
from tests.integration_tests.test_cli import CLI, cli, cli_env
from tests.scripted_server import Reply, ScriptedServer, role_of, verdict_json, writer_and_judge


def _kill_mid_round_two(scripted: list[ScriptedServer], paper: Path, tmp_path: Path, db: str) -> ScriptedServer:
    replies = writer_and_judge(
        [summary(150, seed=1), summary(150, seed=2)],
        [verdict_json("NEEDS_IMPROVEMENT", "More detail."), verdict_json("PASS")],
    )
    in_round_two = threading.Event()

    def script(body: dict[str, Any], n: int) -> Reply:
        if n == 3:  # round 2's writer: hold the reply until the client is killed
            in_round_two.set()
            return Reply(content=summary(150, seed=2), delay=5)
        return replies(body, n)

    server = start(scripted, script)
    env = cli_env(tmp_path)
    args = ["--model", "openai:scripted", "--base-url", server.url, "--min-words", "100", "--checkpoint-db", db]
    proc = subprocess.Popen(
        [*CLI, "summarize", str(paper), "--thread-id", "crash", *args], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert in_round_two.wait(60), proc.communicate(timeout=10)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.2)

    resumed = cli("resume", "crash", "--checkpoint-db", db, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "paper.summary.md").is_file()
    # Round 1 (writer + judge) ran once; round 2's writer was cut off by the kill and asked again.
    assert [role_of(r) for r in server.requests] == ["writer", "reviewer", "writer", "writer", "reviewer"]
    return server


def test_kill_9_then_resume_with_sqlite(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    import sqlite3

    db = str(tmp_path / "c.sqlite")
    _kill_mid_round_two(scripted, paper, tmp_path, db)
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute("SELECT count(*) FROM writes WHERE thread_id='crash' AND channel='paper'").fetchone()[0] == 1
        )


@pytest.mark.postgres
def test_kill_9_then_resume_with_postgres(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path, postgres_url: str
) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS crash_test")
        conn.execute("CREATE DATABASE crash_test")
    url = postgres_url.rsplit("/", 1)[0] + "/crash_test"
    _kill_mid_round_two(scripted, paper, tmp_path, url)
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM checkpoint_writes WHERE thread_id='crash' AND channel='paper'"
        ).fetchone()
        assert row is not None and row[0] == 1


def test_ctrl_c_says_how_to_resume_and_resume_finishes(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path
) -> None:
    replies = writer_and_judge([summary(150)], [verdict_json("PASS")])
    waiting = threading.Event()

    def script(body: dict[str, Any], n: int) -> Reply:
        if n == 1:
            waiting.set()
            return Reply(summary(150), delay=3)
        return replies(body, n)

    server = start(scripted, script)
    env = cli_env(tmp_path)
    db = str(tmp_path / "c.sqlite")
    args = ["--model", "openai:scripted", "--base-url", server.url, "--min-words", "100", "--checkpoint-db", db]
    proc = subprocess.Popen(
        [*CLI, "summarize", str(paper), "--thread-id", "ctrlc", *args], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert waiting.wait(60)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert f"paper-summarizer resume ctrlc --checkpoint-db {db}" in stderr and "Traceback" not in stderr
    resumed = cli("resume", "ctrlc", "--checkpoint-db", db, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr


def test_kill_9_in_the_second_paper_of_a_reading_list_then_resume_asks_nothing_about_the_first(
    scripted: list[ScriptedServer], tmp_path: Path
) -> None:
    """`summarize A B --synthesis --concurrency 1`, killed while paper 2 is being written; `resume`
    on the list's thread finishes paper 2 and the overview, and sends no request about paper 1."""
    from tests.factories import LIST_TITLES, list_summary, overview, write_reading_list

    second = threading.Event()

    def script(body: dict[str, Any], n: int) -> Reply:
        if role_of(body) == "reviewer":
            return Reply(verdict_json("PASS", n_criteria=6))
        content = next(str(m["content"]) for m in body["messages"] if m["role"] == "user")
        if "reading list" in content:
            return Reply(overview(cited=(1, 2)))
        title = next(t for t in LIST_TITLES if f"# {t}\n" in content)
        if title == LIST_TITLES[1] and not second.is_set():
            # Paper 2's writer: once paper 1 is judged (its key facts and fact-check answered, and a
            # moment to checkpoint its last steps), hold the reply until the client is killed.
            deadline = time.monotonic() + 30
            while len(server.fact_requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.0)
            second.set()
            return Reply(content=list_summary(title), delay=5)
        return Reply(list_summary(title))

    server = start(scripted, script)
    papers = write_reading_list(tmp_path)[:2]
    args = ["--model", "openai:scripted", "--base-url", server.url, "--min-words", "100"]
    proc = subprocess.Popen(
        [*CLI, "summarize", *papers, "--synthesis", "--concurrency", "1", "--thread-id", "list", *args],
        cwd=tmp_path, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert second.wait(60), proc.communicate(timeout=10)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    time.sleep(0.2)
    asked_before = len(server.requests), len(server.fact_requests)

    resumed = cli("resume", "list", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "synthesis.md").is_file() and (tmp_path / "paper-1.summary.md").is_file()
    after = [*server.requests[asked_before[0] :], *server.fact_requests[asked_before[1] :]]
    firsts = [next(str(m["content"]) for m in r["messages"] if m["role"] == "user") for r in after]
    about_paper_one = [c for c in firsts if f"# {LIST_TITLES[0]}\n" in c and "reading list" not in c]
    assert after and about_paper_one == []
