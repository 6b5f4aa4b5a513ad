"""The graph is the product: its final state is the result, for every caller. One test for each
defect the code review found, each of which failed on the code before the final node."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command

from paper_summarizer import local, runner
from paper_summarizer.context import Context
from paper_summarizer.errors import GraphSetupError
from paper_summarizer.graph import build_graph
from paper_summarizer.nodes.review import reading
from paper_summarizer.state import Status
from tests.factories import paper_markdown, summary, write_paper
from tests.fakes import RecordingFake, script
from tests.graph_runs import invoke, state_of
from tests.scripted_server import request_of, verdict_json

Fakes = dict[str, RecordingFake]
NEEDS_WORK = verdict_json("NEEDS_IMPROVEMENT", "Explain the gates.", passed=False)


def context(**extra: Any) -> Context:
    return Context(model="writer", evaluator_model="judge", min_words=100, **extra)


def test_invoke_returns_the_result_with_the_best_attempt_at_the_cap(fakes: Fakes, tmp_path: Path) -> None:
    best, worse = summary(150, seed=1), summary(150, seed=2)
    script(fakes, "writer", [best, worse])
    script(
        fakes, "judge", [verdict_json("NEEDS_IMPROVEMENT", "One point.", passed=[True, True, True, False]), NEEDS_WORK]
    )
    graph = build_graph(InMemorySaver(), InMemoryStore())
    out = invoke(
        graph,
        {"source": str(write_paper(tmp_path))},
        {"configurable": {"thread_id": "t"}},
        context=context(max_iterations=2, sources=False),  # sources: test_claims.py
    )
    result = out["result"]
    assert set(out) == {"source", "paper", "result"}  # the declared output schema, nothing internal
    assert result["status"] == Status.CAP_REACHED and result["rounds"] == 2
    assert result["best_round"] == 1 and result["summary"] == best.strip()  # not the last attempt
    assert result["markdown"].startswith(best.strip())
    assert "Summary written by writer; judged by judge (paper-summarizer, thread t)." in result["markdown"]
    assert [a["summary"] for a in result["attempts"]] == [best.strip(), worse.strip()]  # texts, not store keys
    assert result["usage"]["input_tokens"] >= 0 and result["writer"] == "writer"


def test_a_new_input_on_a_used_thread_starts_a_new_run(fakes: Fakes, tmp_path: Path) -> None:
    writer = script(fakes, "writer", [summary(150, seed=1), summary(150, seed=2)])
    script(fakes, "judge", [NEEDS_WORK, verdict_json("PASS")])
    graph = build_graph(InMemorySaver(), InMemoryStore())
    config: Any = {"configurable": {"thread_id": "t"}}
    invoke(graph, {"source": str(write_paper(tmp_path))}, config, context=context(max_iterations=1))
    other = write_paper(tmp_path, name="other.md", text=paper_markdown(seed=3))
    out = invoke(graph, {"source": str(other)}, config, context=context(max_iterations=1))
    assert out["result"]["status"] == Status.PASSED and out["result"]["rounds"] == 1
    assert [a["round"] for a in state_of(graph, config).values["attempts"]] == [1]
    assert request_of(str(writer.prompts[1][-1].content)).startswith("Role: writer. Write")  # not a revision


def test_a_graph_without_a_store_fails_at_once_and_says_how_to_pass_one(fakes: Fakes, tmp_path: Path) -> None:
    graph = build_graph(InMemorySaver())
    with pytest.raises(GraphSetupError, match=r"build_graph\(checkpointer=\.\.\., store=\.\.\.\)"):
        invoke(graph, {"source": str(write_paper(tmp_path))}, {"configurable": {"thread_id": "t"}}, context=context())


def test_explicit_settings_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPER_SUMMARIZER_MAX_ITERATIONS", "9")
    monkeypatch.setenv("PAPER_SUMMARIZER_HUMAN_REVIEW", "1")
    assert Context(max_iterations=4).max_iterations == 4  # explicit, though equal to the default
    assert Context().max_iterations == 9
    restored = Context.restore({"max_iterations": 4, "human_review": False, "dropped_field": 1})
    assert (restored.max_iterations, restored.human_review) == (4, False)


@pytest.mark.parametrize("answer", ["", "   ", {"feedback": ""}, {"action": "reject"}, {"action": "maybe"}, None])
def test_an_unclear_review_answer_is_never_an_approval(answer: Any) -> None:
    assert reading(answer)[0] == "unclear"


@pytest.mark.parametrize("answer", ["approve", "Approved.", {"action": "approve"}])
def test_only_an_explicit_approval_approves(answer: Any) -> None:
    assert reading(answer) == ("approve", "")


def test_review_asks_again_and_a_rejected_pass_is_revised_once_without_all_criteria_met(
    fakes: Fakes, tmp_path: Path
) -> None:
    writer = script(fakes, "writer", [summary(150, seed=1), summary(150, seed=2)])
    script(fakes, "judge", [verdict_json("PASS"), verdict_json("PASS")])
    graph = build_graph(InMemorySaver(), InMemoryStore())
    config: Any = {"configurable": {"thread_id": "t"}}
    ctx = context(human_review=True)
    invoke(graph, {"source": str(write_paper(tmp_path))}, config, context=ctx)
    invoke(graph, Command(resume=""), config, context=ctx)  # unclear: asked again, not approved
    snapshot = state_of(graph, config)
    assert snapshot.interrupts and "neither an approval nor feedback" in snapshot.interrupts[0].value["problem"]
    invoke(graph, Command(resume="Name the dataset."), config, context=ctx)
    revise = str(writer.prompts[1][-1].content)
    assert revise.count("Name the dataset.") == 1 and "All criteria met" not in revise
    out = invoke(graph, Command(resume={"action": "approve"}), config, context=ctx)
    assert out["result"]["status"] == Status.PASSED and "approved by a human reviewer" in out["result"]["checked_by"]


def test_resume_with_a_higher_cap_runs_more_rounds_and_stores_the_override(fakes: Fakes, tmp_path: Path) -> None:
    script(fakes, "writer", [summary(150, seed=1), summary(150, seed=2)])
    script(fakes, "judge", [NEEDS_WORK, verdict_json("PASS")])
    db = str(tmp_path / "c.sqlite")
    first = runner.summarize(
        str(write_paper(tmp_path)), context(max_iterations=1), checkpoint_db=db, output_dir=tmp_path
    )
    assert first.status == Status.CAP_REACHED and first.rounds == 1
    again = runner.resume(first.thread_id, checkpoint_db=db, overrides={"max_iterations": 3})
    assert again.status == Status.PASSED and again.rounds == 2
    assert runner.threads(checkpoint_db=db)[0].status == Status.PASSED


def test_the_model_is_resolved_once_and_kept_on_resume(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paper_summarizer import models

    script(fakes, models.DEFAULT_OPENAI, [summary(150, seed=1), summary(150, seed=2)])
    script(fakes, "judge", [NEEDS_WORK, verdict_json("PASS")])
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    db = str(tmp_path / "c.sqlite")
    ctx = Context(evaluator_model="judge", min_words=100, max_iterations=1)
    first = runner.summarize(str(write_paper(tmp_path)), ctx, checkpoint_db=db, output_dir=tmp_path)
    monkeypatch.setenv("DEEPSEEK_API_KEY", "k")  # another shell: DeepSeek would now be the default
    again = runner.resume(first.thread_id, checkpoint_db=db, overrides={"max_iterations": 2})
    assert again.result is not None
    assert [a["model"] for a in again.result["attempts"]] == [models.DEFAULT_OPENAI] * 2
    assert f"written by {models.DEFAULT_OPENAI}" in again.result["markdown"]


def test_a_batch_gives_papers_with_the_same_file_name_their_own_outputs(fakes: Fakes, tmp_path: Path) -> None:
    script(fakes, "writer", [summary(150, seed=1), summary(150, seed=2)])
    script(fakes, "judge", [verdict_json("PASS"), verdict_json("PASS")])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    papers = [write_paper(tmp_path / "a"), write_paper(tmp_path / "b", text=paper_markdown(seed=3))]
    items = runner.summarize_many(
        [str(p) for p in papers],
        context(),
        concurrency=1,
        checkpoint_db=str(tmp_path / "c.sqlite"),
        output_dir=tmp_path,
    )
    paths = sorted(str(item.result.summary_path) for item in items if item.result)
    assert paths == [str(tmp_path / "paper-2.summary.md"), str(tmp_path / "paper.summary.md")]


def test_outputs_follow_the_umask(fakes: Fakes, tmp_path: Path) -> None:
    script(fakes, "writer", [summary(150)])
    script(fakes, "judge", [verdict_json("PASS")])
    old = os.umask(0o022)
    try:
        result = runner.summarize(
            str(write_paper(tmp_path)), context(), checkpoint_db=str(tmp_path / "c.sqlite"), output_dir=tmp_path
        )
    finally:
        os.umask(old)
    assert result.summary_path is not None and result.report_path is not None
    assert result.summary_path.stat().st_mode & 0o777 == 0o644
    assert result.report_path.stat().st_mode & 0o777 == 0o644


def test_threads_tell_a_run_still_going_from_an_interrupted_one() -> None:
    from types import SimpleNamespace

    unfinished: Any = SimpleNamespace(interrupts=(), values={"attempts": []}, next=("generate",))
    assert local.status_of(unfinished, {"pid": os.getpid()}) == Status.RUNNING
    assert local.status_of(unfinished, {"pid": 2**22 + 12345}) == Status.INTERRUPTED  # no such process
    assert local.status_of(unfinished, {}) == Status.INTERRUPTED


def test_hints_name_the_command_that_works_in_this_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    from paper_summarizer.cli import command

    monkeypatch.setenv("UV", "/usr/bin/uv")
    assert command("resume abc", "runs.sqlite") == "uv run paper-summarizer resume abc --checkpoint-db runs.sqlite"
    monkeypatch.delenv("UV")
    assert command("resume abc") == "paper-summarizer resume abc"


def test_help_shows_each_settings_own_description_and_default_and_no_placeholder_for_flags() -> None:
    """The options' help is Context's own field descriptions, defaults included: one text for
    --help, `settings` and Studio's form."""
    from typer.testing import CliRunner

    from paper_summarizer.cli import app

    shown = " ".join(CliRunner().invoke(app, ["summarize", "--help"], terminal_width=200).output.split())
    assert "0: 4, or 2 for the embedded 'local' model" in shown and "Empty: the writer." in shown
    assert "PAPER_SUMMARIZER_MAX_ITERATIONS" in shown and "<undergraduate|expert|general>" in shown
    assert "<bool>" not in shown and "--review" in shown
    described = CliRunner().invoke(app, ["settings"], terminal_width=200).output
    assert all(name in described for name in Context.field_names())
