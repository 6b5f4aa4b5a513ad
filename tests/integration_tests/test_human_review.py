"""Human review through the Python API (with a checkpointer) and the CLI's --review prompt."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from paper_summarizer import Context, history, resume, summarize
from tests.conftest import start
from tests.factories import summary
from tests.integration_tests.test_cli import CLI, cli_env
from tests.scripted_server import ScriptedServer, verdict_json, writer_and_judge


def test_api_review_feedback_then_approve(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    model = start(scripted, writer_and_judge([summary(150, seed=1), summary(150, seed=2)], [verdict_json("PASS")]))
    answers = iter(["Add a section on limitations.", "approve"])
    shown: list[dict[str, Any]] = []

    def reviewer(payload: dict[str, Any]) -> str:
        shown.append(payload)
        return next(answers)

    ctx = Context(model="openai:scripted", base_url=model.url, min_words=100, human_review=True)
    result = summarize(
        str(paper), ctx, checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path, reviewer=reviewer
    )
    assert result.passed and result.rounds == 2
    assert [p["round"] for p in shown] == [1, 2]
    assert result.attempts[0]["review"] == "Add a section on limitations."
    assert "Add a section on limitations." in model.requests[2]["messages"][-1]["content"]


def test_api_without_reviewer_pauses_and_resume_answers(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path
) -> None:
    model = start(scripted, writer_and_judge([summary(150)], [verdict_json("NEEDS_IMPROVEMENT", "Meh.")]))
    db = str(tmp_path / "c.sqlite")
    ctx = Context(model="openai:scripted", base_url=model.url, min_words=100, human_review=True)
    paused = summarize(str(paper), ctx, thread_id="r", checkpoint_db=db, output_dir=tmp_path)
    assert paused.status == "awaiting review" and paused.summary_path is None
    done = resume("r", checkpoint_db=db, reviewer=lambda payload: "approve")
    assert done.passed and history("r", checkpoint_db=db).attempts[0]["review"] == "approved"


def test_cli_review_prompt(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    model = start(scripted, writer_and_judge([summary(150, seed=1), summary(150, seed=2)], [verdict_json("PASS")]))
    env = cli_env(tmp_path)
    args = ["--review", "--model", "openai:scripted", "--base-url", model.url, "--min-words", "100"]
    answers = "Shorter sentences, please.\napprove\n"
    done = subprocess.run(
        [*CLI, "summarize", str(paper), *args], cwd=tmp_path, env=env, input=answers, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("round 1: summary for review") == 1 and "round 2: summary for review" in done.stderr
    assert "Shorter sentences, please." in model.requests[2]["messages"][-1]["content"]
