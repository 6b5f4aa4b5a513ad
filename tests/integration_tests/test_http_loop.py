"""The loop through the real langchain-openai / langchain-deepseek clients and real HTTP, against
a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import openai
import pytest

from paper_summarizer import Context, history, prompts, resume, summarize
from tests.conftest import start
from tests.factories import TITLE, summary
from tests.scripted_server import Reply, ScriptedServer, role_of, verdict_json, writer_and_judge


def ctx(server: ScriptedServer, **kw: Any) -> Context:
    return Context(model="openai:scripted", base_url=server.url, min_words=100, **kw)


def test_pass_on_round_two_with_feedback_in_the_next_prompt(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path
) -> None:
    server = start(
        scripted,
        writer_and_judge(
            [summary(150, seed=1), summary(150, seed=2)],
            [verdict_json("NEEDS_IMPROVEMENT", "Define the word gate."), verdict_json("PASS")],
        ),
    )
    result = summarize(str(paper), ctx(server), checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path / "out")
    assert result.passed and result.status == "passed" and result.rounds == 2 and result.best_round == 2
    assert server.roles() == ["writer", "reviewer", "writer", "reviewer"]
    round_two = server.requests[2]["messages"][-1]["content"]
    assert "Define the word gate." in round_two
    assert result.summary_path is not None and result.summary_path.read_text().startswith(f"# {TITLE}")
    assert "judged by openai:scripted" in result.summary_path.read_text()
    report = json.loads(result.report_path.read_text())  # type: ignore[union-attr]
    assert [a["verdict"]["evaluation"] for a in report["attempts"]] == ["NEEDS_IMPROVEMENT", "PASS"]
    assert report["usage"]["input_tokens"] > 0


def test_cap_reached_writes_the_best_attempt_and_says_what_fails(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path
) -> None:
    server = start(
        scripted,
        writer_and_judge(
            [summary(150, seed=1), "# Short\n\nNot enough."],
            [verdict_json("NEEDS_IMPROVEMENT", "Be clearer.", passed=[True, True, True, False])],
        ),
    )
    result = summarize(
        str(paper), ctx(server, max_iterations=2), checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path
    )
    assert result.status == "cap reached" and not result.passed and result.rounds == 2
    assert result.best_round == 1  # round 2 failed a gate; round 1 failed one judged criterion
    assert result.failing == [prompts.criteria(Context())[3]]
    text = result.summary_path.read_text()  # type: ignore[union-attr]
    assert "Did not pass within 2 rounds" in text and "best attempt (round 1)" in text


def test_deepseek_reasoning_content_is_kept(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    server = start(
        scripted, writer_and_judge([Reply(summary(150), reasoning="First I list the gates.")], [verdict_json("PASS")])
    )
    context = Context(model="deepseek:deepseek-reasoner", base_url=server.url, min_words=100)
    result = summarize(str(paper), context, checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path)
    assert result.passed
    assert result.attempts[0]["reasoning"] == "First I list the gates."


def test_malformed_verdicts_cost_the_writer_no_round(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path
) -> None:
    server = start(
        scripted,
        writer_and_judge(
            [summary(150, seed=1), summary(150, seed=2)],
            ["{not json", '```json\n{"evaluation": "MAYBE"}\n```', "<think>hmm</think>" + verdict_json("PASS")],
        ),
    )
    result = summarize(
        str(paper), ctx(server, max_iterations=3), checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path
    )
    # Unreadable, then sent back with the error and unreadable again: the node fails with a
    # retryable error, and the graph judges the same summary again, which passes.
    assert result.passed and result.rounds == 1
    assert server.roles() == ["writer", "reviewer", "reviewer", "reviewer"]
    resent = server.requests[2]["messages"]
    assert resent[-2] == {"role": "assistant", "content": "{not json"}
    assert "could not be read" in resent[-1]["content"]


def test_a_500_is_retried_with_backoff(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    replies = writer_and_judge([summary(150)], [verdict_json("PASS")])
    server = start(scripted, lambda body, n: Reply(status=500) if n == 1 else replies(body, n))
    result = summarize(str(paper), ctx(server), checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path)
    assert result.passed and len(server.requests) == 3


def test_a_401_stops_at_once(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    server = start(scripted, lambda body, n: Reply(status=401))
    with pytest.raises(openai.AuthenticationError):
        summarize(str(paper), ctx(server), checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path)
    assert len(server.requests) == 1


def test_resume_after_an_error_in_generate_reruns_nothing_finished(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path
) -> None:
    healthy = {"on": False}
    replies = writer_and_judge(
        [summary(150, seed=1), summary(150, seed=2)], [verdict_json("NEEDS_IMPROVEMENT", "More."), verdict_json("PASS")]
    )

    def script(body: dict[str, Any], n: int) -> Reply:
        if n == 3 and not healthy["on"]:
            return Reply(status=400)  # permanent: the run stops in round 2's generate
        return replies(body, n)

    server = start(scripted, script)
    db = str(tmp_path / "c.sqlite")
    with pytest.raises(openai.BadRequestError):
        summarize(str(paper), ctx(server), thread_id="t1", checkpoint_db=db, output_dir=tmp_path)
    assert history("t1", checkpoint_db=db).status == "interrupted"
    healthy["on"] = True
    result = resume("t1", checkpoint_db=db)
    assert result.passed and result.rounds == 2
    # Round 1 was written and judged once; round 2's writer was asked twice (failed, then ok).
    assert [role_of(r) for r in server.requests] == ["writer", "reviewer", "writer", "writer", "reviewer"]
    with sqlite3.connect(db) as conn:
        fetches = conn.execute("SELECT count(*) FROM writes WHERE thread_id='t1' AND channel='paper'").fetchone()[0]
    assert fetches == 1


def test_api_key_never_reaches_the_database_or_outputs(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-DO-NOT-STORE-4242"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    server = start(scripted, writer_and_judge([summary(150)], [verdict_json("PASS")]))
    db = tmp_path / "c.sqlite"
    result = summarize(str(paper), ctx(server), checkpoint_db=str(db), output_dir=tmp_path / "out")
    assert result.passed
    for path in [db, *(tmp_path / "out").iterdir()]:
        assert secret.encode() not in path.read_bytes(), path


def test_token_totals_add_up_and_cost_is_estimated(scripted: list[ScriptedServer], paper: Path, tmp_path: Path) -> None:
    server = start(
        scripted,
        writer_and_judge(
            [summary(150, seed=1), summary(150, seed=2)],
            [verdict_json("NEEDS_IMPROVEMENT", "More."), verdict_json("PASS")],
        ),
    )
    context = ctx(server, input_price=1.0, output_price=2.0)
    result = summarize(str(paper), context, checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path)
    report = json.loads(result.report_path.read_text())  # type: ignore[union-attr]
    rounds = report["attempts"]
    for key in ("input_tokens", "output_tokens"):
        per_call = [r["usage"][key] for r in rounds] + [r["verdict"]["usage"][key] for r in rounds]
        assert all(n > 0 for n in per_call)
        assert report["usage"][key] == sum(per_call) + report["condense_usage"][key]
    # The scripted server bills len(prompt)/4 tokens: the totals are the server's own numbers.
    # Every call counts: the writer's, and the judge's criteria, key facts and fact-checks.
    assert report["usage"]["input_tokens"] == sum(
        sum(len(m["content"]) for m in r["messages"]) // 4 for r in server.requests + server.fact_requests
    )
    expected = (report["usage"]["input_tokens"] * 1.0 + report["usage"]["output_tokens"] * 2.0) / 1e6
    assert report["cost_usd"] == pytest.approx(expected)


def test_a_script_can_summarize_twice_in_one_process(
    scripted: list[ScriptedServer], paper: Path, tmp_path: Path
) -> None:
    """Each call runs in its own event loop; a model client kept from the first call held that
    loop's connections, and the second call died with "Event loop is closed"."""
    script = writer_and_judge([summary(150, seed=1), summary(150, seed=2)], [verdict_json("PASS")] * 2)
    server = ScriptedServer(script, keep_alive=True).start()
    scripted.append(server)
    for n in (1, 2):
        result = summarize(
            str(paper), ctx(server), checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path / str(n)
        )
        assert result.passed, n
