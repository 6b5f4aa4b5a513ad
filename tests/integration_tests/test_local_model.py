"""The embedded SmolLM2-135M, for real: served by xllamacpp on 127.0.0.1 and reached through the
same ChatOpenAI client as any endpoint. A 135M model's wording is not asserted, only mechanics."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from paper_summarizer import Context, models, prompts, summarize
from tests.conftest import SAMPLE_PAPER, start
from tests.defects import GOOD
from tests.integration_tests.test_cli import cli
from tests.scripted_server import ScriptedServer, request_of, writer_and_judge

pytestmark = pytest.mark.local_model


def test_sample_paper_end_to_end_with_no_api_key(tmp_path: Path) -> None:
    done = cli(
        "summarize",
        str(SAMPLE_PAPER),
        "--max-iterations",
        "2",
        "--max-output-tokens",
        "300",
        "--output-dir",
        "out",
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode in (0, 3), done.stderr
    assert "using the embedded SmolLM2-135M" in done.stderr
    summary_path = tmp_path / done.stdout.strip()
    assert summary_path.is_file() and "Summary written by SmolLM2-135M-Instruct (embedded)" in summary_path.read_text()
    report = json.loads((tmp_path / "out" / "sample-paper.report.json").read_text())
    assert 1 <= report["rounds"] <= 2
    assert all(a["verdict"]["evaluation"] in ("PASS", "NEEDS_IMPROVEMENT", "FAIL") for a in report["attempts"])
    assert report["status"] == ("passed" if done.returncode == 0 else "cap reached")
    assert report["usage"]["output_tokens"] > 0  # real usage from llama.cpp's server
    with sqlite3.connect(tmp_path / "c.sqlite") as conn:
        assert conn.execute("SELECT count(DISTINCT thread_id) FROM checkpoints").fetchone()[0] == 1


def test_local_judge_answers_in_the_schema(scripted: list[ScriptedServer], tmp_path: Path) -> None:
    # A scripted writer gives a summary that clears every gate, so the local judge must answer:
    # the criteria, the key facts and each sentence. A third of the hand-written summary of the
    # sample paper (its title, approach and results) keeps the 135M judge's calls to a few.
    good = (GOOD / "sample-paper.md").read_text()
    kept = [s for s in good.split("\n## ") if s.startswith(("# ", "The approach", "The results"))]
    server = start(scripted, writer_and_judge(["\n## ".join(kept)], ["unused"]))
    context = Context(
        model="openai:scripted",
        base_url=server.url,
        evaluator_model="local",
        max_iterations=1,
        min_words=300,
        min_sections=2,
    )
    try:
        result = summarize(str(SAMPLE_PAPER), context, checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path)
    finally:
        models.shutdown()
    verdict = result.attempts[0]["verdict"]
    assert verdict["judge_model"] == "local"
    assert "could not be read" not in verdict["feedback"]  # the grammar kept it valid JSON
    assert len(verdict["criteria"]) == len(prompts.criteria(context))
    # every sentence answered in the schema (none left "not_assessed"), a few sentences a call
    assert result.result is not None and result.result["claims"]
    # A 135M judge may answer one sentence twice and skip another: that one stays "not_assessed",
    # which does not pass; every answer it gave is in the schema.
    answers = [c["verdict"] for c in result.result["claims"]]
    assert set(answers) <= {"supported", "not_supported", "contradicted", "not_assessed"}
    assert len([a for a in answers if a != "not_assessed"]) >= len(answers) / 2
    assert len(server.fact_requests) == 0  # the local judge's calls go to its own server
    assert [r for r in server.requests] and all(
        request_of(r["messages"][-1]["content"]).startswith("Role: writer") for r in server.requests
    )
